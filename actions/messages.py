"""Replies as actions give them and fronts render them: structured, language-free, no Telegram
types. Each travels as JSON (rasa-sdk's `json_message`), so the Rasa action server and the
in-process call produce the same thing."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class OpportunityView:
    """What a front shows of one opportunity, in both languages."""

    id: int
    key: str
    title: dict[str, str]
    organisation: str | None
    kind: str
    district: str | None
    address: str | None
    lat: float | None
    lon: float | None
    online: bool
    starts_at: str | None  # ISO 8601
    ends_at: str | None
    schedule: dict[str, str]
    price_eur: float | None
    languages: list[str]
    url: str | None
    description: dict[str, str] = field(default_factory=dict)
    badge: dict[str, str] = field(default_factory=dict)
    distance_km: float | None = None


@dataclass(frozen=True)
class ResultList:
    """One page of search results."""

    cards: list[OpportunityView]
    offset: int
    total: int
    search_id: str  # names the search for "more results"
    place: str | None = None
    notices: list[str] = field(default_factory=list)
    kind: str = "results"


@dataclass(frozen=True)
class Details:
    opportunity: OpportunityView
    kind: str = "details"


@dataclass(frozen=True)
class Venue:
    opportunity: OpportunityView
    kind: str = "venue"


@dataclass(frozen=True)
class Notice:
    """A short message named by its code (the front words it): 'not_found', 'no_location'…"""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    kind: str = "notice"


Message = ResultList | Details | Venue | Notice


def to_json(message: Message) -> dict[str, Any]:
    return asdict(message)


def from_json(data: dict[str, Any]) -> Message:
    kind = data.get("kind")
    if kind == "results":
        cards = [OpportunityView(**c) for c in data["cards"]]
        return ResultList(**{**data, "cards": cards})
    if kind == "details":
        return Details(OpportunityView(**data["opportunity"]))
    if kind == "venue":
        return Venue(OpportunityView(**data["opportunity"]))
    if kind == "notice":
        return Notice(data["code"], data.get("params") or {})
    raise ValueError(f"unknown message kind {kind!r}")
