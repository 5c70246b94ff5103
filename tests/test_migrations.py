"""Alembic migrations: the schema they build is the schema the models describe."""

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
