"""A post's draft, step by step: what each step asks, how an answer is checked and kept in the
draft's data (a JSON object), and the catalogue record the finished draft makes — written in
the catalogue's own format, so that it is checked by the same code as an imported file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from index.geo import Gazetteer, GeoPoint
from organisations.dates import parse_when
from organisations.problems import PostProblem
from store.models import AUDIENCES, KINDS, Opportunity
from store.records import LANGS

STEPS = (
    "languages",
    "title",
    "description",
    "kind",
    "when",
    "where",
    "audience",
    "topics",
    "price",
    "link",
    "badge",
    "preview",
)
OPTIONAL = frozenset({"audience", "topics", "link", "badge"})  # "skip" leaves them empty
LANGUAGE_CHOICES = {"sl": ["sl"], "en": ["en"], "both": ["sl", "en"]}
MAX_TITLE = 300
MAX_DESCRIPTION = 5000
MAX_ADDRESS = 300
MAX_TOPIC = 60
MAX_TOPICS = 10
MAX_LINK = 500
MAX_BADGE_NAME = 200
MAX_BADGE_CRITERIA = 2000
MAX_PRICE = Decimal("99999")
ONLINE_WORDS = frozenset({"online", "na spletu", "splet", "spletno", "zoom", "virtual"})
_ADDRESS = re.compile(r"[^\W\d_].*\d|\d.*[^\W\d_]")  # words and a house number
_AMOUNT = re.compile(r"(?:€|eur|evrov|evra|euro|euros)", re.IGNORECASE)
FREE_WORDS = frozenset({"0", "free", "brezplačno", "brezplacno", "zastonj", "gratis"})


@dataclass(frozen=True)
class Setting:
    """What the steps need besides the answer: the city's places, its time zone, and now."""

    gazetteer: Gazetteer
    zone: ZoneInfo
    now: datetime


def next_step(step: str) -> str:
    """The step after `step` in a new draft."""
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def missing_language(data: dict[str, Any], field: str) -> str | None:
    """The first of the post's languages that `field` (title, description) still lacks."""
    given = data.get(field) or {}
    return next((lang for lang in data.get("languages", []) if not given.get(lang)), None)


def take_text(data: dict[str, Any], step: str, text: str, setting: Setting) -> None:
    """Keep a written answer for `step` in `data`, or raise PostProblem."""
    text = text.strip()
    if not text:
        raise PostProblem("empty")
    if step == "languages":
        take_choice(data, step, text.lower())
    elif step in ("title", "description"):
        _take_bilingual(data, step, text, MAX_TITLE if step == "title" else MAX_DESCRIPTION)
    elif step == "kind":
        take_choice(data, step, text.lower())
    elif step == "when":
        when = parse_when(text, setting.zone, setting.now)
        data["when"] = {
            "start": when.starts_at.isoformat() if when.starts_at else None,
            "end": when.ends_at.isoformat() if when.ends_at else None,
            "schedule": when.schedule,
        }
    elif step == "where":
        data["where"] = _place(text, setting.gazetteer)
    elif step == "audience":
        data["audience"] = _audience(text)
    elif step == "topics":
        data["topics"] = _topics(text)
    elif step == "price":
        data["price"] = _price(text)
    elif step == "link":
        data["link"] = _link(text)
    elif step == "badge":
        data["badge"] = _badge(text)
    else:
        raise PostProblem("unknown_choice")


def take_choice(data: dict[str, Any], step: str, value: str) -> None:
    """Keep a pressed button's value (a language, a kind, "free", "online") for `step`."""
    if step == "languages" and value in LANGUAGE_CHOICES:
        data["languages"] = LANGUAGE_CHOICES[value]
    elif step == "kind" and value in KINDS:
        data["kind"] = value
    elif step == "price" and value == "free":
        data["price"] = "0"
    elif step == "where" and value == "online":
        data["where"] = {"online": True}
    else:
        raise PostProblem("unknown_choice")


def take_location(data: dict[str, Any], step: str, lat: float, lon: float) -> None:
    """A location shared at the "where" step: the point, and the district it lies in if the
    gazetteer knows one that close (the card names it)."""
    if step != "where":
        raise PostProblem("location_not_asked")
    try:
        point = GeoPoint(lat, lon)
    except ValueError:
        raise PostProblem("place_not_found") from None
    if not point.in_slovenia:
        raise PostProblem("not_in_slovenia")
    data["where"] = {"lat": lat, "lon": lon}


def toggle(data: dict[str, Any], step: str, value: str) -> None:
    """A multiple-choice button pressed: an audience, or a suggested topic, in or out."""
    if step == "audience" and value in AUDIENCES:
        chosen = list(data.get("audience") or [])
    elif step == "topics" and value in (data.get("topic_choices") or []):
        chosen = list(data.get("topics") or [])
    else:
        raise PostProblem("unknown_choice")
    if value in chosen:
        chosen.remove(value)
    else:
        chosen.append(value)
    data[step] = chosen


def skip(data: dict[str, Any], step: str) -> None:
    """An optional step left empty (a multiple choice is "done" with what was chosen)."""
    if step not in OPTIONAL:
        raise PostProblem("not_optional")
    if step in ("link", "badge"):
        data[step] = None
    else:
        data.setdefault(step, [])


def answered(data: dict[str, Any], step: str) -> bool:
    """Whether `step` has its answer (the bilingual ones in every language of the post)."""
    if step in ("title", "description"):
        return bool(data.get("languages")) and missing_language(data, step) is None
    if step == "preview":
        return False
    return step in data


def first_unanswered(data: dict[str, Any]) -> str | None:
    return next((step for step in STEPS[:-1] if not answered(data, step)), None)


def _take_bilingual(data: dict[str, Any], step: str, text: str, limit: int) -> None:
    if len(text) > limit:
        raise PostProblem("too_long", limit=limit, length=len(text))
    lang = missing_language(data, step) or data.get("editing_language") or "sl"
    data.setdefault(step, {})[lang] = text


def _place(text: str, gazetteer: Gazetteer) -> dict[str, Any]:
    """Online, a district or town the gazetteer knows, or an address (with a house number; a
    place named in it gives its point)."""
    if text.lower() in ONLINE_WORDS:
        return {"online": True}
    if len(text) > MAX_ADDRESS:
        raise PostProblem("too_long", limit=MAX_ADDRESS, length=len(text))
    place = gazetteer.lookup(text)
    if place is not None and not any(ch.isdigit() for ch in text):
        return {"district": place.name, "lat": place.point.lat, "lon": place.point.lon}
    if _ADDRESS.search(text):
        where: dict[str, Any] = {"address": text}
        mention = gazetteer.find(text)
        if mention is not None:
            where |= {
                "district": mention.place.name,
                "lat": mention.place.point.lat,
                "lon": mention.place.point.lon,
            }
        return where
    raise PostProblem("place_not_found", place=text[:60])


def _words(text: str) -> list[str]:
    return [w.strip().lower() for w in re.split(r"[,;\n]", text) if w.strip()]


def _audience(text: str) -> list[str]:
    chosen = _words(text)
    for word in chosen:
        if word not in AUDIENCES:
            raise PostProblem("unknown_choice", value=word[:40])
    return list(dict.fromkeys(chosen))


def _topics(text: str) -> list[str]:
    topics = list(dict.fromkeys(_words(text)))
    if len(topics) > MAX_TOPICS:
        raise PostProblem("too_many", limit=MAX_TOPICS)
    for topic in topics:
        if len(topic) > MAX_TOPIC:
            raise PostProblem("too_long", limit=MAX_TOPIC, length=len(topic))
    return topics


def _price(text: str) -> str:
    written = _AMOUNT.sub("", text.lower()).strip().replace(",", ".")
    if written in FREE_WORDS:
        return "0"
    try:
        amount = Decimal(written)
    except InvalidOperation:
        raise PostProblem("bad_price") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_PRICE:
        raise PostProblem("bad_price")
    return str(amount.quantize(Decimal("0.01")))


def _link(text: str) -> str:
    if len(text) > MAX_LINK:
        raise PostProblem("too_long", limit=MAX_LINK, length=len(text))
    if not re.fullmatch(r"https?://[^\s/$.?#][^\s]*", text, flags=re.IGNORECASE):
        raise PostProblem("bad_link")
    return text


def _badge(text: str) -> dict[str, str | None]:
    """A badge: its name on the first line, what earns it on the following ones."""
    name, _, criteria = text.partition("\n")
    name, criteria = name.strip(), criteria.strip()
    if len(name) > MAX_BADGE_NAME:
        raise PostProblem("too_long", limit=MAX_BADGE_NAME, length=len(name))
    if len(criteria) > MAX_BADGE_CRITERIA:
        raise PostProblem("too_long", limit=MAX_BADGE_CRITERIA, length=len(criteria))
    return {"name": name, "criteria": criteria or None}


# ---- the draft as a catalogue record, and back -----------------------------------------------
def catalogue_object(data: dict[str, Any], external_id: str, organisation: str) -> dict:
    """The draft written as one line of the catalogue format (DESIGN.md)."""
    missing = first_unanswered(data)
    if missing is not None:
        raise PostProblem("not_ready", field=missing)
    languages = data["languages"]
    when, where = data["when"], data["where"]
    first = languages[0]
    line: dict[str, Any] = {
        "id": external_id,
        "organisation": organisation,
        "kind": data["kind"],
        "title": {lang: data["title"][lang] for lang in languages},
        "description": {lang: data["description"][lang] for lang in languages},
        "languages": languages,
        "audience": data.get("audience") or [],
        "topics": data.get("topics") or [],
        "start": when.get("start"),
        "end": when.get("end"),
        "schedule": {first: when["schedule"]} if when.get("schedule") else None,
        "online": bool(where.get("online")),
        "price_eur": data["price"],
        "url": data.get("link"),
    }
    if not where.get("online"):
        line["location"] = {k: where.get(k) for k in ("address", "district", "lat", "lon")}
    badge = data.get("badge")
    if badge and badge.get("name"):
        line["badge"] = {
            "name": {first: badge["name"]},
            "criteria": {first: badge["criteria"]} if badge.get("criteria") else None,
        }
    return line


def data_of(opportunity: Opportunity, zone: ZoneInfo) -> dict[str, Any]:
    """A published opportunity as a draft's answers (its edit starts at the preview)."""

    def pair(name: str) -> dict[str, str]:
        values = {lang: getattr(opportunity, f"{name}_{lang}") for lang in LANGS}
        return {lang: value for lang, value in values.items() if value}

    title, description = pair("title"), pair("description")
    languages = [lang for lang in LANGS if lang in title and lang in description] or ["sl"]
    schedule = pair("schedule")
    data: dict[str, Any] = {
        "languages": languages,
        "title": title,
        "description": description,
        "kind": opportunity.kind,
        "when": {
            "start": _local(opportunity.starts_at, zone),
            "end": _local(opportunity.ends_at, zone),
            "schedule": schedule.get(languages[0]) or next(iter(schedule.values()), None),
        },
        "where": {"online": True}
        if opportunity.online
        else {
            "address": opportunity.address,
            "district": opportunity.district,
            "lat": opportunity.lat,
            "lon": opportunity.lon,
        },
        "audience": list(opportunity.audience),
        "topics": list(opportunity.topics),
        "price": str(opportunity.price_eur if opportunity.price_eur is not None else "0"),
        "link": opportunity.url,
        "badge": None,
    }
    badge_name = pair("badge_name")
    if badge_name:
        criteria = pair("badge_criteria")
        data["badge"] = {
            "name": badge_name.get(languages[0]) or next(iter(badge_name.values())),
            "criteria": criteria.get(languages[0]) or next(iter(criteria.values()), None),
        }
    return data


def _local(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment else None
