"""Catalogue records: one JSON Lines line checked field by field into an `OpportunityRecord`."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from store.models import AUDIENCES, KINDS
from store.organisations import OrganisationProfile

LANGS = ("sl", "en")
MAX_ID = 100
ORGANISATION_FIELDS = frozenset({"name", "url", "email", "description", "image"})
COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
WHOLE_LINE = "(line)"  # the "field" of a fault that is no one field's
# NUL (PostgreSQL stores no text holding it) and lone surrogates (no encoding can write them: a
# JSON "\ud800" decodes to one) cannot be stored as text
_NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")


class RecordError(ValueError):
    """A record that cannot be imported; names the line and the field at fault."""

    def __init__(self, line: int, field: str, message: str) -> None:
        self.line = line
        self.field = field
        self.message = message
        super().__init__(f"line {line}, field '{field}': {message}")


@dataclass(frozen=True)
class OpportunityRecord:
    external_id: str
    kind: str
    title_sl: str | None
    title_en: str | None
    description_sl: str | None
    description_en: str | None
    organisation: str | None
    topics: list[str]
    audience: list[str]
    languages: list[str]
    address: str | None
    district: str | None
    lat: float | None
    lon: float | None
    online: bool
    starts_at: datetime | None
    ends_at: datetime | None
    schedule_sl: str | None
    schedule_en: str | None
    price_eur: Decimal | None
    url: str | None
    badge_name_sl: str | None
    badge_name_en: str | None
    badge_criteria_sl: str | None
    badge_criteria_en: str | None
    # Given since the badges came; left out of the digest while unset, so that a catalogue that
    # does not use them reads as unchanged.
    organisation_profile: OrganisationProfile | None = None  # the `organisation` object
    badge_description_sl: str | None = None
    badge_description_en: str | None = None
    badge_image_path: str | None = None  # as written: relative to the catalogue file
    badge_image: bytes | None = None  # the file's bytes, checked (read_catalogue)
    badge_image_type: str | None = None  # "png" or "svg"
    badge_colour: str | None = None  # "#rrggbb"

    @property
    def record_hash(self) -> str:
        """A digest of everything the record says: an unchanged record is not rewritten."""
        data = {k: _hashable(v) for k, v in asdict(self).items()}
        for name in LATER_FIELDS:
            if data[name] is None:
                del data[name]
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def has_badge(self) -> bool:
        return bool(self.badge_name_sl or self.badge_name_en)


def _hashable(value: object) -> object:
    if isinstance(value, datetime | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


LATER_FIELDS = (
    "organisation_profile",
    "badge_description_sl",
    "badge_description_en",
    "badge_image_path",
    "badge_image",
    "badge_image_type",
    "badge_colour",
)


class _Reader:
    """Reads fields of one decoded line, raising RecordError with the line number."""

    def __init__(self, line: int, data: dict[str, Any]) -> None:
        self.line = line
        self.data = data

    def fail(self, field: str, message: str) -> RecordError:
        return RecordError(self.line, field, message)

    def text(self, value: Any, field: str, max_len: int, required: bool = False) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(field, "is missing or empty")
            return None
        if not isinstance(value, str):
            raise self.fail(field, f"must be text, not {type(value).__name__}")
        value = value.strip()
        if len(value) > max_len:
            raise self.fail(field, f"is longer than {max_len} characters")
        self.storable(value, field)
        return value

    def storable(self, value: str, field: str) -> None:
        """Refuse a text holding a character no database column can hold."""
        found = _NOT_STORABLE.search(value)
        if found is None:
            return
        at = found.start() + 1
        if found.group() == "\x00":
            raise self.fail(field, f"holds a NUL character (\\u0000) at position {at}")
        code = f"U+{ord(found.group()):04X}"
        raise self.fail(field, f"holds a lone surrogate ({code}) at position {at}, not a character")

    def bilingual(self, field: str, max_len: int, required: bool) -> tuple[str | None, str | None]:
        value = self.data.get(field)
        if value is None:
            if required:
                raise self.fail(field, "is missing (give at least one of 'sl' or 'en')")
            return None, None
        if isinstance(value, str):  # one plain string: taken as Slovenian
            value = {"sl": value}
        if not isinstance(value, dict):
            raise self.fail(field, 'must be an object like {"sl": …, "en": …}')
        unknown = sorted(set(value) - set(LANGS))
        if unknown:
            raise self.fail(f"{field}.{unknown[0]}", "unknown language (use 'sl' or 'en')")
        sl = self.text(value.get("sl"), f"{field}.sl", max_len)
        en = self.text(value.get("en"), f"{field}.en", max_len)
        if required and not (sl or en):
            raise self.fail(field, "needs at least one of 'sl' or 'en'")
        return sl, en

    def tags(self, field: str, allowed: tuple[str, ...] | None = None) -> list[str]:
        value = self.data.get(field)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(field, "must be a list of strings")
        tags = []
        for v in value:
            self.storable(v, field)
            tag = v.strip().lower()
            if not tag:
                continue
            if allowed is not None and tag not in allowed:
                raise self.fail(field, f"unknown value '{v}' (allowed: {', '.join(allowed)})")
            if len(tag) > 60:
                raise self.fail(field, f"value '{v[:20]}…' is longer than 60 characters")
            if tag not in tags:
                tags.append(tag)
        return tags

    def moment(self, field: str) -> datetime | None:
        value = self.data.get(field)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.fail(field, "must be an ISO 8601 date-time text")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(
                field, f"'{value}' is not a date-time like 2026-12-03T17:00:00+01:00"
            ) from None
        if moment.tzinfo is None:
            raise self.fail(field, f"'{value}' has no UTC offset (add e.g. +01:00)")
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise self.fail(
                field, f"'{value}' is out of range (in UTC it falls outside the years 1 to 9999)"
            ) from None
        return moment

    def coordinate(self, location: dict[str, Any], name: str, limit: float) -> float | None:
        value = location.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"location.{name}", "must be a number")
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            number = math.inf
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise self.fail(f"location.{name}", f"{shown(value)} is out of range (±{limit:g})")
        return number


def shown(value: object, width: int = 40) -> str:
    """A value as a message quotes it: a long one cut, so it names the value, not repeats it."""
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def decode_line(line_number: int, raw: bytes) -> str:
    """One line of a catalogue file as text; a byte that is not UTF-8 is named with its
    position on the line, counted in characters as an editor counts them."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        column = len(raw[: error.start].decode("utf-8")) + 1
        byte = raw[error.start]
        raise RecordError(
            line_number, WHOLE_LINE, f"is not UTF-8 text (byte 0x{byte:02x} at position {column})"
        ) from None


def decoded_json(line_number: int, raw: str | bytes) -> Any:
    """The JSON value of one line (bytes are decoded first); raises RecordError."""
    text = decode_line(line_number, raw) if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        message = f"is not valid JSON: {error.msg} (position {error.colno})"
        raise RecordError(line_number, WHOLE_LINE, message) from None
    except RecursionError:
        raise RecordError(line_number, WHOLE_LINE, "is nested too deeply") from None
    except ValueError:  # an integer longer than Python reads (4,300 digits)
        raise RecordError(line_number, WHOLE_LINE, "holds a number with too many digits") from None


def parse_line(line_number: int, raw: str | bytes) -> OpportunityRecord:
    """Decode and check one catalogue line; raises RecordError naming the field at fault."""
    data = decoded_json(line_number, raw)
    if not isinstance(data, dict):
        raise RecordError(line_number, WHOLE_LINE, "must be a JSON object")
    r = _Reader(line_number, data)

    external_id = r.text(data.get("id"), "id", MAX_ID, required=True)
    if isinstance(data.get("id"), int):
        external_id = str(data["id"])
    assert external_id is not None
    kind = r.text(data.get("kind"), "kind", 20) or "course"
    kind = kind.lower()
    if kind not in KINDS:
        raise r.fail("kind", f"unknown kind '{kind}' (allowed: {', '.join(KINDS)})")
    title_sl, title_en = r.bilingual("title", 300, required=True)
    description_sl, description_en = r.bilingual("description", 5000, required=True)
    schedule_sl, schedule_en = r.bilingual("schedule", 300, required=False)

    online = data.get("online", False)
    if online is None:
        online = False
    if not isinstance(online, bool):
        raise r.fail("online", "must be true or false")
    location = data.get("location")
    address = district = None
    lat = lon = None
    if location is not None:
        if not isinstance(location, dict):
            raise r.fail("location", "must be an object with address, district, lat, lon")
        address = r.text(location.get("address"), "location.address", 300)
        district = r.text(location.get("district"), "location.district", 100)
        lat = r.coordinate(location, "lat", 90)
        lon = r.coordinate(location, "lon", 180)
        if (lat is None) != (lon is None):
            raise r.fail("location.lat" if lat is None else "location.lon", "give both lat and lon")

    starts_at, ends_at = r.moment("start"), r.moment("end")
    if starts_at and ends_at and ends_at < starts_at:
        raise r.fail("end", "is before start")

    price = data.get("price_eur")
    price_eur: Decimal | None = None
    if price is not None:
        if isinstance(price, bool) or not isinstance(price, int | float | str):
            raise r.fail("price_eur", "must be a number of euros")
        try:
            price_eur = Decimal(str(price))
        except InvalidOperation:
            raise r.fail("price_eur", f"'{shown(price)}' is not a number") from None
        if not price_eur.is_finite() or price_eur < 0 or price_eur > Decimal("99999999"):
            raise r.fail("price_eur", f"{shown(price)} is not a valid price")
        price_eur = price_eur.quantize(Decimal("0.01"))

    url = r.text(data.get("url"), "url", 500)
    if url and not url.startswith(("https://", "http://")):
        raise r.fail("url", f"'{url[:60]}' must start with https:// or http://")

    badge = data.get("badge")
    badge_name_sl = badge_name_en = badge_criteria_sl = badge_criteria_en = None
    badge_description_sl = badge_description_en = badge_image_path = badge_colour = None
    if badge is not None:
        if not isinstance(badge, dict):
            raise r.fail("badge", "must be an object with name and criteria")
        badge_reader = _Reader(line_number, badge)
        badge_name_sl, badge_name_en = _prefixed(badge_reader, "badge", "name", 200, True)
        badge_criteria_sl, badge_criteria_en = _prefixed(
            badge_reader, "badge", "criteria", 2000, False
        )
        badge_description_sl, badge_description_en = _prefixed(
            badge_reader, "badge", "description", 2000, False
        )
        badge_image_path = _image_path(r, badge.get("image"))
        badge_colour = r.text(badge.get("colour"), "badge.colour", 7)
        if badge_colour is not None:
            if not COLOUR.fullmatch(badge_colour):
                raise r.fail("badge.colour", f"'{badge_colour}' is not a colour like #1f6f8b")
            badge_colour = badge_colour.lower()

    organisation, profile = _organisation(r, data.get("organisation"))
    languages = r.tags("languages")
    for code in languages:
        if not (2 <= len(code) <= 3 and code.isalpha()):
            raise r.fail("languages", f"'{code}' is not a language code like 'sl' or 'en'")

    return OpportunityRecord(
        external_id=external_id,
        kind=kind,
        title_sl=title_sl,
        title_en=title_en,
        description_sl=description_sl,
        description_en=description_en,
        organisation=organisation,
        topics=r.tags("topics"),
        audience=r.tags("audience", AUDIENCES),
        languages=languages,
        address=address,
        district=district,
        lat=lat,
        lon=lon,
        online=online,
        starts_at=starts_at,
        ends_at=ends_at,
        schedule_sl=schedule_sl,
        schedule_en=schedule_en,
        price_eur=price_eur,
        url=url,
        badge_name_sl=badge_name_sl,
        badge_name_en=badge_name_en,
        badge_criteria_sl=badge_criteria_sl,
        badge_criteria_en=badge_criteria_en,
        organisation_profile=profile,
        badge_description_sl=badge_description_sl,
        badge_description_en=badge_description_en,
        badge_image_path=badge_image_path,
        badge_colour=badge_colour,
    )


def _image_path(r: _Reader, value: Any) -> str | None:
    """A badge image's path as written: relative to the catalogue file, inside its folder."""
    path = r.text(value, "badge.image", 300)
    if path is None:
        return None
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "~")) or ".." in parts or re.match(r"^[A-Za-z]:", path):
        raise r.fail("badge.image", f"'{shown(path)}' must be a path inside the catalogue's folder")
    if "://" in path:
        raise r.fail("badge.image", "must be a file beside the catalogue, not a URL")
    if not path.lower().endswith((".png", ".svg")):
        raise r.fail("badge.image", f"'{shown(path)}' must be a .png or .svg file")
    return path


def _http_url(r: _Reader, value: Any, field: str) -> str | None:
    url = r.text(value, field, 500)
    if url and not url.startswith(("https://", "http://")):
        raise r.fail(field, f"'{shown(url, 60)}' must start with https:// or http://")
    return url


def _organisation(r: _Reader, value: Any) -> tuple[str | None, OrganisationProfile | None]:
    """The organisation: its name as text, or an object with its public profile."""
    if not isinstance(value, dict):
        return r.text(value, "organisation", 200), None
    unknown = sorted(set(value) - ORGANISATION_FIELDS)
    if unknown:
        known = ", ".join(sorted(ORGANISATION_FIELDS))
        raise r.fail(f"organisation.{unknown[0]}", f"unknown field (known: {known})")
    name = r.text(value.get("name"), "organisation.name", 200, required=True)
    email = r.text(value.get("email"), "organisation.email", 254)
    if email is not None and not EMAIL.fullmatch(email):
        raise r.fail("organisation.email", f"'{shown(email)}' is not an e-mail address")
    profile = OrganisationProfile(
        url=_http_url(r, value.get("url"), "organisation.url"),
        email=email,
        description=r.text(value.get("description"), "organisation.description", 2000),
        image_url=_http_url(r, value.get("image"), "organisation.image"),
    )
    return name, profile


def _prefixed(
    reader: _Reader, prefix: str, field: str, max_len: int, required: bool
) -> tuple[str | None, str | None]:
    """A bilingual field nested in another object, with errors naming `prefix.field`."""
    try:
        return reader.bilingual(field, max_len, required)
    except RecordError as error:
        raise RecordError(error.line, f"{prefix}.{error.field}", error.message) from None
