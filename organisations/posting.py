"""Organisations post opportunities from the chat: a draft written step by step and kept in the
database (one per author), a preview, publishing (checked and stored by the catalogue import's
own code, then searchable at once through an incremental index sync), the organisation's items
with edit and withdraw, and the upload of a whole programme as a catalogue file. Every use case
asks the policy for Capability.POST and writes the audit log in the same transaction."""

from __future__ import annotations

import codecs
import copy
import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from access import audit
from access.policy import Actor, Capability, Refused
from index.catalogue_index import SyncReport
from index.service import CatalogueService
from organisations.context import OrganisationContext
from organisations.drafts import (
    STEPS,
    Setting,
    catalogue_object,
    data_of,
    first_unanswered,
    next_step,
    skip,
    take_choice,
    take_location,
    take_text,
    toggle,
)
from organisations.problems import PostProblem
from store import people
from store.catalogue_import import CatalogueError, apply_records, read_catalogue
from store.models import Opportunity, Organisation, Person, PostDraft
from store.records import MAX_ID, OpportunityRecord, RecordError, parse_line

CHAT, UPLOAD = "chat", "upload"  # Opportunity.source of what organisations post
PAGE = 5  # items a /myposts page lists
TOPIC_SUGGESTIONS = 8  # the city's commonest topics offered as buttons
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
_POST_NUMBER = re.compile(r"/post-(\d+)$")


@dataclass(frozen=True)
class DraftView:
    """Where a draft stands: the step it is at (and, for a title or description, the language
    it waits for), its answers so far, and for whom it is written."""

    step: str
    data: dict[str, Any]
    organisation_id: int
    organisation: str
    opportunity_id: int | None  # the item it edits; None for a new one
    language: str | None = None  # the language the title or description step waits for

    @property
    def paused(self) -> bool:
        return bool(self.data.get("paused"))


@dataclass(frozen=True)
class Published:
    opportunity_id: int
    external_id: str
    created: bool  # False: an edit of a published item
    sync: SyncReport


@dataclass(frozen=True)
class PostItem:
    opportunity_id: int
    title: dict[str, str]
    starts_at: datetime | None
    source: str


@dataclass(frozen=True)
class PostsPage:
    items: list[PostItem]
    offset: int
    total: int


@dataclass(frozen=True)
class Uploaded:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sync: SyncReport | None = None


class PostingService:
    """The posting use cases of one deployment (its city, its catalogue and index)."""

    def __init__(self, ctx: OrganisationContext, catalogue: CatalogueService) -> None:
        self.ctx = ctx
        self.catalogue = catalogue

    # ---- the draft -------------------------------------------------------------------------
    def start(self, actor: Actor, organisation_id: int) -> DraftView:
        """The actor's draft, continued where they left it (also after a restart); a new one for
        `organisation_id` when they have none."""
        with self.ctx.database.session() as session:
            author = self._author(session, actor)
            draft = self._draft_of(session, author)
            if draft is not None and not self._may(session, actor, draft.organisation_id):
                session.delete(draft)  # they left that organisation's staff: it goes too
                draft = None
            if draft is None:
                self.ctx.policy.check(session, actor, Capability.POST, organisation_id)
                draft = PostDraft(
                    author_id=author.id,
                    organisation_id=organisation_id,
                    step=STEPS[0],
                    data={},
                    created_at=self.ctx.clock(),
                )
                session.add(draft)
            elif draft.data.get("paused"):
                draft.data = {k: v for k, v in draft.data.items() if k != "paused"}
            draft.updated_at = self.ctx.clock()
            session.flush()
            return self._view(session, draft)

    def current(self, actor: Actor) -> DraftView | None:
        """The actor's draft as it stands, or None."""
        with self.ctx.database.session() as session:
            draft = self._checked_draft(session, actor, required=False)
            return self._view(session, draft) if draft is not None else None

    def answer(self, actor: Actor, text: str) -> DraftView:
        """A written answer to the draft's step (PostProblem: asked again)."""
        return self._change(actor, lambda data, step, setting: take_text(data, step, text, setting))

    def choose(self, actor: Actor, value: str) -> DraftView:
        """A button's answer: a language, a kind, free, online."""
        return self._change(actor, lambda data, step, _setting: take_choice(data, step, value))

    def locate(self, actor: Actor, lat: float, lon: float) -> DraftView:
        """A location shared at the "where" step."""
        return self._change(actor, lambda data, step, _setting: take_location(data, step, lat, lon))

    def toggle(self, actor: Actor, value: str) -> DraftView:
        """An audience or a suggested topic chosen or unchosen; the step stays."""
        return self._change(
            actor, lambda data, step, _setting: toggle(data, step, value), advance=False
        )

    def skip(self, actor: Actor) -> DraftView:
        """An optional step left empty, or a multiple choice done."""
        return self._change(actor, lambda data, step, _setting: skip(data, step))

    def go_to(self, actor: Actor, step: str) -> DraftView:
        """From the preview back to one step, to answer it again (then back to the preview)."""
        if step not in STEPS[:-1]:
            raise PostProblem("unknown_choice")
        with self.ctx.database.session() as session:
            draft = self._checked_draft(session, actor)
            data = copy.deepcopy(draft.data)
            if step in ("title", "description", "languages"):
                data.pop("title" if step != "description" else "description", None)
                if step == "languages":
                    data.pop("description", None)
            data["editing"] = True
            if step == "topics":
                self._offer_topics(session, data)
            self._save(session, draft, step, data)
            return self._view(session, draft)

    def pause(self, actor: Actor) -> DraftView | None:
        """/cancel: the draft is put aside (kept until the editor says otherwise)."""
        with self.ctx.database.session() as session:
            draft = self._checked_draft(session, actor, required=False)
            if draft is None:
                return None
            self._save(session, draft, draft.step, {**copy.deepcopy(draft.data), "paused": True})
            return self._view(session, draft)

    def discard(self, actor: Actor) -> bool:
        """The draft deleted; False when there was none."""
        with self.ctx.database.session() as session:
            author = people.by_telegram_id(session, actor.telegram_id or 0)
            if author is None:
                return False
            result = session.execute(delete(PostDraft).where(PostDraft.author_id == author.id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def preview(self, actor: Actor) -> Opportunity:
        """The draft as learners will see it: an opportunity that is not stored (its record
        checked as publishing would check it)."""
        with self.ctx.database.session() as session:
            draft = self._checked_draft(session, actor)
            organisation = session.get_one(Organisation, draft.organisation_id)
            record = self._record(session, draft, organisation)
            shown = Opportunity(id=draft.opportunity_id or 0, external_id=record.external_id)
            for name in ("kind", "topics", "audience", "languages", "online", "url"):
                setattr(shown, name, getattr(record, name))
            for name in ("title", "description", "schedule", "badge_name", "badge_criteria"):
                for lang in ("sl", "en"):
                    setattr(shown, f"{name}_{lang}", getattr(record, f"{name}_{lang}"))
            for name in ("address", "district", "lat", "lon", "starts_at", "ends_at", "price_eur"):
                setattr(shown, name, getattr(record, name))
            shown.organisation = Organisation(name=organisation.name, slug=organisation.slug)
            return shown

    def publish(self, actor: Actor) -> Published:
        """The draft stored as the organisation's opportunity (new, or the one it edits) through
        the catalogue import's checks and upsert, then made searchable at once (an incremental
        sync of the index); the draft is gone. Returns the opportunity's id (for followers'
        news)."""
        with self.ctx.database.session() as session:
            draft = self._checked_draft(session, actor)
            organisation = session.get_one(Organisation, draft.organisation_id)
            record = self._record(session, draft, organisation)
            report = apply_records(
                session,
                [record],
                self.catalogue.city.slug,
                self.catalogue.city.zone,
                prune=False,
                now=self.ctx.clock(),
                source=CHAT,
            )
            opportunity = session.scalars(
                select(Opportunity).where(Opportunity.external_id == record.external_id)
            ).one()
            created = draft.opportunity_id is None
            audit.record(
                session,
                actor,
                "post.publish" if created else "post.edit",
                at=self.ctx.clock(),
                organisation_id=organisation.id,
                target=record.external_id,
                details={"opportunity_id": opportunity.id, "changed": report.changed},
            )
            session.delete(draft)
            opportunity_id = opportunity.id
        sync = self.catalogue.refresh()
        return Published(opportunity_id, record.external_id, created, sync)

    def drafting(self) -> list[int]:
        """The Telegram ids of everyone in the middle of a draft (not put aside with /cancel):
        the chat's conversations to take up again after a restart."""
        with self.ctx.database.session() as session:
            rows = session.execute(
                select(Person.telegram_id, PostDraft.data).join(
                    Person, Person.id == PostDraft.author_id
                )
            )
            return [tg for tg, data in rows if tg is not None and not (data or {}).get("paused")]

    # ---- the organisation's items ------------------------------------------------------------
    def my_posts(self, actor: Actor, organisation_id: int, offset: int = 0) -> PostsPage:
        """The organisation's items still offered, newest first, a page at a time."""
        with self.ctx.database.session() as session:
            self.ctx.policy.check(session, actor, Capability.POST, organisation_id)
            mine = (
                Opportunity.organisation_id == organisation_id,
                Opportunity.withdrawn_at.is_(None),
            )
            total = session.scalar(select(func.count()).select_from(Opportunity).where(*mine))
            rows = session.scalars(
                select(Opportunity)
                .where(*mine)
                .order_by(Opportunity.updated_at.desc(), Opportunity.id.desc())
                .offset(max(offset, 0))
                .limit(PAGE)
            )
            items = [PostItem(o.id, _titles(o), o.starts_at, o.source) for o in rows]
            return PostsPage(items, max(offset, 0), int(total or 0))

    def edit(self, actor: Actor, organisation_id: int, opportunity_id: int) -> DraftView:
        """A draft filled from a published item (replacing any draft of the actor's); publishing
        it updates the item in place."""
        with self.ctx.database.session() as session:
            opportunity = self._own_item(session, actor, organisation_id, opportunity_id)
            author = self._author(session, actor)
            session.execute(delete(PostDraft).where(PostDraft.author_id == author.id))
            data = data_of(opportunity, self.catalogue.city.zone) | {"editing": True}
            draft = PostDraft(
                author_id=author.id,
                organisation_id=organisation_id,
                opportunity_id=opportunity.id,
                step="preview",
                data=data,
                created_at=self.ctx.clock(),
                updated_at=self.ctx.clock(),
            )
            session.add(draft)
            session.flush()
            return self._view(session, draft)

    def withdraw(self, actor: Actor, organisation_id: int, opportunity_id: int) -> SyncReport:
        """The item no longer offered: gone from search at once."""
        with self.ctx.database.session() as session:
            opportunity = self._own_item(session, actor, organisation_id, opportunity_id)
            if opportunity.withdrawn_at is None:
                opportunity.withdrawn_at = self.ctx.clock()
                audit.record(
                    session,
                    actor,
                    "post.withdraw",
                    at=self.ctx.clock(),
                    organisation_id=organisation_id,
                    target=opportunity.external_id,
                    details={"opportunity_id": opportunity.id},
                )
        return self.catalogue.refresh()

    # ---- a whole programme at once -----------------------------------------------------------
    def upload(self, actor: Actor, organisation_id: int, content: bytes) -> Uploaded:
        """A catalogue file (JSON Lines) for the organisation: every line checked as an import
        checks it, every record made the organisation's (one naming another organisation is
        refused) with its id under the organisation's slug; all stored, or none (CatalogueError
        names each line and field at fault)."""
        if len(content) > MAX_UPLOAD_BYTES:
            raise CatalogueError(
                [RecordError(0, "(file)", f"is larger than {MAX_UPLOAD_BYTES // 1024} KiB")]
            )
        with self.ctx.database.session() as session:
            self.ctx.policy.check(session, actor, Capability.POST, organisation_id)
            organisation = session.get_one(Organisation, organisation_id)
            lines = content.removeprefix(codecs.BOM_UTF8).splitlines(keepends=True)
            records = read_catalogue(lines)
            numbers = [n for n, raw in enumerate(lines, start=1) if raw.strip()]
            owned = _owned(records, numbers, organisation)
            _not_anothers(session, owned, numbers, organisation)
            report = apply_records(
                session,
                owned,
                self.catalogue.city.slug,
                self.catalogue.city.zone,
                prune=False,
                now=self.ctx.clock(),
                source=UPLOAD,
            )
            audit.record(
                session,
                actor,
                "post.upload",
                at=self.ctx.clock(),
                organisation_id=organisation_id,
                details={
                    "created": len(report.created),
                    "updated": len(report.updated),
                    "unchanged": len(report.unchanged),
                },
            )
        sync = self.catalogue.refresh()
        return Uploaded(report.created, report.updated, report.unchanged, sync)

    # ---- inside ------------------------------------------------------------------------------
    def _may(self, session: Session, actor: Actor, organisation_id: int) -> bool:
        return self.ctx.policy.may(session, actor, Capability.POST, organisation_id)

    def _author(self, session: Session, actor: Actor) -> Person:
        if actor.telegram_id is None:
            raise Refused(Capability.POST, None)  # drafts are written in the chat
        return people.reached_on_telegram(session, actor.telegram_id, self.ctx.clock())

    def _draft_of(self, session: Session, author: Person) -> PostDraft | None:
        return session.scalar(select(PostDraft).where(PostDraft.author_id == author.id))

    def _checked_draft(self, session: Session, actor: Actor, required: bool = True) -> Any:
        """The actor's draft, if they still may post for its organisation."""
        author = people.by_telegram_id(session, actor.telegram_id or 0)
        draft = self._draft_of(session, author) if author is not None else None
        if draft is None:
            if required:
                raise PostProblem("no_draft")
            return None
        self.ctx.policy.check(session, actor, Capability.POST, draft.organisation_id)
        return draft

    def _change(self, actor: Actor, change: Any, advance: bool = True) -> DraftView:
        with self.ctx.database.session() as session:
            draft = self._checked_draft(session, actor)
            data = copy.deepcopy(draft.data)
            step = draft.step
            if step == "preview":
                raise PostProblem("at_preview")
            data.pop("paused", None)  # answering takes a draft put aside up again
            change(data, step, self._setting())
            if step == "languages":  # texts in a language no longer chosen go
                for name in ("title", "description"):
                    kept = {k: v for k, v in (data.get(name) or {}).items() if k in data[step]}
                    data[name] = kept
            if advance:
                step = self._after(session, data, step)
            self._save(session, draft, step, data)
            return self._view(session, draft)

    def _after(self, session: Session, data: dict[str, Any], step: str) -> str:
        """The step that follows an answer: the same one while a title or description lacks a
        language; while editing, the next step left unanswered (new languages want their texts)
        and then the preview."""
        if step in ("title", "description") and first_unanswered(data) == step:
            return step
        if data.get("editing"):
            missing = first_unanswered(data)
            if missing is not None:
                return missing
            del data["editing"]
            return "preview"
        following = next_step(step)
        if following == "topics":
            self._offer_topics(session, data)
        return following

    def _offer_topics(self, session: Session, data: dict[str, Any]) -> None:
        if "topic_choices" not in data:
            data["topic_choices"] = self._common_topics(session)

    def _save(self, session: Session, draft: PostDraft, step: str, data: dict[str, Any]) -> None:
        draft.step = step
        draft.data = data  # a new object: the JSON column sees the change
        draft.updated_at = self.ctx.clock()
        session.flush()

    def _setting(self) -> Setting:
        return Setting(self.catalogue.gazetteer, self.catalogue.city.zone, self.ctx.clock())

    def _view(self, session: Session, draft: PostDraft) -> DraftView:
        organisation = session.get_one(Organisation, draft.organisation_id)
        data = copy.deepcopy(draft.data)
        language = None
        if draft.step in ("title", "description"):
            given = data.get(draft.step) or {}
            language = next((lang for lang in data.get("languages", []) if lang not in given), None)
        return DraftView(
            draft.step, data, organisation.id, organisation.name, draft.opportunity_id, language
        )

    def _common_topics(self, session: Session) -> list[str]:
        counts: Counter[str] = Counter()
        rows = session.scalars(
            select(Opportunity.topics).where(
                Opportunity.withdrawn_at.is_(None), Opportunity.city == self.ctx.city_slug
            )
        )
        for topics in rows:
            counts.update(t for t in topics or [] if len(t) <= 40)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [topic for topic, _count in ranked[:TOPIC_SUGGESTIONS]]

    def _record(
        self, session: Session, draft: PostDraft, organisation: Organisation
    ) -> OpportunityRecord:
        """The draft as a catalogue record, checked by the catalogue's own reader."""
        if draft.opportunity_id is not None:
            external_id = session.get_one(Opportunity, draft.opportunity_id).external_id
        else:
            external_id = self._next_id(session, organisation)
        line = catalogue_object(draft.data, external_id, organisation.name)
        try:
            return parse_line(1, json.dumps(line, ensure_ascii=False))
        except RecordError as error:  # the steps check more strictly: only a bug lands here
            raise PostProblem("invalid", field=error.field, message=error.message) from None

    def _next_id(self, session: Session, organisation: Organisation) -> str:
        """`<slug>/post-<n>`, n one more than the organisation's highest so far."""
        prefix = f"{organisation.slug}/post-"
        taken = session.scalars(
            select(Opportunity.external_id).where(Opportunity.external_id.startswith(prefix))
        )
        numbers = [int(m.group(1)) for key in taken if (m := _POST_NUMBER.search(key))]
        return f"{prefix}{max(numbers, default=0) + 1}"

    def _own_item(
        self, session: Session, actor: Actor, organisation_id: int, opportunity_id: int
    ) -> Opportunity:
        self.ctx.policy.check(session, actor, Capability.POST, organisation_id)
        opportunity = session.scalar(
            select(Opportunity)
            .where(Opportunity.id == opportunity_id)
            .options(selectinload(Opportunity.organisation))
        )
        if opportunity is None or opportunity.organisation_id != organisation_id:
            raise Refused(Capability.POST, organisation_id)
        return opportunity


def _titles(opportunity: Opportunity) -> dict[str, str]:
    titles = {"sl": opportunity.title_sl, "en": opportunity.title_en}
    return {lang: title for lang, title in titles.items() if title}


def _owned(
    records: list[OpportunityRecord], numbers: list[int], organisation: Organisation
) -> list[OpportunityRecord]:
    """The uploaded records made the organisation's, ids under its slug; a record naming
    another organisation, or an id too long once prefixed, fails with its line."""
    errors: list[RecordError] = []
    owned: list[OpportunityRecord] = []
    prefix = f"{organisation.slug}/"
    for record, number in zip(records, numbers, strict=True):
        if record.organisation not in (None, organisation.name):
            errors.append(
                RecordError(
                    number,
                    "organisation",
                    f"names '{record.organisation[:60]}'; an upload holds only "
                    f"{organisation.name}'s own items",
                )
            )
            continue
        key = record.external_id
        key = key if key.startswith(prefix) else prefix + key
        if len(key) > MAX_ID:
            errors.append(
                RecordError(number, "id", f"is too long with the prefix '{prefix}' ({MAX_ID} max)")
            )
            continue
        owned.append(
            replace(
                record, external_id=key, organisation=organisation.name, organisation_profile=None
            )
        )
    if errors:
        raise CatalogueError(errors[:20], max(0, len(errors) - 20))
    return owned


def _not_anothers(
    session: Session,
    records: list[OpportunityRecord],
    numbers: list[int],
    organisation: Organisation,
) -> None:
    """Refuse ids that another organisation's items (or the catalogue's own) already hold."""
    keys = {r.external_id: n for r, n in zip(records, numbers, strict=True)}
    taken = session.execute(
        select(Opportunity.external_id, Opportunity.organisation_id).where(
            Opportunity.external_id.in_(keys)
        )
    )
    errors = [
        RecordError(keys[key], "id", f"'{key[:60]}' belongs to another organisation's item")
        for key, owner in taken
        if owner != organisation.id
    ]
    if errors:
        raise CatalogueError(sorted(errors, key=lambda e: e.line)[:20])
