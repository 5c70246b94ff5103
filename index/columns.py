"""Per-row facts of the index as growable NumPy columns, for vectorised filtering and ranking."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from index.listing import Listing
from store.models import AUDIENCES

AUDIENCE_BITS = {name: 1 << i for i, name in enumerate(AUDIENCES)}
NO_TIME = np.nan


class Columns:
    """alive, online, price, start, end (epoch seconds), lat, lon, audience and language bits."""

    SPEC: ClassVar[dict[str, type]] = {
        "alive": np.bool_,
        "online": np.bool_,
        "price": np.float64,
        "starts": np.float64,
        "ends": np.float64,
        "lat": np.float64,
        "lon": np.float64,
        "audience": np.int64,
        "languages": np.int64,
    }

    def __init__(self) -> None:
        self.size = 0
        self.generation = 0  # changes whenever a row is added or killed
        self._data = {name: np.zeros(64, dtype=dtype) for name, dtype in self.SPEC.items()}
        self.language_bits: dict[str, int] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name][: self.size]

    def language_bit(self, code: str) -> int:
        if code not in self.language_bits:
            if len(self.language_bits) >= 63:
                return 0
            self.language_bits[code] = 1 << len(self.language_bits)
        return self.language_bits[code]

    def append(self, row: int, listing: Listing) -> None:
        if row >= len(self._data["alive"]):
            capacity = max(row + 1, 2 * len(self._data["alive"]))
            for name, array in self._data.items():
                grown = np.zeros(capacity, dtype=array.dtype)
                grown[: len(array)] = array
                self._data[name] = grown
        d = self._data
        d["alive"][row] = True
        d["online"][row] = listing.online
        d["price"][row] = np.nan if listing.price_eur is None else listing.price_eur
        d["starts"][row] = listing.starts_at.timestamp() if listing.starts_at else NO_TIME
        d["ends"][row] = listing.ends_at.timestamp() if listing.ends_at else NO_TIME
        d["lat"][row] = np.nan if listing.lat is None else listing.lat
        d["lon"][row] = np.nan if listing.lon is None else listing.lon
        d["audience"][row] = sum(AUDIENCE_BITS.get(a, 0) for a in listing.audience)
        d["languages"][row] = sum(self.language_bit(code) for code in listing.languages)
        self.size = max(self.size, row + 1)
        self.generation += 1

    def kill(self, row: int) -> None:
        self._data["alive"][row] = False
        self.generation += 1
