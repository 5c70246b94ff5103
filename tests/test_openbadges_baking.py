"""Baking a badge into its image and reading it back, byte for byte as the baking specs say, and
refusing images that are damaged or ambiguous."""

from __future__ import annotations

import io
import json
import struct
import zlib

import pytest
from PIL import Image

from openbadges import baking, images

ASSERTION = json.dumps({"id": "https://badges.colbot.example/ob/assertions/a-1", "šola": "č"})


@pytest.fixture(scope="module")
def png() -> bytes:
    return images.generate("Robotski krožek", "Četrtni mladinski center Šiška")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_baked_png_has_one_uncompressed_itxt_chunk_before_iend(png):
    baked = baking.bake(png, "openbadges", ASSERTION)

    text = ASSERTION.encode("utf-8")
    expected = _chunk(b"iTXt", b"openbadges\x00" + b"\x00" + b"\x00" + b"\x00" + b"\x00" + text)
    iend = _chunk(b"IEND", b"")
    assert baked.endswith(expected + iend)
    assert baked == png[: -len(iend)] + expected + iend
    assert baked.count(b"iTXt") == 1
    kinds = [chunk.kind for chunk in baking.chunks(baked)]
    assert kinds[0] == b"IHDR" and kinds[-2:] == [b"iTXt", b"IEND"]
    with Image.open(io.BytesIO(baked)) as image:  # still an ordinary image
        image.load()
        assert image.size == (512, 512)


def test_what_is_baked_comes_back_out_with_its_keyword(png):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"

    assert baking.unbake(baking.bake(png, "openbadges", ASSERTION)) == baking.BakedBadge(
        "openbadges", ASSERTION
    )
    assert baking.unbake(baking.bake(png, "openbadgecredential", jwt)) == baking.BakedBadge(
        "openbadgecredential", jwt
    )


def test_baking_again_replaces_the_badge_instead_of_adding_a_second(png):
    once = baking.bake(png, "openbadges", ASSERTION)
    twice = baking.bake(once, "openbadgecredential", "a.b.c")

    assert baking.unbake(twice) == baking.BakedBadge("openbadgecredential", "a.b.c")
    assert len(twice) == len(png) + len(
        _chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00a.b.c")
    )


def test_a_plain_png_has_no_badge_in_it(png):
    assert baking.unbake(png) is None


def test_a_png_with_two_badge_chunks_is_refused(png):
    baked = baking.bake(png, "openbadges", ASSERTION)
    iend = _chunk(b"IEND", b"")
    second = _chunk(b"iTXt", b"openbadges\x00\x00\x00\x00\x00" + b'{"id": "other"}')
    doubled = baked[: -len(iend)] + second + iend

    with pytest.raises(baking.DuplicateBadge):
        baking.unbake(doubled)


def test_damaged_or_foreign_files_are_refused(png):
    baked = baking.bake(png, "openbadges", ASSERTION)
    at = baked.index(b"openbadges") + 15
    flipped = baked[:at] + bytes([baked[at] ^ 1]) + baked[at + 1 :]

    with pytest.raises(baking.NotAPng):
        baking.unbake(b"GIF89a" + png[6:])
    with pytest.raises(baking.BakingError, match="CRC"):
        baking.unbake(flipped)
    with pytest.raises(baking.BakingError, match=r"no IEND|middle"):
        baking.unbake(png[:-12])
    with pytest.raises(baking.BakingError, match="after IEND"):
        baking.unbake(png + b"extra")


def test_a_compressed_badge_chunk_is_refused(png):
    iend = _chunk(b"IEND", b"")
    compressed = _chunk(
        b"iTXt", b"openbadges\x00\x01\x00\x00\x00" + zlib.compress(ASSERTION.encode())
    )

    with pytest.raises(baking.BakingError, match="compressed"):
        baking.unbake(png[: -len(iend)] + compressed + iend)


def test_other_text_chunks_are_left_alone(png):
    iend = _chunk(b"IEND", b"")
    with_comment = png[: -len(iend)] + _chunk(b"tEXt", b"Comment\x00made in Siska") + iend

    baked = baking.bake(with_comment, "openbadges", ASSERTION)

    assert b"made in Siska" in baked
    assert baking.unbake(baked).text == ASSERTION
