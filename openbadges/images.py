"""Badge images: checking an organisation's own PNG or SVG, drawing one when there is none, and
the QR code of a deep link.

The drawn badge is a 512×512 PNG: a coloured disc with a white ring, the badge's name and the
organisation's name. Text is set in DejaVu Sans when the system has it (it covers č š ž ć đ);
otherwise in Pillow's built-in font, which lacks those letters, so they are drawn as their base
letter with the caron, acute or stroke added by hand.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import re
import unicodedata
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from functools import cache
from typing import Literal

import segno
from PIL import Image, ImageDraw, ImageFont

SIZE = 512
MAX_BYTES = 1024 * 1024
MAX_SIDE = 2048
MIN_SIDE = 64
FONT_CANDIDATES = (
    "DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf",
)
_SUPERSAMPLE = 2
_MISSING = "\U000f0000"  # a private-use code point no font draws
_CARON, _ACUTE = "\u030c", "\u0301"
_STROKED = {"đ": "d", "Đ": "D"}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


class ImageRejected(ValueError):
    """A supplied image that is not a usable PNG or a safe SVG; the message says why."""


@dataclass(frozen=True)
class SuppliedImage:
    kind: Literal["png", "svg"]
    data: bytes
    width: int | None
    height: int | None


# checking supplied images -------------------------------------------------------------------
def check_supplied(data: bytes, max_bytes: int = MAX_BYTES) -> SuppliedImage:
    """A supplied badge image, checked: a real PNG within size limits, or a self-contained SVG."""
    if len(data) > max_bytes:
        raise ImageRejected(f"the image is larger than {max_bytes // 1024} KiB")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _check_png(data)
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")):
        return _check_svg(data)
    raise ImageRejected("the image is neither a PNG nor an SVG")


def _check_png(data: bytes) -> SuppliedImage:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ImageRejected("the image is not a PNG")
            width, height = image.size
            if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
                raise ImageRejected(
                    f"the image is {width}×{height}; each side must be {MIN_SIDE}-{MAX_SIDE} px"
                )
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except ImageRejected:
        raise
    except Exception as error:
        raise ImageRejected(f"the PNG cannot be read ({type(error).__name__})") from None
    return SuppliedImage("png", data, width, height)


_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video"}
_LOCAL_URL = re.compile(r"url\(\s*['\"]?#", re.IGNORECASE)
_ANY_URL = re.compile(r"url\(|@import|expression\(|javascript:", re.IGNORECASE)
_INLINE_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)
_LENGTH = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*")


def _check_svg(data: bytes) -> SuppliedImage:
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise ImageRejected("the SVG declares a DTD or entities")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise ImageRejected("the SVG is not well-formed XML") from None
    if root.tag != f"{_SVG}svg":
        raise ImageRejected("the file is XML but not an SVG")
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if name in _FORBIDDEN_ELEMENTS:
            raise ImageRejected(f"the SVG contains <{name}>, which a badge may not")
        if name == "style" and _has_external_url(element.text or ""):
            raise ImageRejected("the SVG's style refers to something outside it")
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                raise ImageRejected(f"the SVG has an event handler ({local})")
            if attribute in {"href", _XLINK_HREF}:
                reference = value.strip()
                if not (reference.startswith("#") or _INLINE_IMAGE.match(reference)):
                    raise ImageRejected("the SVG refers to something outside it")
            elif _has_external_url(value):
                raise ImageRejected("the SVG refers to something outside it")
    return SuppliedImage(
        "svg", data, _svg_length(root.get("width")), _svg_length(root.get("height"))
    )


def _has_external_url(text: str) -> bool:
    return bool(_ANY_URL.search(_LOCAL_URL.sub("", text)))


def _svg_length(value: str | None) -> int | None:
    match = _LENGTH.fullmatch(value or "")
    return round(float(match.group(1))) if match else None


# drawing a badge ----------------------------------------------------------------------------
def colour_for(name: str) -> tuple[int, int, int]:
    """A steady, fairly dark colour for a badge name, so white text reads well on it."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65535
    red, green, blue = colorsys.hsv_to_rgb(hue, 0.62, 0.58)
    return round(red * 255), round(green * 255), round(blue * 255)


def _parse_colour(colour: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"#?([0-9a-fA-F]{6})", colour.strip())
    if not match:
        raise ValueError("a colour is #RRGGBB")
    value = int(match.group(1), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


@cache
def _font_path() -> str | None:
    for candidate in FONT_CANDIDATES:
        try:
            ImageFont.truetype(candidate, 12)
        except OSError:
            continue
        return candidate
    return None


@cache
def _font(size: int) -> Font:
    path = _font_path()
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _glyph(font: Font, text: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(text)
    return mask.size, bytes(mask)


@cache
def _covered(font: Font, char: str) -> bool:
    return char.isspace() or _glyph(font, char) != _glyph(font, _MISSING)


def covers(text: str, size: int = 40) -> bool:
    """Whether the font badges are drawn with has a glyph for every letter of `text`."""
    font = _font(size)
    return all(_covered(font, char) for char in text)


class _Painter:
    """Sets text in one font, adding the diacritics the font lacks by hand."""

    def __init__(self, font: Font, size: int) -> None:
        self.font, self.size = font, size

    def _runs(self, text: str) -> list[tuple[str, bool]]:
        runs: list[tuple[str, bool]] = []
        for char in text:
            ok = _covered(self.font, char)
            if runs and runs[-1][1] and ok:
                runs[-1] = (runs[-1][0] + char, True)
            else:
                runs.append((char, ok))
        return runs

    def _stand_in(self, char: str) -> tuple[str, str]:
        """(base letter, mark) for a letter the font lacks: č → (c, caron), đ → (d, stroke)."""
        if char in _STROKED:
            return _STROKED[char], "stroke"
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        if not _covered(self.font, base):
            return "?", ""
        mark = {_CARON: "caron", _ACUTE: "acute"}.get(decomposed[1:2], "")
        return base, mark

    def length(self, text: str) -> float:
        total = 0.0
        for run, ok in self._runs(text):
            total += self.font.getlength(run if ok else self._stand_in(run)[0])
        return total

    def draw(self, canvas: ImageDraw.ImageDraw, x: float, y: float, text: str, fill: str) -> None:
        for run, ok in self._runs(text):
            if ok:
                canvas.text((x, y), run, font=self.font, fill=fill, anchor="ls")
                x += self.font.getlength(run)
                continue
            base, mark = self._stand_in(run)
            canvas.text((x, y), base, font=self.font, fill=fill, anchor="ls")
            left, top, right, _bottom = self.font.getbbox(base, anchor="ls")
            width = self.font.getlength(base)
            self._mark(canvas, mark, x, y, left, top, right, width, fill)
            x += width

    def _mark(
        self,
        canvas: ImageDraw.ImageDraw,
        mark: str,
        x: float,
        y: float,
        left: float,
        top: float,
        right: float,
        width: float,
        fill: str,
    ) -> None:
        line = max(2, round(self.size / 12))
        middle = x + (left + right) / 2
        span = max(width * 0.28, self.size * 0.12)
        gap, height = self.size * 0.08, self.size * 0.16
        peak = y + top - gap
        if mark == "caron":
            points = [
                (middle - span, peak - height),
                (middle, peak),
                (middle + span, peak - height),
            ]
            canvas.line(points, fill=fill, width=line, joint="curve")
        elif mark == "acute":
            canvas.line(
                [(middle - span * 0.3, peak), (middle + span * 0.6, peak - height)],
                fill=fill,
                width=line,
            )
        elif mark == "stroke":
            bar = y + top + (0 - top) * 0.35
            canvas.line(
                [(x + left + width * 0.25, bar), (x + right + width * 0.08, bar)],
                fill=fill,
                width=line,
            )


def _wrap(painter: _Painter, text: str, width: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and painter.length(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _fit(
    text: str, width: float, max_lines: int, largest: int, smallest: int
) -> tuple[_Painter, list[str]]:
    for size in range(largest, smallest - 1, -2):
        painter = _Painter(_font(size), size)
        lines = _wrap(painter, text, width)
        if len(lines) <= max_lines and all(painter.length(line) <= width for line in lines):
            return painter, lines
    painter = _Painter(_font(smallest), smallest)
    lines = _wrap(painter, text, width)[:max_lines]
    return painter, lines


def generate(name: str, organisation: str, colour: str | None = None, size: int = SIZE) -> bytes:
    """A badge PNG: `name` large in a coloured disc, `organisation` smaller beneath it."""
    scale = _SUPERSAMPLE * size / SIZE
    side = round(SIZE * scale)
    fill = _parse_colour(colour) if colour else colour_for(name)
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(image)

    def s(value: float) -> float:
        return value * scale

    canvas.ellipse((s(8), s(8), s(504), s(504)), fill=(*fill, 255))
    canvas.ellipse((s(30), s(30), s(482), s(482)), outline="white", width=round(s(6)))

    title, title_lines = _fit(name.strip() or "?", s(330), 4, round(s(58)), round(s(24)))
    org, org_lines = _fit(organisation.strip(), s(290), 2, round(s(26)), round(s(16)))
    title_step = title.size * 1.28
    org_step = org.size * 1.3
    block = title_step * len(title_lines)
    top = s(236) - block / 2
    for number, line in enumerate(title_lines):
        baseline = top + title_step * (number + 0.78)
        title.draw(canvas, (side - title.length(line)) / 2, baseline, line, "white")
    rule_y = top + block + s(14)
    canvas.line((s(196), rule_y, s(316), rule_y), fill="white", width=round(s(3)))
    for number, line in enumerate(org_lines):
        baseline = rule_y + s(12) + org_step * (number + 0.8)
        org.draw(canvas, (side - org.length(line)) / 2, baseline, line, "white")

    image = image.resize((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


# QR codes -----------------------------------------------------------------------------------
def qr_png(url: str, scale: int = 8) -> bytes:
    """A QR code of a link (e.g. a claim deep link) as a black-on-white PNG."""
    code = segno.make_qr(url, error="m")
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4, dark="black", light="white")
    return out.getvalue()
