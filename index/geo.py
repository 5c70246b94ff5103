"""Places and distances: great-circle distance and a gazetteer of Ljubljana districts and
Slovenian towns with their inflected forms ("v Šiški", "near Bežigrad", "iz Maribora")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from index.text import fold, words

EARTH_RADIUS_KM = 6371.0088
# Words that may stand before a place name, in the languages people write to the bot in.
PREPOSITIONS = frozenset(
    fold(w)
    for w in """v na pri iz blizu okolici okolica ob do proti od
    in near at around close to by from
    u kod blizu oko iz
    у в біля поруч коло недалеко возле около рядом из з
    ne afer prane
    في قرب بالقرب من""".split()
)
# A bounding box around Slovenia with a margin; points outside it are "not in Slovenia".
SLOVENIA_BOX = (45.35, 46.95, 13.3, 16.7)


@dataclass(frozen=True)
class GeoPoint:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"({self.lat}, {self.lon}) is not a point on Earth")

    @property
    def in_slovenia(self) -> bool:
        south, north, west, east = SLOVENIA_BOX
        return south <= self.lat <= north and west <= self.lon <= east


@dataclass(frozen=True)
class Place:
    name: str
    kind: str  # district | town
    point: GeoPoint
    city: str | None = None

    @property
    def radius_km(self) -> float:
        """How far from its centre a place still counts as 'in' it."""
        if self.kind == "district":
            return 1.0
        return 6.0 if self.name == "Ljubljana" else 3.0


@dataclass(frozen=True)
class PlaceMention:
    place: Place
    start: int  # word positions in the folded text
    end: int


def without_place(folded_words: list[str], mention: PlaceMention | None) -> list[str]:
    """The words of a query less those that name its place (the distance ranks by it)."""
    if mention is None:
        return folded_words
    return folded_words[: mention.start] + folded_words[mention.end :]


def distances_km(point: GeoPoint, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Haversine distances from `point` to arrays of coordinates (NaN stays NaN)."""
    lat1, lon1 = np.radians(point.lat), np.radians(point.lon)
    lat2, lon2 = np.radians(lats), np.radians(lons)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class Gazetteer:
    def __init__(self, places: list[tuple[Place, list[str], bool]]) -> None:
        self.places = [p for p, _, _ in places]
        self._forms: dict[tuple[str, ...], tuple[Place, bool]] = {}
        for place, forms, ambiguous in places:
            for form in [place.name, *forms]:
                key = tuple(words(form))
                if key and key not in self._forms:
                    self._forms[key] = (place, ambiguous)
        self._longest = max((len(k) for k in self._forms), default=1)
        self._by_name = {fold(p.name): p for p in self.places}

    @classmethod
    def load(cls, path: Path) -> Gazetteer:
        """The places of a city profile's `places.yaml`."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = []
        for item in data["places"]:
            place = Place(
                name=item["name"],
                kind=item.get("kind", "town"),
                point=GeoPoint(float(item["lat"]), float(item["lon"])),
                city=item.get("city"),
            )
            entries.append(
                (place, [str(f) for f in item.get("forms") or []], bool(item.get("ambiguous")))
            )
        return cls(entries)

    def find(self, text: str) -> PlaceMention | None:
        """The first place named in `text`, longest form first; everyday words that are also
        place names (Polje, Center) count only after a preposition ("v Polju", "in Center")."""
        tokens = words(text)
        for start in range(len(tokens)):
            for length in range(min(self._longest, len(tokens) - start), 0, -1):
                hit = self._forms.get(tuple(tokens[start : start + length]))
                if hit is None:
                    continue
                place, ambiguous = hit
                after_preposition = start > 0 and tokens[start - 1] in PREPOSITIONS
                if ambiguous and not after_preposition:
                    continue
                return PlaceMention(place, start, start + length)
        return self._find_inflected(tokens)

    def _find_inflected(self, tokens: list[str]) -> PlaceMention | None:
        """A one-word place with an ending the gazetteer lacks ("Мариборе", "Ljubljanom"):
        a word that extends a known form of five letters or more by one or two letters."""
        for start, token in enumerate(tokens):
            for cut in (1, 2):
                if len(token) - cut < 5:
                    break
                hit = self._forms.get((token[:-cut],))
                if hit is not None and not hit[1]:
                    return PlaceMention(hit[0], start, start + 1)
        return None

    def lookup(self, name: str) -> Place | None:
        """A place by any of its names or forms ("Šiška", "Siska", "Mariboru")."""
        mention = self.find(name)
        if mention is not None:
            return mention.place
        return self._by_name.get(fold(name))


@lru_cache(maxsize=8)
def load_gazetteer(path: Path) -> Gazetteer:
    """A gazetteer read once per file (it is never changed once read)."""
    return Gazetteer.load(path)


_POINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[,;\s]\s*(-?\d+(?:\.\d+)?)\s*$")


def parse_point(text: str) -> GeoPoint | None:
    """'46.06,14.51' → GeoPoint; None when the text is not a pair of numbers."""
    match = _POINT.match(text)
    if not match:
        return None
    return GeoPoint(float(match.group(1)), float(match.group(2)))
