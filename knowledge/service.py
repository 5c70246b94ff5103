"""The knowledge service: entries from the database (seeded from the repository, edited by
administrators), matched with the project's embedder, reloaded when an entry changes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from access import audit
from access.policy import Actor
from index.embedders import Embedder
from index.embedding_cache import EmbeddingCache
from index.service import ProgressFactory, progress_bar
from knowledge.entries import (
    EntryError,
    KnowledgeEntry,
    load_directory,
    load_outside,
    parse_entry,
    parse_yaml,
)
from knowledge.matcher import KnowledgeMatch, KnowledgeMatcher
from store import knowledge_entries
from store.db import Database
from store.models import KnowledgeRecord, utcnow

log = logging.getLogger(__name__)
CHECK_EVERY_S = 30.0  # how often another process's edits are looked for


class KnowledgeService:
    def __init__(
        self,
        database: Database,
        embedder: Callable[[], Embedder],
        repo_dir: Path,
        outside_file: Path,
        cache_dir: Path | None = None,
        progress: ProgressFactory | None = None,
        contact: dict[str, str] | None = None,
    ) -> None:
        self.database = database
        self._embedder = embedder
        self.cache_dir = cache_dir
        self.repo_dir = repo_dir
        self.outside_file = outside_file
        self.progress = progress
        self.contact = dict(contact or {})  # whom to ask when unsure: name, phone, email
        self._matcher: KnowledgeMatcher | None = None
        self._version: tuple[int, str] | None = None
        self._checked_at = 0.0
        self._seeded = False
        self._lock = threading.Lock()

    # ---- entries -----------------------------------------------------------------------------
    def seed(self) -> knowledge_entries.SeedReport:
        """Bring the city profile's entries into the database (all or nothing)."""
        entries = {e.id: e.as_yaml_dict() for e in load_directory(self.repo_dir)}
        with self.database.session() as session:
            report = knowledge_entries.seed(session, entries)
        for entry_id in report.kept_edited:
            log.info("knowledge entry %s was edited by an administrator; kept", entry_id)
        self._seeded = True
        self._matcher = None
        return report

    def entries(self) -> list[KnowledgeEntry]:
        return self.matcher.entries

    def get(self, entry_id: str) -> KnowledgeEntry | None:
        return next((e for e in self.entries() if e.id == entry_id), None)

    def edit(
        self, yaml_text: str, admin_id: int | None, where: str = "entry"
    ) -> tuple[KnowledgeEntry, bool]:
        """Check and store an administrator's entry; the bot answers with it at once."""
        entry = parse_yaml(yaml_text, where)
        actor = Actor.command_line() if admin_id is None else Actor.on_telegram(admin_id)
        with self.database.session() as session:
            created = knowledge_entries.save_edit(session, entry.id, entry.as_yaml_dict(), admin_id)
            audit.record(
                session,
                actor,
                "kb.add" if created else "kb.edit",
                at=utcnow(),
                target=entry.id,
            )
        self._matcher = None
        return entry, created

    def export(self) -> dict[str, str]:
        """Every entry as YAML, by id."""
        return {entry.id: entry.to_yaml() for entry in self.entries()}

    # ---- matching ----------------------------------------------------------------------------
    def _db_version(self) -> tuple[int, str]:
        with self.database.session() as session:
            count, latest = session.execute(
                select(func.count(), func.max(KnowledgeRecord.updated_at))
            ).one()
        return int(count or 0), str(latest)

    @property
    def matcher(self) -> KnowledgeMatcher:
        with self._lock:
            now = time.monotonic()
            if self._matcher is not None and now - self._checked_at < CHECK_EVERY_S:
                return self._matcher
            self._checked_at = now
            if not self._seeded:
                try:
                    self.seed()
                except EntryError as error:  # the bot still answers with what it has
                    log.error("knowledge entries in %s not loaded: %s", self.repo_dir, error)
                    self._seeded = True
            version = self._db_version()
            if self._matcher is None or version != self._version:
                with self.database.session() as session:
                    entries = [
                        parse_entry(data, f"database entry {entry_id}")
                        for entry_id, data in knowledge_entries.all_entries(session)
                    ]
                embedder = self._embedder()
                cache = None
                if self.cache_dir is not None:
                    cache = EmbeddingCache(
                        self.cache_dir / embedder.name / "questions.sqlite3", embedder.dim
                    )
                outside = load_outside(self.outside_file)
                texts = sum(len(e.questions) + 2 for e in entries) + len(outside)
                with progress_bar(self.progress, "knowledge", texts) as tick:
                    self._matcher = KnowledgeMatcher(
                        entries, embedder, cache, tick=tick, outside=outside
                    )
                self._version = version
            return self._matcher

    def match(self, text: str) -> KnowledgeMatch:
        return self.matcher.match(text)
