"""Badge images: an organisation's own PNG or SVG is checked before it is published, a badge
without one gets a clean generated image with its Slovenian letters drawn right, and a claim
link gets a QR code."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from openbadges import images


def _png(width: int, height: int, colour: str = "navy") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def _pixels(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        return image.convert("RGBA").tobytes()


@pytest.fixture
def pillows_own_font_only(monkeypatch):
    """A system without DejaVu (e.g. a slim container): only Pillow's built-in font."""
    monkeypatch.setattr(images, "FONT_CANDIDATES", ())
    for cached in (images._font_path, images._font, images._covered):
        cached.cache_clear()
    yield
    for cached in (images._font_path, images._font, images._covered):
        cached.cache_clear()


def test_a_generated_badge_is_a_512_pixel_png():
    png = images.generate("Robotski krožek", "Četrtni mladinski center Šiška")

    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (512, 512)
        corner, centre = image.getpixel((2, 2)), image.getpixel((256, 60))
    assert corner[3] == 0  # round badge, transparent corners
    assert centre[:3] == images.colour_for("Robotski krožek")
    assert images.generate("Robotski krožek", "MC Šiška") == images.generate(
        "Robotski krožek", "MC Šiška"
    )


def test_slovenian_letters_are_drawn_not_left_as_boxes():
    assert images.covers("čšžČŠŽćđ")
    with_carons = images.generate("Učenje šaha in žongliranja", "Čajnica Šiška")
    without = images.generate("Ucenje saha in zongliranja", "Cajnica Siska")

    assert _pixels(with_carons) != _pixels(without)


def test_without_dejavu_the_carons_are_added_by_hand(pillows_own_font_only):
    assert not images.covers("č")  # Pillow's own font has no č
    with_carons = images.generate("Učenje šaha", "Čajnica", colour="#336699")
    without = images.generate("Ucenje saha", "Cajnica", colour="#336699")
    boxes = images.generate("U\U000f0000enje \U000f0000aha", "\U000f0000ajnica", colour="#336699")

    assert _pixels(with_carons) != _pixels(without)
    assert _pixels(with_carons) != _pixels(boxes)
    with Image.open(io.BytesIO(with_carons)) as image:
        assert image.size == (512, 512)


def test_a_given_colour_is_used():
    png = images.generate("Šah", "MC", colour="#1f6f3a")

    with Image.open(io.BytesIO(png)) as image:
        assert image.getpixel((256, 40))[:3] == (0x1F, 0x6F, 0x3A)
    with pytest.raises(ValueError):
        images.generate("Šah", "MC", colour="green-ish")


def test_a_supplied_png_is_accepted_within_its_limits():
    accepted = images.check_supplied(_png(400, 400))

    assert (accepted.kind, accepted.width, accepted.height) == ("png", 400, 400)
    with pytest.raises(images.ImageRejected, match="each side"):
        images.check_supplied(_png(4000, 300))
    with pytest.raises(images.ImageRejected, match="each side"):
        images.check_supplied(_png(16, 16))
    with pytest.raises(images.ImageRejected, match="larger than"):
        images.check_supplied(_png(400, 400), max_bytes=100)


def test_a_file_that_only_pretends_to_be_a_png_is_refused():
    real = _png(200, 200)

    with pytest.raises(images.ImageRejected, match="cannot be read"):
        images.check_supplied(real[:60])
    with pytest.raises(images.ImageRejected, match="neither"):
        images.check_supplied(b"GIF89a" + real[6:])
    with pytest.raises(images.ImageRejected, match="neither"):
        images.check_supplied(b"not an image at all")


CLEAN_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="256" height="256" viewBox="0 0 256 256">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fc0"/></linearGradient></defs>
  <circle cx="128" cy="128" r="120" fill="url(#g)"/>
  <use xlink:href="#g"/>
  <text x="128" y="140" text-anchor="middle">Šah</text>
</svg>""".encode()


def test_a_self_contained_svg_is_accepted():
    accepted = images.check_supplied(CLEAN_SVG)

    assert (accepted.kind, accepted.width, accepted.height) == ("svg", 256, 256)


@pytest.mark.parametrize(
    ("svg", "why"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<image x:href="https://tracker.example/p.png"/></svg>',
            "outside",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
            "outside",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);'
            b"</style></svg>",
            "outside",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/f)"/>'
            b"</svg>",
            "outside",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject>'
            b"</svg>",
            "foreignObject",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "DTD",
        ),
        (b"<html><body>not svg</body></html>", "neither"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "well-formed"),
        (b"<?xml version='1.0'?><note>hi</note>", "not an SVG"),
    ],
)
def test_an_svg_with_scripts_or_outside_references_is_refused(svg, why):
    with pytest.raises(images.ImageRejected, match=why):
        images.check_supplied(svg)


def test_a_claim_link_becomes_a_qr_code_png():
    png = images.qr_png("https://t.me/colbot_bot?start=claim_" + "A" * 32)

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width == height and width >= 200
        assert image.convert("L").getpixel((0, 0)) == 255  # the quiet zone is white
