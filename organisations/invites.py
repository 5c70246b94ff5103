"""Invitations to an organisation's staff: an administrator (or the command line) makes a one-time,
expiring code for a role and hands on its deep link; the person who opens it joins the staff, or
is told plainly why not (and the one who made it, who joined). Until it is used, an administrator
may list the organisation's invitations still open (never their codes: those are not kept) and
withdraw one; its link then says it was withdrawn. Codes (192 random bits) are kept only as an
HMAC with the server's secret and compared in constant time; a person who guesses is stopped as
badge claims stop them (the same attempts count for both: MAX_FAILED in WINDOW)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from access import audit
from access.policy import Actor, Capability, Refused, Role
from badges.claims import MAX_FAILED, WINDOW
from openbadges import codes
from organisations.context import OrganisationContext
from organisations.registry import deep_link, find
from organisations.staff_news import StaffMessages, first_name, tell
from organisations.staff_problems import BadInput, InviteNotPending, UnknownOrganisation
from store import claims as attempts
from store import people
from store import staff as store_staff
from store.models import Organisation, StaffInvite, StaffMember

START_PREFIX = "join-"  # an invitation's deep link: ?start=join-<code>
DEFAULT_VALID_FOR = timedelta(days=7)
MAX_VALID_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Invitation:
    """A fresh invitation: its link is shown once and never stored (only the code's HMAC is)."""

    link: str
    code: str
    organisation: str  # its name
    slug: str
    role: Role
    expires_at: datetime


class JoinStatus(StrEnum):
    JOINED = "joined"
    ROLE_CHANGED = "role_changed"  # was on the staff already, now in the invitation's role
    ALREADY = "already"  # on the staff in that role already (or its only administrator)
    EXPIRED = "expired"
    USED = "used"  # someone opened it first
    CANCELLED = "cancelled"  # withdrawn by an administrator before anyone opened it
    UNKNOWN = "unknown"  # no such invitation (mistyped, cut short, made up)
    TOO_MANY_ATTEMPTS = "too_many_attempts"


@dataclass(frozen=True)
class JoinOutcome:
    status: JoinStatus
    organisation: str | None = None  # its name, when the code was a real invitation
    slug: str | None = None
    role: Role | None = None
    retry_after: timedelta | None = None


@dataclass(frozen=True)
class PendingInvite:
    """An invitation not yet used, withdrawn or expired: what it is for and who made it (never
    its code, which is not kept)."""

    id: int
    role: Role
    created_by: int | None  # their Telegram id; None: the command line
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class CancelledInvite:
    id: int
    organisation: str  # its name
    role: Role


def code_from_start(payload: str) -> str | None:
    """The invitation code in a /start payload (`join-<code>`), or None when it is not one."""
    return payload[len(START_PREFIX) :] if payload.startswith(START_PREFIX) else None


def role_of(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise BadInput(f"'{value[:20]}' is no role: use admin or editor") from None


def invite(
    ctx: OrganisationContext,
    actor: Actor,
    slug: str | int,
    role: Role | str,
    valid_for: timedelta = DEFAULT_VALID_FOR,
) -> Invitation:
    """A one-time invitation to the staff of `slug` (or the organisation of that id) as `role`,
    valid for `valid_for` (at most 30 days); audited without its code."""
    role = role_of(str(role))
    if not timedelta(0) < valid_for <= MAX_VALID_FOR:
        raise BadInput("an invitation is valid for 1 to 30 days")
    code = codes.new_code()
    link = deep_link(ctx, START_PREFIX + code)  # BotUsernameMissing before anything is stored
    now = ctx.clock()
    with ctx.database.session() as session:
        organisation = _organisation(ctx, session, actor, slug)
        ctx.policy.check(session, actor, Capability.STAFF, organisation)
        invitation = StaffInvite(
            code_hash=codes.hash_code(code, ctx.secret),
            organisation_id=organisation.id,
            role=role.value,
            created_by=actor.audit_id,
            created_at=now,
            expires_at=now + valid_for,
        )
        session.add(invitation)
        session.flush()
        audit.record(
            session,
            actor,
            "staff.invite",
            at=now,
            organisation_id=organisation.id,
            target=f"invite:{invitation.id}",
            details={"role": role.value, "expires_at": invitation.expires_at.isoformat()},
        )
        return Invitation(link, code, organisation.name, organisation.slug, role, now + valid_for)


def pending(ctx: OrganisationContext, actor: Actor, slug: str | int) -> list[PendingInvite]:
    """The organisation's invitations still open, those that expire first first."""
    now = ctx.clock()
    with ctx.database.session() as session:
        organisation = _organisation(ctx, session, actor, slug)
        ctx.policy.check(session, actor, Capability.STAFF, organisation)
        return [
            PendingInvite(i.id, Role(i.role), i.created_by, i.created_at, i.expires_at)
            for i in store_staff.pending_invites(session, organisation.id, now)
        ]


def cancel(
    ctx: OrganisationContext, actor: Actor, slug: str | int, invite_id: int
) -> CancelledInvite:
    """Withdraw one of the organisation's open invitations (audited): its link then says so.
    InviteNotPending when it was used, withdrawn or expired meanwhile, or is another's."""
    now = ctx.clock()
    with ctx.database.session() as session:
        organisation = _organisation(ctx, session, actor, slug)
        ctx.policy.check(session, actor, Capability.STAFF, organisation)
        if not store_staff.cancel_invite(session, organisation.id, invite_id, now):
            raise InviteNotPending(
                f"invitation {invite_id} of '{organisation.slug}' is not open "
                "(used, withdrawn, expired, or not there)"
            )
        withdrawn = session.get(StaffInvite, invite_id)
        assert withdrawn is not None  # withdrawn just now, in this transaction
        role = Role(withdrawn.role)
        audit.record(
            session,
            actor,
            "staff.invite_cancel",
            at=now,
            organisation_id=organisation.id,
            target=f"invite:{invite_id}",
            details={"role": role.value},
        )
        return CancelledInvite(invite_id, organisation.name, role)


def _organisation(
    ctx: OrganisationContext, session: Session, actor: Actor, slug: str | int
) -> Organisation:
    organisation = find(session, slug)
    if organisation is None:
        if not ctx.policy.is_platform_admin(actor):
            raise Refused(Capability.STAFF, None)  # names no organisation to a stranger
        raise UnknownOrganisation(f"no organisation '{str(slug)[:70]}'")
    return organisation


def accept(
    ctx: OrganisationContext,
    telegram_id: int,
    code: str,
    name: str | None = None,
    messages: StaffMessages | None = None,
) -> JoinOutcome:
    """`telegram_id` opens an invitation: they join the staff (or take its role), or are told
    why not (expired, used, withdrawn, unknown, too many guesses). Whoever made it (a person,
    still on the organisation's staff) is told through the outbox who joined: `name`, their
    Telegram first name, and nothing else."""
    now = ctx.clock()
    code = code.strip()
    with ctx.database.session() as session:
        person = people.reached_on_telegram(session, telegram_id, now)
        since = now - WINDOW
        if attempts.failed_attempts(session, person.id, since) >= MAX_FAILED:
            oldest = attempts.oldest_failure(session, person.id, since) or now
            return JoinOutcome(JoinStatus.TOO_MANY_ATTEMPTS, retry_after=oldest + WINDOW - now)
        found = None
        if codes.is_well_formed(code):
            code_hash = codes.hash_code(code, ctx.secret)
            candidate = store_staff.invite_by_code_hash(session, code_hash)
            if candidate is not None and codes.matches(code, candidate.code_hash, ctx.secret):
                found = candidate
        attempts.note_attempt(session, person.id, now, ok=found is not None)
        if found is None:
            return JoinOutcome(JoinStatus.UNKNOWN)
        organisation, role = found.organisation, Role(found.role)
        named = {"organisation": organisation.name, "slug": organisation.slug, "role": role}
        if found.cancelled_at is not None:
            return JoinOutcome(JoinStatus.CANCELLED, **named)
        if found.used_at is not None:
            return JoinOutcome(JoinStatus.USED, **named)
        if found.expires_at <= now:
            return JoinOutcome(JoinStatus.EXPIRED, **named)
        if not store_staff.take_invite(session, found.id, person.id, now):
            session.refresh(found)
            gone = JoinStatus.CANCELLED if found.cancelled_at else JoinStatus.USED
            return JoinOutcome(gone, **named)
        member = store_staff.member(session, organisation.id, person.id)
        previous = Role(member.role) if member is not None else None
        status = JoinStatus.JOINED
        if member is None:
            session.add(
                StaffMember(
                    organisation_id=organisation.id,
                    person_id=person.id,
                    role=role.value,
                    added_at=now,
                    added_by=found.created_by,
                )
            )
        elif previous is role or (
            previous is Role.ADMIN
            and store_staff.count(session, organisation.id, Role.ADMIN.value) == 1
        ):  # the only administrator stays one: nobody would be left to invite or remove
            status, role = JoinStatus.ALREADY, previous
        else:
            member.role, status = role.value, JoinStatus.ROLE_CHANGED
        audit.record(
            session,
            Actor.on_telegram(telegram_id),
            "staff.join",
            at=now,
            organisation_id=organisation.id,
            target=f"telegram:{telegram_id}",
            details={
                "invite": found.id,
                "role": role.value,
                **({"previous_role": previous.value} if previous else {}),
            },
        )
        if messages is not None and status is not JoinStatus.ALREADY:
            _tell_inviter(ctx, session, found, telegram_id, first_name(name), role, messages, now)
        return JoinOutcome(status, organisation.name, organisation.slug, role)


def _tell_inviter(
    ctx: OrganisationContext,
    session: Session,
    found: StaffInvite,
    telegram_id: int,
    name: str,
    role: Role,
    messages: StaffMessages,
    now: datetime,
) -> None:
    """The one who made the invitation learns who took it, if they still may see the staff."""
    inviter_id = found.created_by
    if inviter_id is None or inviter_id == telegram_id:
        return  # the command line, or their own link
    inviter = people.by_telegram_id(session, inviter_id)
    actor = Actor.on_telegram(inviter_id)
    if inviter is None or not ctx.policy.may(session, actor, Capability.STAFF, found.organisation):
        return
    payload = messages.joined(found.organisation.name, name, role.value)
    tell(session, inviter.id, payload, now, f"staff-joined:{found.id}")
