"""What the bot tells staff on its own, through the outbox (it sends at its pace, in the
person's language, and keeps trying): a removed person that they no longer act for the
organisation, and whoever made an invitation who took it (their Telegram first name only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from store import outbox

KIND = "staff"  # the outbox rows' kind
WORTH_SENDING = timedelta(days=7)  # after that, news of a change is stale
FIRST_NAME_LENGTH = 64  # Telegram's own limit


class StaffMessages(Protocol):
    """The outbox's structured messages for staff news, as the dialogue's messages write them
    (a layer above: handed in by the wiring)."""

    def removed(self, organisation: str) -> list[dict[str, Any]]: ...

    def joined(self, organisation: str, first_name: str, role: str) -> list[dict[str, Any]]: ...


def tell(
    session: Session, person_id: int, payload: list[dict[str, Any]], now: datetime, key: str
) -> bool:
    """Put one piece of staff news in the outbox, in the caller's transaction; False when one
    with the same `key` is there already."""
    message = outbox.NewMessage(
        person_id=person_id,
        kind=KIND,
        payload=payload,
        not_before=now,
        expires_at=now + WORTH_SENDING,
        dedupe_key=key,
    )
    return outbox.enqueue(session, message, now)


def first_name(name: str | None) -> str:
    """A Telegram first name as it is passed on: one line, at most FIRST_NAME_LENGTH."""
    return " ".join((name or "").split())[:FIRST_NAME_LENGTH]
