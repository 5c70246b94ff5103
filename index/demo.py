"""The demo catalogue kept alive: its dates are written for one reference week and moved forward
by whole weeks at load, so that on any day the demo shows a living city (a Tuesday stays a
Tuesday, 17:00 stays 17:00 in the city's time zone, across summer time)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DATED_FIELDS = ("start", "end")


def weeks_between(written_for: date, today: date) -> int:
    """Whole weeks from the week the demo was written for to the week of `today` (negative
    before it): the reference day lands in today's week, on the same weekday."""
    return (today - written_for).days // 7


def moved(value: str, weeks: int, zone: ZoneInfo) -> str:
    """An ISO 8601 moment moved by `weeks`, keeping its wall-clock time in `zone`."""
    moment = datetime.fromisoformat(value)
    local = moment.astimezone(zone).replace(tzinfo=None) + timedelta(weeks=weeks)
    return local.replace(tzinfo=zone).isoformat()


def living_lines(lines: Iterable[str], weeks: int, zone: ZoneInfo) -> Iterator[str]:
    """The catalogue's lines with every start and end moved by `weeks`. A line that is not a
    record with such dates passes unchanged, so the import names its faults as usual."""
    for line in lines:
        if weeks == 0 or not line.strip():
            yield line
            continue
        try:
            record = json.loads(line)
            for field in DATED_FIELDS:
                if isinstance(record.get(field), str):
                    record[field] = moved(record[field], weeks, zone)
        except (ValueError, TypeError, AttributeError, OverflowError):
            yield line
            continue
        yield json.dumps(record, ensure_ascii=False) + "\n"
