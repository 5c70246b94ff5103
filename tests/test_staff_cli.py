"""`python -m bot admin …` as a platform administrator uses it on the server: organisations made
and listed, an invitation's deep link on a line of its own, the staff listed and removed, a
follow link and its QR code, the audit log, open invitations listed (never a code) and
withdrawn; faults on standard error with status 2 (bad input) or 1 (refused), nothing
changed. And `python -m bot announce …`: an announcement queued after a yes (asked at a
terminal, refused without one unless --yes), its counts with `announce status`, bad input
refused the same way."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from bot.services import Services, build_services
from store import follows, outbox, people
from store.models import Announcement
from store.outbox import Outcome

from .badges_world import ADMIN, BOT, settings_for
from .conftest import ROOT
from .staff_world import ANA, BORIS, code_in
from .test_cli import cli_at_a_terminal

LIBRARY = "knjiznica-bezigrad"


class Server:
    """A DATA_DIR as the server has it; the commands run in processes of their own."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.services: Services = build_services(settings_for(data_dir))

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        """`python -m bot admin ARGS`."""
        return self.command("admin", *args, **extra)

    def command(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        """`python -m bot ARGS`, as run on the server."""
        env = {
            **os.environ,
            "DATA_DIR": str(self.data_dir),
            "PYTHONPATH": str(ROOT),
            "ADMIN_IDS": str(ADMIN),
            "TELEGRAM_BOT_USERNAME": BOT,
            # the command's clock runs on from this process's, so that the audit log's order
            # is the order things were done in
            "COLBOT_NOW": self.services.clock().isoformat(),
            **extra,
        }
        env.pop("DATABASE_URL", None)
        return subprocess.run(
            [sys.executable, "-m", "bot", "--quiet", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    made = Server(tmp_path_factory.mktemp("admin"))
    added = made.run(
        "org",
        "add",
        LIBRARY,
        "--name",
        "Knjižnica Bežigrad",
        "--url",
        "https://kb.example",
        "--email",
        "info@kb.example",
        "--description",
        "Splošna knjižnica.",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == f"{LIBRARY}\n"
    assert "created" in added.stderr
    yield made
    made.services.close()


def test_organisations_are_listed_with_their_counts(server):
    services = server.services
    with services.database.session() as session:
        reader = people.seen(session, 9100, services.clock())
        follows.follow(session, reader.id, "organisation", LIBRARY, "ljubljana", services.clock())
    listed = server.run("org", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{LIBRARY}\tKnjižnica Bežigrad\t0\t1\thttps://kb.example\tinfo@kb.example\n" in (
        listed.stdout
    )


def test_invite_staff_then_revoke(server):
    invited = server.run("invite", LIBRARY, "--role", "admin", "--days", "3")
    assert invited.returncode == 0, invited.stderr
    [link] = invited.stdout.splitlines()
    assert "Knjižnica Bežigrad as admin, valid until" in invited.stderr
    staff = server.services.staff
    assert staff.accept(ANA, code_in(link)).status == "joined"
    editor = server.run("invite", LIBRARY)  # an editor, by default
    assert staff.accept(BORIS, code_in(editor.stdout.strip())).role == "editor"

    listed = server.run("staff", LIBRARY)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(row[0], row[1]) for row in rows] == [(str(ANA), "admin"), (str(BORIS), "editor")]

    removed = server.run("revoke", LIBRARY, str(BORIS))
    assert (removed.returncode, removed.stdout) == (0, f"{BORIS} (editor) removed from {LIBRARY}\n")
    again = server.run("revoke", LIBRARY, str(BORIS))
    assert again.returncode == 1 and "is not on the staff" in again.stderr
    last = server.run("revoke", LIBRARY, str(ANA))  # the platform may remove the last one
    assert last.returncode == 0, last.stderr
    assert server.run("staff", LIBRARY).stdout == ""

    audit = server.run("audit", LIBRARY, "--limit", "3")
    assert audit.returncode == 0, audit.stderr
    lines = [line.split("\t") for line in audit.stdout.splitlines()]
    assert [(line[1], line[2], line[4]) for line in lines] == [
        ("command-line", "staff.remove", f"telegram:{ANA}"),
        ("command-line", "staff.remove", f"telegram:{BORIS}"),
        (str(BORIS), "staff.join", f"telegram:{BORIS}"),
    ]
    everything = server.run("audit").stdout
    assert "organisation.create" in everything and code_in(link) not in everything


def test_open_invitations_are_listed_and_withdrawn(server):
    made = [
        server.run("invite", LIBRARY, "--role", role).stdout.strip() for role in ("admin", "editor")
    ]
    listed = server.run("invites", LIBRARY)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(row[1], row[2]) for row in rows[-2:]] == [
        ("admin", "command-line"),
        ("editor", "command-line"),
    ]
    assert all(len(row) == 5 and row[0].isdigit() for row in rows)
    assert not any(code_in(link) in listed.stdout for link in made)  # never a code
    admin_invite = rows[-2][0]

    withdrawn = server.run("invite-cancel", LIBRARY, admin_invite)
    assert (withdrawn.returncode, withdrawn.stdout) == (
        0,
        f"invitation {admin_invite} (admin) withdrawn from {LIBRARY}\n",
    )
    assert admin_invite not in [
        line.split("\t")[0] for line in server.run("invites", LIBRARY).stdout.splitlines()
    ]
    again = server.run("invite-cancel", LIBRARY, admin_invite)
    assert again.returncode == 1 and "is not open" in again.stderr and again.stdout == ""
    opened = server.services.staff.accept(BORIS, code_in(made[0]))
    assert opened.status == "cancelled"
    audit = server.run("audit", LIBRARY, "--limit", "1").stdout.split("\t")
    assert audit[1:5] == ["command-line", "staff.invite_cancel", LIBRARY, f"invite:{admin_invite}"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("org", "add", "Bad Slug", "--name", "X"), "is not a slug"),
        (("org", "add", "other", "--name", "X", "--url", "kb.example"), "http:// or https://"),
        (("org", "add", LIBRARY, "--name", "X"), "is taken"),
        (("invite", "no-such-place"), "no organisation 'no-such-place'"),
        (("invite", LIBRARY, "--days", "0"), "1 to 30 days"),
        (("invite", LIBRARY, "--days", "99999999999"), "1 to 30 days"),
        (("staff", "no-such-place"), "no organisation"),
        (("follow-link", "no-such-place"), "no organisation"),
        (("invites", "no-such-place"), "no organisation"),
        (("invite-cancel", "no-such-place", "1"), "no organisation"),
        (("invite-cancel", LIBRARY, "first"), "invalid int value"),
    ],
)
def test_bad_input_is_refused_on_standard_error_with_status_2(server, args, says):
    done = server.run(*args)
    assert done.returncode == 2, done
    assert says in done.stderr and done.stdout == ""
    assert "Traceback" not in done.stderr


def test_links_need_the_bots_username(server):
    done = server.run("invite", LIBRARY, TELEGRAM_BOT_USERNAME="")
    assert done.returncode == 2 and "TELEGRAM_BOT_USERNAME" in done.stderr


def test_a_follow_link_is_printed_and_written_as_a_qr_code(server, tmp_path):
    qr = tmp_path / "follow.png"
    done = server.run("follow-link", LIBRARY, "--qr", str(qr))
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"https://t.me/{BOT}?start=follow-{LIBRARY}\n"
    data = qr.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.width == image.height and 200 <= image.width <= 1000
    assert {value for _, value in image.convert("L").getcolors()} == {0, 255}  # black on white
    nowhere = server.run("follow-link", LIBRARY, "--qr", str(tmp_path / "no" / "such" / "x.png"))
    assert nowhere.returncode == 2 and "No such file or directory" in nowhere.stderr


# ---- python -m bot announce ------------------------------------------------------------------
CENTRE, CENTRE_NAME = "mc-siska", "Mladinski center Šiška"
READERS = (9301, 9302)  # the centre's followers


@pytest.fixture(scope="module")
def centre(server):
    """An organisation of its own, with two followers."""
    added = server.run("org", "add", CENTRE, "--name", CENTRE_NAME)
    assert added.returncode == 0, added.stderr
    services = server.services
    with services.database.session() as session:
        for telegram_id in READERS:
            reader = people.seen(session, telegram_id, services.clock())
            follows.follow(
                session, reader.id, "organisation", CENTRE, services.city.slug, services.clock()
            )
    return CENTRE


@pytest.fixture
def message(tmp_path) -> Path:
    written = tmp_path / "message.txt"
    written.write_text("Dan odprtih vrat v soboto!", encoding="utf-8")
    return written


def announcements(server) -> list[int]:
    with server.services.database.session() as session:
        return list(session.scalars(select(Announcement.id).order_by(Announcement.id)))


def test_announce_status_prints_the_counts_of_a_queued_announcement(server, centre, message):
    queued = server.command("announce", centre, "--text-file", str(message), "--yes")
    assert queued.returncode == 0, queued.stderr
    assert "queued for 2 people" in queued.stdout
    announcement = announcements(server)[-1]
    assert f"announcement #{announcement} queued" in queued.stdout

    status = server.command("announce", "status", str(announcement))
    assert status.returncode == 0, status.stderr
    assert status.stdout == (
        f"#{announcement} {CENTRE_NAME} · followers · scheduled · 2 recipients: sent 0, failed 0, "
        "blocked 0, unconfirmed 0, pending 0, cancelled 0\n"
    )
    # the running bot queues it and sends it: one message gone, one on its way
    services = server.services
    assert services.announcements.queue(announcement) == 2
    later = services.clock() + timedelta(minutes=1)  # the command's clock ran on from ours
    with services.database.session() as session:
        claimed = outbox.claim(session, later, 10, kinds=("announcement",))
        assert len(claimed) == 2
        outbox.record(session, claimed[0].id, Outcome.SENT, later, sent_ids=[41])
    status = server.command("announce", "status", str(announcement))
    assert status.returncode == 0, status.stderr
    assert status.stdout == (
        f"#{announcement} {CENTRE_NAME} · followers · sending · 2 recipients: sent 1, failed 0, "
        "blocked 0, unconfirmed 0, pending 1, cancelled 0\n"
    )
    latest = server.command("announce", "status")  # the latest ten, newest first
    assert latest.returncode == 0, latest.stderr
    assert latest.stdout.splitlines()[0] == status.stdout.strip()


def test_announcing_without_yes_asks_first_and_sends_nothing_unless_told(server, centre, message):
    before = announcements(server)
    question = f"send it to 2 people (followers of {centre})?"
    no_terminal = server.command("announce", centre, "--text-file", str(message))
    assert no_terminal.returncode == 1 and no_terminal.stdout == ""
    assert question in no_terminal.stderr and "--yes" in no_terminal.stderr
    assert "nothing was sent" in no_terminal.stderr and "Traceback" not in no_terminal.stderr
    args = ("announce", centre, "--text-file", str(message))
    declined = cli_at_a_terminal(server.data_dir, *args, answer="n")
    assert declined.returncode == 1, declined.stderr
    assert f"{question} [y/N]" in declined.stderr and "nothing was sent" in declined.stderr
    assert announcements(server) == before
    agreed = cli_at_a_terminal(server.data_dir, *args, answer="y")
    assert agreed.returncode == 0, agreed.stderr
    assert f"{question} [y/N]" in agreed.stderr and "queued for 2 people" in agreed.stdout
    assert len(announcements(server)) == len(before) + 1


def test_a_topic_or_district_audience_is_found_as_the_chat_finds_a_typed_one(
    server, centre, message
):
    """Any case, no accents, a topic by its name in either language: the audience as kept."""
    services = server.services
    with services.database.session() as session:
        reader = people.seen(session, READERS[0], services.clock())
        follows.follow(
            session, reader.id, "district", "šiška", services.city.slug, services.clock()
        )
    asked = server.command(
        "announce", centre, "--text-file", str(message), "--audience", "district:SISKA"
    )
    assert asked.returncode == 1, asked.stderr  # no terminal: asked, and nothing sent
    assert f"send it to 1 person (district:šiška of {centre})?" in asked.stderr
    queued = server.command(
        "announce", centre, "--text-file", str(message), "--audience", "district:siska", "--yes"
    )
    assert queued.returncode == 0, queued.stderr
    assert "queued for 1 person;" in queued.stdout
    status = server.command("announce", "status", str(announcements(server)[-1]))
    assert f"{CENTRE_NAME} · district:šiška · scheduled · 1 recipient:" in status.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("announce", "no-such-place", "--text-file", "{message}", "--yes"), "no organisation"),
        (("announce", CENTRE, "--text-file", "{missing}", "--yes"), "no such text file"),
        (("announce", CENTRE, "--yes"), "give the message with --text-file FILE"),
        (
            ("announce", CENTRE, "--text-file", "{message}", "--audience", "all", "--yes"),
            "bad audience",
        ),
        (
            ("announce", CENTRE, "--text-file", "{message}", "--audience", "district:Atlantis"),
            "no topic or district named district:Atlantis",
        ),
        (("announce", CENTRE, "--text-file", "{latin2}", "--yes"), "not UTF-8"),
        (("announce", "status", "999999"), "no announcement #999999"),
    ],
)
def test_bad_announce_input_is_refused_on_standard_error_with_status_2(
    server, centre, message, tmp_path, args, says
):
    latin2 = tmp_path / "latin2.txt"
    latin2.write_bytes("Dan odprtih vrat v Šiški".encode("iso-8859-2"))
    paths = {"message": message, "missing": tmp_path / "no-such.txt", "latin2": latin2}
    before = announcements(server)
    done = server.command(*(arg.format(**paths) for arg in args))
    assert done.returncode == 2, done
    assert says in done.stderr and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert announcements(server) == before
