"""Translations (gettext catalogues in locales/, compiled by the setup) and Babel formatting."""

from __future__ import annotations

import gettext
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("sl", "en")
DEFAULT_LANGUAGE = "sl"


class MissingCatalogue(RuntimeError):
    pass


@cache
def translations(lang: str) -> gettext.NullTranslations:
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    try:
        return gettext.translation("messages", localedir=LOCALES_DIR, languages=[lang])
    except FileNotFoundError:
        raise MissingCatalogue(
            f"compiled messages for '{lang}' are missing: run 'make setup' (pybabel compile)"
        ) from None


def reading_language(
    chosen: str | None,
    telegram_language: str | None,
    offered: tuple[str, ...],
    writes_in: str | None = None,
) -> str:
    """The language to write to a person in: the one their latest message is in, when the city
    offers it; else the one they chose; else their Telegram's when the city offers it; else the
    city's language other than Slovenian (a Ukrainian Telegram in Ljubljana reads English), or
    its only one."""
    if writes_in in offered:
        return writes_in
    if chosen in offered:
        return chosen
    code = (telegram_language or "")[:2]
    if code in offered:
        return code
    return next((lang for lang in offered if lang != "sl"), offered[0])


def gettext_for(lang: str):  # type: ignore[no-untyped-def]
    return translations(lang).gettext


def ngettext_for(lang: str):  # type: ignore[no-untyped-def]
    return translations(lang).ngettext


def format_price(price: Decimal | float | None, lang: str) -> str | None:
    if price is None:
        return None
    if price == 0:
        _ = gettext_for(lang)
        return _("free")
    return format_currency(price, "EUR", locale=lang)


def format_km(km: float, lang: str) -> str:
    return format_decimal(round(km, 1), format="#,##0.#", locale=lang) + " km"


def format_when(moment: datetime, lang: str) -> str:
    """A date and time as the language writes them ("čet., 3. dec. 2026, 17:00"), at the offset
    the moment carries: the actions give moments in the city's time."""
    day = format_skeleton("yMMMEd", moment, locale=lang)
    return f"{day}, {format_time(moment, 'short', locale=lang)}"


def format_day(moment: datetime, lang: str) -> str:
    """A date as the language writes it, at the offset the moment carries."""
    return format_skeleton("yMMMd", moment, locale=lang)
