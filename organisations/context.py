"""What every organisation use case shares: the database, the city's clock, the one policy of
who may do what, the city served, and the server's secret (invite codes are kept as its HMAC)."""

from __future__ import annotations

from dataclasses import dataclass

from access.policy import Policy
from index.when import Clock
from store.db import Database


@dataclass(frozen=True)
class OrganisationContext:
    database: Database
    clock: Clock  # tells the city's time
    policy: Policy
    city_slug: str
    secret: bytes  # the server's secret: invite codes are stored as HMAC(secret, code)
    bot_username: str | None = None  # for deep links (t.me/<bot>?start=…)
