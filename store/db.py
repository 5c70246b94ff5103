"""Engines, sessions and migrations for SQLite (the default) and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`; a SQLite file is created for its owner alone (with its folder) and
    foreign keys are enforced."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            create_private_file(Path(parsed.database))
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def create_private_file(path: Path) -> None:
    """Create a SQLite file that does not exist yet, and the folders above it that do not, for
    their owner alone (0600 and 0700): the database holds who saved what. The umask can only
    take rights away; an existing file or folder keeps the rights it was given."""
    for folder in reversed([path.parent, *path.parent.parents]):
        if not folder.exists():
            folder.mkdir(mode=0o700, exist_ok=True)
    if not path.exists():  # an empty file is an empty database
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """Foreign keys enforced; a file in write-ahead-log mode, synced at checkpoints rather than at
    every commit: a crash of colbot loses nothing, a power cut at most the last commits, never the
    file (SQLite's documented guarantee for WAL with synchronous=NORMAL). A commit then costs no
    fsync, which made one award (sign, store, queue) wait on the disk most of its time. Its -wal
    and -shm files get the database file's own permissions."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)
    engine.dispose()  # SQLite: the next connections enforce foreign keys again (see env.py)


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)
    engine.dispose()


class Database:
    """One engine and its session factory: one session per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends cleanly and rolls back otherwise."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads that need no transaction of their own (each statement sees what
        was committed when it began, as PostgreSQL's default isolation gives within one anyway).
        On PostgreSQL it runs in autocommit: no BEGIN and COMMIT round trips, and never the
        rollback that makes psycopg forget its prepared statements; on SQLite, reads are cheaper
        inside a transaction, so there it has one."""
        if self.engine.dialect.name == "postgresql":
            with self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            ) as connection:
                yield connection
        else:
            with self.engine.begin() as connection:
                yield connection

    def dispose(self) -> None:
        self.engine.dispose()
