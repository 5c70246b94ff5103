"""Which representation and which language a client asks for (the Accept and Accept-Language
headers), read forgivingly: a header that cannot be read counts as absent."""

from __future__ import annotations

from functools import lru_cache

MAX_HEADER = 2000  # characters of a header that are read; the rest is ignored
MAX_ENTRIES = 40
PAGE_TYPES = ("text/html", "application/xhtml+xml")
DOCUMENT_TYPES = (
    "application/ld+json",
    "application/json",
    "application/vc+jwt",
    "application/jwt",
)


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


@lru_cache(maxsize=512)
def _media_ranges(accept: str) -> tuple[tuple[str, float], ...]:
    ranges = []
    for entry in accept[:MAX_HEADER].split(",")[:MAX_ENTRIES]:
        media, *params = entry.split(";")
        media = media.strip().lower()
        if "/" in media:
            ranges.append((media, _quality(params)))
    return tuple(ranges)


def _quality_of(ranges: tuple[tuple[str, float], ...], media_type: str) -> float:
    """The q of `media_type`: from its most specific matching range (type/sub, type/*, */*)."""
    kind = media_type.split("/")[0]
    found: dict[int, float] = {}
    for media, q in ranges:
        if media == media_type:
            found[3] = max(q, found.get(3, 0.0))
        elif media == f"{kind}/*":
            found[2] = max(q, found.get(2, 0.0))
        elif media == "*/*":
            found[1] = max(q, found.get(1, 0.0))
    return found[max(found)] if found else 0.0


@lru_cache(maxsize=512)
def prefers_page(accept: str | None) -> bool:
    """Whether a client asks for a web page rather than the document: it names text/html (or
    XHTML) itself, and weighs it above every JSON-LD, JSON and JWT type. A browser does; a
    verifier, a wallet, curl (*/*) and a client that sends no Accept get the document."""
    if not accept:
        return False
    ranges = _media_ranges(accept)
    page = max((q for media, q in ranges if media in PAGE_TYPES), default=0.0)
    document = max(_quality_of(ranges, media) for media in DOCUMENT_TYPES)
    return page > document


@lru_cache(maxsize=512)
def _language_ranges(accept_language: str) -> tuple[str, ...]:
    weighted = []
    for place, entry in enumerate(accept_language[:MAX_HEADER].split(",")[:MAX_ENTRIES]):
        tag, *params = entry.split(";")
        q = _quality(params)
        if q > 0:
            weighted.append((-q, place, tag.strip().lower()))
    return tuple(tag for _, _, tag in sorted(weighted))


def page_language(chosen: str | None, accept_language: str | None, offered: tuple[str, ...]) -> str:
    """The language of a page: `?lang=` when the city offers it, else the first offered language
    the browser accepts (by q, then order; "sl-SI" counts as "sl"), else the city's first."""
    if chosen in offered:
        return chosen  # type: ignore[return-value]
    for tag in _language_ranges(accept_language or ""):
        primary = tag.split("-")[0]
        if primary in offered:
            return primary
    return offered[0]
