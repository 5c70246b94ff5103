"""Alembic migrations: the schema they build is the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from store.db import Database, downgrade, migrate
from store.models import Base


def test_migrations_build_exactly_the_models_schema(database_url: str):
    database = Database(database_url)
    migrate(database.engine)
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    database.dispose()
    assert differences == []


def test_migrations_go_down_and_up_again(database_url: str):
    database = Database(database_url)
    migrate(database.engine)
    assert {"organisation", "opportunity"} <= set(inspect(database.engine).get_table_names())
    downgrade(database.engine, "base")
    assert "opportunity" not in inspect(database.engine).get_table_names()
    migrate(database.engine)
    migrate(database.engine)  # idempotent
    assert "opportunity" in inspect(database.engine).get_table_names()
    database.dispose()


def test_data_stored_under_the_old_schema_is_carried_over(database_url: str):
    """A database of 1 December (revision 0004: people by Telegram id) is upgraded: each
    person keeps what they saved and their language, reminders keep their times, the catalogue
    is Ljubljana's; and it goes back down again."""
    database = Database(database_url)
    migrate(database.engine, "0004")
    created, remind = "2026-11-30 10:00:00+00:00", "2026-12-02 08:00:00+00:00"
    with database.engine.begin() as connection:
        run = connection.exec_driver_sql
        run(f"INSERT INTO organisation (id, name, created_at) VALUES (1, 'Knjižnica', {created!r})")
        for number, key in ((10, "lj-1"), (11, "lj-2")):
            run(
                "INSERT INTO opportunity (id, external_id, organisation_id, kind, title_sl, "
                "topics, audience, languages, online, record_hash, created_at, updated_at) "
                f"VALUES ({number}, '{key}', 1, 'course', 'Tečaj', '[]', '[]', '[]', false, 'h', "
                f"{created!r}, {created!r})"
            )
        for number, telegram_id, language, active in (
            (5, 9001, "en", True),
            (6, 9002, None, False),
        ):
            run(
                "INSERT INTO chat_user (id, telegram_id, language, active, created_at, "
                f"last_seen_at) VALUES ({number}, {telegram_id}, "
                f"{repr(language) if language else 'NULL'}, {str(active).lower()}, "
                f"{created!r}, {created!r})"
            )
        run(
            "INSERT INTO saved_opportunity (telegram_id, opportunity_id, created_at, remind_at) "
            f"VALUES (9001, 10, {created!r}, {remind!r}), (9001, 11, {created!r}, NULL), "
            f"(9002, 10, {created!r}, {remind!r})"
        )
    migrate(database.engine)
    from datetime import UTC, datetime

    from sqlalchemy import select

    from store import people
    from store.models import Opportunity, Organisation, Person, SavedOpportunity

    with database.session() as session:
        first = people.by_telegram_id(session, 9001)
        second = people.by_telegram_id(session, 9002)
        assert (first.language, first.active, second.active) == ("en", True, False)
        saved = {
            (s.person_id, s.opportunity_id): s.remind_at
            for s in session.scalars(select(SavedOpportunity))
        }
        assert saved == {
            (first.id, 10): datetime(2026, 12, 2, 8, tzinfo=UTC),
            (first.id, 11): None,
            (second.id, 10): datetime(2026, 12, 2, 8, tzinfo=UTC),
        }
        assert set(session.scalars(select(Opportunity.city))) == {"ljubljana"}
        assert session.scalar(select(Organisation.city)) == "ljubljana"
        newcomer = people.seen(session, 9003, datetime(2026, 12, 6, tzinfo=UTC))
        assert newcomer.id not in (first.id, second.id)  # new ids go on after the copied ones
        assert session.get(Person, newcomer.id).telegram_id == 9003
    downgrade(database.engine, "0004")
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT telegram_id, opportunity_id FROM saved_opportunity ORDER BY 1, 2"
        ).all()
        assert [tuple(r) for r in rows] == [(9001, 10), (9001, 11), (9002, 10)]
    database.dispose()


def test_organisations_of_before_badges_get_slugs_and_their_badges_come_on_first_use(
    database_url: str,
):
    """A database of 7 December (revision 0007): each organisation gets a slug of its own
    (never the city's: the City of Learning's issuer has that one), and the badges its
    opportunities offer become badge classes when they are first listed; and down again."""
    database = Database(database_url)
    migrate(database.engine, "0007")
    created = "2026-12-07 10:00:00+00:00"
    with database.engine.begin() as connection:
        run = connection.exec_driver_sql
        for number, name in (
            (1, "Četrtni mladinski center Šiška"),
            (2, "Ljubljana"),
            (3, "ČMC Šiška"),
        ):
            run(
                "INSERT INTO organisation (id, name, city, created_at) "
                f"VALUES ({number}, '{name}', 'ljubljana', {created!r})"
            )
        run(
            "INSERT INTO opportunity (id, external_id, city, organisation_id, kind, title_sl, "
            "topics, audience, languages, online, badge_name_sl, record_hash, created_at, "
            f"updated_at) VALUES (10, 'lj-1', 'ljubljana', 1, 'course', 'Tečaj', '[]', '[]', "
            f"'[]', false, 'Značka', 'h', {created!r}, {created!r})"
        )
    migrate(database.engine)
    from datetime import UTC, datetime

    from sqlalchemy import select

    from store import badges
    from store.models import BadgeClass, Organisation

    with database.session() as session:
        slugs = dict(session.execute(select(Organisation.id, Organisation.slug)).all())
        assert slugs == {1: "cetrtni-mladinski-center-siska", 2: "ljubljana-2", 3: "cmc-siska"}
        assert badges.add_missing(session, datetime(2026, 12, 8, tzinfo=UTC)) == 1
        badge = session.scalar(select(BadgeClass))
        assert (badge.name_sl, badge.criteria_sl) == ("Značka", "Udeležba: Tečaj")
        assert badge.image is None  # drawn on first use
    downgrade(database.engine, "0007")
    assert "badge_class" not in inspect(database.engine).get_table_names()
    columns = {c["name"] for c in inspect(database.engine).get_columns("organisation")}
    assert "slug" not in columns
    database.dispose()


def test_an_award_that_stands_twice_keeps_its_first_and_the_index_keeps_it_so(
    tmp_path, issuing_keys, database_url: str
):
    """A database of before the one-standing-award index (revision 0011) where one person holds
    one badge twice: the upgrade revokes the later award as awarded twice, then the index
    refuses a second standing award; and down again."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from store.models import Award

    from .badges_world import AS_ADMIN, LEARNER, badge_services, code_of, person

    services, _clock = badge_services(tmp_path, issuing_keys, database_url)
    code = code_of(services.badges.claim_link(AS_ADMIN, "lj-robotika").link)
    first = services.badges.redeem(person(services, LEARNER), code).award_id
    engine = services.database.engine
    downgrade(engine, "0011")
    columns = [c["name"] for c in inspect(engine).get_columns("award") if c["name"] != "id"]
    copied = ", ".join(
        {"public_id": "'later'", "status_position": "status_position + 1"}.get(c, c)
        for c in columns
    )
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO award ({', '.join(columns)}) SELECT {copied} FROM award"
        )
    migrate(engine)
    with services.database.session() as session:
        standing = dict(session.execute(select(Award.public_id, Award.revocation_reason)).all())
    assert standing == {first: None, "later": "awarded twice"}
    with engine.begin() as connection, pytest.raises(IntegrityError):
        connection.exec_driver_sql(
            "UPDATE award SET revoked_at = NULL, revocation_reason = NULL WHERE public_id = 'later'"
        )
    downgrade(engine, "0011")
    assert "uq_award_standing" not in {i["name"] for i in inspect(engine).get_indexes("award")}
    services.close()
