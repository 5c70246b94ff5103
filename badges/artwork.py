"""A badge's images: the organisation's own (checked on import), or one drawn on first use and
kept; an SVG badge also gets a drawn PNG, since awards are baked into PNGs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from openbadges import images
from openbadges.model import Bilingual
from store.models import BadgeClass


def check_supplied(data: bytes) -> str:
    """A catalogue's badge image checked: "png" or "svg" (the import's image check)."""
    return images.check_supplied(data).kind


def draw(badge: BadgeClass) -> bytes:
    name = Bilingual(badge.name_sl, badge.name_en).title()
    organisation = badge.organisation.name if badge.organisation is not None else ""
    return images.generate(name, organisation, badge.colour)


def ensure_images(session: Session, badge: BadgeClass, now: datetime) -> None:
    """Draw and keep what the badge lacks: its image, or the PNG baked into its awards."""
    if badge.image is not None and (badge.image_type == "png" or badge.png is not None):
        return
    if badge.image is None:
        badge.image, badge.image_type, badge.image_generated = draw(badge), "png", True
    else:
        badge.png = draw(badge)
    badge.updated_at = now
    session.flush()


def baking_png(badge: BadgeClass) -> bytes:
    """The PNG an award of this badge is baked into (ensure_images first)."""
    png = badge.image if badge.image_type == "png" else badge.png
    if png is None:
        raise ValueError("the badge has no PNG yet (ensure_images first)")
    return png
