"""Catalogue records: every fault names its line and field."""

import json

import pytest

from store.catalogue_import import CatalogueError, read_catalogue
from store.records import RecordError, parse_line

GOOD = {
    "id": "lj-1",
    "title": {"sl": "Tečaj slovenščine A1", "en": "Slovenian course A1"},
    "description": {"sl": "Za začetnike.", "en": "For beginners."},
    "kind": "course",
    "audience": ["migrants"],
    "location": {"address": "Šmartinska 134a", "district": "Moste", "lat": 46.06, "lon": 14.54},
    "start": "2026-12-03T17:00:00+01:00",
    "price_eur": 0,
}


def line(**changes):
    record = {**GOOD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...}, ensure_ascii=False)


def fault(raw: str, number: int = 7) -> RecordError:
    with pytest.raises(RecordError) as caught:
        parse_line(number, raw)
    return caught.value


def test_a_good_record_is_read_whole():
    record = parse_line(1, line())
    assert record.external_id == "lj-1"
    assert record.title_sl == "Tečaj slovenščine A1"
    assert record.lat == 46.06 and record.starts_at.utcoffset().total_seconds() == 3600
    assert str(record.price_eur) == "0.00"


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ('{"id": "x", "title": ', "(line)", "not valid JSON"),
        (line(title=...), "title", "missing"),
        (line(title={"sl": "  ", "en": ""}), "title", "at least one"),
        (line(title={"de": "Kurs"}), "title.de", "unknown language"),
        (line(location={"lat": 95.0, "lon": 14.5}), "location.lat", "out of range"),
        (line(location={"lat": 46.0, "lon": 181}), "location.lon", "out of range"),
        (line(location={"lat": "46", "lon": 14.5}), "location.lat", "number"),
        (line(audience=["students"]), "audience", "unknown value 'students'"),
        (line(start="3. 12. 2026"), "start", "not a date-time"),
        (line(start="2026-12-03T17:00:00"), "start", "no UTC offset"),
        (line(end="2026-12-01T17:00:00+01:00"), "end", "before start"),
        (line(kind="party"), "kind", "unknown kind"),
        (line(price_eur=-5), "price_eur", "not a valid price"),
        (line(url="javascript:alert(1)"), "url", "https://"),
        (line(id=...), "id", "missing"),
        (line(badge={"criteria": {"sl": "udeležba"}}), "badge.name", "missing"),
        ("[1, 2]", "(line)", "JSON object"),
    ],
)
def test_a_bad_record_names_line_and_field(raw, field, words):
    error = fault(raw)
    assert error.line == 7
    assert error.field == field
    assert words in error.message
    assert f"line 7, field '{field}'" in str(error)


def test_a_file_reports_every_bad_line_and_repeated_ids():
    lines = [line(), line(id="lj-2", audience=["aliens"]), "", line(), "{oops"]
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(lines)
    found = [(e.line, e.field) for e in caught.value.errors]
    assert found == [(2, "audience"), (4, "id"), (5, "(line)")]
    assert "repeats line 1" in str(caught.value)


def test_online_items_need_no_location():
    record = parse_line(1, line(location=None, online=True))
    assert record.online and record.lat is None
