"""For which organisation a staff member acts now: the one they chose (/org), or the only one
they may act for. Every privileged command of the chat asks here first, through the policy, so
that menus, commands and buttons refuse alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from access.policy import Actor, Capability, Membership, Role
from organisations.context import OrganisationContext
from store.models import Organisation


@dataclass(frozen=True)
class ActingFor:
    """The organisation an actor acts for in one command, and whether they could choose
    another (then the chat says which one it acts for)."""

    organisation_id: int
    slug: str
    name: str
    choices: int


def choices(ctx: OrganisationContext, actor: Actor, capability: Capability) -> list[Membership]:
    """The organisations `actor` may do `capability` for, by name: their own staff roles, or
    every organisation of the city for a platform administrator."""
    with ctx.database.session() as session:
        if ctx.policy.is_platform_admin(actor):
            rows = session.execute(
                select(Organisation.id, Organisation.slug, Organisation.name)
                .where(Organisation.city == ctx.city_slug)
                .order_by(Organisation.name)
            )
            return [Membership(i, slug, name, Role.ADMIN) for i, slug, name in rows]
        return [
            membership
            for membership in ctx.policy.memberships(session, actor)
            if ctx.policy.may(session, actor, capability, membership.organisation_id)
        ]


def acting_for(
    ctx: OrganisationContext, actor: Actor, capability: Capability, chosen: int | None
) -> ActingFor | None:
    """The organisation `actor` acts for when they do `capability`: the one they chose if they
    may, else the first they may (by name); None when there is none (a polite refusal)."""
    allowed = choices(ctx, actor, capability)
    if not allowed:
        return None
    picked = next((m for m in allowed if m.organisation_id == chosen), allowed[0])
    return ActingFor(picked.organisation_id, picked.slug, picked.name, len(allowed))


def capabilities(ctx: OrganisationContext, actor: Actor) -> frozenset[Capability]:
    """What `actor` may do somewhere: the commands their menu shows."""
    with ctx.database.session() as session:
        return ctx.policy.capabilities(session, actor)
