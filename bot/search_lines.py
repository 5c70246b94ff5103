"""`search --jsonl`: one query object a line in, one answer a line out, in order. A line that
cannot be searched is answered with {"error": "line N: …", "results": []}, worded for people,
and the lines after it go on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from index.geo import GeoPoint
from index.search import SearchRequest
from index.service import CatalogueService

DEFAULT_LIMIT = 5
MAX_LIMIT = 100
NEAR_EXAMPLE = '{"lat": 46.05, "lon": 14.51}'


class LineError(ValueError):
    """Why a query line cannot be searched, in words for the person who wrote it."""


def search_lines(service: CatalogueService, lines: Iterable[str], out: TextIO) -> int:
    """Answer every line, good or bad, with exactly one line."""
    for number, raw in enumerate(lines, start=1):
        try:
            request = request_of(raw)
        except LineError as error:
            answer: dict[str, Any] = {"error": f"line {number}: {error}", "results": []}
        else:
            result, _ = service.search(request)
            answer = {
                "results": [
                    {"id": hit.key, "score": hit.score, "distance_km": hit.distance_km}
                    for hit in result.hits
                ]
            }
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def request_of(raw: str) -> SearchRequest:
    """The search a line asks for: {"text": …, "near": {"lat": …, "lon": …} | null, "limit": …};
    other keys (such as "lang") are left for the caller. Raises LineError."""
    query = json_object(raw)
    return SearchRequest(text=text_of(query), near=near_of(query), limit=limit_of(query))


def json_object(raw: str) -> dict[str, Any]:
    if not raw.strip():
        raise LineError("the line is empty")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise LineError(
            f"the line is not valid JSON ({error.msg}, at position {error.colno})"
        ) from None
    except RecursionError:
        raise LineError("the line's JSON is nested too deeply") from None
    except ValueError:  # an integer longer than Python reads (4,300 digits)
        raise LineError("the line holds a number with too many digits") from None
    if not isinstance(value, dict):
        raise LineError('the line must be a JSON object, like {"text": "robotika"}')
    return value


def text_of(query: dict[str, Any]) -> str:
    text = query.get("text")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise LineError("text must be a string")
    return text


def near_of(query: dict[str, Any]) -> GeoPoint | None:
    value = query.get("near")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise LineError(f"near must be an object like {NEAR_EXAMPLE}, or null")
    return GeoPoint(coordinate_of(value, "lat", 90), coordinate_of(value, "lon", 180))


def coordinate_of(near: dict[str, Any], name: str, bound: float) -> float:
    if name not in near:
        raise LineError(f"near.{name} is missing")
    value = near[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LineError(f"near.{name} must be a number")
    # NaN fails the comparison too; an integer of hundreds of digits is compared as it is
    if not -bound <= value <= bound:
        raise LineError(f"near.{name} is out of range (±{bound:g})")
    return float(value)


def limit_of(query: dict[str, Any]) -> int:
    value = query.get("limit")
    if value is None:
        return DEFAULT_LIMIT
    whole = (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer()
    )
    if not whole or not 1 <= value <= MAX_LIMIT:
        raise LineError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(value)
