"""Alembic environment: runs migrations on the engine that store.db hands over."""

from alembic import context

from store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: use DATABASE_URL like the bot does
    from bot.settings import Settings
    from store.db import make_engine

    engine = make_engine(Settings.from_environment().database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
