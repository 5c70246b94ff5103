"""The demo never ages: on any day, the demo catalogue shows a living city, with dated events
in the coming days and weeks."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from index.demo import living_lines, moved, weeks_between
from index.search import SearchRequest
from store.catalogue_import import read_catalogue

from .conftest import CITY, DEMO, NOW, make_services

LJUBLJANA = ZoneInfo("Europe/Ljubljana")
DEMO_CATALOGUE = DEMO


def test_the_reference_day_lands_in_todays_week_on_the_same_weekday():
    monday = date(2026, 11, 23)
    assert CITY.demo.written_for == monday and monday.weekday() == 0
    assert weeks_between(monday, monday) == 0
    assert weeks_between(monday, monday + timedelta(days=6)) == 0
    assert weeks_between(monday, monday + timedelta(days=7)) == 1
    assert weeks_between(monday, monday - timedelta(days=1)) == -1
    assert weeks_between(monday, date(2027, 11, 24)) == 52


def test_a_moved_date_keeps_its_weekday_and_its_hour_across_summer_time():
    winter = "2027-03-23T17:00:00+01:00"  # a Tuesday at 17:00
    summer = datetime.fromisoformat(moved(winter, 1, LJUBLJANA))
    assert summer.isoformat() == "2027-03-30T17:00:00+02:00"
    back = datetime.fromisoformat(moved(summer.isoformat(), -1, LJUBLJANA))
    assert back == datetime.fromisoformat(winter)


def test_the_moved_demo_is_still_a_valid_catalogue_with_the_same_items():
    lines = DEMO_CATALOGUE.read_text(encoding="utf-8").splitlines()
    original = {r.external_id: r for r in read_catalogue(lines)}
    living = read_catalogue(list(living_lines(lines, 60, LJUBLJANA)))
    assert {r.external_id for r in living} == set(original)
    for record in living:
        before = original[record.external_id]
        if before.starts_at is None:
            assert record.starts_at is None
            continue
        assert record.starts_at.astimezone(LJUBLJANA).weekday() == (
            before.starts_at.astimezone(LJUBLJANA).weekday()
        )
        assert (record.starts_at - before.starts_at).days in range(419, 421)  # 60 weeks ± DST


def test_no_dated_schedule_text_contradicts_the_moved_dates():
    """The shown date comes from `start`; the schedule text says the weekly rhythm only."""
    months = ("novembra", "decembra", "januarja", "November", "December", "January")
    for line in DEMO_CATALOGUE.read_text(encoding="utf-8").splitlines():
        assert not any(month in line.split('"schedule"')[-1] for month in months), line[:40]


@pytest.mark.parametrize(
    "days_later",
    [0, 3, 6, 10, 45, 200, 365, -365],
    ids=lambda d: f"{d:+d} days",
)
def test_on_any_day_the_demo_lists_this_weeks_events(tmp_path, embedder, warm_cache, days_later):
    today = NOW + timedelta(days=days_later)
    service = make_services(tmp_path, embedder, warm_cache, clock=lambda: today).catalogue
    assert service.keep_demo_alive() == "loaded"
    result, found = service.search(SearchRequest(text="kaj se dogaja ta teden?", limit=10))
    dated = [f for f in found if f.opportunity.starts_at is not None]
    assert result.understood.as_dict()["when"] == "this_week"
    assert dated, "no dated event this week"
    sunday = today.date() + timedelta(days=6 - today.weekday())
    for item in dated:
        start = item.opportunity.starts_at.astimezone(LJUBLJANA).date()
        end = (item.opportunity.ends_at or item.opportunity.starts_at).astimezone(LJUBLJANA)
        assert start <= sunday and end.date() >= today.date()
    with service.database.session() as session:
        from sqlalchemy import select

        from store.models import Opportunity

        starts = [s for s in session.scalars(select(Opportunity.starts_at)) if s is not None]
    coming = [s for s in starts if today < s <= today + timedelta(days=28)]
    assert len(coming) >= 10, "the coming four weeks should hold a living city's events"
    service.database.dispose()


def test_a_demo_loaded_weeks_ago_moves_to_this_week_and_a_citys_own_catalogue_stays(
    tmp_path, embedder, warm_cache
):
    moment = {"now": NOW}
    clock = lambda: moment["now"]  # noqa: E731 - the test moves it
    service = make_services(tmp_path, embedder, warm_cache, clock=clock).catalogue
    assert service.keep_demo_alive() == "loaded"
    assert service.keep_demo_alive() is None
    moment["now"] = NOW + timedelta(weeks=5)
    assert service.keep_demo_alive() == "moved"
    _, found = service.search(SearchRequest(text="Robotski krožek", limit=3))
    assert found
    own = tmp_path / "own.jsonl"
    own.write_text(
        '{"id": "own-1", "title": {"sl": "Naš tečaj"}, "description": {"sl": "Opis."}}\n',
        encoding="utf-8",
    )
    service.import_file(own)
    moment["now"] = NOW + timedelta(weeks=9)
    assert service.keep_demo_alive() is None
    service.database.dispose()
