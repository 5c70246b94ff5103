"""Organisations' staff as colbot's use cases, in one place (`Services.staff`): organisations
created and listed by platform administrators, invitations made, listed, withdrawn and accepted,
the staff listed and removed (and told so), the audit log read, and whose command menus to
draw. Every privileged one asks the policy first and writes the audit log in the same
transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from access import audit
from access.policy import Actor, Capability, Refused, Role
from organisations import invites, registry
from organisations.acting import capabilities, choices
from organisations.context import OrganisationContext
from organisations.staff_news import StaffMessages, tell
from organisations.staff_problems import LastAdministrator, NotOnStaff, UnknownOrganisation
from store import organisations as store_organisations
from store import people
from store import staff as store_staff
from store.models import AuditEntry, Organisation

MAX_AUDIT_LINES = 1000
FORMER_STAFF = timedelta(days=90)  # menus of staff removed this recently are reset


@dataclass(frozen=True)
class StaffEntry:
    """One person on an organisation's staff (the least: their Telegram id, role and since)."""

    telegram_id: int | None
    role: Role
    since: datetime


@dataclass(frozen=True)
class Removed:
    organisation: str  # its name
    telegram_id: int
    role: Role


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor_telegram_id: int | None  # None: the command line
    action: str
    organisation: str | None  # its slug
    target: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Menu:
    """What one person's command menu shows: what they may do somewhere, and whether they act
    for more than one organisation (then /org chooses)."""

    capabilities: frozenset[Capability]
    several: bool


class StaffService:
    def __init__(self, context: OrganisationContext, messages: StaffMessages) -> None:
        self.context = context
        self.messages = messages  # staff news, as the outbox keeps it

    # ---- organisations (platform administrators) ------------------------------------------------
    def create_organisation(
        self,
        actor: Actor,
        slug: str,
        name: str,
        url: str | None = None,
        email: str | None = None,
        description: str | None = None,
        image_url: str | None = None,
    ) -> registry.OrganisationSummary:
        profile = store_organisations.OrganisationProfile(url, email, description, image_url)
        return registry.create(self.context, actor, slug, name, profile)

    def check_new_slug(self, actor: Actor, slug: str) -> str:
        """`slug` as create_organisation would take it, or BadInput as it would raise."""
        return registry.check_new_slug(self.context, actor, slug)

    def organisations(self, actor: Actor) -> list[registry.OrganisationSummary]:
        return registry.listing(self.context, actor)

    def follow_link(self, slug: str) -> str:
        return registry.follow_link(self.context, slug)

    # ---- invitations ----------------------------------------------------------------------------
    def invite(
        self,
        actor: Actor,
        slug: str | int,
        role: Role | str,
        valid_for: timedelta = invites.DEFAULT_VALID_FOR,
    ) -> invites.Invitation:
        return invites.invite(self.context, actor, slug, role, valid_for)

    def accept(
        self, telegram_id: int, code: str, first_name: str | None = None
    ) -> invites.JoinOutcome:
        """`telegram_id` opens an invitation; its maker is told `first_name` joined."""
        return invites.accept(self.context, telegram_id, code, first_name, self.messages)

    def pending_invites(self, actor: Actor, slug: str | int) -> list[invites.PendingInvite]:
        return invites.pending(self.context, actor, slug)

    def cancel_invite(
        self, actor: Actor, slug: str | int, invite_id: int
    ) -> invites.CancelledInvite:
        return invites.cancel(self.context, actor, slug, invite_id)

    # ---- the staff ------------------------------------------------------------------------------
    def staff(self, actor: Actor, slug: str | int) -> list[StaffEntry]:
        """The organisation's staff, administrators first."""
        with self.context.database.session() as session:
            organisation = self._organisation(session, actor, slug)
            self.context.policy.check(session, actor, Capability.STAFF, organisation)
            return [
                StaffEntry(telegram_id, Role(member.role), member.added_at)
                for member, telegram_id in store_staff.members(session, organisation.id)
            ]

    def remove(self, actor: Actor, slug: str | int, telegram_id: int) -> Removed:
        """Take `telegram_id` off the organisation's staff: they keep no access. The last
        administrator is removed only by a platform administrator. The removed person is told
        through the outbox (unless they removed themselves)."""
        now = self.context.clock()
        policy = self.context.policy
        with self.context.database.session() as session:
            organisation = self._organisation(session, actor, slug)
            policy.check(session, actor, Capability.STAFF, organisation)
            person = people.by_telegram_id(session, telegram_id)
            member = store_staff.member(session, organisation.id, person.id) if person else None
            if person is None or member is None:
                raise NotOnStaff(f"{telegram_id} is not on the staff of '{organisation.slug}'")
            role = Role(member.role)
            if (
                role is Role.ADMIN
                and store_staff.count(session, organisation.id, Role.ADMIN.value) == 1
                and not policy.is_platform_admin(actor)
            ):
                raise LastAdministrator(
                    f"{telegram_id} is the only administrator of '{organisation.slug}'"
                )
            store_staff.remove(session, organisation.id, person.id)
            audit.record(
                session,
                actor,
                "staff.remove",
                at=now,
                organisation_id=organisation.id,
                target=f"telegram:{telegram_id}",
                details={"role": role.value},
            )
            if actor.telegram_id != telegram_id:
                key = f"staff-removed:{organisation.id}:{telegram_id}:{now.isoformat()}"
                tell(session, person.id, self.messages.removed(organisation.name), now, key)
            return Removed(organisation.name, telegram_id, role)

    # ---- the audit log --------------------------------------------------------------------------
    def audit_log(self, actor: Actor, slug: str | None = None, limit: int = 50) -> list[AuditLine]:
        """The latest privileged actions, newest first: of one organisation (its administrators
        may read them), or of all (platform administrators only)."""
        limit = max(1, min(limit, MAX_AUDIT_LINES))
        with self.context.database.session() as session:
            organisation_id = None
            if slug is None:
                self.context.policy.check(session, actor, Capability.ORGANISATIONS, None)
            else:
                organisation = self._organisation(session, actor, slug)
                self.context.policy.check(session, actor, Capability.STAFF, organisation)
                organisation_id = organisation.id
            found = audit.entries(session, organisation_id, limit)
            slugs = {
                row.id: row.slug
                for row in store_staff.organisations_in(session, self.context.city_slug)
            }
            return [_line(entry, slugs) for entry in found]

    # ---- menus ----------------------------------------------------------------------------------
    def menu_holders(self) -> list[int]:
        """Everyone whose command menu may be their own: staff, platform administrators, and
        staff removed in FORMER_STAFF (their menu goes back to everyone's)."""
        now = self.context.clock()
        with self.context.database.session() as session:
            found = set(store_staff.telegram_ids(session))
            found |= set(
                self.context.policy.telegram_ids_who_may(session, Capability.ORGANISATIONS, None)
            )
            for target in store_staff.audit_targets(session, "staff.remove", now - FORMER_STAFF):
                number = target.removeprefix("telegram:")
                if number.isascii() and number.isdigit():
                    found.add(int(number))
        return sorted(found)

    def menu(self, telegram_id: int) -> Menu:
        """What `telegram_id`'s menu shows (no capabilities: the menu everyone sees)."""
        actor = Actor.on_telegram(telegram_id)
        allowed = capabilities(self.context, actor)
        several = bool(allowed) and len(choices(self.context, actor, Capability.POST)) > 1
        return Menu(allowed, several)

    def _organisation(self, session: Session, actor: Actor, slug: str | int) -> Organisation:
        organisation = registry.find(session, slug)
        if organisation is None:
            if not self.context.policy.is_platform_admin(actor):
                raise Refused(Capability.STAFF, None)  # names no organisation to a stranger
            raise UnknownOrganisation(f"no organisation '{str(slug)[:70]}'")
        return organisation


def _line(entry: AuditEntry, slugs: dict[int, str]) -> AuditLine:
    organisation = slugs.get(entry.organisation_id) if entry.organisation_id else None
    return AuditLine(
        entry.at,
        entry.actor_telegram_id,
        entry.action,
        organisation,
        entry.target,
        dict(entry.details or {}),
    )
