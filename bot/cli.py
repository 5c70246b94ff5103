"""The command line: run, chat, serve, migrate, import, search, the knowledge base, the
badges (DESIGN.md, "Command line") and the organisations (`admin`, bot/admin_cli.py)."""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from access.policy import Actor
from actions.catalogue_actions import result_list
from actions.services import ActionServices
from badges.claims import links_csv
from badges.problems import (
    AlreadyHolds,
    AlreadyRevoked,
    BadgeProblem,
    Fault,
    NotAllowed,
    ParticipantsError,
)
from bot import stats_cli
from bot.admin_cli import add_admin_commands, admin_command
from bot.announce_cli import add_announce_command, announce_command
from bot.i18n import gettext_for
from bot.logs import CONVERSATION_LOGGER, configure_logging
from bot.render import render, render_all
from bot.search_lines import search_lines
from bot.services import Services, build_services
from bot.settings import Settings
from bot.terminal import terminal_text
from cities import CityProfileError, load_city
from index.geo import Gazetteer, GeoPoint, parse_point
from index.sanitise import well_formed
from index.search import SearchRequest
from index.service import CatalogueService
from knowledge.entries import EntryError
from openbadges import Bilingual
from openbadges.keys import KeyRingError
from store.catalogue_import import CatalogueError, prune_plan, read_catalogue_file

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger("colbot")
conversation_log = logging.getLogger(CONVERSATION_LOGGER)
ANSWER_END = "─" * 40  # ends each answer of the terminal chat
VERIFY_BYTES = 10 * 1024 * 1024  # the largest file `badges verify` reads: a badge is far smaller


class TqdmProgress:
    def __init__(self, label: str, total: int) -> None:
        self._bar = tqdm(
            total=total, desc=label, unit="item", file=sys.stderr, disable=None, leave=False
        )

    def update(self, n: int) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="colbot, the City of Learning bot"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the bot (the default)")
    run.add_argument("--webhook", action="store_true", help="receive updates on WEBHOOK_URL")
    commands.add_parser("chat", help="chat in the terminal, one message a line")
    commands.add_parser(
        "serve",
        help="the HTTP service: the badges' documents and pages, and the Telegram webhook "
        "(PUBLIC_URL, HTTP_LISTEN; WEBHOOK_URL and WEBHOOK_SECRET with a bot token)",
    )
    served = commands.add_parser(
        "actions", help="serve the actions to a Rasa deployment (the rasa-sdk action server)"
    )
    served.add_argument("--port", type=int, default=5055)
    served.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to serve other machines")
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("train-nlu", help="train the embedded interpreter from nlu/data/nlu.yml")
    export = commands.add_parser(
        "export-nlu", help="write the training data as Rasa trains on it (nlu.yml + knowledge)"
    )
    export.add_argument("file", type=Path)

    load = commands.add_parser("import", help="load or update the catalogue from a JSON Lines file")
    load.add_argument("file", type=Path)
    load.add_argument("--prune", action="store_true", help="withdraw items missing from the file")
    load.add_argument(
        "--yes", action="store_true", help="withdraw them even if that is most of the catalogue"
    )

    kb = commands.add_parser("knowledge", help="the plain-language answers (knowledge base)")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_commands.add_parser("list", help="list the entries and who last changed them")
    kb_export = kb_commands.add_parser("export", help="write every entry as YAML into a folder")
    kb_export.add_argument("folder", type=Path)
    kb_import = kb_commands.add_parser(
        "import", help="store edited entries (YAML files), all or nothing; used at once"
    )
    kb_import.add_argument("files", type=Path, nargs="+")
    kb_ask = kb_commands.add_parser("ask", help="which entry answers a question, and how sure")
    kb_ask.add_argument("text")

    add_badge_commands(commands)
    add_admin_commands(commands)

    search = commands.add_parser("search", help="search the catalogue")
    search.add_argument("text", nargs="?", default=None)
    search.add_argument("--near", help="LAT,LON or a place name (e.g. Šiška, Maribor)")
    search.add_argument("--lang", choices=("sl", "en"), default="sl", help="language of the answer")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument(
        "--jsonl", action="store_true", help="queries as JSON Lines on standard input"
    )
    search.add_argument("--audience", action="append", default=[], help="only for this audience")
    search.add_argument("--taught-in", action="append", default=[], help="language of instruction")
    search.add_argument("--free", action="store_true", help="only free")
    search.add_argument("--online", action="store_true", help="only online")
    search.add_argument("--this-week", action="store_true", help="only happening this week")
    add_announce_command(commands)
    return parser


def add_badge_commands(commands: argparse._SubParsersAction) -> None:
    badges = commands.add_parser(
        "badges", help="Open Badges: claim links, awards, exports, revocations, keys"
    )
    badge_commands = badges.add_subparsers(dest="badge_command", required=True)
    badge_commands.add_parser("list", help="the badges: id, opportunity, name, awards")
    link = badge_commands.add_parser(
        "claim-link", help="a claim link (a deep link into the bot) for an opportunity's badge"
    )
    link.add_argument("opportunity")
    link.add_argument("--uses", type=int, default=1, help="people who may claim it (1: one person)")
    link.add_argument("--valid-days", type=int, default=None, help="valid this many days (30)")
    link.add_argument("--evidence", action="store_true", help="ask for evidence, reviewed first")
    link.add_argument("--label", default=None, help="a note: whom or what the link is for")
    link.add_argument("--qr", type=Path, default=None, help="also write its QR code (PNG)")
    award = badge_commands.add_parser(
        "award", help="award a badge to someone who has written to the bot"
    )
    award.add_argument("opportunity")
    award.add_argument(
        "--to",
        type=int,
        required=True,
        nargs="+",
        metavar="TELEGRAM_ID",
        help="one or more: many are awarded in one transaction (who holds it already is skipped)",
    )
    award.add_argument("--evidence", default=None, metavar="TEXT|URL")
    award.add_argument(
        "--expires",
        default=None,
        metavar="DATE",
        help="the award expires at the end of this day (ISO: 2027-06-30), which is in the future",
    )
    bulk = badge_commands.add_parser(
        "award-csv",
        help="a one-use claim link for each participant of a CSV list (label, email, expires)",
    )
    bulk.add_argument("opportunity")
    bulk.add_argument("file", type=Path)
    bulk.add_argument("--valid-days", type=int, default=None, help="valid this many days (30)")
    bulk.add_argument("--evidence", action="store_true", help="ask for evidence, reviewed first")
    bulk.add_argument("--out", type=Path, default=None, help="write the links here (CSV)")
    export = badge_commands.add_parser("export", help="write an award to a file")
    export.add_argument("award")
    forms = export.add_mutually_exclusive_group(required=True)
    forms.add_argument("--png", type=Path, help="the image baked with the OB 2.0 assertion")
    forms.add_argument("--json", type=Path, help="the OB 2.0 assertion")
    forms.add_argument("--ob3-jwt", type=Path, help="the OB 3.0 credential (VC-JWT)")
    forms.add_argument("--ob3-png", type=Path, help="the image baked with the OB 3.0 credential")
    expire = badge_commands.add_parser(
        "expire",
        help="change when an award expires; it is signed again and its holder sent the new files",
    )
    expire.add_argument("award")
    when = expire.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--on", metavar="DATE", help="it expires at the end of this day (ISO: 2027-06-30)"
    )
    when.add_argument("--never", action="store_true", help="it no longer expires")
    revoke = badge_commands.add_parser("revoke", help="revoke an award, with the reason")
    revoke.add_argument("award")
    revoke.add_argument("--reason", required=True)
    verify = badge_commands.add_parser(
        "verify",
        help="check a badge (baked PNG, assertion JSON or URL, VC-JWT) as a verifier would",
    )
    verify.add_argument("badge", metavar="FILE_OR_URL")
    verify.add_argument("--email", default=None, help="check it was awarded to this address")
    badge_commands.add_parser("rotate-keys", help="a new signing key; the old ones stay published")
    stats_cli.add_parser(commands)


def main(argv: Sequence[str] | None = None) -> int:
    args = well_formed_arguments(build_parser().parse_args(argv))
    forgiving_output()
    args.webhook = getattr(args, "webhook", False)
    try:
        settings = Settings.from_environment()
    except ValueError as error:
        configure_logging()
        print(f"settings: {error}", file=sys.stderr)
        return 2
    secrets = [settings.telegram_bot_token or "", settings.webhook_secret or ""]
    configure_logging(logging.WARNING, secrets, settings.production)
    command = args.command or "run"
    try:
        if command == "export-nlu":
            from nlu.training_data import training_yaml

            args.file.parent.mkdir(parents=True, exist_ok=True)
            text = training_yaml(load_city(settings.city).knowledge_dir)
            args.file.write_text(text, encoding="utf-8")
            print(f"training data for Rasa written to {args.file}")
            return 0
        services = build_services(settings, progress=None if args.quiet else TqdmProgress)
    except (CityProfileError, ValueError) as error:
        print(f"settings: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    try:
        return run_command(services, command, args)
    except KeyboardInterrupt:
        return 130
    finally:
        services.close()


def run_command(services: Services, command: str, args: argparse.Namespace) -> int:
    if command == "migrate":
        print("database is up to date")  # building the services migrated it
        return 0
    if command == "train-nlu":
        from bot.services import make_interpreter
        from index.language import SmallWords

        embedded = replace(services.settings, nlu_backend="embedded")
        # training reads no message's language: the detector's models need not load
        words = SmallWords()
        make_interpreter(embedded, services.city, services.catalogue, services.clock, words)
        print(f"interpreter trained, in {services.settings.data_dir / 'nlu'}")
        return 0
    if command == "import":
        return import_command(services, args.file, args.prune, args.yes)
    if command == "search":
        return search_command(services, args)
    if command == "knowledge":
        return knowledge_command(services, args)
    if command == "badges":
        return badges_command(services, args)
    if command == "announce":
        return announce_command(services, args, asked_yes)
    if command == "stats":
        return stats_cli.stats_command(services, args)
    if command == "admin":
        return admin_command(services, args)
    if command == "actions":
        from bot.action_server import serve_actions

        return serve_actions(services, args.port, args.host)
    if command in ("serve", "run") and not open_issuing_keys(services):
        return 2
    if command == "serve":
        return serve_command(services)
    if command == "run" and services.settings.telegram_bot_token:
        return telegram_command(services, webhook=args.webhook)
    return chat_command(services)


def open_issuing_keys(services: Services) -> bool:
    """The badges' issuing keys opened as the bot or the HTTP service starts, so that they exist
    (DATA_DIR/keys, each 0600) before the first award; False, said plainly, when they cannot
    be read or made."""
    try:
        services.badges.open_keys()
    except (KeyRingError, OSError) as error:
        print(f"keys: {error}", file=sys.stderr)
        return False
    return True


# words, not file names
TEXT_ARGUMENTS = (
    "text",
    "near",
    "audience",
    "taught_in",
    "reason",
    "label",
    "evidence",
    "expires",
)


def well_formed_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """The arguments that are words, each undecodable byte (which argv holds as a lone
    surrogate) read as U+FFFD; file names stay as they are, to be opened."""
    for name in TEXT_ARGUMENTS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, well_formed(value))
        elif isinstance(value, list):
            setattr(args, name, [well_formed(v) for v in value])
    return args


def forgiving_output() -> None:
    """What standard output cannot encode (an undecodable byte of a file name) is written
    escaped, as standard error writes it, instead of ending the command."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")


def input_lines(stream: Iterable[str]) -> Iterator[str]:
    """The lines of standard input, a byte that is not UTF-8 read as U+FFFD (and so is a lone
    surrogate): a bad byte costs a character, not the rest of the input."""
    if isinstance(stream, io.TextIOWrapper):
        stream.reconfigure(errors="replace")
    for line in stream:
        yield well_formed(line)


def import_command(services: Services, path: Path, prune: bool, yes: bool = False) -> int:
    service = services.catalogue
    if not path.is_file():
        print(f"import: no such file: {path}", file=sys.stderr)
        return 2
    try:
        if prune and not yes and not prune_confirmed(service, path):
            hint = "" if sys.stdin.isatty() else "; to withdraw them, run it again with --yes"
            print(f"import: nothing was changed{hint}", file=sys.stderr)
            return 1
        report, sync = service.import_file(path, prune=prune)
    except CatalogueError as error:
        print(f"import: {path} was not imported, the catalogue is unchanged:", file=sys.stderr)
        print(str(error), file=sys.stderr)
        return 1
    print(
        f"imported {path}: {len(report.created)} new, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.withdrawn)} withdrawn; "
        f"{sync.embedded} embedded"
    )
    news = services.follows.news_of_new(report.created)
    if news:
        print(f"news of the new items queued for {news} follower(s)")
    return 0


def prune_confirmed(service: CatalogueService, path: Path) -> bool:
    """Whether to go on with a prune: at once when it withdraws half the catalogue or less;
    otherwise only when the person at the terminal says yes (without one, --yes says it)."""
    records = read_catalogue_file(path, check_image=service.check_image)
    with service.database.session() as session:
        plan = prune_plan(session, records)
    if not plan.drastic:
        return True
    print(
        f"import: --prune would withdraw {plan.withdrawn} of the {plan.active} items in the "
        f"catalogue, those missing from {path}",
        file=sys.stderr,
    )
    if not sys.stdin.isatty():
        return False
    print(f"withdraw {plan.withdrawn} of {plan.active} items? [y/N] ", end="", file=sys.stderr)
    sys.stderr.flush()
    answer = next(input_lines(sys.stdin), "")
    return answer.strip().lower() in ("y", "yes")


def asked_yes(question: str) -> bool:
    """The person at the terminal says yes to `question` (no terminal: no)."""
    if not sys.stdin.isatty():
        print(f"{question} (no terminal to ask: run it again with --yes)", file=sys.stderr)
        return False
    print(f"{question} [y/N] ", end="", file=sys.stderr)
    sys.stderr.flush()
    return next(input_lines(sys.stdin), "").strip().lower() in ("y", "yes")


def knowledge_command(services: Services, args: argparse.Namespace) -> int:
    from store import knowledge_entries

    knowledge = services.knowledge
    if args.kb_command == "list":
        with knowledge.database.session() as session:
            origin = knowledge_entries.origins(session)
        for entry in knowledge.entries():
            edited = " (edited by an administrator)" if origin.get(entry.id) == "admin" else ""
            print(f"{entry.id}\t{entry.area}\t{entry.title['en']}{edited}")
        return 0
    if args.kb_command == "export":
        args.folder.mkdir(parents=True, exist_ok=True)
        exported = knowledge.export()
        for entry_id, text in exported.items():
            (args.folder / f"{entry_id}.yaml").write_text(text, encoding="utf-8")
        print(f"wrote {len(exported)} entries to {args.folder}")
        return 0
    if args.kb_command == "import":
        try:
            texts = [(path.name, path.read_text(encoding="utf-8")) for path in args.files]
            from knowledge.entries import parse_yaml

            for name, text in texts:  # check every file before storing any
                parse_yaml(text, name)
        except (OSError, UnicodeDecodeError) as error:
            print(f"knowledge import: {error}", file=sys.stderr)
            return 2
        except EntryError as error:
            print(f"knowledge import: nothing was stored: {error}", file=sys.stderr)
            return 1
        for name, text in texts:
            entry, created = knowledge.edit(text, admin_id=None, where=name)
            print(f"{'added' if created else 'updated'} {entry.id}")
        return 0
    match = knowledge.match(args.text)
    for item in match.ranked[:3]:
        print(f"{item.score:.3f}\t{item.entry.id}\t{item.entry.title['en']}")
    print("answers" if match.confident else "unsure: offers the two closest topics and a contact")
    return 0


REFUSED = (AlreadyHolds, AlreadyRevoked, NotAllowed)  # exit 1; other BadgeProblems are input (2)


def badges_command(services: Services, args: argparse.Namespace) -> int:
    """The badge commands; the command line acts as a platform administrator (it runs on the
    server, where DATA_DIR and the keys are)."""
    command = args.badge_command
    try:
        return _badge_command(services, command, args)
    except BadgeProblem as problem:
        print(f"badges {command}: {problem}", file=sys.stderr)
        return 1 if isinstance(problem, REFUSED) else 2
    except OSError as error:
        print(f"badges {command}: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return 2


def _badge_command(services: Services, command: str, args: argparse.Namespace) -> int:
    badges = services.badges
    me = Actor.command_line()
    if command == "list":
        for badge in badges.badge_classes():
            name = Bilingual(badge.name.get("sl"), badge.name.get("en")).title()
            print(f"{badge.badge_id}\t{badge.opportunity_id}\t{name}\t{badge.awards}")
        return 0
    if command == "claim-link":
        made = badges.claim_link(
            me, args.opportunity, args.uses, args.valid_days, args.evidence, args.label
        )
        if args.qr is not None:
            args.qr.write_bytes(made.qr_png())
        print(made.link)
        until = f"{made.valid_until:%Y-%m-%d %H:%M}" if made.valid_until else "no end"
        uses = "one person" if made.max_uses == 1 else f"{made.max_uses} people"
        evidence = "; evidence is reviewed first" if made.needs_evidence else ""
        print(f"for {uses}, valid until {until}{evidence}", file=sys.stderr)
        return 0
    expires = badges.expiry(args.expires) if getattr(args, "expires", None) else None
    if command == "award" and len(args.to) > 1:
        done = badges.award_many(me, args.opportunity, args.to, args.evidence, expires)
        for issued in done.issued:
            print(f"{issued.award_id} {issued.assertion_url}")
        held = ", ".join(map(str, done.held_already))
        print(f"{len(done.issued)} awarded, queued for their chats", file=sys.stderr)
        if held:
            print(f"held it already (skipped): {held}", file=sys.stderr)
        return 0
    if command == "award":
        issued = badges.award(me, args.opportunity, args.to[0], args.evidence, expires)
        print(f"{issued.award_id} {issued.assertion_url}")
        if issued.queued:
            print("queued for their chat", file=sys.stderr)
        return 0
    if command == "award-csv":
        return award_csv_command(services, args)
    if command == "export":
        return export_command(services, args)
    if command == "expire":
        until = None if args.never else badges.expiry(args.on)
        badges.set_expiry(me, args.award, until)
        if until is None:
            print(f"{args.award} never expires; its holder gets it as it is now")
        else:
            local = until.astimezone(services.city.zone)
            print(f"{args.award} expires {local:%Y-%m-%d %H:%M}; its holder gets it as it is now")
        return 0
    if command == "revoke":
        badges.revoke(me, args.award, args.reason)
        print(f"{args.award} revoked")
        return 0
    if command == "verify":
        return verify_command(args.badge, args.email, services.clock())
    kid = badges.rotate_keys()
    print(kid)
    print("a new signing key; the old ones stay published", file=sys.stderr)
    return 0


def award_csv_command(services: Services, args: argparse.Namespace) -> int:
    """One-use claim links for a CSV list of participants, all or nothing, as CSV."""
    raw = args.file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        fault = Fault(line, "(line)", "is not UTF-8 text", "not_utf8")
        raise ParticipantsError([fault]) from None
    rows = max(text.count("\n"), 1)
    bar = None if args.quiet else TqdmProgress("participants", rows)
    try:
        links = services.badges.participant_links(
            Actor.command_line(),
            args.opportunity,
            text,
            args.valid_days,
            args.evidence,
            tick=bar.update if bar else None,
        )
    finally:
        if bar is not None:
            bar.close()
    written = links_csv(links)
    if args.out is not None:
        args.out.write_text(written, encoding="utf-8")
        print(f"{len(links)} claim links written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(written)
        print(f"{len(links)} claim links", file=sys.stderr)
    return 0


def export_command(services: Services, args: argparse.Namespace) -> int:
    forms = {"png": args.png, "json": args.json, "ob3-jwt": args.ob3_jwt, "ob3-png": args.ob3_png}
    form, path = next((form, path) for form, path in forms.items() if path is not None)
    data = services.badges.export(Actor.command_line(), args.award, form)
    path.write_bytes(data)
    print(path)
    return 0


def verify_command(badge: str, email: str | None, now) -> int:  # type: ignore[no-untyped-def]
    """A verifier's verdict on a badge file or URL: `valid|revoked|expired|invalid KIND`, then
    its facts, checks and reasons, one a line; status 0 only when valid (2: a file larger than
    VERIFY_BYTES is not read)."""
    from openbadges.verify import urllib_fetch, verify

    if re.fullmatch(r"https?://\S+", badge.strip(), re.IGNORECASE):
        data: bytes | str = badge.strip()
    else:
        with Path(badge).open("rb") as file:  # at most what a badge can be (not /dev/zero)
            data = file.read(VERIFY_BYTES + 1)
        if len(data) > VERIFY_BYTES:
            most = VERIFY_BYTES // (1024 * 1024)
            print(
                f"badges verify: {badge} is larger than {most} MB, more than any badge is",
                file=sys.stderr,
            )
            return 2
    verdict = verify(data, urllib_fetch, email=email, now=now)
    print(f"{verdict_word(verdict)} {verdict.kind}")
    for name, value in verdict.facts.items():
        print(f"fact\t{name}\t{value}")
    for check in verdict.checks:
        outcome = {True: "ok", False: "failed", None: "skipped"}[check.ok]
        print(f"check\t{check.name}\t{outcome}\t{check.detail}")
    for reason in verdict.reasons:
        print(f"reason\t{reason}")
    return 0 if verdict.valid else 1


def verdict_word(verdict) -> str:  # type: ignore[no-untyped-def]
    if verdict.valid:
        return "valid"
    failed = {check.name: check.detail for check in verdict.checks if check.ok is False}
    if "revocation" in failed:
        return "revoked"
    if failed.get("dates", "").startswith("expired"):
        return "expired"
    return "invalid"


def resolve_near(gazetteer: Gazetteer, value: str | None) -> tuple[GeoPoint | None, str | None]:
    """--near as a point or a place name; (None, message) when it is neither."""
    if not value:
        return None, None
    try:
        point = parse_point(value)
    except ValueError as error:
        return None, str(error)
    if point is not None:
        return point, None
    place = gazetteer.lookup(value)
    if place is None:
        return (
            None,
            f"unknown place '{value}' (give LAT,LON or a Slovenian town or Ljubljana district)",
        )
    return place.point, None


def search_command(services: Services, args: argparse.Namespace) -> int:
    service = services.catalogue
    if service.count() == 0:
        demo = services.city.demo
        print(
            "search: the catalogue is empty; import one with `python -m bot import FILE.jsonl`"
            + (
                f" (the demo: {demo.catalogue.name}; `make run` loads it on the first start)"
                if demo
                else ""
            ),
            file=sys.stderr,
        )
    if args.jsonl:
        return search_lines(services.catalogue, input_lines(sys.stdin), sys.stdout)
    if args.text is None:
        print("search: give the text to search for, or --jsonl", file=sys.stderr)
        return 2
    near, problem = resolve_near(service.gazetteer, args.near)
    if problem:
        print(f"search: --near: {problem}", file=sys.stderr)
        return 2
    request = SearchRequest(
        text=args.text,
        near=near,
        limit=max(1, min(args.limit, 100)),
        audience=frozenset(args.audience),
        languages=frozenset(args.taught_in),
        free=args.free,
        online=args.online,
        this_week=args.this_week,
        now=services.clock(),
    )
    result, found = service.search(request)
    if args.json:
        print(json.dumps(result_json(result, found), ensure_ascii=False, indent=2))
    else:
        print(reply_text(services.dialogue.services, result, found, request.text, near, args.lang))
    return 0


def result_json(result, found) -> dict:  # type: ignore[no-untyped-def]
    return {
        "results": [
            {
                "id": item.hit.key,
                "score": item.hit.score,
                "distance_km": item.hit.distance_km,
                "title": {"sl": item.opportunity.title_sl, "en": item.opportunity.title_en},
            }
            for item in found
        ],
        "total": result.total,
        "understood": result.understood.as_dict(),
        "near": {"lat": result.near.lat, "lon": result.near.lon} if result.near else None,
        "notices": result.notices,
    }


def reply_text(  # type: ignore[no-untyped-def]
    services: ActionServices, result, found, text: str, near: GeoPoint | None, lang: str
) -> str:
    """A search answered in the terminal exactly as the bot words it."""
    message = result_list(services, result, found, text, near)
    return "\n\n".join(terminal_text(r, lang) for r in render(message, lang))


def ensure_catalogue(services: Services) -> None:
    """On the first start, load the city's demo catalogue so there is something to find;
    later, keep a demo catalogue in the coming weeks (a city's own catalogue is left alone)."""
    demo = services.city.demo
    if demo is None:
        return
    if services.catalogue.count() == 0:
        print(f"first start: loading the demo catalogue ({demo.catalogue.name})", file=sys.stderr)
    if services.catalogue.keep_demo_alive() == "moved":
        print("the demo catalogue's dates were moved to this week", file=sys.stderr)


def prepare_bot(services: Services) -> Application:
    """The Telegram application, with everything its first message needs loaded beforehand."""
    from bot.telegram.app import build_application

    ensure_catalogue(services)
    services.catalogue.searcher  # noqa: B018 - load the index before the first message
    services.interpreter  # noqa: B018 - and the interpreter with lingua's models (seconds)
    return build_application(services)  # the knowledge base loads here too


def telegram_command(services: Services, webhook: bool) -> int:
    """The Telegram bot: long polling, or behind the HTTP service's webhook (`serve`)."""
    if webhook:
        return serve_command(services, webhook=True)
    application = prepare_bot(services)
    print("colbot: Telegram bot running (long polling); Ctrl+C stops it", file=sys.stderr)
    application.run_polling()
    return 0


def serve_command(services: Services, webhook: bool = False) -> int:
    """The HTTP service: the published badges, and the bot's webhook when it has a token and
    WEBHOOK_URL (or `run --webhook` asks for it); HTTP_LISTEN says where it listens."""
    from bot.http.access import ACCESS_LOGGER
    from bot.http.app import build_http_app
    from bot.http.server import serve_http
    from bot.http.webhook import TelegramWebhook

    settings = services.settings
    url, secret = settings.webhook_url, settings.webhook_secret
    with_bot = bool(settings.telegram_bot_token) and (webhook or bool(url))
    if with_bot and (not url or not secret):
        print(
            "the webhook needs WEBHOOK_URL (https) and WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -)",
            file=sys.stderr,
        )
        return 2
    publisher, urls = services.badges.publisher, services.badges.urls
    telegram = None
    if with_bot:
        assert url and secret
        try:
            telegram = TelegramWebhook(prepare_bot(services), url.rstrip("/") + "/telegram", secret)
        except ValueError as error:
            print(f"settings: {error}", file=sys.stderr)
            return 2
    city = services.city
    app = build_http_app(publisher, urls, telegram, languages=city.languages, zone=city.zone)
    host, port = settings.http_host, settings.http_port
    shown = f"[{host}]" if ":" in host else host
    print(
        f"colbot: serving {urls.base_url} on http://{shown}:{port}"
        + (" with the Telegram webhook" if telegram else "")
        + "; Ctrl+C stops it",
        file=sys.stderr,
    )
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO)
    return serve_http(app, host, port)


def chat_command(services: Services) -> int:
    """The terminal chat: the same pipeline and texts as Telegram, one message a line."""
    ensure_catalogue(services)
    lang = services.city.default_language  # until a message is surely in the other language
    _ = gettext_for(lang)
    interpreter = services.interpreter
    services.catalogue.searcher  # noqa: B018 - load the index before the first question
    services.knowledge.matcher  # noqa: B018 - and the knowledge base (embedded once, then cached)
    interactive = sys.stdin.isatty()
    if interactive:
        print(
            "To connect a real Telegram bot, set TELEGRAM_BOT_TOKEN (see README).", file=sys.stderr
        )
        print(_("Hello! Write what you would like to learn (Ctrl+D to quit)."))
    for raw in input_lines(sys.stdin):
        text = raw.strip()
        if text in ("/quit", "/exit"):
            break
        conversation_log.debug("terminal: %s", text)
        understood = interpreter.parse(text)
        if understood.language_sure and understood.language in services.city.languages:
            lang = understood.language  # answered in the language it is written in
        messages = services.dialogue.respond(understood, {}, "terminal")
        print("\n\n".join(terminal_text(r, lang) for r in render_all(messages, lang)))
        print(ANSWER_END)
        sys.stdout.flush()
    return 0
