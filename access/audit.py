"""The audit log: every privileged action written down (who, what, when, on what) in the same
transaction as the action itself, so that one is never kept without the other. Details name
things by their ids and counts; never a learner's message, a claim or invite code, or a key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from access.policy import Actor
from store.models import AuditEntry

TARGET_LENGTH = 200


# one row, inserted at once (the session's pending changes flushed first): an ORM object would wait
# for the flush at the commit, and cost the unit of work's bookkeeping on every award
_INSERT = insert(AuditEntry)


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    at: datetime,
    organisation_id: int | None = None,
    target: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Write one privileged action (`action`: a dotted name, "staff.invite", "post.publish")."""
    session.execute(
        _INSERT,
        {
            "at": at,
            "actor_telegram_id": actor.audit_id,
            "action": action,
            "organisation_id": organisation_id,
            "target": target[:TARGET_LENGTH] if target else None,
            "details": dict(details or {}),
        },
    )


def entries(
    session: Session, organisation_id: int | None = None, limit: int = 50
) -> list[AuditEntry]:
    """The latest entries, newest first (of one organisation, or all)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if organisation_id is not None:
        query = query.where(AuditEntry.organisation_id == organisation_id)
    return list(session.scalars(query))
