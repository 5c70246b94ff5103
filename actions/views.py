"""OpportunityView from a database Opportunity."""

from __future__ import annotations

from actions.messages import OpportunityView
from store.models import Opportunity


def _pair(opportunity: Opportunity, field: str) -> dict[str, str]:
    return {
        lang: value
        for lang in ("sl", "en")
        if (value := getattr(opportunity, f"{field}_{lang}", None))
    }


def view_of(
    opportunity: Opportunity, distance_km: float | None = None, full: bool = False
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
        starts_at=opportunity.starts_at.isoformat() if opportunity.starts_at else None,
        ends_at=opportunity.ends_at.isoformat() if opportunity.ends_at else None,
        schedule=_pair(opportunity, "schedule"),
        price_eur=float(opportunity.price_eur) if opportunity.price_eur is not None else None,
        languages=list(opportunity.languages),
        url=opportunity.url,
        description=_pair(opportunity, "description") if full else {},
        badge=_pair(opportunity, "badge_name") if full else {},
        distance_km=distance_km,
    )
