"""Awarding a badge, and what an organisation does with an award afterwards: revoke it with a
reason, change when it expires. Each award is signed once (its OB 3.0 VC-JWT is kept with it),
gets a random place in its issuer's status list, and is delivered into the learner's chat
through the outbox (once: the dedupe key is the award's)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from access import audit
from access.policy import Actor, Capability
from badges import issuers
from badges.artwork import ensure_images
from badges.context import BadgeContext
from badges.problems import (
    AlreadyHolds,
    AlreadyRevoked,
    BadInput,
    NoBadge,
    NotAllowed,
    UnknownAward,
    UnknownOpportunity,
    UnknownPerson,
)
from openbadges import Evidence, IssuerProfile, Recipient, ob3
from openbadges.model import hash_identity, normalise_email
from openbadges.status import LIST_SIZE
from store import badges as store_badges
from store import outbox, people, usage
from store.models import Award, BadgeClass, Claim, Opportunity, Person

REASON_LENGTH = 300
NARRATIVE_LENGTH = 2000
PLACE_RACES = 5  # another award took the same random place at the same moment: try again
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


@dataclass(frozen=True)
class IssuedAward:
    award_id: str
    assertion_url: str
    page_url: str
    person_id: int | None
    queued: bool  # a delivery into the learner's chat was put in the outbox


_NOT_STORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def storable(text: str, what: str) -> str:
    """A text a person gave, refused when it holds what no database column keeps (NUL, a lone
    surrogate) or control characters."""
    if _NOT_STORABLE.search(text):
        raise BadInput(f"{what} holds a character that cannot be kept (a control character)")
    return text


def evidence_from_text(text: str) -> Evidence:
    """An administrator's evidence: a link when it is one, otherwise a few words."""
    text = storable(text, "the evidence").strip()
    if not text or len(text) > NARRATIVE_LENGTH:
        raise BadInput(f"evidence is 1-{NARRATIVE_LENGTH} characters")
    if re.fullmatch(r"https?://\S+", text):
        if len(text) > 500:
            raise BadInput("an evidence link is at most 500 characters")
        return Evidence(url=text)
    return Evidence(narrative=text)


def checked_email(email: str) -> str:
    address = normalise_email(storable(email, "the e-mail address"))
    if len(address) > 254 or not EMAIL.fullmatch(address):
        raise BadInput(f"'{email.strip()[:60]}' is not an e-mail address")
    return address


def badge_of(
    session: Session, opportunity_id: str, now: datetime
) -> tuple[Opportunity, BadgeClass]:
    """The badge an opportunity offers now (made if the catalogue came before badges did)."""
    opportunity, badge = store_badges.badge_class_of(session, opportunity_id)
    if opportunity is None:
        raise UnknownOpportunity(f"no opportunity '{opportunity_id}' in the catalogue")
    if not store_badges.offers_badge(opportunity):
        raise NoBadge(f"the opportunity '{opportunity_id}' offers no badge")
    if badge is None:
        store_badges.add_missing(session, now)
        opportunity, badge = store_badges.badge_class_of(session, opportunity_id)
        assert badge is not None
    return opportunity, badge


def require(ctx: BadgeContext, session: Session, actor: Actor, badge: BadgeClass) -> None:
    if not ctx.permissions.may(session, actor, Capability.AWARD, badge.organisation):
        raise NotAllowed("only the organisation's administrators may do that")


def count(session: Session, badge: BadgeClass, metric: str, now: datetime) -> None:
    """One more for the organisation's numbers (a claim link used, a badge awarded) on the
    city's day, in the session's transaction; a badge the City of Learning issues in its own
    name belongs to no organisation and is not counted."""
    if badge.organisation_id is not None:
        usage.add(session, now.date(), [(badge.organisation_id, metric, badge.opportunity_id)])


def sign(ctx: BadgeContext, issuer: IssuerProfile, badge: BadgeClass, award: Award) -> str:
    """The award's OB 3.0 credential, signed (a VC-JWT)."""
    document = ob3.credential(issuer, issuers.definition(badge), issuers.facts(award), ctx.urls)
    return ob3.sign(document, ctx.keyring, ctx.urls)


def issue(
    ctx: BadgeContext,
    session: Session,
    badge: BadgeClass,
    person: Person | None,
    now: datetime,
    *,
    evidence: Sequence[Evidence] = (),
    narrative: str | None = None,
    expires_at: datetime | None = None,
    claim: Claim | None = None,
    awarded_by: int | None = None,
) -> IssuedAward:
    """Award `badge` to `person` in the session's transaction: the recipient hashed (with their
    e-mail address when they gave one, or the participants' list did), a random free place in
    the issuer's status list, the credential signed and kept, the delivery queued."""
    issuer = ctx.issuers.profile_for(badge.organisation)
    store_badges.lock_for_award(session)
    ensure_images(session, badge, now)
    if expires_at is not None and expires_at <= now:
        raise BadInput("an award cannot expire before it is made")
    email = (person.email if person is not None else None) or (claim.email if claim else None)
    recipient = Recipient.new(email)
    for attempt in range(PLACE_RACES):
        status_list, position = store_badges.status_place(session, issuer.slug, LIST_SIZE)
        award = Award(
            public_id=store_badges.new_public_id(),
            badge_class=badge,
            person_id=person.id if person is not None else None,
            issuer_slug=issuer.slug,
            recipient_type=recipient.identity_type,
            recipient_hash=recipient.identity_hash,
            recipient_salt=recipient.salt,
            subject_id=recipient.subject_id,
            status_list=status_list,
            status_position=position,
            issued_at=now,
            expires_at=expires_at,
            evidence=[_evidence_json(item) for item in evidence],
            narrative=narrative,
            hidden=False,
            claim_id=claim.id if claim is not None else None,
            awarded_by=awarded_by,
            version=1,
            updated_at=now,
        )
        award.credential = sign(ctx, issuer, badge, award)
        try:
            with session.begin_nested():
                session.add(award)
        except IntegrityError:
            if attempt == PLACE_RACES - 1:
                raise
            continue
        break
    count(session, badge, usage.AWARDED, now)
    queued = False
    if person is not None:
        queued = outbox.enqueue(
            session,
            outbox.NewMessage(
                person_id=person.id,
                kind="badge",
                payload=ctx.messages.badge_earned(award.public_id),
                not_before=now,
                dedupe_key=f"badge:{award.public_id}",
            ),
            now,
        )
    return IssuedAward(
        award.public_id,
        ctx.urls.assertion(award.public_id),
        ctx.urls.public_page(award.public_id),
        award.person_id,
        queued,
    )


def _evidence_json(item: Evidence) -> dict[str, str]:
    return {
        key: value
        for key, value in (("url", item.url), ("narrative", item.narrative), ("name", item.name))
        if value
    }


def award_directly(
    ctx: BadgeContext,
    actor: Actor,
    opportunity_id: str,
    telegram_id: int,
    evidence: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedAward:
    """An administrator awards an opportunity's badge to someone who has written to the bot."""
    now = ctx.clock()
    with ctx.database.session() as session:
        _opportunity, badge = badge_of(session, opportunity_id, now)
        require(ctx, session, actor, badge)
        person = people.by_telegram_id(session, telegram_id)
        if person is None:
            raise UnknownPerson(f"nobody with the Telegram id {telegram_id} has written to the bot")
        if store_badges.holds(session, person.id, badge.id):
            raise AlreadyHolds("they hold this badge already")
        items = [evidence_from_text(evidence)] if evidence else []
        issued = issue(
            ctx,
            session,
            badge,
            person,
            now,
            evidence=items,
            expires_at=expires_at,
            awarded_by=actor.telegram_id,
        )
        audit.record(
            session,
            actor,
            "badge.award",
            at=now,
            organisation_id=badge.organisation_id,
            target=issued.award_id,
            details={"badge": badge.public_id, "evidence": bool(items)},
        )
        return issued


def _award_for(ctx: BadgeContext, session: Session, actor: Actor, award_id: str) -> Award:
    award = store_badges.award(session, award_id)
    if award is None:
        raise UnknownAward(f"no award '{award_id}'")
    require(ctx, session, actor, award.badge_class)
    return award


def revoke(ctx: BadgeContext, actor: Actor, award_id: str, reason: str) -> None:
    """Revoke an award, with the reason its holder and any verifier read: its assertion answers
    410 Gone, and the issuer's status list and revocation list say so."""
    reason = " ".join(storable(reason, "the reason").split())
    if not reason or len(reason) > REASON_LENGTH:
        raise BadInput(f"give a reason of 1-{REASON_LENGTH} characters")
    now = ctx.clock()
    with ctx.database.session() as session:
        award = _award_for(ctx, session, actor, award_id)
        if award.revoked_at is not None:
            raise AlreadyRevoked(
                f"the award '{award_id}' was revoked on {award.revoked_at:%Y-%m-%d}"
            )
        mark_revoked(award, reason, now)
        audit.record(
            session,
            actor,
            "badge.revoke",
            at=now,
            organisation_id=award.badge_class.organisation_id,
            target=award.public_id,
            details={"badge": award.badge_class.public_id, "reason": reason},
        )


def mark_revoked(award: Award, reason: str, now: datetime) -> None:
    award.revoked_at, award.revocation_reason = now, reason[:REASON_LENGTH]
    award.version += 1
    award.updated_at = now


def set_expiry(ctx: BadgeContext, actor: Actor, award_id: str, expires_at: datetime | None) -> None:
    """Change when an award expires (None: never); its credential is signed again."""
    now = ctx.clock()
    with ctx.database.session() as session:
        award = _award_for(ctx, session, actor, award_id)
        if award.revoked_at is not None:
            raise AlreadyRevoked(f"the award '{award_id}' is revoked")
        if expires_at is not None and expires_at <= award.issued_at:
            raise BadInput("an award cannot expire before it was made")
        award.expires_at = expires_at
        resign(ctx, session, award, now)


def resign(ctx: BadgeContext, session: Session, award: Award, now: datetime) -> None:
    """Sign an award's credential again after a change (its issuer stays who issued it)."""
    issuer = ctx.issuers.of_award(session, award)
    award.credential = sign(ctx, issuer, award.badge_class, award)
    award.version += 1
    award.updated_at = now


def rehash_recipient(award: Award, email: str | None) -> None:
    """Name the award's recipient by the hash of `email` (or, without one, of its own random
    URN), with a new salt; the subject id stays."""
    recipient = Recipient.new(email)
    if email:
        award.recipient_type = "email"
        award.recipient_salt = recipient.salt
        award.recipient_hash = hash_identity(normalise_email(email), recipient.salt)
    else:
        award.recipient_type = "url"
        award.recipient_salt = recipient.salt
        award.recipient_hash = hash_identity(award.subject_id, recipient.salt)


def who_earned(
    ctx: BadgeContext, actor: Actor, opportunity_id: str
) -> list[tuple[str, int | None]]:
    """The awards of an opportunity's badge and the people they were made to (our own ids):
    for the organisation's administrators only."""
    with ctx.database.session() as session:
        _opportunity, badge = badge_of(session, opportunity_id, ctx.clock())
        require(ctx, session, actor, badge)
        return [(a.public_id, a.person_id) for a in store_badges.awards_of_badge(session, badge.id)]
