"""An organisation's numbers, as its staff see them with /stats: over a chosen period, how often
its items were shown in results, opened, saved, their badges claimed and awarded, how many
follow it now and how many its announcements reached. Counts only: nothing in a report names
or points to a person, however small the numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from access import audit
from access.policy import Actor, Capability
from organisations.context import OrganisationContext
from store import follows, usage
from store.models import Opportunity, Organisation

TOP_ITEMS = 5  # the items a report lists, most shown first
LONGEST = timedelta(days=3 * 366)  # the longest period a report covers
PRESETS = ("7d", "30d", "year")  # the periods the chat offers as buttons
ITEM_METRICS = (usage.SHOWN, usage.VIEWED, usage.SAVED, usage.CLAIMED, usage.AWARDED)


class BadPeriod(ValueError):
    """A period that cannot be reported on (its end before its start, far too long, unknown)."""


@dataclass(frozen=True)
class Period:
    """The days a report covers, both included, in the city's calendar."""

    since: date
    until: date
    preset: str | None = None  # "7d", "30d", "year"; None: dates given

    @classmethod
    def last_days(cls, days: int, today: date) -> Period:
        if not 1 <= days <= LONGEST.days:
            raise BadPeriod(f"a period of 1 to {LONGEST.days} days")
        preset = f"{days}d" if f"{days}d" in PRESETS else None
        return cls(today - timedelta(days=days - 1), today, preset)

    @classmethod
    def this_year(cls, today: date) -> Period:
        return cls(date(today.year, 1, 1), today, "year")

    @classmethod
    def between(cls, since: date, until: date) -> Period:
        if until < since:
            raise BadPeriod("the period ends before it starts")
        if until - since > LONGEST:
            raise BadPeriod(f"a period of at most {LONGEST.days} days")
        return cls(since, until)

    @classmethod
    def named(cls, preset: str, today: date) -> Period:
        """One of PRESETS."""
        if preset == "year":
            return cls.this_year(today)
        if preset in PRESETS:
            return cls.last_days(int(preset.removesuffix("d")), today)
        raise BadPeriod(f"a period is one of {', '.join(PRESETS)}")

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


@dataclass(frozen=True)
class ItemNumbers:
    """One of the organisation's items and its counts (metric → count)."""

    opportunity_id: int
    title: dict[str, str]  # by language
    counts: dict[str, int]


@dataclass(frozen=True)
class StatsReport:
    """What a report says: the organisation's totals by metric, its items most shown first, its
    followers now. Nothing else: no person, no search text."""

    organisation_id: int
    slug: str
    name: str
    period: Period
    totals: dict[str, int]  # every metric of store.usage.METRICS, 0 when nothing happened
    followers: int  # now, not over the period
    items: list[ItemNumbers] = field(default_factory=list)  # at most TOP_ITEMS
    more_items: int = 0  # items with numbers that are not listed


class UnknownOrganisation(LookupError):
    pass


class StatsService:
    """The organisations' numbers, for whoever the policy lets see them (Capability.STATS)."""

    def __init__(self, ctx: OrganisationContext) -> None:
        self.ctx = ctx

    def today(self) -> date:
        return self.ctx.clock().date()  # the clock tells the city's time

    def organisation_id(self, slug: str) -> int:
        """An organisation of any city by its slug (the command line names it so)."""
        with self.ctx.database.session() as session:
            found = session.scalar(select(Organisation.id).where(Organisation.slug == slug))
        if found is None:
            raise UnknownOrganisation(slug)
        return found

    def report(self, actor: Actor, organisation_id: int, period: Period) -> StatsReport:
        """The organisation's numbers over `period`; `Refused` unless the actor may see them.
        Seeing them is written to the audit log."""
        with self.ctx.database.session() as session:
            self.ctx.policy.check(session, actor, Capability.STATS, organisation_id)
            organisation = session.get(Organisation, organisation_id)
            if organisation is None:
                raise UnknownOrganisation(str(organisation_id))
            counted = usage.totals(session, organisation_id, period.since, period.until)
            totals = dict.fromkeys(usage.METRICS, 0)
            by_item: dict[int, dict[str, int]] = {}
            for (metric, item), n in counted.items():
                totals[metric] = totals.get(metric, 0) + n
                if item and metric in ITEM_METRICS:
                    by_item.setdefault(item, dict.fromkeys(ITEM_METRICS, 0))[metric] = n
            ranked = sorted(
                by_item.items(),
                key=lambda pair: (-pair[1][usage.SHOWN], -sum(pair[1].values()), pair[0]),
            )
            top = ranked[:TOP_ITEMS]
            titles = {
                row.id: {
                    "sl": row.title_sl or row.title_en or "",
                    "en": row.title_en or row.title_sl or "",
                }
                for row in session.execute(
                    select(Opportunity.id, Opportunity.title_sl, Opportunity.title_en).where(
                        Opportunity.id.in_([item for item, _counts in top])
                    )
                )
            }
            followers = follows.follower_count(
                session, "organisation", organisation.slug, organisation.city
            )
            audit.record(
                session,
                actor,
                "stats.view",
                at=self.ctx.clock(),
                organisation_id=organisation_id,
                details={"since": period.since.isoformat(), "until": period.until.isoformat()},
            )
            return StatsReport(
                organisation.id,
                organisation.slug,
                organisation.name,
                period,
                totals,
                followers,
                [
                    ItemNumbers(item, titles.get(item, {"sl": "", "en": ""}), counts)
                    for item, counts in top
                ],
                max(0, len(ranked) - TOP_ITEMS),
            )
