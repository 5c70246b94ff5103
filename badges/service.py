"""The badge use cases in one place, built once from the settings (bot/services.py) and held by
`Services.badges`: the fronts (the command line, the chat, the HTTP service) call these and
nothing below them. Privileged ones take an `Actor` and ask `access.policy.Policy` first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from access.policy import Actor, Policy
from badges import administering, awarding, claims, wallet
from badges import delivery as deliveries
from badges.context import BadgeContext, BadgeMessages
from badges.issuers import DeploymentIssuer, Issuers
from badges.problems import AlreadyRevoked, BadInput, UnknownAward
from badges.publishing import BadgePublisher
from badges.secret import server_secret
from index.when import Clock
from openbadges import PublicUrls
from store import badges as store_badges
from store.db import Database

SECRET_FILE = "claim-secret"  # in DATA_DIR, 0600
KEYS_DIR = "keys"  # in DATA_DIR, 0700, each key 0600
EXPORT_FORMS = ("png", "json", "ob3-jwt", "ob3-png")


@dataclass(frozen=True)
class BadgeSummary:
    badge_id: str
    opportunity_id: str
    name: dict[str, str]
    awards: int


class BadgeService:
    def __init__(self, context: BadgeContext) -> None:
        self.context = context
        self.publisher = BadgePublisher(context)

    @classmethod
    def build(
        cls,
        database: Database,
        clock: Clock,
        *,
        data_dir: Path,
        public_url: str,
        policy: Policy,
        city_slug: str,
        deployment_issuer: DeploymentIssuer | None,
        messages: BadgeMessages,
        city_name: str | None = None,
        bot_username: str | None = None,
    ) -> BadgeService:
        """The service over DATA_DIR: the claim codes' secret is made there on first start;
        the keys (DATA_DIR/keys) are opened, and the first time made, by `open_keys` (the bot
        and the HTTP service call it as they start) or else on first use."""
        context = BadgeContext(
            database=database,
            clock=clock,
            urls=PublicUrls(public_url),
            keys_dir=data_dir / KEYS_DIR,
            secret=server_secret(data_dir / SECRET_FILE),
            permissions=policy,
            issuers=Issuers(city_slug, deployment_issuer, city_name),
            messages=messages,
            bot_username=bot_username,
        )
        return cls(context)

    @property
    def urls(self) -> PublicUrls:
        return self.context.urls

    # ---- badge classes --------------------------------------------------------------------------
    def badge_classes(self) -> list[BadgeSummary]:
        """Every badge the catalogue's opportunities offer, with how many awards each has."""
        with self.context.database.session() as session:
            store_badges.add_missing(session, self.context.clock())
            return [
                BadgeSummary(
                    badge.public_id,
                    opportunity_id,
                    {k: v for k, v in (("sl", badge.name_sl), ("en", badge.name_en)) if v},
                    awards,
                )
                for badge, opportunity_id, awards in store_badges.badge_listing(session)
            ]

    # ---- an organisation's own badges (its administrators, in the chat) -------------------------
    def organisation_badges(
        self, actor: Actor, organisation_id: int, offset: int = 0
    ) -> administering.BadgePage:
        return administering.organisation_badges(self.context, actor, organisation_id, offset)

    def badge_for_admin(self, actor: Actor, badge_id: str) -> administering.AdminBadge:
        return administering.badge_for_admin(self.context, actor, badge_id)

    def check_recipient(
        self, actor: Actor, badge_id: str, telegram_id: int
    ) -> administering.AdminBadge:
        return administering.check_recipient(self.context, actor, badge_id, telegram_id)

    def earned(self, actor: Actor, badge_id: str, offset: int = 0) -> administering.EarnedPage:
        return administering.earned(self.context, actor, badge_id, offset)

    # ---- claims and evidence --------------------------------------------------------------------
    def claim_link(
        self,
        actor: Actor,
        opportunity_id: str,
        uses: int = 1,
        valid_days: int | None = None,
        needs_evidence: bool = False,
        label: str | None = None,
    ) -> claims.ClaimLink:
        return claims.make_claim_link(
            self.context, actor, opportunity_id, uses, valid_days, needs_evidence, label
        )

    def claim_links(
        self,
        actor: Actor,
        opportunity_id: str,
        count: int,
        valid_days: int | None = None,
        needs_evidence: bool = False,
    ) -> list[claims.ClaimLink]:
        """`count` one-use claim links, one per participant, in one transaction."""
        return claims.make_claim_links(
            self.context, actor, opportunity_id, count, valid_days, needs_evidence
        )

    def participant_links(
        self,
        actor: Actor,
        opportunity_id: str,
        csv_text: str,
        valid_days: int | None = None,
        needs_evidence: bool = False,
        tick: Callable[[int], None] | None = None,
    ) -> list[claims.ParticipantLink]:
        return claims.claim_links_for_participants(
            self.context, actor, opportunity_id, csv_text, valid_days, needs_evidence, tick
        )

    def redeem(self, person_id: int, code: str) -> claims.ClaimOutcome:
        return claims.redeem(self.context, person_id, code)

    def awaited_evidence(self, person_id: int) -> dict[str, str] | None:
        return claims.awaited_evidence(self.context, person_id)

    def stop_awaiting_evidence(self, person_id: int) -> bool:
        return claims.stop_awaiting_evidence(self.context, person_id)

    def submit_evidence(
        self,
        person_id: int,
        code: str | None,
        kind: str,
        text: str | None = None,
        url: str | None = None,
        telegram_file_id: str | None = None,
        file_size: int | None = None,
    ) -> claims.ClaimOutcome:
        return claims.submit_evidence(
            self.context, person_id, code, kind, text, url, telegram_file_id, file_size
        )

    def for_review(self, submission_id: int) -> tuple[claims.Review, list[int]] | None:
        """Evidence just sent, and the Telegram ids of everyone who may review it."""
        return claims.for_review(self.context, submission_id)

    def pending_reviews(self, actor: Actor, limit: int = 20) -> list[claims.Review]:
        return claims.pending_reviews(self.context, actor, limit)

    def review(self, actor: Actor, submission_id: int) -> claims.Review:
        """One submission waiting for `actor`'s review (NotAllowed, BadInput otherwise)."""
        return claims.review_of(self.context, actor, submission_id)

    def rejection(self, submission_id: int) -> claims.Rejection | None:
        """Why the learner's evidence was rejected, for them to read."""
        return claims.rejection(self.context, submission_id)

    def approve(self, actor: Actor, submission_id: int) -> str:
        return claims.approve(self.context, actor, submission_id)

    def reject(self, actor: Actor, submission_id: int, reason: str) -> None:
        claims.reject(self.context, actor, submission_id, reason)

    # ---- awards ---------------------------------------------------------------------------------
    def expiry(self, text: str) -> datetime:
        """When an award expires, from an ISO date (the end of that day in the city's time) or
        moment; BadInput unless it is in the future."""
        return awarding.expiry_of(text, self.context.clock())

    def award(
        self,
        actor: Actor,
        opportunity_id: str,
        telegram_id: int,
        evidence: str | None = None,
        expires_at: datetime | None = None,
    ) -> awarding.IssuedAward:
        return awarding.award_directly(
            self.context, actor, opportunity_id, telegram_id, evidence, expires_at
        )

    def award_many(
        self,
        actor: Actor,
        opportunity_id: str,
        telegram_ids: list[int],
        evidence: str | None = None,
        expires_at: datetime | None = None,
    ) -> awarding.BulkAwards:
        """The badge to each of them, in one transaction (who holds it already is skipped)."""
        return awarding.award_many(
            self.context, actor, opportunity_id, telegram_ids, evidence, expires_at
        )

    def revoke(self, actor: Actor, award_id: str, reason: str) -> None:
        awarding.revoke(self.context, actor, award_id, reason)
        self.publisher.changed()  # its public addresses answer 410 at once

    def set_expiry(self, actor: Actor, award_id: str, expires_at: datetime | None) -> None:
        awarding.set_expiry(self.context, actor, award_id, expires_at)
        self.publisher.changed()

    def who_earned(self, actor: Actor, opportunity_id: str) -> list[tuple[str, int | None]]:
        return awarding.who_earned(self.context, actor, opportunity_id)

    def export(self, actor: Actor, award_id: str, form: str) -> bytes:
        """An award as a file: `png` (baked with the OB 2.0 assertion), `json` (the assertion),
        `ob3-jwt` (the VC-JWT) or `ob3-png` (baked with it). A revoked award's OB 2.0 forms are
        refused (its assertion is gone)."""
        if form not in EXPORT_FORMS:
            raise BadInput(f"export as one of {', '.join(EXPORT_FORMS)}")
        with self.context.database.session() as session:
            found = store_badges.award(session, award_id)
            if found is None:
                raise UnknownAward(f"no award '{award_id}'")
            awarding.require(self.context, session, actor, found.badge_class)
        publisher = self.publisher
        published = {
            "png": publisher.baked_png,
            "json": publisher.assertion,
            "ob3-jwt": publisher.credential,
            "ob3-png": publisher.credential_png,
        }[form](award_id)
        if published is None:
            raise UnknownAward(f"no award '{award_id}'")
        if published.status == 410:
            raise AlreadyRevoked(f"the award '{award_id}' is revoked; its OB 2.0 assertion is gone")
        return published.body

    # ---- the learner's own ----------------------------------------------------------------------
    def delivery(
        self, award_id: str, person_id: int | None = None
    ) -> deliveries.BadgeDelivery | None:
        """The award as the chat sends it (the baked PNG and its addresses); None when it is
        unknown, revoked or, with `person_id`, not theirs."""
        return deliveries.delivery(self.context, self.publisher, award_id, person_id)

    def my_file(self, person_id: int, award_id: str, form: str) -> deliveries.BadgeFile:
        """One of the learner's own awards as a file: `png` (baked with the OB 2.0 assertion),
        `ob3-jwt` (the VC-JWT) or `ob3-png` (baked with it)."""
        return deliveries.own_file(self.context, self.publisher, person_id, award_id, form)

    def my_records(self, person_id: int) -> list[wallet.AwardRecord]:
        """Every award linked to the person, revoked ones too (what /mydata shows)."""
        return wallet.records_of(self.context, person_id)

    def my_badges(
        self, person_id: int, offset: int = 0, limit: int = wallet.PAGE
    ) -> wallet.WalletPage:
        return wallet.my_badges(self.context, person_id, offset, limit)

    def my_badge(self, person_id: int, award_id: str) -> wallet.WalletBadge:
        """One of the learner's own badges (UnknownAward when it is not theirs)."""
        return wallet.one_of_mine(self.context, person_id, award_id)

    def hide(self, person_id: int, award_id: str, hidden: bool = True) -> None:
        wallet.hide(self.context, person_id, award_id, hidden)
        self.publisher.changed()

    def show_name(self, person_id: int, award_id: str, name: str | None) -> None:
        wallet.show_name(self.context, person_id, award_id, name)
        self.publisher.changed()

    def give_up(self, person_id: int, award_id: str) -> None:
        wallet.give_up(self.context, person_id, award_id)
        self.publisher.changed()

    def set_email(self, person_id: int, email: str | None) -> int:
        reissued = wallet.set_email(self.context, person_id, email)
        self.publisher.changed()
        return reissued

    # ---- keys -----------------------------------------------------------------------------------
    def open_keys(self) -> str:
        """Open the issuing keys (DATA_DIR/keys, 0700; each key 0600), made if there are none
        yet: a process that serves or awards calls it as it starts. The current key's kid."""
        return self.context.keyring.current_kid

    def rotate_keys(self) -> str:
        """A new current signing key (the old ones stay published); its kid."""
        return self.context.keyring.rotate()
