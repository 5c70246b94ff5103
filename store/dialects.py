"""The two databases colbot runs on (SQLite, PostgreSQL): which one a session talks to, and
statements that differ between them (an upsert's ON CONFLICT), built once for each."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

T = TypeVar("T")
DIALECTS: dict[str, ModuleType] = {"postgresql": postgresql, "sqlite": sqlite}


def dialect_of(db: Session | Connection) -> str:
    """ "postgresql" or "sqlite": the database the session or connection talks to."""
    bind = db.get_bind() if isinstance(db, Session) else db
    return bind.dialect.name


def per_dialect(build: Callable[[ModuleType], T]) -> dict[str, T]:
    """`build(dialect)` for each database, by its name: a statement made once, at import, and
    picked per session with `dialect_of` (building it again on every call was most of the time
    of the short ones)."""
    return {name: build(module) for name, module in DIALECTS.items()}
