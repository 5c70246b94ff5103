"""The one check of every privileged action, in the chat, on the command line and in the use
cases: an `Actor` asks for a `Capability` on an organisation (None: the deployment itself, e.g.
a badge the City of Learning issues in its own name), and `Policy` says yes or no from the
actor's role there. Menus are drawn from the same answers, so they hide nothing the server
would not also refuse."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Organisation, Person, StaffMember


class Role(StrEnum):
    """What a person is in one organisation's staff."""

    ADMIN = "admin"  # everything for their organisation
    EDITOR = "editor"  # posts and edits its opportunities, sees its numbers


class Capability(StrEnum):
    """What a privileged command or button does."""

    POST = "post"  # post, edit and withdraw the organisation's opportunities; upload a programme
    STATS = "stats"  # see the organisation's numbers (counts only)
    ANNOUNCE = "announce"  # send, schedule, cancel and withdraw announcements
    AWARD = "award"  # badges: award, revoke, make claim links, review evidence, see who earned
    STAFF = "staff"  # invite and remove the organisation's staff
    ORGANISATIONS = "organisations"  # create organisations (platform administrators only)


ALLOWED: dict[Role, frozenset[Capability]] = {
    Role.EDITOR: frozenset({Capability.POST, Capability.STATS}),
    Role.ADMIN: frozenset(
        {
            Capability.POST,
            Capability.STATS,
            Capability.ANNOUNCE,
            Capability.AWARD,
            Capability.STAFF,
        }
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who asks: a Telegram user, or the platform itself (the command line on the server)."""

    telegram_id: int | None = None
    platform: bool = False

    @classmethod
    def command_line(cls) -> Actor:
        return cls(platform=True)

    @classmethod
    def on_telegram(cls, telegram_id: int) -> Actor:
        return cls(telegram_id=telegram_id)

    @property
    def audit_id(self) -> int | None:
        """As the audit log names them: their Telegram id, or None for the command line."""
        return None if self.platform else self.telegram_id


class Refused(Exception):
    """The actor may not do this (the fronts answer with a polite refusal, never more)."""

    def __init__(self, capability: Capability, organisation_id: int | None) -> None:
        super().__init__(f"{capability.value} refused for organisation {organisation_id}")
        self.capability = capability
        self.organisation_id = organisation_id


@dataclass(frozen=True)
class Membership:
    """One organisation a person acts for, and as what."""

    organisation_id: int
    slug: str
    name: str
    role: Role


class Policy:
    """Roles and scopes: platform administrators may do everything everywhere; an organisation's
    staff only what their role allows, and only for their own organisation."""

    def __init__(self, platform_admins: frozenset[int]) -> None:
        self._platform_admins = frozenset(platform_admins)

    def is_platform_admin(self, actor: Actor) -> bool:
        return actor.platform or (
            actor.telegram_id is not None and actor.telegram_id in self._platform_admins
        )

    def role_in(self, session: Session, actor: Actor, organisation_id: int) -> Role | None:
        """The actor's role in the organisation's staff (None: not on its staff)."""
        if actor.telegram_id is None:
            return None
        role = session.scalar(
            select(StaffMember.role)
            .join(Person, Person.id == StaffMember.person_id)
            .where(
                StaffMember.organisation_id == organisation_id,
                Person.telegram_id == actor.telegram_id,
            )
        )
        return Role(role) if role else None

    def may(
        self,
        session: Session,
        actor: Actor,
        capability: Capability,
        organisation: Organisation | int | None,
    ) -> bool:
        """Whether `actor` may do `capability` for `organisation` (an Organisation or its id;
        None: the deployment itself, which only platform administrators act for)."""
        if self.is_platform_admin(actor):
            return True
        if organisation is None or capability is Capability.ORGANISATIONS:
            return False
        organisation_id = organisation if isinstance(organisation, int) else organisation.id
        role = self.role_in(session, actor, organisation_id)
        return role is not None and capability in ALLOWED[role]

    def check(
        self,
        session: Session,
        actor: Actor,
        capability: Capability,
        organisation: Organisation | int | None,
    ) -> None:
        """Raise `Refused` unless `actor` may do `capability` for `organisation`."""
        if not self.may(session, actor, capability, organisation):
            organisation_id = (
                organisation if isinstance(organisation, int | None) else organisation.id
            )
            raise Refused(capability, organisation_id)

    def memberships(self, session: Session, actor: Actor) -> list[Membership]:
        """The organisations the actor is on the staff of, by name (platform administrators:
        only those they were invited to; they act for the others by naming them)."""
        if actor.telegram_id is None:
            return []
        rows = session.execute(
            select(Organisation.id, Organisation.slug, Organisation.name, StaffMember.role)
            .join(StaffMember, StaffMember.organisation_id == Organisation.id)
            .join(Person, Person.id == StaffMember.person_id)
            .where(Person.telegram_id == actor.telegram_id)
            .order_by(Organisation.name)
        )
        return [Membership(i, slug, name, Role(role)) for i, slug, name, role in rows]

    def capabilities(self, session: Session, actor: Actor) -> frozenset[Capability]:
        """Everything the actor may do somewhere: what their command menu shows."""
        if self.is_platform_admin(actor):
            return frozenset(Capability)
        found: set[Capability] = set()
        for membership in self.memberships(session, actor):
            found |= ALLOWED[membership.role]
        return frozenset(found)

    def telegram_ids_who_may(
        self, session: Session, capability: Capability, organisation: Organisation | None
    ) -> list[int]:
        """Everyone who may do `capability` for `organisation`, by Telegram id (to tell them of
        evidence waiting for a review, say): its staff whose role allows it, and the platform
        administrators."""
        ids = set(self._platform_admins)
        if organisation is not None:
            roles = [role.value for role, allowed in ALLOWED.items() if capability in allowed]
            ids |= set(
                session.scalars(
                    select(Person.telegram_id)
                    .join(StaffMember, StaffMember.person_id == Person.id)
                    .where(
                        StaffMember.organisation_id == organisation.id,
                        StaffMember.role.in_(roles),
                        Person.telegram_id.is_not(None),
                    )
                )
            )
        return sorted(ids)
