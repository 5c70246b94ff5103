"""`python -m bot badges …` as tools use it: machine-friendly lines on standard output, faults on
standard error with status 2, all or nothing for a participants' list, and `verify` against the
published documents served over HTTP."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from access.policy import Actor
from bot import cli
from bot.services import build_services
from openbadges import baking
from store.models import Award, Claim, OutboxMessage

from .badges_world import (
    ADMIN,
    BOT,
    ISSUER,
    LEARNER,
    ZONE,
    code_of,
    load_catalogue,
    person,
    seed_keys,
    served,
    settings_for,
)
from .conftest import ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A DATA_DIR with the catalogue and a learner, its badges served on 127.0.0.1."""

    def __init__(self, data_dir: Path, keys: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.public_url = f"http://127.0.0.1:{self.port}"
        seed_keys(keys, data_dir)
        self.services = build_services(settings_for(data_dir, PUBLIC_URL=self.public_url))
        load_catalogue(self.services)
        person(self.services, LEARNER)

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATA_DIR": str(self.data_dir),
            "PYTHONPATH": str(ROOT),
            "ADMIN_IDS": str(ADMIN),
            "PUBLIC_URL": self.public_url,
            "TELEGRAM_BOT_USERNAME": BOT,
            **ISSUER,
            **extra,
        }
        env.pop("DATABASE_URL", None)
        return env

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "bot", "--quiet", "badges", *args],
            capture_output=True,
            text=True,
            env=self.env(**extra),
            cwd=ROOT,
            timeout=300,
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory, issuing_keys):
    made = Server(tmp_path_factory.mktemp("badges-cli"), issuing_keys)
    yield made
    made.services.close()


def test_list_shows_each_badge_its_opportunity_name_and_awards(server):
    done = server.run("list")
    assert done.returncode == 0, done.stderr
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert [(row[1], row[2]) for row in rows] == [
        ("lj-a1", "Slovenščina A1 / Slovenian A1"),
        ("lj-robotika", "Mladi robotik / Young roboticist"),
    ]
    assert all(len(row) == 4 and row[3].isdigit() for row in rows)


def test_a_claim_link_is_printed_on_a_line_of_its_own_with_its_qr_code(server, tmp_path):
    qr = tmp_path / "claim.png"
    done = server.run(
        "claim-link", "lj-robotika", "--uses", "3", "--valid-days", "7", "--qr", str(qr)
    )
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert done.stdout == link + "\n" and code_of(link)
    assert "3 people" in done.stderr
    assert qr.read_bytes().startswith(b"\x89PNG")
    ana = server.services.database.session
    with ana() as session:
        assert session.scalar(select(Claim.max_uses).order_by(Claim.id.desc())) == 3


def test_a_claim_link_without_the_bots_username_is_refused_plainly(server):
    done = server.run("claim-link", "lj-robotika", TELEGRAM_BOT_USERNAME="")
    assert done.returncode == 2
    assert "TELEGRAM_BOT_USERNAME" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("award", "lj-nothing", "--to", str(LEARNER)), "no opportunity 'lj-nothing'"),
        (("award", "lj-talk", "--to", str(LEARNER)), "offers no badge"),
        (("award", "lj-robotika", "--to", "424242"), "has written to the bot"),
        (("claim-link", "lj-robotika", "--uses", "0"), "1-10000 uses"),
        (("revoke", "nope", "--reason", "x"), "no award 'nope'"),
        (("export", "nope", "--png", "/tmp/x.png"), "no award 'nope'"),
        (("verify", "/nonexistent/badge.png"), "No such file"),
        (
            ("award", "lj-robotika", "--to", str(LEARNER), "--expires", "2026-11-23"),
            "the expiry date 2026-11-23 is not in the future: give a date after 2026-11-23",
        ),
        (
            ("award", "lj-robotika", "--to", str(LEARNER), "--expires", "2025-06-30"),
            "is not in the future",
        ),
        (
            ("award", "lj-robotika", "--to", str(LEARNER), "--expires", "30. 6. 2027"),
            "'30. 6. 2027' is not a date: write it as YYYY-MM-DD",
        ),
    ],
)
def test_bad_input_is_refused_on_standard_error_with_status_2(server, args, says):
    done = server.run(*args)
    assert done.returncode == 2, done.stdout
    assert says in done.stderr and "Traceback" not in done.stderr and done.stdout == ""


def test_award_export_verify_revoke_and_verify_again(server, tmp_path):
    done = server.run("award", "lj-robotika", "--to", str(LEARNER), "--evidence", "Robot Žiga")
    assert done.returncode == 0, done.stderr
    award_id, assertion_url = done.stdout.split()
    assert assertion_url == f"{server.public_url}/ob/assertions/{award_id}"
    with server.services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1  # queued
    again = server.run("award", "lj-robotika", "--to", str(LEARNER))
    assert again.returncode == 1 and "already" in again.stderr

    files = {form: tmp_path / f"badge.{form}" for form in ("png", "json", "ob3-jwt", "ob3-png")}
    for form, path in files.items():
        exported = server.run("export", award_id, f"--{form}", str(path))
        assert exported.returncode == 0, exported.stderr
    assert baking.unbake(files["png"].read_bytes()).keyword == "openbadges"
    assert baking.unbake(files["ob3-png"].read_bytes()).keyword == "openbadgecredential"

    publisher = server.services.badges.publisher
    with served(publisher, server.public_url, server.port):
        for path in files.values():
            verdict = server.run("verify", str(path))
            assert verdict.returncode == 0, verdict.stdout
            assert verdict.stdout.startswith("valid ")
        by_url = server.run("verify", assertion_url)
        assert by_url.returncode == 0 and "fact\tbadge\tMladi robotik" in by_url.stdout

        revoked = server.run("revoke", award_id, "--reason", "Podeljena pomotoma.")
        assert revoked.returncode == 0 and revoked.stdout == f"{award_id} revoked\n"
        for path in (files["png"], files["ob3-png"]):
            verdict = server.run("verify", str(path))
            assert verdict.returncode == 1
            assert verdict.stdout.startswith("revoked "), verdict.stdout
            assert "reason\trevoked by the issuer" in verdict.stdout
    gone = server.run("export", award_id, "--png", str(tmp_path / "gone.png"))
    assert gone.returncode == 1 and "revoked" in gone.stderr


def test_verify_checks_the_address_a_badge_was_awarded_to(server, tmp_path):
    services = server.services
    services.badges.set_email(person(services, 32_021), "ana@example.org")
    done = server.run("award", "lj-a1", "--to", "32021")
    assert done.returncode == 0, done.stderr
    award_id, _url = done.stdout.split()
    png = tmp_path / "ana.png"
    assert server.run("export", award_id, "--png", str(png)).returncode == 0
    with served(services.badges.publisher, server.public_url, server.port):
        right = server.run("verify", str(png), "--email", "Ana@Example.org")
        assert right.returncode == 0, right.stdout
        assert right.stdout.startswith("valid ") and "check\trecipient\tok" in right.stdout
        wrong = server.run("verify", str(png), "--email", "bor@example.org")
    assert wrong.returncode == 1
    assert wrong.stdout.startswith("invalid ") and "check\trecipient\tfailed" in wrong.stdout
    assert "Traceback" not in wrong.stderr


def test_verify_gives_garbage_a_plain_verdict_and_refuses_a_file_too_large(server, tmp_path):
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    done = server.run("verify", str(garbage))
    assert done.returncode == 1
    assert done.stdout.startswith("invalid ") and "\nreason\t" in done.stdout
    assert "Traceback" not in done.stderr

    huge = tmp_path / "huge.png"
    with huge.open("wb") as file:
        file.truncate(cli.VERIFY_BYTES + 1)  # sparse: no disk is spent
    refused = server.run("verify", str(huge))
    assert refused.returncode == 2 and refused.stdout == ""
    assert "is larger than 10 MB" in refused.stderr and "Traceback" not in refused.stderr


def test_a_participants_list_gives_a_csv_of_links_or_nothing(server, tmp_path):
    good = tmp_path / "participants.csv"
    good.write_text("label,email\nAna,ana@example.org\nBor,\n", encoding="utf-8")
    done = server.run("award-csv", "lj-a1", str(good))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(r["line"], r["label"], r["email"]) for r in rows] == [
        ("2", "Ana", "ana@example.org"),
        ("3", "Bor", ""),
    ]
    assert all(code_of(r["link"]) for r in rows)
    with server.services.database.session() as session:
        before = session.scalar(select(func.count()).select_from(Claim))
    broken = tmp_path / "broken.csv"
    broken.write_text("label,email\nAna,\nBor,\nCvetka,cvetka(at)example\nDarja,\n", "utf-8")
    refused = server.run("award-csv", "lj-a1", str(broken))
    assert refused.returncode == 2 and "line 4, field 'email'" in refused.stderr
    assert refused.stdout == ""
    with server.services.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Claim)) == before
    out = tmp_path / "links.csv"
    written = server.run("award-csv", "lj-a1", str(good), "--out", str(out))
    assert written.returncode == 0 and out.read_text("utf-8").startswith(
        "line,label,email,link,expires\n"
    )


def test_an_award_expires_at_the_end_of_the_day_given(server):
    person(server.services, 32_001)
    done = server.run("award", "lj-a1", "--to", "32001", "--expires", "2027-06-30")
    assert done.returncode == 0, done.stderr
    award_id, _url = done.stdout.split()
    with server.services.database.session() as session:
        expires = session.scalar(select(Award.expires_at).where(Award.public_id == award_id))
    assert expires == datetime(2027, 6, 30, 23, 59, 59, tzinfo=ZONE)
    assertion = json.loads(server.services.badges.publisher.assertion(award_id).body)
    assert datetime.fromisoformat(assertion["expires"]) == expires


def test_an_awards_expiry_is_changed_or_taken_away_signed_again_and_audited(server):
    services = server.services
    person(services, 32_002)
    done = server.run("award", "lj-a1", "--to", "32002", "--expires", "2027-06-30")
    assert done.returncode == 0, done.stderr
    award_id, _url = done.stdout.split()

    def expiry_and_version() -> tuple[datetime | None, int]:
        with services.database.session() as session:
            row = session.execute(
                select(Award.expires_at, Award.version).where(Award.public_id == award_id)
            ).one()
        return row.expires_at, row.version

    _expires, version = expiry_and_version()
    later = server.run("expire", award_id, "--on", "2028-01-31")
    assert later.returncode == 0, later.stderr
    assert later.stdout == f"{award_id} expires 2028-01-31 23:59; its holder gets it as it is now\n"
    assert expiry_and_version() == (datetime(2028, 1, 31, 23, 59, 59, tzinfo=ZONE), version + 1)
    assertion = json.loads(services.badges.publisher.assertion(award_id).body)
    assert assertion["expires"].startswith("2028-01-31T")

    never = server.run("expire", award_id, "--never")
    assert never.returncode == 0, never.stderr
    assert never.stdout == f"{award_id} never expires; its holder gets it as it is now\n"
    assert expiry_and_version() == (None, version + 2)
    assertion = json.loads(services.badges.publisher.assertion(award_id).body)
    assert "expires" not in assertion

    past = server.run("expire", award_id, "--on", "2020-01-01")
    assert past.returncode == 2 and "is not in the future" in past.stderr
    unknown = server.run("expire", "no-such-award", "--never")
    assert unknown.returncode == 2 and "no award 'no-such-award'" in unknown.stderr
    assert expiry_and_version() == (None, version + 2)  # nothing changed by the refusals
    changes = [
        line.details["expires"]
        for line in services.staff.audit_log(Actor.command_line())
        if line.action == "badge.expiry" and line.target == award_id
    ]
    assert sorted(changes, key=str) == ["2028-01-31T23:59:59+01:00", None]  # both, audited


def test_a_participants_list_may_say_when_each_award_expires(server, tmp_path):
    listed = tmp_path / "expiring.csv"
    listed.write_text("label,expires\nAna,2027-06-30\nBor,\n", encoding="utf-8")
    done = server.run("award-csv", "lj-robotika", str(listed))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(row["label"], row["expires"]) for row in rows] == [("Ana", "2027-06-30"), ("Bor", "")]
    ana, bor = (code_of(row["link"]) for row in rows)
    services = server.services
    awards = {}
    for telegram_id, code in ((32_011, ana), (32_012, bor)):
        outcome = services.badges.redeem(person(services, telegram_id), code)
        assert outcome.award_id is not None, outcome
        with services.database.session() as session:
            awards[telegram_id] = session.scalar(
                select(Award.expires_at).where(Award.public_id == outcome.award_id)
            )
    assert awards == {32_011: datetime(2027, 6, 30, 23, 59, 59, tzinfo=ZONE), 32_012: None}

    past = tmp_path / "past.csv"
    past.write_text("label,expires\nCvetka,2027-01-31\nDarja,2026-11-01\n", encoding="utf-8")
    refused = server.run("award-csv", "lj-robotika", str(past))
    assert refused.returncode == 2 and refused.stdout == ""
    assert "line 3, field 'expires'" in refused.stderr and "not in the future" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_bot_opens_its_issuing_keys_as_it_starts_before_any_award(tmp_path, monkeypatch):
    services = build_services(settings_for(tmp_path))
    keys = tmp_path / "keys"
    found_at_start: list[str] = []

    def terminal_chat(started) -> int:  # type: ignore[no-untyped-def]  # it would read stdin
        found_at_start.extend(sorted(path.name for path in keys.iterdir()))
        return 0

    monkeypatch.setattr(cli, "chat_command", terminal_chat)
    assert not keys.exists()
    try:
        assert cli.run_command(services, "run", argparse.Namespace(webhook=False)) == 0
    finally:
        services.close()
    [pem] = keys.glob("*.pem")
    assert {"keyring.json", pem.name} <= set(found_at_start)  # before the bot took a message
    assert oct(keys.stat().st_mode & 0o777) == "0o700"
    assert oct(pem.stat().st_mode & 0o777) == "0o600"
    assert oct((keys / "keyring.json").stat().st_mode & 0o777) == "0o600"


def test_rotate_keys_prints_the_new_key(server):
    before = server.services.badges.context.keyring.kids
    done = server.run("rotate-keys")
    assert done.returncode == 0, done.stderr
    kid = done.stdout.strip()
    assert kid not in before
    server.services.badges.context.keyring.reload_if_changed()
    assert server.services.badges.context.keyring.current_kid == kid
    keys = server.data_dir / "keys"
    assert oct(keys.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in keys.glob("*.pem"))
    secret = server.data_dir / "claim-secret"
    assert oct(secret.stat().st_mode & 0o777) == "0o600"


def test_award_to_many_at_once_skips_who_holds_it(server):
    group = [31_000 + n for n in range(3)]
    for telegram_id in group:
        person(server.services, telegram_id)
    first = server.run("award", "lj-robotika", "--to", str(group[0]))
    assert first.returncode == 0, first.stderr
    done = server.run("award", "lj-robotika", "--to", *map(str, group))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")[:-1]
    assert len(lines) == 2 and all("/ob/assertions/" in line for line in lines)
    assert "2 awarded" in done.stderr and f"skipped): {group[0]}" in done.stderr
    unknown = server.run("award", "lj-robotika", "--to", str(group[1]), "424243")
    assert unknown.returncode == 2 and "424243" in unknown.stderr
