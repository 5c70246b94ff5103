"""People who talk to the bot: seen, blocked the bot, asked what is stored, asked to be deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import ChatUser, SavedOpportunity, utcnow


@dataclass(frozen=True)
class StoredAboutUser:
    telegram_id: int
    language: str | None
    active: bool
    since: datetime
    last_seen: datetime
    saved: int = 0  # opportunities saved for a reminder


def seen(session: Session, telegram_id: int, language: str | None = None) -> ChatUser:
    """Note that a person wrote: they are active again even if they had blocked the bot."""
    user = session.scalar(select(ChatUser).where(ChatUser.telegram_id == telegram_id))
    if user is None:
        user = ChatUser(telegram_id=telegram_id, active=True)
        session.add(user)
    user.active, user.blocked_at, user.last_seen_at = True, None, utcnow()
    if language:
        user.language = language
    session.flush()
    return user


def blocked(session: Session, telegram_id: int) -> None:
    """The person blocked the bot: no more messages go to them until they write again."""
    user = session.scalar(select(ChatUser).where(ChatUser.telegram_id == telegram_id))
    if user is None:
        user = ChatUser(telegram_id=telegram_id)
        session.add(user)
    user.active, user.blocked_at = False, utcnow()
    session.flush()


def stored_about(session: Session, telegram_id: int) -> StoredAboutUser | None:
    user = session.scalar(select(ChatUser).where(ChatUser.telegram_id == telegram_id))
    if user is None:
        return None
    saved = session.scalar(
        select(func.count())
        .select_from(SavedOpportunity)
        .where(SavedOpportunity.telegram_id == telegram_id)
    )
    return StoredAboutUser(
        user.telegram_id, user.language, user.active, user.created_at, user.last_seen_at, saved or 0
    )


def forget(session: Session, telegram_id: int) -> bool:
    """Delete everything stored about a person; True when there was something."""
    # The database cascades too; deleting here does not depend on SQLite's foreign_keys pragma.
    session.execute(delete(SavedOpportunity).where(SavedOpportunity.telegram_id == telegram_id))
    result = session.execute(delete(ChatUser).where(ChatUser.telegram_id == telegram_id))
    return bool(result.rowcount)
