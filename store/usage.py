"""Daily counts for organisations' statistics: how often their items were shown in results,
opened, saved, followed, claimed, awarded, and how many people an announcement reached. Counts
only: no person, no message, no search text. One upsert per organisation, day, metric and item
(`add` takes many at once, so a page of results costs one statement)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, String, bindparam, func, literal, select
from sqlalchemy.orm import Session

from store.dialects import dialect_of, per_dialect
from store.models import Opportunity, UsageCount

SHOWN = "shown"  # in a page of search results
VIEWED = "viewed"  # its details opened
SAVED = "saved"
FOLLOWED = "followed"  # the organisation got a follower (opportunity 0)
CLAIMED = "claimed"  # a badge claim link used
AWARDED = "awarded"  # a badge awarded
REACHED = "reached"  # an announcement delivered to one person (opportunity 0)
METRICS = (SHOWN, VIEWED, SAVED, FOLLOWED, CLAIMED, AWARDED, REACHED)

Key = tuple[int, str, int]  # organisation id, metric, opportunity id (0: the organisation's)


COLUMNS = ["organisation_id", "day", "metric", "opportunity_id", "count"]


def _counted(insert: Any) -> Any:
    """An insert of counts that adds to the day's count where there is one already."""
    return insert.on_conflict_do_update(
        index_elements=COLUMNS[:-1], set_={"count": UsageCount.count + insert.excluded.count}
    )


_ADD = per_dialect(lambda dialect: _counted(dialect.insert(UsageCount)))
# one for each of the opportunities `ids` that belongs to an organisation, the organisation read
# from the catalogue in the statement; rows locked in one order: no deadlock between two pages
_ADD_ITEMS = per_dialect(
    lambda dialect: _counted(
        dialect.insert(UsageCount.__table__).from_select(  # a Core insert: its parameters bind
            COLUMNS,
            select(
                Opportunity.organisation_id,
                bindparam("day", type_=Date()).label("day"),
                bindparam("metric", type_=String()).label("metric"),
                Opportunity.id,
                literal(1, Integer).label("count"),
            )
            .where(
                Opportunity.id.in_(bindparam("ids", expanding=True)),
                Opportunity.organisation_id.is_not(None),
            )
            .order_by(Opportunity.id),
        )
    )
)


def add(session: Session, day: date, counts: Iterable[Key] | Counter[Key]) -> None:
    """Add one to each key (or the Counter's numbers) on `day`, in the session's transaction."""
    counted = counts if isinstance(counts, Counter) else Counter(counts)
    if not counted:
        return
    rows = [
        {
            "organisation_id": organisation_id,
            "day": day,
            "metric": metric,
            "opportunity_id": opportunity_id,
            "count": n,
        }
        for (organisation_id, metric, opportunity_id), n in sorted(counted.items())
    ]
    session.execute(_ADD[dialect_of(session)], rows)


def add_items(session: Session, day: date, metric: str, opportunity_ids: Iterable[int]) -> None:
    """Add one to `metric` on `day` for each of these opportunities that belongs to an
    organisation (the others are nobody's to count): one statement, the organisations read
    from the catalogue in it, so a page of results costs no more than that."""
    wanted = sorted(set(opportunity_ids))
    if wanted:
        session.execute(
            _ADD_ITEMS[dialect_of(session)], {"day": day, "metric": metric, "ids": wanted}
        )


def totals(
    session: Session, organisation_id: int, since: date, until: date
) -> dict[tuple[str, int], int]:
    """The organisation's counts from `since` to `until` (both included), by metric and item."""
    rows = session.execute(
        select(UsageCount.metric, UsageCount.opportunity_id, func.sum(UsageCount.count))
        .where(
            UsageCount.organisation_id == organisation_id,
            UsageCount.day >= since,
            UsageCount.day <= until,
        )
        .group_by(UsageCount.metric, UsageCount.opportunity_id)
    )
    return {(metric, item): int(n) for metric, item, n in rows}
