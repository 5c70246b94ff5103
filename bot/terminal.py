"""Rendered replies as plain terminal text: HTML tags dropped, buttons as numbered choices."""

from __future__ import annotations

import re
from html import unescape

from bot.cards import Rendered, pick
from bot.i18n import gettext_for

_TAG = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    return unescape(_TAG.sub("", html))


def terminal_text(rendered: Rendered, lang: str) -> str:
    _ = gettext_for(lang)
    if rendered.venue is not None:
        view = rendered.venue
        place = ", ".join(p for p in (view.district, view.address) if p)
        return f"🗺 {pick(view.title, lang)}\n   {place} ({view.lat:.5f}, {view.lon:.5f})"
    lines = [plain(rendered.html)]
    if rendered.document is not None:
        lines.insert(0, f"📎 {rendered.document.file_name}")
    labels = [
        f"{choice.label} {choice.url}" if choice.url else choice.label
        for row in rendered.choices
        for choice in row
    ]
    if labels:
        lines.append(_("Choices:") + " " + "  ".join(f"[{label}]" for label in labels))
    return "\n".join(lines)
