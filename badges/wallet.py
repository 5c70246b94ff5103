"""A learner's own badges (`/mybadges`): a page of them at a time, hiding one from its public
page, showing their name on it, giving one up, and an e-mail address that wallets can match
(adding one names every award of theirs by its hash from then on)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from badges import awarding
from badges.context import BadgeContext
from badges.problems import BadInput, IssuerMissing, UnknownAward
from openbadges.status import AwardStatus
from store import badges as store_badges
from store.models import Award, Person

PAGE = 5
NAME_LENGTH = 100
GIVEN_UP = "Vrnil(a) imetnik(ca) / returned by its holder"


@dataclass(frozen=True)
class WalletBadge:
    award_id: str
    badge_id: str
    badge_name: dict[str, str]
    issuer_name: str
    issued_on: datetime
    expires: datetime | None
    state: str  # "active" | "expired" (revoked ones are not listed)
    hidden: bool
    shows_name: bool
    page_url: str
    image_url: str
    credential_png_url: str


@dataclass(frozen=True)
class AwardRecord:
    """One award as /mydata lists it: the badge, when, and whether it stands."""

    badge_name: dict[str, str]
    issued_on: datetime
    state: str  # "active" | "expired" | "revoked"


@dataclass(frozen=True)
class WalletPage:
    badges: list[WalletBadge]
    offset: int
    total: int

    @property
    def more(self) -> bool:
        return self.offset + len(self.badges) < self.total


def state_of(award: Award | Any, now: datetime) -> AwardStatus:
    """Whether an award (or a published row of one) stands now."""
    if award.revoked_at is not None:
        return AwardStatus.REVOKED
    if award.expires_at is not None and award.expires_at <= now:
        return AwardStatus.EXPIRED
    return AwardStatus.ACTIVE


def my_badges(ctx: BadgeContext, person_id: int, offset: int = 0, limit: int = PAGE) -> WalletPage:
    """A page of a person's badges, newest first (revoked and given-up ones are not listed)."""
    now = ctx.clock()
    offset, limit = max(0, offset), max(1, min(limit, 50))
    with ctx.database.session() as session:
        awards, total = store_badges.awards_of(session, person_id, offset, limit)
        items = [_wallet_badge(ctx, session, award, now) for award in awards]
        return WalletPage(items, offset, total)


def one_of_mine(ctx: BadgeContext, person_id: int, award_id: str) -> WalletBadge:
    """One badge of the person's own as their list shows it (UnknownAward when it is not
    theirs or no longer stands)."""
    with ctx.database.session() as session:
        award = _own_award(session, person_id, award_id)
        if award.revoked_at is not None:
            raise UnknownAward(f"the award '{award_id}' no longer stands")
        return _wallet_badge(ctx, session, award, ctx.clock())


def _wallet_badge(ctx: BadgeContext, session: Session, award: Award, now: datetime) -> WalletBadge:
    badge = award.badge_class
    return WalletBadge(
        award.public_id,
        badge.public_id,
        _name(award),
        issuer_name(ctx, session, award),
        award.issued_at,
        award.expires_at,
        state_of(award, now).value,
        award.hidden,
        award.display_name is not None,
        ctx.urls.public_page(award.public_id),
        ctx.urls.image(badge.public_id, badge.image_type or "png"),
        ctx.urls.credential_png(award.public_id),
    )


def records_of(ctx: BadgeContext, person_id: int) -> list[AwardRecord]:
    """Every award linked to the person, revoked ones too (what is stored about them)."""
    now = ctx.clock()
    with ctx.database.session() as session:
        return [
            AwardRecord(_name(award), award.issued_at, state_of(award, now).value)
            for award in store_badges.every_award_of(session, person_id)
        ]


def _name(award: Award) -> dict[str, str]:
    badge = award.badge_class
    return {k: v for k, v in (("sl", badge.name_sl), ("en", badge.name_en)) if v}


def issuer_name(ctx: BadgeContext, session: Session, award: Award) -> str:
    """Who issued the award, by name (the catalogue's organisation when no profile is set)."""
    try:
        return ctx.issuers.of_award(session, award).name
    except IssuerMissing:
        organisation = award.badge_class.organisation
        return organisation.name if organisation is not None else ""


def _own_award(session: Session, person_id: int, award_id: str) -> Award:
    award = store_badges.award(session, award_id)
    if award is None or award.person_id != person_id:
        raise UnknownAward(f"you hold no award '{award_id}'")
    return award


def hide(ctx: BadgeContext, person_id: int, award_id: str, hidden: bool = True) -> None:
    """Take an award off its public page (or put it back); it stays verifiable."""
    with ctx.database.session() as session:
        award = _own_award(session, person_id, award_id)
        award.hidden = hidden
        award.version += 1
        award.updated_at = ctx.clock()


def show_name(ctx: BadgeContext, person_id: int, award_id: str, name: str | None) -> None:
    """Show a name of the learner's choosing on the award's public page (None: no name)."""
    if name is not None:
        name = " ".join(awarding.storable(name, "the name").split())
        if not name or len(name) > NAME_LENGTH:
            raise BadInput(f"a name is 1-{NAME_LENGTH} characters")
    with ctx.database.session() as session:
        award = _own_award(session, person_id, award_id)
        award.display_name = name
        award.version += 1
        award.updated_at = ctx.clock()


def give_up(ctx: BadgeContext, person_id: int, award_id: str) -> None:
    """The learner gives an award up: it is revoked (verifiers see it no longer stands) and no
    longer theirs."""
    now = ctx.clock()
    with ctx.database.session() as session:
        award = _own_award(session, person_id, award_id)
        if award.revoked_at is None:
            awarding.mark_revoked(award, GIVEN_UP, now)
        award.person_id = None
        award.display_name = None


def set_email(ctx: BadgeContext, person_id: int, email: str | None) -> int:
    """Keep (or, with None, drop) the learner's e-mail address; each award of theirs that stands
    is issued again to its hash (or to its own random URN), its credential signed anew, and
    sent to them again (awarding.send_again: the files they had no longer verify). How many
    awards were issued again."""
    address = awarding.checked_email(email) if email else None
    now = ctx.clock()
    with ctx.database.session() as session:
        person = session.get(Person, person_id)
        if person is None:
            raise BadInput("that person is not known (forgotten?)")
        person.email = address
        awards, _total = store_badges.awards_of(session, person_id, 0, 10_000)
        for award in awards:
            awarding.rehash_recipient(award, address)
            awarding.resign(ctx, session, award, now)
        awarding.send_again(ctx, session, person_id, [award.public_id for award in awards], now)
        return len(awards)
