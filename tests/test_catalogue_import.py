"""Importing the catalogue into SQLite and PostgreSQL: upsert by id, prune, all or nothing."""

import codecs
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.catalogue_import import (
    CatalogueError,
    PrunePlan,
    active_opportunities,
    apply_records,
    prune_plan,
    read_catalogue_file,
)
from store.db import Database
from store.models import Opportunity, Organisation

from .conftest import CITY, DEMO


def write(path: Path, records: list[dict]) -> Path:
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    return path


def demo_records() -> list[dict]:
    return [json.loads(x) for x in DEMO.read_text(encoding="utf-8").splitlines() if x.strip()]


def load(database: Database, path: Path, prune: bool = False):
    records = read_catalogue_file(path)
    with database.session() as session:
        return apply_records(session, records, CITY.slug, CITY.zone, prune=prune)


def snapshot(database: Database) -> list[tuple]:
    with database.session() as session:
        rows = session.execute(
            select(
                Opportunity.external_id, Opportunity.record_hash, Opportunity.withdrawn_at
            ).order_by(Opportunity.external_id)
        )
        return [tuple(r) for r in rows]


def test_the_demo_catalogue_loads_with_its_organisations(database: Database, tmp_path: Path):
    report = load(database, DEMO)
    assert len(report.created) == len(demo_records()) >= 60
    with database.session() as session:
        first = session.scalar(select(Opportunity).where(Opportunity.external_id == "lj-0001"))
        assert first.title_sl.startswith("Tečaj slovenščine")
        assert first.organisation is not None
        assert first.starts_at is None or first.starts_at.tzinfo is not None
        assert session.scalar(select(func.count()).select_from(Organisation)) >= 10


def test_importing_again_updates_by_id_and_leaves_the_rest_alone(
    database: Database, tmp_path: Path
):
    records = demo_records()[:5]
    load(database, write(tmp_path / "a.jsonl", records))
    records[2]["title"] = {"sl": "Nov naslov", "en": "New title"}
    report = load(database, write(tmp_path / "b.jsonl", records))
    assert report.updated == [records[2]["id"]]
    assert len(report.unchanged) == 4 and not report.created
    with database.session() as session:
        changed = session.scalar(
            select(Opportunity).where(Opportunity.external_id == records[2]["id"])
        )
        assert changed.title_en == "New title"
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 5


def test_prune_withdraws_what_the_file_no_longer_has(database: Database, tmp_path: Path):
    records = demo_records()[:6]
    load(database, write(tmp_path / "a.jsonl", records))
    report = load(database, write(tmp_path / "b.jsonl", records[:4]), prune=True)
    assert sorted(report.withdrawn) == sorted(r["id"] for r in records[4:])
    with database.session() as session:
        assert {o.external_id for o in active_opportunities(session)} == {
            r["id"] for r in records[:4]
        }
    again = load(database, write(tmp_path / "c.jsonl", records))
    assert sorted(again.updated) == sorted(r["id"] for r in records[4:])


def test_without_prune_missing_items_stay(database: Database, tmp_path: Path):
    records = demo_records()[:3]
    load(database, write(tmp_path / "a.jsonl", records))
    report = load(database, write(tmp_path / "b.jsonl", records[:1]))
    assert not report.withdrawn
    with database.session() as session:
        assert len(active_opportunities(session)) == 3


@pytest.mark.parametrize(
    "fault", ["bad json", "no title", "bad coordinates", "bad audience", "bad date"]
)
def test_one_bad_record_leaves_the_catalogue_exactly_as_it_was(
    database: Database, tmp_path: Path, fault
):
    records = demo_records()[:8]
    load(database, write(tmp_path / "a.jsonl", records))
    before = snapshot(database)
    changed = [dict(r) for r in records]
    changed[0]["title"] = {"sl": "To se ne sme shraniti"}
    changed.append({**records[0], "id": "new-1"})
    bad = dict(changed[5])
    if fault == "no title":
        del bad["title"]
    elif fault == "bad coordinates":
        bad["location"] = {"lat": 46.05, "lon": 514.5}
    elif fault == "bad audience":
        bad["audience"] = ["robots"]
    elif fault == "bad date":
        bad["start"] = "jutri"
    changed[5] = bad
    path = write(tmp_path / "b.jsonl", changed)
    if fault == "bad json":
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[5] = lines[5][:-3]
        path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load(database, path, prune=True)
    assert caught.value.errors[0].line == 6
    assert snapshot(database) == before


def test_a_failure_while_writing_rolls_everything_back(database: Database, tmp_path: Path):
    records = read_catalogue_file(write(tmp_path / "a.jsonl", demo_records()[:4]))
    with pytest.raises(RuntimeError), database.session() as session:
        apply_records(session, records, CITY.slug, CITY.zone)
        raise RuntimeError("the disk is full")
    assert snapshot(database) == []


# ---- hostile files: refused with the line and field, the catalogue unchanged ---------------


def test_a_bad_byte_is_reported_on_its_line_and_a_byte_order_mark_is_read(tmp_path: Path):
    records = demo_records()[:9]
    lines = [json.dumps(r, ensure_ascii=False).encode() for r in records]
    lines[0] = codecs.BOM_UTF8 + lines[0]
    lines[6] = lines[6].replace(b'"title": {"sl": "', b'"title": {"sl": "\xff', 1)
    path = tmp_path / "bad-byte.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(CatalogueError) as caught:
        read_catalogue_file(path)
    assert (
        str(caught.value) == "line 7, field '(line)': is not UTF-8 text (byte 0xff at position 36)"
    )
    del lines[6]
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert [r.external_id for r in read_catalogue_file(path)] == [
        r["id"] for r in records if r is not records[6]
    ]


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("description", {"sl": "Za vse.\u0000"}, "description.sl"),
        ("organisation", "Knjižnica\u0000", "organisation"),
        ("title", {"en": "Robotics \ud800"}, "title.en"),
        ("end", "9999-12-31T23:59:59-14:00", "end"),
    ],
)
def test_text_a_database_cannot_hold_is_refused_before_it_is_written(
    database: Database, tmp_path: Path, field, value, named
):
    records = demo_records()[:4]
    load(database, write(tmp_path / "a.jsonl", records))
    before = snapshot(database)
    bad = [*records, {**records[0], "id": "new-1", field: value}]
    path = tmp_path / "b.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in bad) + "\n", encoding="ascii")
    with pytest.raises(CatalogueError) as caught:
        load(database, path)
    assert [(e.line, e.field) for e in caught.value.errors] == [(5, named)]
    assert snapshot(database) == before


def test_two_imports_of_the_same_new_file_at_once_both_succeed(database: Database, tmp_path: Path):
    """Each import waits at its first record until the other has read the catalogue too (or 2 s
    have passed): without a lock both would add the same new ids, and one would fail."""
    records = read_catalogue_file(write(tmp_path / "new.jsonl", demo_records()[:10]))
    arrived = [threading.Event(), threading.Event()]
    reports: list = [None, None]
    failures: list[Exception] = []

    def run(me: int) -> None:
        def meet_the_other(_n: int) -> None:
            if not arrived[me].is_set():
                arrived[me].set()
                arrived[1 - me].wait(timeout=2)

        other = Database(database.url)
        try:
            with other.session() as session:
                reports[me] = apply_records(
                    session, records, CITY.slug, CITY.zone, tick=meet_the_other
                )
        except Exception as error:
            failures.append(error)
        finally:
            other.dispose()

    threads = [threading.Thread(target=run, args=(me,)) for me in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted((len(r.created), len(r.unchanged)) for r in reports) == [(0, 10), (10, 0)]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Opportunity)) == 10


@pytest.mark.parametrize(
    ("withdrawn", "active", "drastic"),
    [(0, 0, False), (1, 1, True), (3, 6, False), (4, 6, True), (2, 75, False), (75, 75, True)],
)
def test_a_prune_of_more_than_half_the_catalogue_is_drastic(withdrawn, active, drastic):
    assert PrunePlan(withdrawn, active).drastic is drastic


def test_the_prune_plan_counts_the_active_items_a_file_lacks(database: Database, tmp_path: Path):
    records = demo_records()[:6]
    load(database, write(tmp_path / "a.jsonl", records))
    load(database, write(tmp_path / "b.jsonl", records[:5]), prune=True)  # one withdrawn
    wanted = read_catalogue_file(write(tmp_path / "c.jsonl", records[:2]))
    with database.session() as session:
        assert prune_plan(session, wanted) == PrunePlan(withdrawn=3, active=5)
