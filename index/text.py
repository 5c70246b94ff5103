"""Text normalisation for lexical matching: case and diacritic folding, tokens, light stemming.

Folding makes "računalnik" and "racunalnik" one word; the stemmer strips Slovenian and English
endings and truncates to six letters, which conflates most inflected forms ("tečaj", "tečaji",
"tečajev"; "slovenščina", "slovenski", "Slovenian") — a method known to work well for Slovenian.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPECIAL = str.maketrans({"đ": "d", "ł": "l", "ø": "o", "æ": "ae", "ß": "ss", "ı": "i", "ё": "е"})
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
_SUFFIXES = sorted(
    """
    skega skemu skimi skih skim skem ska ske ski sko
    ega emu ima imi ih im om em ov ev ami ah am
    ing ed es ers er s ly
    a e i o u
    """.split(),
    key=len,
    reverse=True,
)
STEM_LENGTH = 6
MIN_STEM = 4

STOPWORDS = frozenset(
    """
    in ali pa za na v s z iz o k h po pri do od se je so sem si smo ste bo bi bom kje kaj kdo ko
    ki da ne tudi še že kako kam kdaj lahko mi me moj moja tvoj ta to te ti tisti kateri ker ter
    a the an of to for in on at by with and or is are be can i you we my me any some what where
    how who when which do does there near from this that it
    """.split()
)


def fold(text: str) -> str:
    """Lower case without diacritics: 'Šiška' → 'siska', 'Č' → 'c', 'й' → 'и'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Serbian Cyrillic to Latin (then folded): "помоћ око папира" → "pomoc oko papira", which the
# Latin catalogue and the B/C/S words of the lexicon know. Only for Serbian: Ukrainian "робота"
# (work) in Latin letters would be a robot.
_SERBIAN_ONLY = frozenset("ђјљњћџ")
_RUSSIAN_OR_UKRAINIAN_ONLY = frozenset("ыэёъьйщіїєґ")
_SERBIAN_CYRILLIC = str.maketrans(
    {
        **dict(zip("абвгдезиклмнопрстуфхцчшјћђ", "abvgdeziklmnoprstufhccsjcd", strict=True)),
        **{"ж": "z", "љ": "lj", "њ": "nj", "џ": "dz"},
    }
)


def serbian_latin(text: str) -> str | None:
    """The text in folded Latin letters when it is Serbian Cyrillic, else None."""
    letters = set(text.casefold())
    if not letters & _SERBIAN_ONLY or letters & _RUSSIAN_OR_UKRAINIAN_ONLY:
        return None
    return " ".join(words(text)).translate(_SERBIAN_CYRILLIC)


SHORT_TEXT = 200  # queries and phrases: their words and terms are kept, read many times a query


def words(text: str) -> list[str]:
    """Folded words with hyphenated compounds kept: 'E-uprava' → ['e-uprava']."""
    if len(text) <= SHORT_TEXT:
        return list(_short_words(text))
    return _TOKEN.findall(fold(text))


@lru_cache(maxsize=20_000)
def _short_words(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(fold(text)))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light stem of a folded word; words with digits and short words stay as they are."""
    if len(word) <= MIN_STEM or any(c.isdigit() for c in word):
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
            break
    return word[:STEM_LENGTH]


def terms(text: str) -> list[str]:
    """Index terms of a text: stems of its words, compounds also split and joined.

    'e-uprava' gives 'e-uprava', 'euprav' and 'uprava'; stop words are dropped, but short
    words with digits ('a2', 'b1') are kept: exact rare words must count.
    """
    if len(text) <= SHORT_TEXT:
        return list(_short_terms(text))
    return _terms(text)


@lru_cache(maxsize=20_000)
def _short_terms(text: str) -> tuple[str, ...]:
    return tuple(_terms(text))


def forget_texts() -> None:
    """Forget the words and terms of the short texts seen so far (not the stems of words): a
    benchmark measures queries as if never asked before."""
    _short_words.cache_clear()
    _short_terms.cache_clear()


def _terms(text: str) -> list[str]:
    out: list[str] = []
    for word in words(text):
        if "-" in word or "'" in word or "’" in word:
            parts = re.split(r"[-'’]", word)
            out.append(word)
            out.append(stem("".join(parts)))
            out.extend(stem(p) for p in parts if len(p) > 2 and p not in STOPWORDS)
        elif word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            out.append(stem(word))
    return out
