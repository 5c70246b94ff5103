"""`python -m bot admin …`: organisations, their staff and invitations, follow links and the audit
log from the server's command line, which acts as a platform administrator. Lines for tools on
standard output (tab-separated), words for people on standard error; status 2 for bad input, 1
for what was refused."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from access.policy import Actor, Refused
from bot.services import Services
from openbadges import images
from organisations.staff_problems import (
    BadInput,
    InviteNotPending,
    LastAdministrator,
    NotOnStaff,
    StaffProblem,
)

REFUSED = (
    LastAdministrator,
    NotOnStaff,
    InviteNotPending,
)  # exit 1; other StaffProblems are input (2)
MAX_DAYS = 30


def add_admin_commands(commands: argparse._SubParsersAction) -> None:
    admin = commands.add_parser(
        "admin", help="organisations, their staff and invitations, follow links, the audit log"
    )
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    org = admin_commands.add_parser("org", help="organisations: add one, list them")
    org_commands = org.add_subparsers(dest="org_command", required=True)
    add = org_commands.add_parser("add", help="a new organisation with its public profile")
    add.add_argument("slug", help="its address: lowercase letters, digits and hyphens")
    add.add_argument("--name", required=True)
    add.add_argument("--url", default=None, help="its web site (http or https)")
    add.add_argument("--email", default=None, help="its public e-mail address")
    add.add_argument("--description", default=None)
    add.add_argument("--image-url", default=None, help="its logo (http or https)")
    org_commands.add_parser("list", help="slug, name, staff, followers, web site, e-mail")
    invite = admin_commands.add_parser(
        "invite", help="a one-time invitation to an organisation's staff (prints the deep link)"
    )
    invite.add_argument("slug")
    invite.add_argument("--role", choices=("admin", "editor"), default="editor")
    invite.add_argument("--days", type=int, default=7, help="valid this many days (1-30)")
    invites = admin_commands.add_parser(
        "invites",
        help="an organisation's invitations not used yet: id, role, made by, made, valid until",
    )
    invites.add_argument("slug")
    cancel = admin_commands.add_parser(
        "invite-cancel", help="withdraw an invitation not used yet (its link stops working)"
    )
    cancel.add_argument("slug")
    cancel.add_argument("invite_id", type=int, metavar="INVITE_ID", help="as `admin invites` lists")
    staff = admin_commands.add_parser("staff", help="an organisation's staff: Telegram id, role")
    staff.add_argument("slug")
    revoke = admin_commands.add_parser("revoke", help="take someone off an organisation's staff")
    revoke.add_argument("slug")
    revoke.add_argument("telegram_id", type=int, metavar="TELEGRAM_ID")
    follow = admin_commands.add_parser(
        "follow-link", help="the deep link that lets learners follow an organisation"
    )
    follow.add_argument("slug")
    follow.add_argument("--qr", type=Path, default=None, help="also write its QR code (PNG)")
    audit = admin_commands.add_parser("audit", help="the latest privileged actions, newest first")
    audit.add_argument("slug", nargs="?", default=None, help="only this organisation's")
    audit.add_argument("--limit", type=int, default=50)


def admin_command(services: Services, args: argparse.Namespace) -> int:
    command = args.admin_command
    if command == "org":
        command = f"org {args.org_command}"
    try:
        return _admin_command(services, args)
    except StaffProblem as problem:
        print(f"admin {command}: {problem}", file=sys.stderr)
        return 1 if isinstance(problem, REFUSED) else 2
    except Refused as refused:  # pragma: no cover - the command line may do everything
        print(f"admin {command}: refused ({refused})", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"admin {command}: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return 2


def _admin_command(services: Services, args: argparse.Namespace) -> int:
    staff, me, zone = services.staff, Actor.command_line(), services.city.zone
    command = args.admin_command
    if command == "org" and args.org_command == "add":
        made = staff.create_organisation(
            me, args.slug, args.name, args.url, args.email, args.description, args.image_url
        )
        print(made.slug)
        print(f"organisation '{made.name}' created", file=sys.stderr)
        return 0
    if command == "org":
        for o in staff.organisations(me):
            print(f"{o.slug}\t{o.name}\t{o.staff}\t{o.followers}\t{o.url or ''}\t{o.email or ''}")
        return 0
    if command == "invite":
        if not 1 <= args.days <= MAX_DAYS:
            raise BadInput(f"--days: an invitation is valid for 1 to {MAX_DAYS} days")
        made = staff.invite(me, args.slug, args.role, timedelta(days=args.days))
        print(made.link)
        print(
            f"for one person to join {made.organisation} as {made.role.value}, "
            f"valid until {_local(made.expires_at, zone)}",
            file=sys.stderr,
        )
        return 0
    if command == "invites":
        for pending in staff.pending_invites(me, args.slug):
            maker = "command-line" if pending.created_by is None else str(pending.created_by)
            print(
                f"{pending.id}\t{pending.role.value}\t{maker}\t{_local(pending.created_at, zone)}"
                f"\t{_local(pending.expires_at, zone)}"
            )
        return 0
    if command == "invite-cancel":
        cancelled = staff.cancel_invite(me, args.slug, args.invite_id)
        print(f"invitation {cancelled.id} ({cancelled.role.value}) withdrawn from {args.slug}")
        return 0
    if command == "staff":
        for entry in staff.staff(me, args.slug):
            print(f"{entry.telegram_id}\t{entry.role.value}\t{_local(entry.since, zone)}")
        return 0
    if command == "revoke":
        removed = staff.remove(me, args.slug, args.telegram_id)
        print(f"{removed.telegram_id} ({removed.role.value}) removed from {args.slug}")
        return 0
    if command == "follow-link":
        link = staff.follow_link(args.slug)
        if args.qr is not None:
            args.qr.write_bytes(images.qr_png(link))
            print(f"QR code written to {args.qr}", file=sys.stderr)
        print(link)
        return 0
    for line in staff.audit_log(me, args.slug, args.limit):
        actor = "command-line" if line.actor_telegram_id is None else str(line.actor_telegram_id)
        details = json.dumps(line.details, ensure_ascii=False, sort_keys=True)
        print(
            f"{_local(line.at, zone)}\t{actor}\t{line.action}\t{line.organisation or '-'}\t"
            f"{line.target or '-'}\t{details}"
        )
    return 0


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"
