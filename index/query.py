"""Reading a query: the place it names, the filters it implies (free, online, this week,
audience, language of instruction) and the domain words of other languages it contains."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from index.ages import audience_of_ages
from index.geo import Gazetteer, PlaceMention, without_place
from index.language import detect
from index.phrases import Phrases
from index.text import STOPWORDS, fold, serbian_latin, stem, terms, words
from index.when import Window, month_of, window_in

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.yaml"

# Folded word prefixes that mark a filter, in Slovenian, English, B/C/S, Ukrainian, Russian,
# Arabic and Albanian. A prefix matches a word that starts with it.
FREE_WORDS = (
    "brezplac",
    "zastonj",
    "free",
    "gratis",
    "besplat",
    "bezplat",
    "безкошт",
    "безплат",
    "бесплат",
    "даром",
    "مجان",
    "falas",
    "kostenlos",
    "gratuit",
    "no-cost",
    "ucretsiz",
)
ONLINE_WORDS = (
    "online",
    "onlajn",
    "онлайн",
    "daljavo",
    "daljinu",
    "remote",
    "zoom",
    "انترنت",
    "الإنترنت",
)
ONLINE_TOPICS = ("bank", "safet", "secur", "varn", "prevar", "scam", "shop", "nakup", "bancni")
AUDIENCE_WORDS = {
    "seniors": (
        "starejs",
        "starost",
        "upokoj",
        "senior",
        "babic",
        "dedek",
        "dedk",
        "elderly",
        "pension",
        "grandm",
        "grandp",
        "penzion",
        "umirovlj",
        "пенсіон",
        "пенсион",
        "літн",
        "пожил",
        "مسن",
        "kbar",
        "moshuar",
        "pensionist",
    ),
    "youth": (
        "mlad",
        "najstn",
        "youth",
        "teen",
        "dijak",
        "student",
        "молод",
        "omladin",
        "mladez",
        "شباب",
        "rinj",
        "rini",
        "young",
    ),
    "migrants": (
        "migrant",
        "tujc",
        "tujk",
        "foreign",
        "refugee",
        "begun",
        "izbjegl",
        "izbegl",
        "біжен",
        "беженц",
        "لاجئ",
        "مهاجر",
        "emigrant",
        "priseljen",
        "immigrant",
        "emigrant",
        "refugjat",
        "stranc",
        "иноземц",
        "иностран",
        "іноземц",
    ),
    "children": (
        "otrok",
        "otroc",
        "child",
        "kids",
        "djec",
        "djet",
        "deca",
        "decu",
        "decom",
        "дит",
        "діт",
        "дет",
        "أطفال",
        "اطفال",
        "femij",
        "fëmij",
    ),
    "families": (
        "druzin",
        "family",
        "families",
        "porodic",
        "сім'",
        "семь",
        "عائل",
        "familj",
        "starsi",
        "parents",
        "roditelj",
        "батьк",
        "родител",
    ),
}
# Whole folded words that ask rather than name a topic ("what", "which", "is there"), beyond the
# stop words: with a time and nothing else, a query asks what is on.
QUESTION_WORDS = frozenset(
    """
    what's whats which anything something everything there's interesting fun new on going
    tega tem temu these
    katere katera katero katerih kaksne kaksni kaksen kaj ima imate imamo zanimivega novega
    sta sto koje koji koja kakve kakvi ima li ove ovog ovaj ovu ovoj ova
    шта што које који има ли
    що які яки якии є чи цього цьому
    что какие какои какая есть этои эту это на
    ما ماذا هي هو أي اي هناك يوجد هذا هذه
    cfare cka ka ke ndonje kete
    """.split()
)
_ALL_AUDIENCE = tuple(p for prefixes in AUDIENCE_WORDS.values() for p in prefixes)
_LANGUAGE_WORDS = {
    "en": (
        ("v", "anglescini"),
        ("in", "english"),
        ("na", "engleskom"),
        ("англіиською",),
        ("на", "англииском"),
        ("ne", "anglisht"),
    ),
    "uk": (("v", "ukrajinscini"), ("in", "ukrainian"), ("украінською",), ("на", "украинском")),
    "ru": (
        ("v", "ruscini"),
        ("in", "russian"),
        ("російською",),
        ("на", "русском"),
        ("na", "ruskom"),
    ),
    "ar": (("v", "arabscini"), ("in", "arabic"), ("بالعربية",), ("باللغة", "العربية")),
}
LANGUAGE_WORDS = {code: Phrases(phrases) for code, phrases in _LANGUAGE_WORDS.items()}


@dataclass(frozen=True)
class Concept:
    name: str
    expand: tuple[str, ...]
    surface: tuple[str, ...]  # word beginnings (or phrases of them) in any language
    exact: tuple[str, ...] = ()  # short or risky words that count only whole ("cv", "ai", "a1")
    generic: bool = False  # a time, a filter, an audience or a kind of activity, not a topic
    filter: bool = False  # read as a filter (free, this week, near): no words for the ranking
    audience: bool = False  # names a catalogued audience: beside a topic, no words for the ranking
    kind: bool = False  # names a kind of activity: beside a topic, its words weigh less

    @cached_property
    def expand_terms(self) -> tuple[str, ...]:
        """The index terms of its Slovenian and English words, in order, once each."""
        return tuple(dict.fromkeys(term for phrase in self.expand for term in terms(phrase)))


RECENT_QUERIES = 4096  # word lists whose concepts the lexicon keeps (a cleared dictionary)


class Lexicon:
    """Concepts with their words in many languages; a query word that starts with a surface
    form (or equals an exact one) brings the concept's Slovenian and English words into the
    lexical query."""

    def __init__(self, concepts: list[Concept]) -> None:
        self.concepts = concepts
        self.kind_names = frozenset(c.name for c in concepts if c.kind)  # course, workshop…
        self._prefixes: dict[str, list[tuple[str, Concept]]] = {}
        self._exact: dict[str, Concept] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], Concept]]] = {}
        self._recent: dict[tuple[str, ...], tuple[tuple[Concept, int, int, bool], ...]] = {}
        for concept in concepts:
            for surface in concept.surface:
                parts = tuple(words(surface))
                if len(parts) > 1:
                    self._phrases.setdefault(parts[0][:2], []).append((parts, concept))
                elif parts and len(parts[0]) >= 3:
                    self._prefixes.setdefault(parts[0][:2], []).append((parts[0], concept))
                elif parts:
                    self._exact.setdefault(parts[0], concept)
            for word in concept.exact:
                for part in words(word):
                    self._exact.setdefault(part, concept)
        for bucket in self._prefixes.values():
            bucket.sort(key=lambda pair: -len(pair[0]))
        # each bucket's surfaces (and phrases' first words) in one tuple: most words start
        # with none of them, which one C call tells
        self._starts = {k: tuple(s for s, _ in bucket) for k, bucket in self._prefixes.items()}
        self._phrase_starts = {
            k: tuple(parts[0] for parts, _ in bucket) for k, bucket in self._phrases.items()
        }

    @classmethod
    def load(cls, path: Path = LEXICON_FILE) -> Lexicon:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            [
                Concept(
                    name=str(item["concept"]),
                    expand=tuple(str(x) for x in item.get("expand") or ()),
                    surface=tuple(str(x) for x in item.get("surface") or ()),
                    exact=tuple(str(x) for x in item.get("exact") or ()),
                    generic=bool(item.get("generic", False) or item.get("filter", False)),
                    filter=bool(item.get("filter", False)),
                    audience=bool(item.get("audience", False)),
                    kind=bool(item.get("kind", False)),
                )
                for item in data["concepts"]
            ]
        )

    def _matches(self, folded_words: list[str]) -> tuple[tuple[Concept, int, int, bool], ...]:
        """Every concept named in the words: (concept, first word, how many words, by a word
        alone). A word names at most one concept by prefix, the longest surface. Kept for the
        last queries: reading one asks this several times."""
        key = tuple(folded_words)
        found = self._recent.get(key)
        if found is None:
            if len(self._recent) >= RECENT_QUERIES:
                self._recent.clear()
            found = self._recent[key] = tuple(self._find(folded_words))
        return found

    def forget_queries(self) -> None:
        """Forget the concepts of the last queries (a benchmark measures unseen queries)."""
        self._recent.clear()

    def _find(self, folded_words: list[str]) -> Iterator[tuple[Concept, int, int, bool]]:
        for i, word in enumerate(folded_words):
            if word in self._exact:
                yield self._exact[word], i, 1, True
            if not word.startswith(self._starts.get(word[:2], ())):
                continue
            for surface, concept in self._prefixes[word[:2]]:
                if word.startswith(surface):
                    yield concept, i, 1, True
                    break
        for i, word in enumerate(folded_words):
            if not word.startswith(self._phrase_starts.get(word[:2], ())):
                continue
            for parts, concept in self._phrases[word[:2]]:
                n = len(parts)
                if i + n <= len(folded_words) and all(
                    folded_words[i + j].startswith(parts[j]) for j in range(n)
                ):
                    yield concept, i, n, False

    def concepts_in(self, folded_words: list[str]) -> list[tuple[Concept, str | None]]:
        """Concepts found, each with the one word that named it (None for a phrase)."""
        found: list[tuple[Concept, str | None]] = []
        for concept, at, _, alone in self._matches(folded_words):
            if all(c is not concept for c, _ in found):
                found.append((concept, folded_words[at] if alone else None))
        return found

    def related_words(self, topics: Iterable[str]) -> str:
        """The Slovenian and English words of the concepts that catalogue topics name, generic
        ones (kinds, audiences, times) left out: what the organiser's tags mean in words."""
        found = self.concepts_in([w for topic in topics for w in words(topic)])
        phrases = (p for concept, _ in found if not concept.generic for p in concept.expand)
        return ", ".join(dict.fromkeys(phrases))

    def positions(self, folded_words: list[str], which: Callable[[Concept], bool]) -> set[int]:
        """The positions of the words that name a concept `which` picks: generic ones (a time,
        a filter, an audience: not a topic), filters, kinds of activity…"""
        return {
            at + k
            for concept, at, n, _ in self._matches(folded_words)
            if which(concept)
            for k in range(n)
        }


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load()


@dataclass(frozen=True)
class Understanding:
    """What a query says beyond its topic."""

    place: PlaceMention | None = None
    free: bool = False
    online: bool = False
    window: Window | None = None
    audience: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    concepts: tuple[str, ...] = ()
    expansion: dict[str, float] = field(default_factory=dict)
    topical: bool = True  # names something to learn or do, beyond a time, filters and audience
    # positions in words(text) of the words naming a kind of activity, beside a topic
    kinds: frozenset[int] = frozenset()
    written_in: frozenset[str] = frozenset()  # the asker's language, when surely not sl or en
    aside: frozenset[int] = frozenset()  # positions in words(text) of the place, the filters and
    # (beside a topic) the audience

    def as_dict(self) -> dict[str, object]:
        return {
            "place": self.place.place.name if self.place else None,
            "free": self.free,
            "online": self.online,
            "when": self.window.name if self.window else None,
            "audience": sorted(self.audience),
            "languages": sorted(self.languages),
            "concepts": list(self.concepts),
        }


@lru_cache(maxsize=64)
def _folded(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(fold(p) for p in prefixes)


def _has_prefix(tokens: list[str], prefixes: tuple[str, ...]) -> int | None:
    """The position of the first word that begins with one of the (folded) prefixes."""
    folded = _folded(prefixes)
    for i, token in enumerate(tokens):
        if token.startswith(folded):
            return i
    return None


# Language codes a detected language is catalogued under (items say "sr", "hr" or "bs").
SPOKEN = {"sh": ("sr", "hr", "bs")}


def asker_languages(language: str) -> frozenset[str]:
    """The languages an asker who writes in `language` is favoured in: none for Slovenian and
    English, which nearly everything is offered in; otherwise the codes it is catalogued under."""
    if language in ("sl", "en", ""):
        return frozenset()
    return frozenset(SPOKEN.get(language, (language,)))


EXPANSION_WEIGHT = 0.7
KNOWN_EXPANSION_WEIGHT = 0.3


_ARABIC_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ب", "ل")


def without_clitic(word: str) -> str | None:
    """An Arabic word without its clitic prefix ("للمهاجرين" → "مهاجرين"), else None."""
    if "\u0600" <= word[:1] <= "\u06ff":
        for clitic in _ARABIC_CLITICS:
            if word.startswith(clitic) and len(word) - len(clitic) >= 3:
                return word[len(clitic) :]
    return None


def query_words(text: str) -> list[str]:
    """Folded words, and Arabic words also without their clitic prefixes, so that prefixes of
    the lexicon and the filters can match them."""
    out = []
    for word in words(text):
        out.append(word)
        bare = without_clitic(word)
        if bare is not None:
            out.append(bare)
    return out


def _generic(concept: Concept) -> bool:
    return concept.generic


def _kind(concept: Concept) -> bool:
    return concept.kind


def is_topical(
    text: str,
    place: PlaceMention | None,
    lexicon: Lexicon,
    known: Callable[[str], bool] | None,
) -> bool:
    """Whether a query names something to learn or do. It does not when every word is a stop
    or question word, a month, part of the place, or names a generic concept (a time, a filter,
    an audience, a kind of activity): "Kaj se ta teden dogaja za mlade v Ljubljani?". Any other
    word counts as a topic: one a concept names, one the catalogue knows, or any of four letters
    or more (a topic in a language the lexicon lacks is ranked by meaning, not listed)."""
    plain = words(text)
    bare = [without_clitic(w) or w for w in plain]
    aside = lexicon.positions(plain, _generic)
    if bare != plain:  # Arabic
        aside |= lexicon.positions(bare, _generic)
    if place is not None:
        aside |= set(range(place.start, place.end))
    for i, word in enumerate(plain):
        if i in aside or word in STOPWORDS or word in QUESTION_WORDS or word.isdigit():
            continue
        if bare[i] in QUESTION_WORDS or _has_prefix([word, bare[i]], _ALL_AUDIENCE) is not None:
            continue
        if month_of(word):
            continue
        if lexicon.concepts_in([word]) or (bare[i] != word and lexicon.concepts_in([bare[i]])):
            return True  # a concept, and not a generic one
        if (known is not None and known(stem(word))) or len(word) >= 4:
            return True
    return False


def understand(
    text: str,
    gazetteer: Gazetteer | None,
    lexicon: Lexicon | None,
    now: datetime,
    known: Callable[[str], bool] | None = None,
) -> Understanding:
    """Read a query. `known` tells whether the catalogue itself uses a (stemmed) word: such
    words match directly, so their concepts add their other words more lightly."""
    tokens = query_words(text)
    in_latin = serbian_latin(text)
    latin_words = words(in_latin) if in_latin else []  # word for word with words(text)
    place = gazetteer.find(text) if gazetteer else None

    free_at = _has_prefix(tokens, FREE_WORDS)
    free = free_at is not None and not (
        tokens[free_at] == "free" and free_at + 1 < len(tokens) and tokens[free_at + 1] == "time"
    )
    online = False
    online_at = _has_prefix(tokens, ONLINE_WORDS)
    if online_at is not None:
        following = tokens[online_at + 1] if online_at + 1 < len(tokens) else ""
        online = not following.startswith(_folded(ONLINE_TOPICS))
    window = window_in(tokens, now)
    audience = frozenset(
        name
        for name, prefixes in AUDIENCE_WORDS.items()
        if _has_prefix(tokens + latin_words, prefixes) is not None
    ) | audience_of_ages(text)
    languages = frozenset(
        code for code, phrases in LANGUAGE_WORDS.items() if phrases.found_in(tokens)
    )

    concepts = lexicon.concepts_in(tokens) if lexicon else []
    if lexicon and latin_words:
        named = {concept.name for concept, _ in concepts}
        concepts += [(c, w) for c, w in lexicon.concepts_in(latin_words) if c.name not in named]
    own = set(terms(text))
    expansion: dict[str, float] = {}
    for term in terms(" ".join(without_place(latin_words, place))):  # Serbian, as catalogued
        expansion.setdefault(term, EXPANSION_WEIGHT)
    topical = is_topical(text, place, lexicon, known) if lexicon else True
    for concept, word in concepts:
        if concept.filter or (topical and concept.audience):
            continue
        familiar = word is not None and known is not None and known(stem(word))
        weight = KNOWN_EXPANSION_WEIGHT if familiar else EXPANSION_WEIGHT
        for term in concept.expand_terms:
            if term not in own:
                expansion[term] = max(expansion.get(term, 0.0), weight)
    aside = set(range(place.start, place.end)) if place else set()
    if lexicon:
        # beside a topic, the audience is left to the audience boost
        aside |= lexicon.positions(words(text), lambda c: c.filter or (topical and c.audience))
    guess = detect(text)
    written_in = asker_languages(guess.language) if guess.sure else frozenset()
    kinds = lexicon.positions(words(text), _kind) - aside if lexicon and topical else set()
    return Understanding(
        kinds=frozenset(kinds),
        written_in=written_in,
        place=place,
        free=free,
        online=online,
        window=window,
        audience=audience,
        languages=languages,
        concepts=tuple(c.name for c, _ in concepts),
        expansion=expansion,
        topical=topical,
        aside=frozenset(aside),
    )
