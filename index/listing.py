"""What the index keeps of one opportunity: the text to embed, the words to match, the facts to
filter and rank by. Built from a store.models.Opportunity, or directly for benchmarks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.query import Lexicon


@dataclass(frozen=True)
class Listing:
    key: str
    title: str
    body: str = ""
    tags: str = ""
    related: str = ""  # the lexicon's Slovenian and English words for its topics: matched only
    audience: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    online: bool = False
    price_eur: float | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None

    @property
    def passage(self) -> str:
        """The text given to the embedder."""
        return f"{self.title}\n{self.body}\n{self.tags}"

    @property
    def passage_hash(self) -> str:
        return hashlib.sha256(self.passage.encode()).hexdigest()[:32]


def _join(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p)


def listing_from(opportunity: Any, lexicon: Lexicon | None = None) -> Listing:
    """A Listing of an Opportunity (duck-typed: any object with the same attributes); with a
    lexicon, its topics also bring their words in both languages ("intergenerational" brings
    "medgeneracijsko"), so that a Slovenian query finds an item tagged in English."""
    organisation = opportunity.organisation.name if opportunity.organisation else None
    titles = " / ".join(t for t in (opportunity.title_sl, opportunity.title_en) if t)
    return Listing(
        key=opportunity.external_id,
        title=titles,
        body=_join(opportunity.description_sl, opportunity.description_en),
        tags=_join(
            ", ".join(opportunity.topics),
            opportunity.kind,
            ", ".join(opportunity.audience),
            organisation,
        ),
        related=lexicon.related_words(opportunity.topics) if lexicon else "",
        audience=frozenset(opportunity.audience),
        languages=frozenset(opportunity.languages),
        online=bool(opportunity.online),
        price_eur=float(opportunity.price_eur) if opportunity.price_eur is not None else None,
        starts_at=opportunity.starts_at,
        ends_at=opportunity.ends_at,
        lat=opportunity.lat,
        lon=opportunity.lon,
    )
