"""Every message a user reads exists in Slovenian and English; Slovenian has four plurals."""

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import format_km, format_price, ngettext_for

ROOT = Path(__file__).resolve().parent.parent


def catalogue(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def source_messages() -> set[str]:
    """Every message the code marks, with the keywords babel.cfg adds (N_ and Nn_ in knowledge/)."""
    with (ROOT / "babel.cfg").open() as handle:
        _methods, options = parse_mapping_cfg(handle)
    keywords = dict(DEFAULT_KEYWORDS)
    for section in options.values():
        keywords.update(section.get("keywords", {}))
    found = set()
    for folder in ("bot", "actions", "nlu", "index", "knowledge"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=keywords
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_is_in_both_catalogues():
    for lang in ("sl", "en"):
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(lang) if m.id}
        missing = source_messages() - ids
        assert not missing, f"{lang}: run 'make messages-update' and translate: {sorted(missing)}"


def test_every_message_is_translated_in_both_languages():
    for lang in ("sl", "en"):
        for message in catalogue(lang):
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"{lang}: no translation for {message.id!r}"
            assert not message.fuzzy, f"{lang}: fuzzy translation for {message.id!r}"


def test_slovenian_has_four_plural_forms():
    ngettext = ngettext_for("sl")
    forms = [
        ngettext("{n} opportunity found", "{n} opportunities found", n).format(n=n)
        for n in (1, 2, 3, 5, 101, 102)
    ]
    assert forms == [
        "1 zadetek",
        "2 zadetka",
        "3 zadetki",
        "5 zadetkov",
        "101 zadetek",
        "102 zadetka",
    ]
    english = ngettext_for("en")
    assert (
        english("{n} opportunity found", "{n} opportunities found", 1).format(n=1)
        == "1 opportunity found"
    )


def test_prices_and_distances_follow_the_language():
    assert format_price(0, "sl") == "brezplačno" and format_price(0, "en") == "free"
    assert format_price(12.5, "sl") == "12,50\xa0€" and format_price(12.5, "en") == "€12.50"
    assert format_km(1.25, "sl") == "1,2 km" and format_km(1.25, "en") == "1.2 km"


def test_dates_are_written_in_ljubljana_time_as_each_language_writes_them():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from actions.views import local_iso
    from bot.i18n import format_when

    ljubljana = ZoneInfo("Europe/Ljubljana")  # the city's zone: the views carry its offsets
    winter = local_iso(datetime(2026, 12, 3, 16, 0, tzinfo=ZoneInfo("UTC")), ljubljana)
    assert winter == "2026-12-03T17:00:00+01:00"
    assert format_when(datetime.fromisoformat(winter), "sl") == "čet., 3. dec. 2026, 17:00"
    assert format_when(datetime.fromisoformat(winter), "en") == "Thu, Dec 3, 2026, 5:00\u202fPM"
    summer = local_iso(datetime(2027, 6, 1, 15, 30, tzinfo=ZoneInfo("UTC")), ljubljana)
    assert format_when(datetime.fromisoformat(summer), "sl").endswith("17:30")  # summer time
