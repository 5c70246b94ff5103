"""`python -m bot announce …`: an organisation's announcement from the server's command line
(queued here, delivered by the running bot's outbox), and the counts of announcements."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from access.policy import Actor, Refused
from bot.follow_cards import topic_names
from bot.services import Services
from organisations.announcing import (
    AUDIENCE_KINDS,
    FOLLOWERS,
    LANGUAGES,
    AnnouncementView,
    Audience,
    Content,
    Invalid,
)

STATUS = "status"


def add_announce_command(commands: argparse._SubParsersAction) -> None:
    announce = commands.add_parser(
        "announce",
        help="send an organisation's announcement to its followers, or show the counts",
        description="announce SLUG --text-file FILE [--audience …] [--yes] | announce status [ID]",
    )
    announce.add_argument("slug", help="the organisation's slug, or 'status'")
    announce.add_argument("id", nargs="?", type=int, help="with status: the announcement's id")
    announce.add_argument("--text-file", type=Path, help="the message, a UTF-8 text file")
    announce.add_argument(
        "--language", choices=LANGUAGES, default=LANGUAGES[0], help="the message's language"
    )
    announce.add_argument(
        "--audience", default=FOLLOWERS, help="followers (default), topic:T or district:D"
    )
    announce.add_argument("--yes", action="store_true", help="send without asking")


def announce_command(
    services: Services, args: argparse.Namespace, confirm: Callable[[str], bool]
) -> int:
    """Queue an announcement (after a yes), or print counts; 0 when done, 2 for bad input (no
    text file, an unknown organisation, audience or announcement, a text too long or not UTF-8),
    1 when refused or not confirmed."""
    service = services.announcements
    actor = Actor.command_line()
    try:
        if args.slug == STATUS:
            ids = [args.id] if args.id is not None else service.latest_ids()
            for announcement_id in ids:
                try:
                    view = service.status(actor, announcement_id)
                except Invalid:
                    print(f"announce: no announcement #{announcement_id}", file=sys.stderr)
                    return 2
                print(status_line(view))
            if not ids:
                print("no announcements yet")
            return 0
        if args.text_file is None:
            print("announce: give the message with --text-file FILE", file=sys.stderr)
            return 2
        if not args.text_file.is_file():
            print(f"announce: no such text file: {args.text_file}", file=sys.stderr)
            return 2
        text = args.text_file.read_text(encoding="utf-8")
        organisation = service.organisation_of(actor, args.slug)
        audience = audience_named(services, args.audience)
        if audience is None:
            print(f"announce: no topic or district named {args.audience}", file=sys.stderr)
            return 2
        reach = service.reach(actor, organisation, audience)
        question = f"send it to {people(reach)} ({audience} of {args.slug})?"
        if not args.yes and not confirm(question):
            print("announce: nothing was sent", file=sys.stderr)
            return 1
        content = Content({args.language: text})
        draft = service.compose(actor, organisation, content, audience)
        sent = service.send(actor, draft.id)
    except (Invalid, Refused) as problem:
        print(f"announce: {describe(problem)}", file=sys.stderr)
        return 1 if isinstance(problem, Refused) else 2
    except UnicodeDecodeError:
        print("announce: the text file is not UTF-8", file=sys.stderr)
        return 2
    print(
        f"announcement #{sent.id} queued for {people(sent.recipients)}; the running bot delivers "
        f"it (python -m bot announce status {sent.id})"
    )
    return 0


def audience_named(services: Services, typed: str) -> str | None:
    """The audience as the command line gives it, a topic or a district found as the chat finds
    a typed one (any case, any accents, a topic also by its name: "district:siska" is Šiška's
    followers); None for a topic or district the city does not know. Anything else is left as
    typed, for the use case to refuse."""
    kind, sep, _key = typed.partition(":")
    if not sep or kind.strip().casefold() not in AUDIENCE_KINDS:
        return typed
    found = services.follows.named(typed, [topic_names(code) for code in LANGUAGES])
    return Audience(found.kind, found.stored).name if found is not None else None


def people(n: int) -> str:
    return f"{n} person" if n == 1 else f"{n} people"


def describe(problem: Exception) -> str:
    if isinstance(problem, Refused):
        return "not allowed"
    if isinstance(problem, Invalid):
        details = ", ".join(f"{k} {v}" for k, v in problem.params.items())
        return problem.code.replace("_", " ") + (f" ({details})" if details else "")
    return str(problem)


def status_line(view: AnnouncementView) -> str:
    counts = view.counts
    recipients = "recipient" if view.recipients == 1 else "recipients"
    return (
        f"#{view.id} {view.organisation_name} · {view.audience} · {view.status} · "
        f"{view.recipients} {recipients}: sent {counts.sent}, failed {counts.failed}, blocked "
        f"{counts.blocked}, unconfirmed {counts.unconfirmed}, pending {counts.pending}, "
        f"cancelled {counts.cancelled}"
    )
