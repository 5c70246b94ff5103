"""A small world for the staff stories: a database (SQLite or PostgreSQL), two organisations of
Ljubljana made by the command line, a platform administrator, a clock the stories move, and the
staff use cases over them, as the bot builds them but without the catalogue."""

from __future__ import annotations

from access.policy import Actor, Policy
from bot.services import StaffMessages
from organisations.context import OrganisationContext
from organisations.staff import StaffService
from store.db import Database

from .badges_world import BOT, MovableClock

CITY = "ljubljana"
PLATFORM_ADMIN = 777  # ADMIN_IDS
ANA, BORIS, CVETKA, DAVID = 5001, 5002, 5003, 5004  # Telegram ids of people the stories invite
COMMAND_LINE = Actor.command_line()
SECRET = b"s" * 32
LIBRARY, YOUTH = "knjiznica-bezigrad", "mc-siska"


def staff_service(
    database: Database, clock: MovableClock, bot_username: str | None = BOT
) -> StaffService:
    context = OrganisationContext(
        database, clock, Policy(frozenset({PLATFORM_ADMIN})), CITY, SECRET, bot_username
    )
    return StaffService(context, StaffMessages())


def with_organisations(service: StaffService) -> StaffService:
    service.create_organisation(
        COMMAND_LINE, LIBRARY, "Knjižnica Bežigrad", url="https://kb.example", email="i@kb.example"
    )
    service.create_organisation(COMMAND_LINE, YOUTH, "Mladinski center Šiška")
    return service


def code_in(link: str) -> str:
    prefix = f"https://t.me/{BOT}?start=join-"
    assert link.startswith(prefix), link
    return link[len(prefix) :]


def joined(service: StaffService, slug: str, telegram_id: int, role: str = "editor") -> None:
    """`telegram_id` on `slug`'s staff as `role`, invited by the command line."""
    outcome = service.accept(telegram_id, service.invite(COMMAND_LINE, slug, role).code)
    assert outcome.status in ("joined", "role_changed"), outcome
