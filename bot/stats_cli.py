"""`python -m bot stats SLUG [--days N | --since DATE --until DATE] [--json]`: an organisation's
numbers on the command line, as its staff read them with /stats (counts only)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import date
from typing import Any

from access.policy import Actor
from bot.services import Services
from bot.stats_text import summary
from organisations.stats import BadPeriod, Period, UnknownOrganisation


def add_parser(commands: Any) -> None:
    """The `stats` subcommand, on the command line's subparsers."""
    stats = commands.add_parser("stats", help="an organisation's numbers (counts only)")
    stats.add_argument("slug", metavar="SLUG", help="the organisation, by its slug")
    stats.add_argument("--days", type=int, default=None, help="the last N days (default 7)")
    stats.add_argument("--since", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    stats.add_argument("--until", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    stats.add_argument("--json", action="store_true", help="the numbers as JSON")


def period_of(args: argparse.Namespace, today: date) -> Period:
    if args.since is not None or args.until is not None:
        if args.days is not None:
            raise BadPeriod("give --days or --since/--until, not both")
        return Period.between(args.since or today, args.until or today)
    return Period.last_days(args.days if args.days is not None else 7, today)


def stats_command(services: Services, args: argparse.Namespace) -> int:
    stats = services.stats
    try:
        period = period_of(args, stats.today())
        organisation_id = stats.organisation_id(args.slug)
    except BadPeriod as error:
        print(f"stats: {error}", file=sys.stderr)
        return 2
    except UnknownOrganisation:
        print(f"stats: no organisation '{args.slug}'", file=sys.stderr)
        return 1
    report = stats.report(Actor.command_line(), organisation_id, period)
    if args.json:
        print(json.dumps(asdict(report), default=str, ensure_ascii=False, indent=2))
    else:
        print(summary(report, "en"))
    return 0
