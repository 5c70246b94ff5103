"""When an opportunity takes place, as an editor writes it in the chat: a date and time, or a
range ("12. 1. 2027 17:00–19:00", "2027-01-12 17:00 - 2027-01-14 12:00", "12 January 2027
5 pm", "12. januarja 2027 ob 17h"), read in the city's time; any other text is a recurring
schedule ("vsak torek ob 17h"). A date in the past is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from organisations.problems import PostProblem

MAX_SCHEDULE = 300

_MONTHS = {
    # English, then Slovenian stems (januar, januarja, …); three letters suffice
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "maj": 5, "jun": 6, "jul": 7,
    "aug": 8, "avg": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_NUMERIC_DAY = re.compile(
    r"(?P<d>\d{1,2})\s*[./]\s*(?P<m>\d{1,2})\s*[./]\s*(?P<y>\d{4})\.?"  # 12. 1. 2027, 12/1/2027
)
_ISO_DAY = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
_WORD_DAY = re.compile(
    r"(?P<d>\d{1,2})\.?\s+(?P<name>[^\W\d_]{3,})\.?,?\s+(?P<y>\d{4})"  # 12 January 2027
)
_WORD_DAY_US = re.compile(
    r"(?P<name>[^\W\d_]{3,})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})"
)
_TIME = re.compile(
    r"^(?:ob|at|@)?\s*(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<min>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.|h|uri)?$"
)
_RANGE = re.compile(
    r"\s+(?:-|–|—|do|to|until|till)\s+|\s*[–—]\s*|(?<=\d)\s*-\s*(?=\d{1,2}\s*[:.h])"
)
_LOOKS_LIKE_A_DATE = re.compile(r"\d{1,4}\s*[./-]\s*\d{1,2}\s*[./-]\s*\d{2,4}")


@dataclass(frozen=True)
class When:
    """A start (and maybe an end), or a schedule in words."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    schedule: str | None = None


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> When:
    """Read `text`; raise PostProblem for a date that is wrong, past or backwards."""
    written = " ".join(text.split())
    if not written:
        raise PostProblem("empty")
    parts = [p.strip() for p in _RANGE.split(written, maxsplit=1)]
    start = _moment(parts[0], None, zone)
    if start is None:
        if _LOOKS_LIKE_A_DATE.search(written):
            raise PostProblem("bad_date")
        if len(written) > MAX_SCHEDULE:
            raise PostProblem("too_long", limit=MAX_SCHEDULE)
        return When(schedule=written)
    end = None
    if len(parts) == 2:
        end = _moment(parts[1], start.date(), zone)
        if end is None:
            raise PostProblem("bad_date")
        if end <= start:
            raise PostProblem("end_before_start")
    if start < now:
        raise PostProblem("past_date")
    return When(start, end)


def _moment(text: str, day_before: date | None, zone: ZoneInfo) -> datetime | None:
    """A date with a time ("12. 1. 2027 17:00"), or only a time on `day_before`'s day (the end
    of a range); None when `text` is no date at all. A date without a time is a problem."""
    lowered = text.lower().rstrip(".,")
    found = _day(lowered)
    if found is None:
        if day_before is None:
            return None
        clock = _clock(lowered)
        return datetime.combine(day_before, clock, zone) if clock is not None else None
    day, rest = found
    rest = rest.strip(" ,T")
    if not rest:
        raise PostProblem("time_missing")
    clock = _clock(rest)
    if clock is None:
        raise PostProblem("bad_time")
    return datetime.combine(day, clock, zone)


def _day(text: str) -> tuple[date, str] | None:
    """The date at the start of `text` and what follows it."""
    for pattern in (_ISO_DAY, _NUMERIC_DAY, _WORD_DAY, _WORD_DAY_US):
        match = pattern.match(text)
        if match is None:
            continue
        if "name" in match.groupdict():
            month = _MONTHS.get(match["name"][:3])
            if month is None:
                continue
        else:
            month = int(match["m"])
        try:
            day = date(int(match["y"]), month, int(match["d"]))
        except ValueError:
            raise PostProblem("bad_date") from None
        return day, text[match.end() :]
    return None


def _clock(text: str) -> time | None:
    match = _TIME.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["min"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if ampm in ("am", "pm"):
        if not 1 <= hour <= 12:
            raise PostProblem("bad_time")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        raise PostProblem("bad_time")
    return time(hour, minute)
