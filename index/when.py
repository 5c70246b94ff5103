"""Time in a query: "this week", "at the weekend", "today", "tomorrow", "in December" — in
Slovenian, English, B/C/S, Russian, Ukrainian, Arabic and Albanian — as a window of dates in
the city's time zone: the zone of the `now` given (the services' clock tells the city's time)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from index.phrases import Phrases
from index.text import fold

Clock = Callable[[], datetime]  # the time services read: an aware datetime


def wall_clock() -> datetime:
    return datetime.now(UTC)


def pretend_clock(start: datetime, real: Clock = wall_clock) -> Clock:
    """A clock that starts at `start` and runs on at the real pace (for demos and tests)."""
    began = real()
    return lambda: start + (real() - began)


def city_clock(clock: Clock, zone: ZoneInfo) -> Clock:
    """`clock` telling the time in the city's zone ("today" is the city's today)."""
    return lambda: clock().astimezone(zone)


@dataclass(frozen=True)
class Window:
    name: str  # this_week | weekend | today | tomorrow | month-N
    starts: datetime
    ends: datetime


# Folded word beginnings; a phrase matches consecutive words.
_THIS_WEEK = [
    ("ta", "teden"),
    ("ta", "tednu"),
    ("tega", "tedna"),
    ("this", "week"),
    ("ovaj", "tjedan"),
    ("ove", "nedelje"),
    ("ove", "sedmice"),
    ("ovu", "sedmicu"),
    ("ovog", "tjedna"),
    ("цього", "тижн"),
    ("цей", "тиждень"),
    ("на", "цьому", "тижн"),
    ("на", "этои", "недел"),
    ("эта", "недел"),
    ("этои", "недел"),
    ("هذا", "الاسبوع"),
    ("هذا", "اسبوع"),
    ("kete", "jave"),
    ("javen", "e"),
]
_WEEKEND = [
    ("vikend",),
    ("weekend",),
    ("викенд",),
    ("выходн",),
    ("вихідн",),
    ("ويكند",),
    ("الويكند",),
    ("عطلة", "نهاية", "الاسبوع"),
    ("fundjav",),
    ("konec", "tedna"),
]
_TODAY = [
    ("danes",),
    ("today",),
    ("tonight",),
    ("danas",),
    ("večeras",),
    ("сегодня",),
    ("сьогодні",),
    ("اليوم",),
    ("sot",),
    ("nocoj",),
]
_TOMORROW = [("jutri",), ("tomorrow",), ("sutra",), ("завтра",), ("غدا",), ("neser",)]
_MONTHS: dict[int, tuple[str, ...]] = {
    1: ("januar", "january", "sijecanj", "sijecnj", "январ", "січ", "يناير", "janar"),
    2: ("februar", "february", "veljac", "феврал", "лют", "فبراير", "shkurt"),
    3: ("marec", "marc", "mart", "ozujak", "ozujk", "март", "берез", "مارس"),
    4: ("april", "travanj", "travnj", "апрел", "квіт", "ابريل", "prill"),
    5: ("svibanj", "svibnj", "мая", "травн", "мае", "مايو"),
    6: ("junij", "june", "juna", "junu", "lipanj", "lipnj", "июн", "черв", "يونيو", "qershor"),
    7: ("julij", "july", "jula", "julu", "srpanj", "srpnj", "июл", "лип", "يوليو", "korrik"),
    8: ("avgust", "august", "kolovoz", "август", "серп", "اغسطس", "gusht"),
    9: ("septemb", "septemba", "rujan", "rujna", "сентябр", "верес", "سبتمبر", "shtator"),
    10: ("oktob", "october", "listopad", "октябр", "жовт", "اكتوبر", "tetor"),
    11: ("novemb", "studeni", "studenog", "studenom", "ноябр", "листопад", "نوفمبر", "nentor"),
    12: ("decemb", "prosin", "декабр", "грудень", "грудні", "грудня", "ديسمبر", "dhjetor"),
}
_MONTH_EXACT = {
    "maj": 5,
    "maja": 5,
    "maju": 5,
    "may": 5,
    "mars": 3,
    "march": 3,
    "mai": 5,
    "май": 5,
    "мае": 5,
    "мая": 5,
}


THIS_WEEK, WEEKEND, TODAY, TOMORROW = (
    Phrases(phrases) for phrases in (_THIS_WEEK, _WEEKEND, _TODAY, _TOMORROW)
)
MONTHS = {month: tuple(fold(w) for w in words) for month, words in _MONTHS.items()}
MONTH_EXACT = {fold(w): month for w, month in _MONTH_EXACT.items()}


def _day(d: date, zone: tzinfo | None, end: bool = False) -> datetime:
    return datetime.combine(d, time.max if end else time.min, tzinfo=zone)


_ANY_MONTH = tuple(prefix for prefixes in MONTHS.values() for prefix in prefixes)


def month_of(token: str) -> int | None:
    """The month a folded word names ("decembra", "январе"), if any."""
    exact = MONTH_EXACT.get(token)
    if exact or len(token) <= 3 or not token.startswith(_ANY_MONTH):  # most words: one C call
        return exact
    return next((m for m, prefixes in MONTHS.items() if token.startswith(prefixes)), None)


def window_in(tokens: list[str], now: datetime) -> Window | None:
    """The time window a query's folded words name, if any, in the zone of `now`."""
    zone, today = now.tzinfo, now.date()
    sunday = today + timedelta(days=6 - today.weekday())
    if WEEKEND.found_in(tokens):
        saturday = sunday - timedelta(days=1)
        return Window("weekend", _day(max(saturday, today), zone), _day(sunday, zone, end=True))
    if THIS_WEEK.found_in(tokens):
        return Window("this_week", _day(today, zone), _day(sunday, zone, end=True))
    if TOMORROW.found_in(tokens):
        tomorrow = today + timedelta(days=1)
        return Window("tomorrow", _day(tomorrow, zone), _day(tomorrow, zone, end=True))
    if TODAY.found_in(tokens):
        return Window("today", _day(today, zone), _day(today, zone, end=True))
    for token in tokens:
        month = month_of(token)
        if month:
            year = today.year if month >= today.month else today.year + 1
            first = date(year, month, 1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return Window(
                f"month-{month}", _day(max(first, today), zone), _day(last, zone, end=True)
            )
    return None


def this_week(now: datetime) -> Window:
    """From today to Sunday, in the zone of `now`."""
    zone, today = now.tzinfo, now.date()
    sunday = today + timedelta(days=6 - today.weekday())
    return Window("this_week", _day(today, zone), _day(sunday, zone, end=True))
