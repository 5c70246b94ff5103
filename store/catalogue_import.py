"""Loading a JSON Lines catalogue into the database: all records or none. The badges that
opportunities offer (and their images, read beside the catalogue file) and the organisations'
public profiles come in with it."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, select, text
from sqlalchemy.orm import Session, selectinload

from store import badges, saved
from store.models import BadgeClass, Opportunity, Organisation, utcnow
from store.organisations import OrganisationProfile, new_organisation, set_profile
from store.records import OpportunityRecord, RecordError, parse_line

MAX_REPORTED_ERRORS = 20
# On PostgreSQL an import holds this advisory lock ("colbot" in ASCII) until its transaction ends
IMPORT_LOCK = 0x636F6C626F74
IMPORT_WAIT_MS = 10 * 60 * 1000  # how long an import on SQLite waits for another to finish

MAX_IMAGE_READ = 4 * 1024 * 1024  # bytes read of a badge image file; the check sets the limit
# Only what a catalogue file brought is withdrawn by a pruning import of the next file: what
# organisations posted in the chat ("chat") or uploaded there ("upload") is theirs to withdraw.
PRUNED_SOURCE = "catalogue"
FEW_RECORDS = 500  # up to this many, an import reads back only the stored items it names

Tick = Callable[[int], None]
# Checks a supplied badge image's bytes: "png" or "svg", or ValueError saying why not (the
# wiring hands openbadges.images.check_supplied in; the store knows no image formats).
ImageCheck = Callable[[bytes], str]
_COPIED_FIELDS = [
    "kind",
    "title_sl",
    "title_en",
    "description_sl",
    "description_en",
    "topics",
    "audience",
    "languages",
    "address",
    "district",
    "lat",
    "lon",
    "online",
    "starts_at",
    "ends_at",
    "schedule_sl",
    "schedule_en",
    "price_eur",
    "url",
    "badge_name_sl",
    "badge_name_en",
    "badge_criteria_sl",
    "badge_criteria_en",
]


class CatalogueError(Exception):
    """The file cannot be imported; nothing was changed. Holds every error found (up to 20)."""

    def __init__(self, errors: list[RecordError], more: int = 0) -> None:
        self.errors = errors
        self.more = more
        lines = [str(e) for e in errors]
        if more:
            lines.append(f"… and {more} more")
        super().__init__("\n".join(lines))


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.withdrawn)


class _Faults:
    """The faults found so far: the first MAX_REPORTED_ERRORS kept, the rest counted."""

    def __init__(self) -> None:
        self.kept: list[RecordError] = []
        self.more = 0

    def add(self, error: RecordError) -> None:
        if len(self.kept) < MAX_REPORTED_ERRORS:
            self.kept.append(error)
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.kept:
            raise CatalogueError(self.kept, self.more)


@dataclass(frozen=True)
class PrunePlan:
    """What a prune would do: withdraw `withdrawn` of the `active` items, those the file lacks."""

    withdrawn: int
    active: int

    @property
    def drastic(self) -> bool:
        """Withdrawing more than half of the catalogue (or all of it) is more often an empty or
        cut file than a wish: it is not done without asking."""
        return 2 * self.withdrawn > self.active > 0


def prune_plan(session: Session, records: list[OpportunityRecord]) -> PrunePlan:
    """How many of the catalogue's own items now active a prune with `records` would withdraw
    (what organisations posted or uploaded in the chat is never pruned)."""
    wanted = {r.external_id for r in records}
    active = session.scalars(
        select(Opportunity.external_id).where(
            Opportunity.withdrawn_at.is_(None), Opportunity.source == PRUNED_SOURCE
        )
    ).all()
    return PrunePlan(sum(1 for key in active if key not in wanted), len(active))


def read_catalogue(
    lines: Iterable[str | bytes],
    tick: Tick | None = None,
    folder: Path | None = None,
    check_image: ImageCheck | None = None,
) -> list[OpportunityRecord]:
    """Check every line (text, or the bytes of a file, decoded line by line); raise
    CatalogueError listing the faults, or return all records. Badge images are read from
    `folder` (the catalogue file's) and checked with `check_image`; an organisation's profile
    must read the same wherever it is given."""
    records: list[OpportunityRecord] = []
    faults = _Faults()
    seen: dict[str, int] = {}
    profiles: dict[str, tuple[OrganisationProfile, int]] = {}
    for number, raw in enumerate(lines, start=1):
        if tick:
            tick(1)
        if not raw.strip():
            continue
        try:
            record = parse_line(number, raw)
            if record.badge_image_path is not None:
                record = _with_image(number, record, folder, check_image)
            _same_profile(number, record, profiles)
        except RecordError as error:
            faults.add(error)
            continue
        first = seen.setdefault(record.external_id, number)
        if first != number:
            faults.add(RecordError(number, "id", f"'{record.external_id}' repeats line {first}"))
            continue
        records.append(record)
    faults.raise_any()
    return records


def _with_image(
    number: int, record: OpportunityRecord, folder: Path | None, check_image: ImageCheck | None
) -> OpportunityRecord:
    """The record with its badge image read beside the catalogue file and checked."""
    written = record.badge_image_path or ""
    if folder is None or check_image is None:
        raise RecordError(number, "badge.image", "images are read only when importing a file")
    base = folder.resolve()
    path = (base / written).resolve()
    if not path.is_relative_to(base):
        raise RecordError(
            number, "badge.image", f"'{written}' leads outside the catalogue's folder"
        )
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IMAGE_READ + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise RecordError(number, "badge.image", f"'{written}' cannot be read ({reason})") from None
    try:
        kind = check_image(data)
    except ValueError as error:
        raise RecordError(number, "badge.image", f"'{written}': {error}") from None
    return replace(record, badge_image=data, badge_image_type=kind)


def _same_profile(
    number: int, record: OpportunityRecord, profiles: dict[str, tuple[OrganisationProfile, int]]
) -> None:
    if record.organisation is None or record.organisation_profile is None:
        return
    first = profiles.setdefault(record.organisation, (record.organisation_profile, number))
    if first[0] != record.organisation_profile:
        raise RecordError(
            number,
            "organisation",
            f"'{record.organisation}' has another profile on line {first[1]}; give it once, "
            "or the same everywhere",
        )


def read_catalogue_file(
    path: Path, tick: Tick | None = None, check_image: ImageCheck | None = None
) -> list[OpportunityRecord]:
    """Check a JSON Lines file, read as bytes so that a byte that is not UTF-8 is reported
    with its line, like any other fault; badge images are read beside it."""
    with path.open("rb") as handle:
        return read_catalogue(_without_bom(handle), tick, path.parent, check_image)


def _without_bom(lines: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a file, the first without the byte order mark some editors write."""
    for number, line in enumerate(lines):
        yield line.removeprefix(codecs.BOM_UTF8) if number == 0 else line


def apply_records(
    session: Session,
    records: list[OpportunityRecord],
    city: str,
    zone: ZoneInfo,
    prune: bool = False,
    tick: Tick | None = None,
    now: datetime | None = None,
    source: str = PRUNED_SOURCE,
) -> ImportReport:
    """Upsert `records` of a city (its profile's slug and time zone) by id in the session's
    transaction; with `prune` withdraw the rest of the catalogue's own items (`source`
    "catalogue": never what organisations posted or uploaded in the chat). `source` says where
    these records come from ("catalogue", "chat", "upload"). Reminders not sent yet about an opportunity
    whose start moved follow it, reckoned from `now` (the import time): in the same
    transaction, so they move only if the import holds."""
    report = ImportReport()
    one_import_at_a_time(session)
    existing = {o.external_id: o for o in session.scalars(_existing(records, prune))}
    organisations = {o.name: o for o in session.scalars(select(Organisation))}
    badge_classes = badges.badge_classes_by_opportunity(session)
    now = now or utcnow()
    moved: dict[int, datetime | None] = {}
    for record in records:
        if tick:
            tick(1)
        opportunity = existing.get(record.external_id)
        if opportunity is not None and opportunity.record_hash == record.record_hash:
            if opportunity.withdrawn_at is not None:
                opportunity.withdrawn_at = None
                report.updated.append(record.external_id)
            else:
                report.unchanged.append(record.external_id)
            if record.has_badge and opportunity.id not in badge_classes:  # stored before badges
                _keep_badge(session, opportunity, record, None, now)
            continue
        if opportunity is None:
            opportunity = Opportunity(external_id=record.external_id)
            session.add(opportunity)
            report.created.append(record.external_id)
        else:
            report.updated.append(record.external_id)
            if opportunity.starts_at != record.starts_at:
                moved[opportunity.id] = record.starts_at
        organisation = _organisation(session, organisations, record, city)
        _fill(opportunity, record, organisation)
        opportunity.city = city
        opportunity.source = source
        opportunity.withdrawn_at = None
        opportunity.updated_at = now
        if record.has_badge:
            _keep_badge(session, opportunity, record, badge_classes.get(opportunity.id), now)
    if prune:
        wanted = {r.external_id for r in records}
        for external_id, opportunity in existing.items():
            if (
                external_id not in wanted
                and opportunity.withdrawn_at is None
                and opportunity.source == PRUNED_SOURCE
            ):
                opportunity.withdrawn_at = now
                report.withdrawn.append(external_id)
    session.flush()
    saved.reschedule_reminders(session, moved, now, zone)
    return report


def _existing(records: list[OpportunityRecord], prune: bool) -> Select[tuple[Opportunity]]:
    """The stored opportunities an import compares with: every one for a prune or a large
    file; only the records' own for a few (a post from the chat: one of thousands)."""
    query = select(Opportunity)
    if prune or len(records) > FEW_RECORDS:
        return query
    return query.where(Opportunity.external_id.in_([r.external_id for r in records]))


def one_import_at_a_time(session: Session) -> None:
    """Take the catalogue for the rest of the session's transaction, waiting while another
    import holds it: two imports run one after the other, and the second reads what the
    first wrote, instead of adding the same new ids (and organisations) a second time."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    elif dialect == "sqlite":
        # any write, even one that changes nothing, takes SQLite's one write lock at once
        table = Opportunity.__table__
        before = session.execute(text("PRAGMA busy_timeout")).scalar_one()
        session.execute(text(f"PRAGMA busy_timeout = {IMPORT_WAIT_MS}"))
        try:
            session.execute(table.update().where(false()).values(id=table.c.id))
        finally:
            session.execute(text(f"PRAGMA busy_timeout = {int(before)}"))


def _organisation(
    session: Session, known: dict[str, Organisation], record: OpportunityRecord, city: str
) -> Organisation | None:
    """The record's organisation, made on its first mention; a profile given with it is kept
    (a plain name leaves the profile as it was)."""
    name = record.organisation
    if not name:
        return None
    if name not in known:
        known[name] = new_organisation(session, name, city, record.organisation_profile)
    elif record.organisation_profile is not None:
        set_profile(known[name], record.organisation_profile)
    return known[name]


def _keep_badge(
    session: Session,
    opportunity: Opportunity,
    record: OpportunityRecord,
    existing: BadgeClass | None,
    now: datetime,
) -> None:
    source = badges.badge_source(
        opportunity,
        record.organisation,
        (record.badge_description_sl, record.badge_description_en),
        record.badge_image,
        record.badge_image_type,
        record.badge_colour,
    )
    badges.keep_in_step(session, opportunity, source, existing, now)


def _fill(
    opportunity: Opportunity, record: OpportunityRecord, organisation: Organisation | None
) -> None:
    opportunity.organisation = organisation
    for name in _COPIED_FIELDS:
        setattr(opportunity, name, getattr(record, name))
    opportunity.record_hash = record.record_hash


def active_opportunities(session: Session) -> list[Opportunity]:
    """Every opportunity not withdrawn, with its organisation loaded."""
    query = (
        select(Opportunity)
        .where(Opportunity.withdrawn_at.is_(None))
        .options(selectinload(Opportunity.organisation))
        .order_by(Opportunity.id)
    )
    return list(session.scalars(query))
