"""The one policy of who may do what: an editor, an administrator, someone of another
organisation, a platform administrator, the command line and a stranger, for every capability;
what their menus show (capabilities), and whom evidence waiting for a review is shown to
(telegram_ids_who_may)."""

from __future__ import annotations

import pytest

from access.policy import ALLOWED, Actor, Capability, Refused, Role
from store.models import Organisation
from store.organisations import by_slug

from .badges_world import MovableClock
from .staff_world import (
    ANA,
    BORIS,
    CVETKA,
    DAVID,
    LIBRARY,
    PLATFORM_ADMIN,
    YOUTH,
    joined,
    staff_service,
    with_organisations,
)

EDITOR_MAY = {Capability.POST, Capability.STATS}
ADMIN_MAY = EDITOR_MAY | {Capability.ANNOUNCE, Capability.AWARD, Capability.STAFF}


@pytest.fixture
def world(database):
    """ANA administers the library, BORIS edits for it, CVETKA administers the youth centre,
    DAVID is a learner."""
    service = with_organisations(staff_service(database, MovableClock()))
    joined(service, LIBRARY, ANA, "admin")
    joined(service, LIBRARY, BORIS, "editor")
    joined(service, YOUTH, CVETKA, "admin")
    with database.session() as session:
        library, youth = by_slug(session, LIBRARY), by_slug(session, YOUTH)
        assert library is not None and youth is not None
        ids = library.id, youth.id
    return service, ids


def test_the_roles_allow_what_the_issue_says():
    assert ALLOWED[Role.EDITOR] == EDITOR_MAY
    assert ALLOWED[Role.ADMIN] == ADMIN_MAY
    assert all(Capability.ORGANISATIONS not in allowed for allowed in ALLOWED.values())


@pytest.mark.parametrize("capability", list(Capability))
def test_the_matrix(world, capability):
    service, (library, youth) = world
    policy = service.context.policy
    expected = {
        # (who, organisation): may
        (ANA, library): capability in ADMIN_MAY,
        (ANA, youth): False,  # another organisation
        (BORIS, library): capability in EDITOR_MAY,
        (BORIS, youth): False,
        (CVETKA, library): False,
        (CVETKA, youth): capability in ADMIN_MAY,
        (DAVID, library): False,
        (PLATFORM_ADMIN, library): True,
        (PLATFORM_ADMIN, youth): True,
    }
    with service.context.database.session() as session:
        for (who, organisation), may in expected.items():
            actor = Actor.on_telegram(who)
            assert policy.may(session, actor, capability, organisation) is may, (who, organisation)
            if may:
                policy.check(session, actor, capability, organisation)
            else:
                with pytest.raises(Refused) as refused:
                    policy.check(session, actor, capability, organisation)
                assert refused.value.capability is capability
                assert refused.value.organisation_id == organisation
        # the deployment itself (None): platform administrators and the command line only
        assert policy.may(session, Actor.command_line(), capability, None)
        assert policy.may(session, Actor.on_telegram(PLATFORM_ADMIN), capability, None)
        assert not policy.may(session, Actor.on_telegram(ANA), capability, None)
        assert policy.may(session, Actor.command_line(), capability, library)
        assert not policy.may(session, Actor(), capability, library)  # nobody at all


def test_an_organisation_object_or_its_id_is_the_same(world):
    service, (library, _) = world
    policy = service.context.policy
    with service.context.database.session() as session:
        organisation = session.get(Organisation, library)
        for capability in Capability:
            by_object = policy.may(session, Actor.on_telegram(BORIS), capability, organisation)
            by_id = policy.may(session, Actor.on_telegram(BORIS), capability, library)
            assert by_object is by_id


def test_capabilities_and_memberships(world):
    service, (library, youth) = world
    policy = service.context.policy
    with service.context.database.session() as session:
        assert policy.capabilities(session, Actor.on_telegram(ANA)) == ADMIN_MAY
        assert policy.capabilities(session, Actor.on_telegram(BORIS)) == EDITOR_MAY
        assert policy.capabilities(session, Actor.on_telegram(DAVID)) == frozenset()
        assert policy.capabilities(session, Actor.on_telegram(PLATFORM_ADMIN)) == set(Capability)
        assert policy.capabilities(session, Actor.command_line()) == set(Capability)
        [membership] = policy.memberships(session, Actor.on_telegram(BORIS))
        assert (membership.organisation_id, membership.slug, membership.role) == (
            library,
            LIBRARY,
            Role.EDITOR,
        )
        assert policy.memberships(session, Actor.command_line()) == []
        assert policy.role_in(session, Actor.on_telegram(CVETKA), youth) is Role.ADMIN
        assert policy.role_in(session, Actor.on_telegram(CVETKA), library) is None


def test_who_may_is_the_staff_whose_role_allows_it_and_the_platform(world):
    service, (library, youth) = world
    policy = service.context.policy
    with service.context.database.session() as session:
        organisation = session.get(Organisation, library)
        assert policy.telegram_ids_who_may(session, Capability.AWARD, organisation) == sorted(
            [ANA, PLATFORM_ADMIN]
        )
        assert policy.telegram_ids_who_may(session, Capability.POST, organisation) == sorted(
            [ANA, BORIS, PLATFORM_ADMIN]
        )
        assert policy.telegram_ids_who_may(session, Capability.AWARD, None) == [PLATFORM_ADMIN]
        youth_centre = session.get(Organisation, youth)
        assert policy.telegram_ids_who_may(session, Capability.STAFF, youth_centre) == sorted(
            [CVETKA, PLATFORM_ADMIN]
        )
