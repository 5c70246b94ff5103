"""What followers are told of new opportunities: the outbox's payloads of news and weekly
digests (actions.messages.FollowedNews, ids only), and their cards, looked up when they are sent
so that they show the opportunities as they are then."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from actions.messages import FollowedNews, OpportunityView, to_json
from actions.views import view_of
from store.db import Database
from store.models import Opportunity

MOST_CARDS = 10  # opportunities shown in one message; the rest are counted


class FollowNewsMessages:
    """The payloads organisations.following puts in the outbox."""

    def news(self, opportunity_ids: list[int]) -> list[dict[str, Any]]:
        return [to_json(FollowedNews(list(opportunity_ids)))]

    def digest(self, opportunity_ids: list[int]) -> list[dict[str, Any]]:
        return [to_json(FollowedNews(list(opportunity_ids), digest=True))]


def cards_of(database: Database, zone: ZoneInfo, ids: list[int]) -> list[OpportunityView]:
    """The opportunities still offered among `ids`, soonest first."""
    if not ids:
        return []
    with database.session() as session:
        found = session.scalars(
            select(Opportunity)
            .options(selectinload(Opportunity.organisation))
            .where(Opportunity.id.in_(sorted(set(ids))), Opportunity.withdrawn_at.is_(None))
        ).all()
        views = [view_of(opportunity, zone) for opportunity in found]
    return sorted(views, key=lambda v: (v.starts_at is None, v.starts_at or "", v.id))


def looked_up(database: Database, zone: ZoneInfo, message: FollowedNews) -> FollowedNews:
    """The news with its cards, as it is to be sent now (an empty one is not sent)."""
    return replace(message, cards=cards_of(database, zone, message.opportunity_ids))
