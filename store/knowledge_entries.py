"""Knowledge entries in the database: seeded from the repository, edited by administrators."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.entries import KnowledgeEntry, parse_entry
from store.models import KnowledgeRecord, utcnow

REPO, ADMIN = "repo", "admin"


@dataclass
class SeedReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)  # an administrator's version stays


def seed(session: Session, entries: list[KnowledgeEntry]) -> SeedReport:
    """Bring the repository's entries in; an entry an administrator edited is left as it is."""
    report = SeedReport()
    stored = {r.id: r for r in session.scalars(select(KnowledgeRecord))}
    wanted = {e.id: e for e in entries}
    for entry in entries:
        data = entry.as_yaml_dict()
        record = stored.get(entry.id)
        if record is None:
            session.add(KnowledgeRecord(id=entry.id, data=data, origin=REPO, updated_at=utcnow()))
            report.added.append(entry.id)
        elif record.origin == ADMIN:
            if record.data != data:
                report.kept_edited.append(entry.id)
        elif record.data != data:
            record.data, record.updated_at = data, utcnow()
            report.updated.append(entry.id)
    for entry_id, record in stored.items():
        if entry_id not in wanted and record.origin == REPO:
            session.delete(record)
            report.removed.append(entry_id)
    session.flush()
    return report


def all_entries(session: Session) -> list[KnowledgeEntry]:
    records = session.scalars(select(KnowledgeRecord).order_by(KnowledgeRecord.id))
    return [parse_entry(r.data, f"database entry {r.id}") for r in records]


def save_edit(session: Session, entry: KnowledgeEntry, admin_id: int | None) -> bool:
    """Store an administrator's version of an entry; True when it is a new entry."""
    record = session.get(KnowledgeRecord, entry.id)
    created = record is None
    if record is None:
        record = KnowledgeRecord(id=entry.id, data={}, origin=ADMIN)
        session.add(record)
    record.data, record.origin = entry.as_yaml_dict(), ADMIN
    record.updated_at, record.updated_by = utcnow(), admin_id
    session.flush()
    return created


def origins(session: Session) -> dict[str, str]:
    return {r.id: r.origin for r in session.scalars(select(KnowledgeRecord))}
