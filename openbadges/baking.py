"""Baking a badge into a PNG and reading it back (the Open Badges baking specifications).

A baked PNG carries one uncompressed `iTXt` chunk before IEND: keyword `openbadges` with the
OB 2.0 assertion (its JSON, or its URL), or keyword `openbadgecredential` with the OB 3.0
VC-JWT. The chunk stream is read strictly: the signature, every chunk's length and CRC, IHDR
first and IEND last; a PNG with two badge chunks is refused rather than guessed at.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"
KEYWORDS = (OB2_KEYWORD, OB3_KEYWORD)
_MAX_CHUNK = 2**31 - 1


class BakingError(ValueError):
    """Not a PNG, a damaged one, or one whose badge cannot be read unambiguously."""


class NotAPng(BakingError):
    pass


class DuplicateBadge(BakingError):
    pass


@dataclass(frozen=True)
class Chunk:
    kind: bytes
    start: int  # offset of the chunk's length field in the file
    end: int  # offset just past its CRC
    data: bytes


@dataclass(frozen=True)
class BakedBadge:
    keyword: str
    text: str


def chunks(png: bytes) -> list[Chunk]:
    """The PNG's chunks, every CRC checked; raises BakingError for anything malformed."""
    if not png.startswith(PNG_SIGNATURE):
        raise NotAPng("not a PNG image")
    found: list[Chunk] = []
    at = len(PNG_SIGNATURE)
    while True:
        if at + 12 > len(png):
            raise BakingError("the PNG ends in the middle of a chunk (no IEND)")
        length = int.from_bytes(png[at : at + 4], "big")
        kind = png[at + 4 : at + 8]
        if length > _MAX_CHUNK or not kind.isalpha():
            raise BakingError("the PNG has a malformed chunk header")
        end = at + 12 + length
        if end > len(png):
            raise BakingError("the PNG ends in the middle of a chunk")
        data = png[at + 8 : at + 8 + length]
        crc = int.from_bytes(png[end - 4 : end], "big")
        if zlib.crc32(data, zlib.crc32(kind)) != crc:
            raise BakingError(f"the PNG's {kind.decode('ascii')} chunk fails its CRC check")
        found.append(Chunk(kind, at, end, data))
        at = end
        if kind == b"IEND":
            break
    if found[0].kind != b"IHDR":
        raise BakingError("the PNG does not start with IHDR")
    if at != len(png):
        raise BakingError("the PNG has data after IEND")
    return found


def itxt_chunk(keyword: str, text: str) -> bytes:
    """An uncompressed iTXt chunk (flag 0, method 0, no language tag or translated keyword)."""
    name = keyword.encode("latin-1")
    if not 1 <= len(name) <= 79:
        raise ValueError("a PNG keyword is 1-79 Latin-1 characters")
    data = name + b"\x00" + b"\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    kind = b"iTXt"
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


def _badge_text(chunk: Chunk) -> BakedBadge | None:
    """The badge in a text chunk, None when it is some other text; raises for a bad badge chunk."""
    if chunk.kind == b"iTXt":
        keyword, _, rest = chunk.data.partition(b"\x00")
        if keyword.decode("latin-1") not in KEYWORDS:
            return None
        if len(rest) < 2:
            raise BakingError("the badge chunk is truncated")
        flag, method, rest = rest[0], rest[1], rest[2:]
        if flag != 0 or method != 0:
            raise BakingError("the badge chunk is compressed, which baking forbids")
        _language, _, rest = rest.partition(b"\x00")
        _translated, sep, text = rest.partition(b"\x00")
        if not sep:
            raise BakingError("the badge chunk is truncated")
    elif chunk.kind == b"tEXt":  # Open Badges 1.x baked into tEXt
        keyword, sep, text = chunk.data.partition(b"\x00")
        if keyword.decode("latin-1") != OB2_KEYWORD or not sep:
            return None
    elif chunk.kind == b"zTXt":
        keyword, _, _ = chunk.data.partition(b"\x00")
        if keyword.decode("latin-1") in KEYWORDS:
            raise BakingError("the badge chunk is compressed, which baking forbids")
        return None
    else:
        return None
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        raise BakingError("the badge chunk is not UTF-8 text") from None
    return BakedBadge(keyword.decode("latin-1"), decoded)


def _is_badge_chunk(chunk: Chunk) -> bool:
    if chunk.kind not in {b"iTXt", b"tEXt", b"zTXt"}:
        return False
    return chunk.data.partition(b"\x00")[0].decode("latin-1") in KEYWORDS


@dataclass(frozen=True)
class BakingBase:
    """A PNG read once for baking many badges into: everything before its IEND (any badge
    chunk left out) and the IEND chunk itself."""

    head: bytes
    tail: bytes


def prepare(png: bytes) -> BakingBase:
    """Read (and check) a PNG once; `bake_into` then bakes into it without reading it again."""
    found = chunks(png)
    parts = [PNG_SIGNATURE]
    for chunk in found[:-1]:
        if not _is_badge_chunk(chunk):
            parts.append(png[chunk.start : chunk.end])
    iend = found[-1]
    return BakingBase(b"".join(parts), png[iend.start : iend.end])


def bake_into(base: BakingBase, keyword: str, text: str) -> bytes:
    """The prepared PNG with `text` baked under `keyword`."""
    if keyword not in KEYWORDS:
        raise ValueError(f"the baking keyword is one of {', '.join(KEYWORDS)}")
    return b"".join((base.head, itxt_chunk(keyword, text), base.tail))


def bake(png: bytes, keyword: str, text: str) -> bytes:
    """The PNG with `text` baked under `keyword`; any badge already in it is replaced."""
    if keyword not in KEYWORDS:
        raise ValueError(f"the baking keyword is one of {', '.join(KEYWORDS)}")
    return bake_into(prepare(png), keyword, text)


def unbake(png: bytes) -> BakedBadge | None:
    """The badge baked into a PNG, or None when there is none.

    Raises NotAPng, DuplicateBadge (more than one badge chunk), or BakingError.
    """
    badges = [badge for chunk in chunks(png) if (badge := _badge_text(chunk)) is not None]
    if len(badges) > 1:
        raise DuplicateBadge("the PNG carries more than one badge chunk")
    return badges[0] if badges else None
