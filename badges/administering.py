"""An organisation's badges as its administrators handle them in the chat: the badge classes it
issues (a page, each with how many hold it), one of them by its public id (what a button
names), a person checked before an award is confirmed, and who earned a badge (a page of
awards: a holder is named only by the name they chose to show on its public page, else by the
award's id). Each asks the policy (Capability.AWARD) for the badge's organisation first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from access.policy import Actor, Capability
from badges import awarding
from badges.context import BadgeContext
from badges.problems import AlreadyHolds, NotAllowed, UnknownBadge, UnknownPerson
from store import badges as store_badges
from store import people
from store.models import Award, BadgeClass

PAGE = 8  # badge classes a page
EARNED_PAGE = 10  # awards a page


@dataclass(frozen=True)
class AdminBadge:
    """A badge class as its organisation's administrators see it."""

    badge_id: str  # its public id
    opportunity_id: str  # the catalogue's id of the opportunity that offers it
    name: dict[str, str]
    held: int  # awards not revoked


@dataclass(frozen=True)
class BadgePage:
    badges: list[AdminBadge]
    offset: int
    total: int


@dataclass(frozen=True)
class EarnedAward:
    """One award of a badge: when, and the holder's name only if they show it publicly."""

    award_id: str
    issued_at: datetime
    shown_name: str | None
    revoked: bool


@dataclass(frozen=True)
class EarnedPage:
    badge: AdminBadge
    awards: list[EarnedAward]
    offset: int
    total: int


def _name(badge: BadgeClass) -> dict[str, str]:
    return {lang: text for lang, text in (("sl", badge.name_sl), ("en", badge.name_en)) if text}


def _offset(offset: int) -> int:
    return max(offset, 0)


def organisation_badges(
    ctx: BadgeContext, actor: Actor, organisation_id: int, offset: int = 0, limit: int = PAGE
) -> BadgePage:
    """A page of the badges the organisation issues, by name (NotAllowed unless `actor` may
    award for it)."""
    with ctx.database.session() as session:
        if not ctx.permissions.may(session, actor, Capability.AWARD, organisation_id):
            raise NotAllowed("only the organisation's administrators may do that")
        store_badges.add_missing(session, ctx.clock())
        rows, total = store_badges.organisation_listing(
            session, organisation_id, _offset(offset), max(limit, 1)
        )
        badges = [AdminBadge(b.public_id, key, _name(b), held) for b, key, held in rows]
        return BadgePage(badges, _offset(offset), total)


def _badge(ctx: BadgeContext, session: Session, actor: Actor, badge_id: str) -> AdminBadge:
    badge = store_badges.badge_class(session, badge_id)
    if badge is None:
        raise UnknownBadge(f"no badge '{badge_id[:40]}'")
    awarding.require(ctx, session, actor, badge)
    held = store_badges.held_count(session, badge.id)
    return AdminBadge(badge.public_id, badge.opportunity.external_id, _name(badge), held)


def badge_for_admin(ctx: BadgeContext, actor: Actor, badge_id: str) -> AdminBadge:
    """One badge by its public id, for an administrator of its organisation (UnknownBadge,
    NotAllowed otherwise)."""
    with ctx.database.session() as session:
        return _badge(ctx, session, actor, badge_id)


def check_recipient(ctx: BadgeContext, actor: Actor, badge_id: str, telegram_id: int) -> AdminBadge:
    """Whether the badge can be awarded to this Telegram user, before the administrator
    confirms: UnknownPerson when they have never written to the bot (they need a claim link),
    AlreadyHolds when they hold it. Nothing is changed."""
    with ctx.database.session() as session:
        badge = _badge(ctx, session, actor, badge_id)
        person = people.by_telegram_id(session, telegram_id)
        if person is None:
            raise UnknownPerson(f"nobody with the Telegram id {telegram_id} has written to the bot")
        found = store_badges.badge_class(session, badge_id)
        assert found is not None
        if store_badges.holds(session, person.id, found.id):
            raise AlreadyHolds("they hold this badge already")
        return badge


def _shown_name(award: Award) -> str | None:
    """The name the holder chose to show on the award's public page (none when it is hidden)."""
    if award.hidden or award.person_id is None:
        return None
    return award.display_name or None


def earned(
    ctx: BadgeContext, actor: Actor, badge_id: str, offset: int = 0, limit: int = EARNED_PAGE
) -> EarnedPage:
    """A page of the badge's awards, newest first, for its organisation's administrators."""
    with ctx.database.session() as session:
        badge = _badge(ctx, session, actor, badge_id)
        found = store_badges.badge_class(session, badge_id)
        assert found is not None
        awards, total = store_badges.award_page(session, found.id, _offset(offset), max(limit, 1))
        rows = [
            EarnedAward(a.public_id, a.issued_at, _shown_name(a), a.revoked_at is not None)
            for a in awards
        ]
        return EarnedPage(badge, rows, _offset(offset), total)
