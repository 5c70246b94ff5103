"""`python -m bot badges …` as tools use it: machine-friendly lines on standard output, faults on
standard error with status 2, all or nothing for a participants' list, and `verify` against the
published documents served over HTTP."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.services import build_services
from openbadges import baking
from store.models import Claim, OutboxMessage

from .badges_world import (
    ADMIN,
    BOT,
    ISSUER,
    LEARNER,
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
    assert written.returncode == 0 and out.read_text("utf-8").startswith("line,label,email,link")


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
