"""Awarding a badge, and what an organisation does with an award afterwards: revoke it with a
reason, change when it expires. Each award is signed once (its OB 3.0 VC-JWT is kept with it),
gets a random place in its issuer's status list, and is delivered into the learner's chat
through the outbox (once: the dedupe key is the award's).

Fast by doing little in the store: the badge, its issuer and the person are read in one
statement, the status places of any number of awards chosen in one, the awards inserted in one
and their deliveries queued in one, all in one transaction (nothing is half awarded)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Row
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
    BadDate,
    BadInput,
    BornExpired,
    NoBadge,
    NotAllowed,
    UnknownAward,
    UnknownOpportunity,
    UnknownPerson,
)
from openbadges import BadgeDefinition, Evidence, IssuerProfile, Recipient, ob3
from openbadges.model import hash_identity, normalise_email
from openbadges.status import LIST_SIZE
from store import badges as store_badges
from store import outbox, usage
from store.models import Award, BadgeClass, Claim, Opportunity, Person

REASON_LENGTH = 300
NARRATIVE_LENGTH = 2000
PLACE_RACES = 5  # another award took the same random place at the same moment: try again
BULK_CHUNK = 200  # awards signed, placed and inserted together
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


@dataclass(frozen=True)
class IssuedAward:
    award_id: str
    assertion_url: str
    page_url: str
    person_id: int | None
    queued: bool  # a delivery into the learner's chat was put in the outbox


@dataclass(frozen=True)
class BulkAwards:
    """What `award_many` did: the awards made, and who held the badge already (Telegram ids)."""

    issued: list[IssuedAward]
    held_already: list[int]


@dataclass(frozen=True)
class OrganisationProfile:
    """An organisation's public profile as awarding reads it (issuers.HasProfile)."""

    slug: str
    name: str
    url: str | None
    email: str | None
    description: str | None
    image_url: str | None


@dataclass(frozen=True)
class AwardableBadge:
    """A badge as awarding needs it: what is signed, by whom, and what is counted."""

    badge_class_id: int
    badge_id: str
    opportunity_id: int
    organisation_id: int | None
    organisation: OrganisationProfile | None  # None: the City of Learning issues it
    definition: BadgeDefinition
    images_ready: bool  # its image (and the PNG awards are baked into) are drawn


@dataclass(frozen=True)
class ToAward:
    """One award to make: to whom (a person, or nobody yet), and what it says."""

    person_id: int | None
    email: str | None  # the recipient is hashed with it when there is one
    active: bool = True  # False: they blocked the bot (the delivery waits)
    evidence: Sequence[Evidence] = ()
    narrative: str | None = None
    expires_at: datetime | None = None
    claim_id: int | None = None
    awarded_by: int | None = None


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


def expiry_of(text: str, now: datetime) -> datetime:
    """When an award expires, given as an ISO date (`2027-06-30`: at the end of that day in the
    city's time, the zone of `now`) or an ISO moment; BadDate unless it is one, in the future."""
    given = text.strip()
    try:
        day = date.fromisoformat(given)
    except ValueError:
        day = None
    if day is not None:
        if day <= now.date():
            raise BadDate(
                "not_future",
                f"the expiry date {day:%Y-%m-%d} is not in the future: give a date after "
                f"{now:%Y-%m-%d}",
            )
        return datetime.combine(day, time(23, 59, 59), tzinfo=now.tzinfo)
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        shown = storable(given, "the expiry date")[:40]
        raise BadDate(
            "not_date", f"'{shown}' is not a date: write it as YYYY-MM-DD (2027-06-30)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    if moment <= now:
        raise BadDate("not_future", f"the expiry {given} is not in the future")
    return moment


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
    may_award(ctx, session, actor, badge.organisation_id)


def may_award(
    ctx: BadgeContext, session: Session, actor: Actor, organisation_id: int | None
) -> None:
    if not ctx.permissions.may(session, actor, Capability.AWARD, organisation_id):
        raise NotAllowed("only the organisation's administrators may do that")


def count(
    session: Session, badge: BadgeClass | AwardableBadge, metric: str, now: datetime, n: int = 1
) -> None:
    """`n` more for the organisation's numbers (a claim link used, a badge awarded) on the
    city's day, in the session's transaction; a badge the City of Learning issues in its own
    name belongs to no organisation and is not counted."""
    if badge.organisation_id is not None and n > 0:
        key = (badge.organisation_id, metric, badge.opportunity_id)
        usage.add(session, now.date(), Counter({key: n}))


def sign(
    ctx: BadgeContext,
    issuer: IssuerProfile,
    badge: BadgeClass | BadgeDefinition,
    award: Award | Any,
) -> str:
    """The award's OB 3.0 credential (an award, or its column values), signed (a VC-JWT)."""
    definition = issuers.definition(badge) if isinstance(badge, BadgeClass) else badge
    document = ob3.credential(issuer, definition, issuers.facts(award), ctx.urls)
    return ob3.sign(document, ctx.keyring, ctx.urls)


# ---- the badge, as awarding reads it ----------------------------------------------------------------
def awardable(
    ctx: BadgeContext, session: Session, badge: BadgeClass, now: datetime
) -> AwardableBadge:
    """A badge class (an ORM object the use case holds) as awarding takes it, its images drawn."""
    ensure_images(session, badge, now)
    organisation = badge.organisation
    return AwardableBadge(
        badge.id,
        badge.public_id,
        badge.opportunity_id,
        badge.organisation_id,
        _profile(organisation) if organisation is not None else None,
        issuers.definition(badge),
        True,
    )


def _profile(found: Any) -> OrganisationProfile:
    return OrganisationProfile(
        found.slug, found.name, found.url, found.email, found.description, found.image_url
    )


def _awardable_row(row: Row) -> AwardableBadge:
    organisation = (
        OrganisationProfile(
            row.organisation_slug,
            row.organisation_name,
            row.organisation_url,
            row.organisation_email,
            row.organisation_description,
            row.organisation_image_url,
        )
        if row.organisation_slug is not None
        else None
    )
    return AwardableBadge(
        row.badge_class_id,
        row.badge_id,
        row.opportunity_id,
        row.organisation_id,
        organisation,
        issuers.definition_of_row(row),
        bool(row.has_image) and (row.image_type == "png" or bool(row.has_png)),
    )


def awardable_badge(
    session: Session, opportunity_id: str, now: datetime, telegram_id: int | None = None
) -> tuple[AwardableBadge, Row]:
    """The badge an opportunity offers now, in one statement (with the person `telegram_id`
    names, see store.badges.awardable); made if the catalogue came before badges did."""
    row = store_badges.awardable(session, opportunity_id, telegram_id)
    if row is None:
        raise UnknownOpportunity(f"no opportunity '{opportunity_id}' in the catalogue")
    if not (row.badge_name_sl or row.badge_name_en):
        raise NoBadge(f"the opportunity '{opportunity_id}' offers no badge")
    if row.badge_class_id is None:
        store_badges.add_missing(session, now)
        row = store_badges.awardable(session, opportunity_id, telegram_id)
        assert row is not None and row.badge_class_id is not None
    return _awardable_row(row), row


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
    email = (person.email if person is not None else None) or (claim.email if claim else None)
    if expires_at is None and claim is not None:
        expires_at = claim.award_expires_at  # the participants' list gave it
    item = ToAward(
        person.id if person is not None else None,
        email,
        person.active if person is not None else True,
        evidence=evidence,
        narrative=narrative,
        expires_at=expires_at,
        claim_id=claim.id if claim is not None else None,
        awarded_by=awarded_by,
    )
    return issue_all(ctx, session, awardable(ctx, session, badge, now), [item], now)[0]


def issue_all(
    ctx: BadgeContext,
    session: Session,
    badge: AwardableBadge,
    items: Sequence[ToAward],
    now: datetime,
) -> list[IssuedAward]:
    """Award `badge` to each of `items` in the session's transaction, BULK_CHUNK at a time: on
    SQLite the database's write lock first (so the places chosen next stay free), then random
    free places, the credentials signed, the awards inserted, the deliveries queued; the
    organisation's count last (on PostgreSQL its row stays locked until the commit, and awards
    of one organisation made at once wait for each other only there)."""
    for item in items:
        if item.expires_at is not None and item.expires_at <= now:
            raise BornExpired(item.expires_at)
    issuer = ctx.issuers.profile_for(badge.organisation)
    store_badges.lock_for_award(session)
    if not badge.images_ready:
        drawn = session.get(BadgeClass, badge.badge_class_id)
        assert drawn is not None
        ensure_images(session, drawn, now)
    issued: list[IssuedAward] = []
    for start in range(0, len(items), BULK_CHUNK):
        issued += _issue_chunk(ctx, session, badge, issuer, items[start : start + BULK_CHUNK], now)
    count(session, badge, usage.AWARDED, now, len(items))
    return issued


def _issue_chunk(
    ctx: BadgeContext,
    session: Session,
    badge: AwardableBadge,
    issuer: IssuerProfile,
    items: Sequence[ToAward],
    now: datetime,
) -> list[IssuedAward]:
    made: dict[int, dict[str, Any]] = {}  # by the item's index
    waiting = list(range(len(items)))
    for _attempt in range(PLACE_RACES):
        places = store_badges.free_places(
            session, ctx.status_places, issuer.slug, len(waiting), LIST_SIZE
        )
        rows = {}
        for index, (status_list, position) in zip(waiting, places, strict=True):
            item = items[index]
            recipient = Recipient.new(item.email)
            values = {
                "public_id": store_badges.new_public_id(),
                "badge_class_id": badge.badge_class_id,
                "person_id": item.person_id,
                "issuer_slug": issuer.slug,
                "recipient_type": recipient.identity_type,
                "recipient_hash": recipient.identity_hash,
                "recipient_salt": recipient.salt,
                "subject_id": recipient.subject_id,
                "status_list": status_list,
                "status_position": position,
                "issued_at": now,
                "expires_at": item.expires_at,
                "evidence": [_evidence_json(e) for e in item.evidence],
                "narrative": item.narrative,
                "revoked_at": None,
                "revocation_reason": None,
                "hidden": False,
                "display_name": None,
                "claim_id": item.claim_id,
                "awarded_by": item.awarded_by,
                "version": 1,
                "updated_at": now,
            }
            values["credential"] = sign(ctx, issuer, badge.definition, _Values(values))
            rows[index] = values
        try:
            inserted = store_badges.insert_awards(session, list(rows.values()))
        except IntegrityError as error:  # awarded at the same moment by another transaction
            raise AlreadyHolds("they hold this badge already") from error
        for index, values in rows.items():
            if values["public_id"] in inserted:
                made[index] = values
        waiting = [index for index in waiting if index not in made]
        if not waiting:
            break
    else:
        raise RuntimeError("another award took the same status place again and again")
    listed = list(enumerate(items))
    messages = [
        outbox.NewMessage(
            person_id=item.person_id,
            kind="badge",
            payload=ctx.messages.badge_earned(made[index]["public_id"]),
            not_before=now,
            dedupe_key=f"badge:{made[index]['public_id']}",
        )
        for index, item in listed
        if item.person_id is not None
    ]
    inactive = {item.person_id for _, item in listed if item.person_id and not item.active}
    queued = outbox.enqueue_many(session, messages, now, inactive=inactive) if messages else 0
    return [
        IssuedAward(
            made[index]["public_id"],
            ctx.urls.assertion(made[index]["public_id"]),
            ctx.urls.public_page(made[index]["public_id"]),
            item.person_id,
            item.person_id is not None and queued > 0,
        )
        for index, item in listed
    ]


class _Values:
    """An award's column values read as attributes (what issuers.facts reads)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


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
        badge, row = awardable_badge(session, opportunity_id, now, telegram_id)
        may_award(ctx, session, actor, badge.organisation_id)
        if row.person_id is None:
            raise UnknownPerson(f"nobody with the Telegram id {telegram_id} has written to the bot")
        if row.held:
            raise AlreadyHolds("they hold this badge already")
        item = ToAward(
            row.person_id,
            row.person_email,
            bool(row.person_active),
            evidence=[evidence_from_text(evidence)] if evidence else [],
            expires_at=expires_at,
            awarded_by=actor.telegram_id,
        )
        issued = issue_all(ctx, session, badge, [item], now)[0]
        audit.record(
            session,
            actor,
            "badge.award",
            at=now,
            organisation_id=badge.organisation_id,
            target=issued.award_id,
            details={"badge": badge.badge_id, "evidence": bool(item.evidence)},
        )
        return issued


def award_many(
    ctx: BadgeContext,
    actor: Actor,
    opportunity_id: str,
    telegram_ids: Sequence[int],
    evidence: str | None = None,
    expires_at: datetime | None = None,
) -> BulkAwards:
    """An administrator awards an opportunity's badge to many who have written to the bot, in
    one transaction: all of them, or (someone unknown) none. Who holds it already is skipped."""
    wanted = list(dict.fromkeys(telegram_ids))
    if not wanted:
        raise BadInput("name at least one Telegram id")
    now = ctx.clock()
    with ctx.database.session() as session:
        badge, _row = awardable_badge(session, opportunity_id, now)
        may_award(ctx, session, actor, badge.organisation_id)
        found = {}
        for start in range(0, len(wanted), BULK_CHUNK):
            chunk = wanted[start : start + BULK_CHUNK]
            for row in store_badges.awardees(session, chunk, badge.badge_class_id):
                found[row.telegram_id] = row
        unknown = [telegram_id for telegram_id in wanted if telegram_id not in found]
        if unknown:
            named = ", ".join(map(str, unknown[:10])) + (", …" if len(unknown) > 10 else "")
            raise UnknownPerson(f"nobody with the Telegram id {named} has written to the bot")
        items = [evidence_from_text(evidence)] if evidence else []
        held = [telegram_id for telegram_id in wanted if found[telegram_id].held]
        to_award = [
            ToAward(
                found[telegram_id].person_id,
                found[telegram_id].person_email,
                bool(found[telegram_id].person_active),
                evidence=items,
                expires_at=expires_at,
                awarded_by=actor.telegram_id,
            )
            for telegram_id in wanted
            if not found[telegram_id].held
        ]
        issued = issue_all(ctx, session, badge, to_award, now) if to_award else []
        audit.record(
            session,
            actor,
            "badge.award_many",
            at=now,
            organisation_id=badge.organisation_id,
            target=badge.badge_id,
            details={"awarded": len(issued), "held_already": len(held), "evidence": bool(items)},
        )
        return BulkAwards(issued, held)


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
        _audit_change(session, actor, "badge.revoke", award, now, reason=reason)


def mark_revoked(award: Award, reason: str, now: datetime) -> None:
    award.revoked_at, award.revocation_reason = now, reason[:REASON_LENGTH]
    award.version += 1
    award.updated_at = now


def set_expiry(ctx: BadgeContext, actor: Actor, award_id: str, expires_at: datetime | None) -> None:
    """Change when an award expires (None: never); its credential is signed again and its
    holder sent the new files (the baked PNG they had no longer matches the hosted assertion)."""
    now = ctx.clock()
    with ctx.database.session() as session:
        award = _award_for(ctx, session, actor, award_id)
        if award.revoked_at is not None:
            raise AlreadyRevoked(f"the award '{award_id}' is revoked")
        if expires_at is not None and expires_at <= award.issued_at:
            raise BadInput("an award cannot expire before it was made")
        award.expires_at = expires_at
        resign(ctx, session, award, now)
        if award.person_id is not None:
            send_again(ctx, session, award.person_id, [award.public_id], now)
        expires = expires_at.isoformat() if expires_at else None
        _audit_change(session, actor, "badge.expiry", award, now, expires=expires)


def _audit_change(
    session: Session, actor: Actor, action: str, award: Award, now: datetime, **details: Any
) -> None:
    """A change to an award in the audit log: who, what, when, which award of which badge."""
    audit.record(
        session,
        actor,
        action,
        at=now,
        organisation_id=award.badge_class.organisation_id,
        target=award.public_id,
        details={"badge": award.badge_class.public_id, **details},
    )


def resign(ctx: BadgeContext, session: Session, award: Award, now: datetime) -> None:
    """Sign an award's credential again after a change (its issuer stays who issued it)."""
    issuer = ctx.issuers.of_award(session, award)
    award.credential = sign(ctx, issuer, award.badge_class, award)
    award.version += 1
    award.updated_at = now


def send_again(
    ctx: BadgeContext, session: Session, person_id: int, award_ids: Sequence[str], now: datetime
) -> None:
    """Queue the awards issued again for their holder's chat, in the session's transaction: the
    PNG baked earlier no longer matches the hosted assertion, so verifiers would call it altered.
    An award whose first delivery still waits is left out (it goes as the award is then); a
    person gets one message (a word that the earlier files are replaced, then the new files),
    and one that waits still is replaced by one for its awards and these."""
    first = {f"badge:{award_id}": award_id for award_id in award_ids}
    waiting = outbox.waiting_keys(session, list(first))
    again = [award_id for key, award_id in first.items() if key not in waiting]
    if not again:
        return
    batch = f"badges-again:{person_id}"
    earlier = [
        str(item["award_id"])
        for payload in outbox.waiting_payloads(session, batch)
        for item in payload
        if "award_id" in item
    ]
    if earlier:
        outbox.cancel_batch(session, batch)
    awards = list(dict.fromkeys([*earlier, *again]))
    message = outbox.NewMessage(
        person_id=person_id,
        kind="badge",
        payload=ctx.messages.badges_issued_again(awards),
        not_before=now,
        batch_id=batch,
    )
    outbox.enqueue(session, message, now)


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
