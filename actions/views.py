"""OpportunityView from a database Opportunity and WalletItem from a learner's badge, their times
told in the city's zone (so every front shows them as the city's clocks do)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from actions.messages import OpportunityView, WalletItem
from badges.wallet import WalletBadge
from store.models import Opportunity

MAIN_TOPICS = 2  # topics a details card offers to follow


def _pair(opportunity: Opportunity, field: str) -> dict[str, str]:
    return {
        lang: value
        for lang in ("sl", "en")
        if (value := getattr(opportunity, f"{field}_{lang}", None))
    }


def local_iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """An ISO 8601 text of `moment` in the city's zone, with its offset; None stays None."""
    return moment.astimezone(zone).isoformat() if moment is not None else None


def view_of(
    opportunity: Opportunity,
    zone: ZoneInfo,
    distance_km: float | None = None,
    full: bool = False,
) -> OpportunityView:
    return OpportunityView(
        id=opportunity.id,
        key=opportunity.external_id,
        title=_pair(opportunity, "title"),
        organisation=opportunity.organisation.name if opportunity.organisation else None,
        kind=opportunity.kind,
        district=opportunity.district,
        address=opportunity.address,
        lat=opportunity.lat,
        lon=opportunity.lon,
        online=opportunity.online,
        starts_at=local_iso(opportunity.starts_at, zone),
        ends_at=local_iso(opportunity.ends_at, zone),
        schedule=_pair(opportunity, "schedule"),
        price_eur=float(opportunity.price_eur) if opportunity.price_eur is not None else None,
        languages=list(opportunity.languages),
        url=opportunity.url,
        description=_pair(opportunity, "description") if full else {},
        badge=_pair(opportunity, "badge_name") if full else {},
        distance_km=distance_km,
        topics=main_topics(opportunity.topics) if full else [],
    )


def main_topics(topics: list[str] | None) -> list[str]:
    """An opportunity's first MAIN_TOPICS topics (the catalogue names the main one first), each
    once whatever its case."""
    seen: dict[str, str] = {}
    for topic in topics or []:
        cleaned = " ".join(topic.split())
        if cleaned:
            seen.setdefault(cleaned.casefold(), cleaned)
    return list(seen.values())[:MAIN_TOPICS]


def wallet_item_of(badge: WalletBadge, zone: ZoneInfo) -> WalletItem:
    return WalletItem(
        award_id=badge.award_id,
        badge_name=dict(badge.badge_name),
        issuer_name=badge.issuer_name,
        issued_on=badge.issued_on.astimezone(zone).isoformat(),
        expires=local_iso(badge.expires, zone),
        state=badge.state,
        hidden=badge.hidden,
        shows_name=badge.shows_name,
    )
