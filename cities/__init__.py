"""City profiles: what makes colbot one city's bot (its time zone, place names, knowledge base,
languages, help contact and demo catalogue). Ljubljana's ships and is the default; another
city is a folder with a `city.yaml` of the same shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

CITIES_DIR = Path(__file__).resolve().parent
DEFAULT_CITY = "ljubljana"
SERVED_LANGUAGES = ("sl", "en")  # the languages colbot's texts are written in
CONTACT_KEYS = ("name", "phone", "email")


class CityProfileError(ValueError):
    """A city profile that cannot be used; says which file and field."""


@dataclass(frozen=True)
class Demo:
    catalogue: Path
    written_for: date  # the Monday whose week the demo's dates are written for


@dataclass(frozen=True)
class CityProfile:
    slug: str
    name: dict[str, str]
    zone: ZoneInfo
    languages: tuple[str, ...]
    places_file: Path
    knowledge_dir: Path
    outside_file: Path
    help_contact: dict[str, str] = field(default_factory=dict)
    demo: Demo | None = None

    @property
    def default_language(self) -> str:
        return self.languages[0]


def profile_dir(spec: str) -> Path:
    """A city's folder: a shipped city's slug ("ljubljana") or a path to a folder."""
    path = Path(spec)
    if spec.isidentifier() and (CITIES_DIR / spec / "city.yaml").exists():
        return CITIES_DIR / spec
    return path


def load_city(spec: str = DEFAULT_CITY) -> CityProfile:
    """Read and check a city profile (a shipped slug or a folder holding `city.yaml`)."""
    folder = profile_dir(spec)
    where = folder / "city.yaml"
    try:
        data = yaml.safe_load(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CityProfileError(f"CITY={spec!r}: no city profile at {where}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as error:
        raise CityProfileError(f"{where}: cannot be read ({error})") from None
    if not isinstance(data, dict):
        raise CityProfileError(f"{where}: must be a mapping of fields")
    return _profile(folder, where, data)


@cache
def default_city() -> CityProfile:
    """The shipped default profile (Ljubljana), read once."""
    return load_city(DEFAULT_CITY)


def _profile(folder: Path, where: Path, data: dict[str, Any]) -> CityProfile:
    def fail(name: str, problem: str) -> CityProfileError:
        return CityProfileError(f"{where}, field '{name}': {problem}")

    def text(name: str) -> str:
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            raise fail(name, "must be a non-empty text")
        return value.strip()

    def existing(name: str, directory: bool = False) -> Path:
        path = folder / text(name)
        if not (path.is_dir() if directory else path.is_file()):
            raise fail(name, f"{path} does not exist")
        return path

    slug = text("slug")
    if not slug.replace("-", "_").isidentifier() or not slug.islower() or len(slug) > 40:
        raise fail("slug", "must be lowercase letters, digits and '-' (at most 40)")
    name = data.get("name")
    if not isinstance(name, dict) or not all(isinstance(name.get(k), str) for k in ("sl", "en")):
        raise fail("name", "needs 'sl' and 'en'")
    try:
        zone = ZoneInfo(text("time_zone"))
    except (ZoneInfoNotFoundError, ValueError):
        raise fail("time_zone", "is not a time zone like Europe/Ljubljana") from None
    languages = data.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or any(lang not in SERVED_LANGUAGES for lang in languages)
    ):
        raise fail("languages", f"must list some of {', '.join(SERVED_LANGUAGES)}")
    contact = data.get("help_contact") or {}
    if not isinstance(contact, dict) or any(
        key not in CONTACT_KEYS or not isinstance(value, str) for key, value in contact.items()
    ):
        raise fail("help_contact", f"may have only texts for {', '.join(CONTACT_KEYS)}")
    return CityProfile(
        slug=slug,
        name={"sl": name["sl"], "en": name["en"]},
        zone=zone,
        languages=tuple(languages),
        places_file=existing("places"),
        knowledge_dir=existing("knowledge", directory=True),
        outside_file=existing("outside"),
        help_contact={k: v.strip() for k, v in contact.items() if v.strip()},
        demo=_demo(folder, data.get("demo"), fail),
    )


def _demo(folder: Path, data: Any, fail: Any) -> Demo | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise fail("demo", "must have 'catalogue' and 'written_for'")
    catalogue = folder / str(data.get("catalogue") or "")
    if not catalogue.is_file():
        raise fail("demo.catalogue", f"{catalogue} does not exist")
    written_for = data.get("written_for")
    if not isinstance(written_for, date):
        raise fail("demo.written_for", "must be a date like 2026-11-23")
    return Demo(catalogue, written_for)
