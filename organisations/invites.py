"""Invitations to an organisation's staff: an administrator (or the command line) makes a one-time,
expiring code for a role and hands on its deep link; the person who opens it joins the staff, or
is told plainly why not. Codes (192 random bits) are kept only as an HMAC with the server's
secret and compared in constant time; a person who guesses is stopped as badge claims stop them
(the same attempts count for both: MAX_FAILED in WINDOW)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from access import audit
from access.policy import Actor, Capability, Refused, Role
from badges.claims import MAX_FAILED, WINDOW
from openbadges import codes
from organisations.context import OrganisationContext
from organisations.registry import deep_link, find
from organisations.staff_problems import BadInput, UnknownOrganisation
from store import claims as attempts
from store import people
from store import staff as store_staff
from store.models import StaffInvite, StaffMember

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
    UNKNOWN = "unknown"  # no such invitation (mistyped, cut short, made up)
    TOO_MANY_ATTEMPTS = "too_many_attempts"


@dataclass(frozen=True)
class JoinOutcome:
    status: JoinStatus
    organisation: str | None = None  # its name, when the code was a real invitation
    slug: str | None = None
    role: Role | None = None
    retry_after: timedelta | None = None


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
        organisation = find(session, slug)
        if organisation is None:
            if not ctx.policy.is_platform_admin(actor):
                raise Refused(Capability.STAFF, None)  # names no organisation to a stranger
            raise UnknownOrganisation(f"no organisation '{str(slug)[:70]}'")
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


def accept(ctx: OrganisationContext, telegram_id: int, code: str) -> JoinOutcome:
    """`telegram_id` opens an invitation: they join the staff (or take its role), or are told
    why not (expired, used, unknown, too many guesses)."""
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
        if found.used_at is not None:
            return JoinOutcome(JoinStatus.USED, **named)
        if found.expires_at <= now:
            return JoinOutcome(JoinStatus.EXPIRED, **named)
        if not store_staff.take_invite(session, found.id, person.id, now):
            return JoinOutcome(JoinStatus.USED, **named)
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
        return JoinOutcome(status, organisation.name, organisation.slug, role)
