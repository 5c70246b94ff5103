"""The catalogue's badges and organisations: an organisation's public profile as an object, a
badge's own image beside the catalogue file (PNG or SVG, checked) and colour, every fault named
by line and field, and nothing imported when one line is wrong."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from badges.artwork import check_supplied
from openbadges import baking, images
from openbadges.verify import verify
from store.catalogue_import import CatalogueError, apply_records, read_catalogue_file
from store.models import BadgeClass, Opportunity, Organisation

from .badges_world import LEARNER, PLATFORM, ROBOTICS, SLOVENIAN, FakeWeb, badge_services, person

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256">'
    b'<circle cx="128" cy="128" r="120" fill="#1f6f8b"/></svg>'
)


def write(folder, records) -> object:
    path = folder / "catalogue.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    return path


def with_badge(**badge) -> dict:
    return {**ROBOTICS, "badge": {**ROBOTICS["badge"], **badge}}


def fault_of(path) -> str:
    with pytest.raises(CatalogueError) as refused:
        read_catalogue_file(path, check_image=check_supplied)
    return str(refused.value)


@pytest.mark.parametrize(
    ("record", "says"),
    [
        (
            {**ROBOTICS, "organisation": {"url": "https://x.example"}},
            "field 'organisation.name': is missing",
        ),
        (
            {**ROBOTICS, "organisation": {**ROBOTICS["organisation"], "email": "info(at)x"}},
            "field 'organisation.email': 'info(at)x' is not an e-mail address",
        ),
        (
            {**ROBOTICS, "organisation": {**ROBOTICS["organisation"], "url": "ftp://x"}},
            "field 'organisation.url'",
        ),
        (
            {**ROBOTICS, "organisation": {**ROBOTICS["organisation"], "phone": "01"}},
            "field 'organisation.phone': unknown field",
        ),
        (with_badge(colour="blue"), "field 'badge.colour': 'blue' is not a colour"),
        (with_badge(image="/etc/passwd.png"), "field 'badge.image'"),
        (with_badge(image="../secret.png"), "field 'badge.image'"),
        (with_badge(image="https://x.example/b.png"), "field 'badge.image'"),
        (with_badge(image="badge.gif"), "must be a .png or .svg file"),
        (with_badge(image="missing.png"), "field 'badge.image': 'missing.png' cannot be read"),
    ],
)
def test_a_bad_organisation_or_badge_is_named_by_line_and_field(tmp_path, record, says):
    path = write(tmp_path, [SLOVENIAN, record])
    message = fault_of(path)
    assert message.startswith("line 2, field") and says in message


def test_a_badge_image_that_is_not_an_image_or_not_safe_is_refused(tmp_path):
    (tmp_path / "fake.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (tmp_path / "script.svg").write_bytes(
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    path = write(
        tmp_path, [with_badge(image="fake.png"), {**with_badge(image="script.svg"), "id": "x"}]
    )
    message = fault_of(path)
    assert "line 1, field 'badge.image': 'fake.png': the PNG cannot be read" in message
    assert "line 2, field 'badge.image': 'script.svg': the SVG contains <script>" in message


def test_an_organisation_with_two_profiles_is_refused(tmp_path):
    other = {**SLOVENIAN, "organisation": {**ROBOTICS["organisation"], "email": "other@x.example"}}
    message = fault_of(write(tmp_path, [ROBOTICS, other]))
    assert "line 2, field 'organisation'" in message and "another profile on line 1" in message


def test_an_svg_badge_is_published_as_is_with_a_drawn_png_for_previews_and_baking(
    tmp_path, issuing_keys
):
    services, clock = badge_services(tmp_path, issuing_keys)
    try:
        folder = tmp_path / "catalogue"
        (folder / "images").mkdir(parents=True)
        (folder / "images" / "robot.svg").write_bytes(SVG)
        path = write(folder, [with_badge(image="images/robot.svg")])
        records = read_catalogue_file(path, check_image=check_supplied)
        with services.database.session() as session:
            apply_records(session, records, "ljubljana", services.city.zone, now=clock())
        person(services, LEARNER)
        issued = services.badges.award(PLATFORM, "lj-robotika", LEARNER)
        publisher = services.badges.publisher
        badge_id = next(
            b.badge_id for b in services.badges.badge_classes() if b.opportunity_id == "lj-robotika"
        )
        image = publisher.image(badge_id, "svg")
        assert image.body == SVG and image.media_type == "image/svg+xml"
        assert "default-src 'none'" in image.headers["Content-Security-Policy"]
        # link previews render no SVG: its PNG (the one awards are baked into) is there too
        preview = publisher.image(badge_id, "png")
        assert preview.media_type == "image/png" and preview.body.startswith(b"\x89PNG")
        page = publisher.public_page(issued.award_id)
        assert page.preview_url == services.badges.urls.image(badge_id, "png")
        assert page.image_url == services.badges.urls.image(badge_id, "svg")
        baked = publisher.credential_png(issued.award_id).body
        assert baking.unbake(baked).keyword == "openbadgecredential"
        assert verify(baked, FakeWeb(services), now=clock()).valid
        assert services.catalogue.check_image is check_supplied  # the wiring reads images too
    finally:
        services.close()


def test_a_catalogue_with_profiles_images_and_colours_loads_and_loads_again_unchanged(
    tmp_path, issuing_keys
):
    services, clock = badge_services(tmp_path, issuing_keys)
    try:
        png = images.generate("Robot", "MC Šiška", "#224466")
        (tmp_path / "robot.png").write_bytes(png)
        path = write(tmp_path, [with_badge(image="robot.png"), SLOVENIAN])
        for _ in range(2):
            records = read_catalogue_file(path, check_image=check_supplied)
            with services.database.session() as session:
                report = apply_records(
                    session, records, "ljubljana", services.city.zone, now=clock()
                )
        assert report.unchanged == ["lj-robotika", "lj-a1"]
        with services.database.session() as session:
            siska = session.scalar(select(Organisation).where(Organisation.url.is_not(None)))
            assert (siska.slug, siska.email) == (
                "cetrtni-mladinski-center-siska",
                "info@mc-siska.example",
            )
            robotics = session.scalar(
                select(BadgeClass).join(Opportunity).where(Opportunity.external_id == "lj-robotika")
            )
            assert (robotics.image, robotics.image_type, robotics.colour) == (png, "png", "#1f6f8b")
            assert session.scalar(select(func.count()).select_from(BadgeClass)) == 2
        # a plain name later leaves the profile as it was
        plain = {**ROBOTICS, "organisation": ROBOTICS["organisation"]["name"]}
        with services.database.session() as session:
            apply_records(
                session,
                read_catalogue_file(write(tmp_path, [plain])),
                "ljubljana",
                services.city.zone,
                now=clock(),
            )
            assert session.scalar(
                select(Organisation.url).where(Organisation.slug.like("cetrtni%"))
            )
    finally:
        services.close()


def test_a_plain_catalogue_reads_as_unchanged_after_the_upgrade(tmp_path):
    """Records without the new fields keep the digest they had: a catalogue imported before
    badges came is not rewritten."""
    from store.records import parse_line

    record = parse_line(1, json.dumps(SLOVENIAN, ensure_ascii=False))
    assert "organisation_profile" not in record.record_hash  # a digest, not the fields
    old_fields = {
        k: v
        for k, v in record.__dict__.items()
        if not k.startswith(("organisation_profile", "badge_description", "badge_image"))
        and k != "badge_colour"
    }
    import hashlib
    from datetime import datetime
    from decimal import Decimal

    data = {k: (str(v) if isinstance(v, datetime | Decimal) else v) for k, v in old_fields.items()}
    raw = json.dumps(data, sort_keys=True, ensure_ascii=False)
    assert record.record_hash == hashlib.sha256(raw.encode()).hexdigest()
