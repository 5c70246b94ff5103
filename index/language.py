"""Which language a short message is written in: Slovenian, English, Bosnian/Croatian/Serbian
("sh"), Albanian, Spanish, Ukrainian, Russian or Arabic — from its script, its letters and its small
words. Short texts are guessed; the guess says how sure it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import fold

_WORD = re.compile(r"\w+", re.UNICODE)
SMALL_WORDS = {
    "sl": set(
        "je in za na kje kaj se lahko bi rad rada sem si so ali tudi zelo kako kdaj kateri "
        "tečaj tecaj jaz me mi nas vas bo ste lahko zanima imate iščem iscem prosim hvala "
        "pozdravljeni živjo zivjo dober dan danes jutri ta teden za mlade starejše upokojence "
        "v brezplačen brezplačno brezplačna brezplačni tečaji tečaje".split()
    ),
    "en": set(
        "the and for where can i to is what how are you a an of in on near me my any free "
        "course courses class want looking please thanks hello hi learn this week there".split()
    ),
    "sh": set(
        "gdje gde šta sta što sto mogu može moze kurs kursa jezika hoću hocu želim zelim "
        "treba trebam dobar dan zdravo hvala molim besplatno besplatni radionica djecu deca "
        "ima li u od za i da se na preko kod kad dok sa su slovenački slovenacki "
        "slovenackog slovenačkog pričaju pričamo".split()
    ),
    "sq": set(
        "dhe për per ku një nje të te është eshte mund si kurs gjuhës gjuhes falas dua "
        "mësoj mesoj ka për fëmijë femije në ne me".split()
    ),
    "es": set(
        "dónde donde cómo como qué que puedo quiero aprender clases curso cursos gratis para "
        "el la los las una hay mi mis es por con esloveno hijo madre tengo".split()
    ),
}
UKRAINIAN_WORDS = set(
    "де як що можна мову навчатися вивчати безкоштовно курси для дітей я хочу".split()
)
RUSSIAN_WORDS = set("где как что можно язык учить бесплатно курсы для детей я хочу".split())
# Letters that only some of the Latin-script languages use.
MARKS = {"sh": set("ćđ"), "sq": set("ëç"), "es": set("ñ¿¡áéíóú"), "sl": set()}


# word -> the languages it is a small word of, with its folded form too ("tecaj"): one look-up
# a word instead of one a language
_LANGUAGES_OF = {
    word: tuple(lang for lang, small in SMALL_WORDS.items() if word in small)
    for word in set().union(*SMALL_WORDS.values())
}
_ARABIC = re.compile("[\u0600-\u06ff]+")
_CYRILLIC = re.compile("[\u0400-\u04ff]+")


def _letters(text: str) -> int:
    return sum(map(str.isalpha, text))


@dataclass(frozen=True)
class Guess:
    language: str
    sure: bool


def detect(text: str) -> Guess:
    letters = _letters(text)
    if not letters:
        return Guess("sl", False)
    if _letters("".join(_ARABIC.findall(text))) > letters / 2:
        return Guess("ar", True)
    if _letters("".join(_CYRILLIC.findall(text))) > letters / 2:
        lower = set(text.casefold())
        if lower & set("іїєґ"):
            return Guess("uk", True)
        if lower & set("љњђћџј"):
            return Guess("sh", True)
        if lower & set("ыэъё"):
            return Guess("ru", True)
        words = set(_WORD.findall(text.casefold()))
        uk, ru = len(words & UKRAINIAN_WORDS), len(words & RUSSIAN_WORDS)
        if uk != ru:
            return Guess("uk" if uk > ru else "ru", abs(uk - ru) >= 1)
        return Guess("ru", False)
    words = _WORD.findall(text.casefold())
    scores = {lang: 0.0 for lang in SMALL_WORDS}
    for word in words:
        languages = _LANGUAGES_OF.get(word, ())
        plain = fold(word) if not word.isascii() else word
        if plain != word:
            languages = (*languages, *_LANGUAGES_OF.get(plain, ()))
        for lang in dict.fromkeys(languages):
            scores[lang] += 1.0
    lowered = set(text.casefold())
    for lang, marks in MARKS.items():
        if lowered & marks:
            scores[lang] += 2.0
    if lowered & set("čšž"):
        scores["sl"] += 0.5
        scores["sh"] += 0.5
    ranked = sorted(scores.items(), key=lambda pair: -pair[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top == 0:
        return Guess("sl", False)
    return Guess(best, top >= 2 and top >= second + 1)


def reply_language(text: str, current: str) -> str:
    """The language to answer a message in where the person has not chosen one (the terminal
    chat): Slovenian or English when the message is surely in it, otherwise as before."""
    guess = detect(text)
    return guess.language if guess.sure and guess.language in ("sl", "en") else current
