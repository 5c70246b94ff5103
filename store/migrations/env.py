"""Alembic environment: runs migrations on the engine that store.db hands over."""

from alembic import context

from store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand (`python -m bot migrate` is the usual way)
    import os

    from store.db import make_engine

    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL, or run `python -m bot migrate`")
    engine = make_engine(url)

with engine.begin() as connection:
    if connection.dialect.name == "sqlite":
        # SQLite rebuilds a table to alter it (batch mode): dropping the old one must not
        # cascade to the rows that refer to it. The pragma takes effect outside a transaction,
        # which pysqlite has not begun yet.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
