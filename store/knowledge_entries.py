"""Knowledge entries in the database: seeded from the city profile, edited by administrators.
Entries are stored as the data of their YAML files; knowledge/ reads and checks them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import KnowledgeRecord, utcnow

EntryData = dict[str, Any]  # one entry as its YAML file holds it

REPO, ADMIN = "repo", "admin"


@dataclass
class SeedReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)  # an administrator's version stays


def seed(session: Session, entries: dict[str, EntryData]) -> SeedReport:
    """Bring the profile's entries (by id) in; an entry an administrator edited stays."""
    report = SeedReport()
    stored = {r.id: r for r in session.scalars(select(KnowledgeRecord))}
    for entry_id, data in entries.items():
        record = stored.get(entry_id)
        if record is None:
            session.add(KnowledgeRecord(id=entry_id, data=data, origin=REPO, updated_at=utcnow()))
            report.added.append(entry_id)
        elif record.origin == ADMIN:
            if record.data != data:
                report.kept_edited.append(entry_id)
        elif record.data != data:
            record.data, record.updated_at = data, utcnow()
            report.updated.append(entry_id)
    for entry_id, record in stored.items():
        if entry_id not in entries and record.origin == REPO:
            session.delete(record)
            report.removed.append(entry_id)
    session.flush()
    return report


def all_entries(session: Session) -> list[tuple[str, EntryData]]:
    """Every stored entry's id and data, by id."""
    records = session.scalars(select(KnowledgeRecord).order_by(KnowledgeRecord.id))
    return [(r.id, r.data) for r in records]


def save_edit(session: Session, entry_id: str, data: EntryData, admin_id: int | None) -> bool:
    """Store an administrator's version of an entry; True when it is a new entry."""
    record = session.get(KnowledgeRecord, entry_id)
    created = record is None
    if record is None:
        record = KnowledgeRecord(id=entry_id, data={}, origin=ADMIN)
        session.add(record)
    record.data, record.origin = data, ADMIN
    record.updated_at, record.updated_by = utcnow(), admin_id
    session.flush()
    return created


def origins(session: Session) -> dict[str, str]:
    return {r.id: r.origin for r in session.scalars(select(KnowledgeRecord))}
