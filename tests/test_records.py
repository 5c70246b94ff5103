"""Catalogue records: every fault names its line and field."""

import json

import pytest

from store.catalogue_import import MAX_REPORTED_ERRORS, CatalogueError, read_catalogue
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


# ---- hostile records: each refused naming its line and field, none crashes -------------------


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        (line(end="9999-12-31T23:59:59-14:00"), "end", "out of range"),
        (line(start="0001-01-01T00:00:00+14:00", end=None), "start", "out of range"),
        (line(location={"lat": 10**400, "lon": 14.5}), "location.lat", "1000000000"),
        (line(location={"lat": 46.0, "lon": -(10**400)}), "location.lon", "out of range (±180)"),
        (line(price_eur=10**400), "price_eur", "not a valid price"),
        ('{"id": "x", "location": {"lat": ' + "9" * 5000 + "}}", "(line)", "too many digits"),
        ('{"id": ' + "[" * 1000 + "]" * 1000 + "}", "(line)", "nested too deeply"),
        ('{"id": ' + "[" * 100_000 + "]" * 100_000 + "}", "(line)", "nested too deeply"),
        (line(description={"sl": "Za\u0000začetnike"}), "description.sl", "NUL character"),
        (line(id="lj-\u0000"), "id", "NUL"),
        (line(topics=["robotika", "x\u0000"]), "topics", "NUL"),
        (line(title={"en": "Course \ud800"}), "title.en", "lone surrogate (U+D800)"),
        (json.dumps({**GOOD, "title": {"sl": "a\udcff"}}), "title.sl", "at position 2"),
        (line(badge={"name": {"sl": "Značka \udc80"}}), "badge.name.sl", "lone surrogate"),
        (
            line(location={"address": "Trg \ud800", "lat": 46.0, "lon": 14.5}),
            "location.address",
            "surrogate",
        ),
    ],
)
def test_a_hostile_record_names_line_and_field(raw, field, words):
    error = fault(raw)
    assert (error.line, error.field) == (7, field)
    assert words in error.message
    assert len(str(error)) < 200  # a huge value is named, not repeated


def test_a_long_number_is_quoted_short():
    error = fault(line(location={"lat": 10**400, "lon": 14.5}))
    assert error.message == "1" + "0" * 38 + "… is out of range (±90)"


def test_a_line_that_is_not_utf8_names_the_byte_and_its_position():
    raw = line(title={"sl": "Tečaj X"}).encode().replace(b"X", b"\xff")
    error = fault(raw)
    assert (error.line, error.field) == (7, "(line)")
    column = raw.decode("utf-8", "replace").index("\ufffd") + 1  # counted in characters
    assert error.message == f"is not UTF-8 text (byte 0xff at position {column})"


def test_a_bad_byte_is_reported_on_its_own_line_with_the_faults_of_the_others():
    lines = [line().encode(), line(id="lj-2").encode()[:-1] + b"\xc3\n", line(id="lj-3").encode()]
    lines.append(line(id="lj-4", audience=["aliens"]).encode())
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(lines)
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "(line)"), (4, "audience")]
    assert "byte 0xc3" in str(caught.value)


def test_repeated_ids_count_against_the_same_cap_as_other_faults():
    lines = [line(id="same") for _ in range(30)]
    with pytest.raises(CatalogueError) as caught:
        read_catalogue(lines)
    assert len(caught.value.errors) == MAX_REPORTED_ERRORS
    assert caught.value.more == 29 - MAX_REPORTED_ERRORS
    assert str(caught.value).splitlines()[-1] == f"… and {29 - MAX_REPORTED_ERRORS} more"
