"""`python -m bot announce …`: an organisation's announcement from the server's command line
(queued here, delivered by the running bot's outbox), and the counts of announcements."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from access.policy import Actor, Refused
from bot.services import Services
from organisations.announcing import FOLLOWERS, LANGUAGES, AnnouncementView, Content, Invalid

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
        reach = service.reach(actor, organisation, args.audience)
        question = f"send it to {reach} people ({args.audience} of {args.slug})?"
        if not args.yes and not confirm(question):
            print("announce: nothing was sent", file=sys.stderr)
            return 1
        content = Content({args.language: text})
        draft = service.compose(actor, organisation, content, args.audience)
        sent = service.send(actor, draft.id)
    except (Invalid, Refused) as problem:
        print(f"announce: {describe(problem)}", file=sys.stderr)
        return 1 if isinstance(problem, Refused) else 2
    except UnicodeDecodeError:
        print("announce: the text file is not UTF-8", file=sys.stderr)
        return 2
    print(
        f"announcement #{sent.id} queued for {sent.recipients} people; the running bot delivers "
        f"it (python -m bot announce status {sent.id})"
    )
    return 0


def describe(problem: Exception) -> str:
    if isinstance(problem, Refused):
        return "not allowed"
    if isinstance(problem, Invalid):
        details = ", ".join(f"{k} {v}" for k, v in problem.params.items())
        return problem.code.replace("_", " ") + (f" ({details})" if details else "")
    return str(problem)


def status_line(view: AnnouncementView) -> str:
    counts = view.counts
    return (
        f"#{view.id} {view.organisation_name} · {view.audience} · {view.status} · "
        f"{view.recipients} recipients: sent {counts.sent}, failed {counts.failed}, blocked "
        f"{counts.blocked}, unconfirmed {counts.unconfirmed}, pending {counts.pending}, "
        f"cancelled {counts.cancelled}"
    )
