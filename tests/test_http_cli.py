"""`python -m bot serve` and `run --webhook` as an operator starts them: what is missing is said
plainly, with no traceback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from .test_cli import ROOT, cli


def test_serve_publishes_the_keys_and_stops_cleanly_on_sigterm(tmp_path, monkeypatch):
    """The real `python -m bot serve`: it makes the issuing keys as it starts, answers on
    HTTP_LISTEN, publishes the keys, and a SIGTERM ends it with exit status 0."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "HTTP_LISTEN": f"127.0.0.1:{port}",
        "PUBLIC_URL": "https://badges.example.org",
    }
    for name in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "WEBHOOK_URL"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "--quiet", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        said = ""
        while "colbot: serving" not in said and server.poll() is None:
            said = server.stderr.readline()
        # the issuing keys were made as it started, before any award or request for them
        folder = tmp_path / "keys"
        [pem] = folder.glob("*.pem")
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
        assert oct(pem.stat().st_mode & 0o777) == "0o600"
        assert oct((folder / "keyring.json").stat().st_mode & 0o777) == "0o600"
        deadline = time.monotonic() + 120
        keys = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                keys = httpx.get(f"http://127.0.0.1:{port}/ob/keys", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert keys is not None, (
            f"serve did not answer: {server.stderr.read() if server.poll() is not None else ''}"
        )
        assert keys.status_code == 200
        assert keys.headers["content-type"].startswith("application/json")
        [key] = keys.json()["keys"]
        assert key["kid"].startswith("https://badges.example.org/ob/keys/")
        assert "d" not in key  # only the public half
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=60)
    assert server.returncode == 0
    assert "Traceback" not in stderr


def test_the_webhook_needs_its_address_and_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    done = cli(tmp_path, "run", "--webhook")
    assert done.returncode == 2
    assert "WEBHOOK_URL" in done.stderr and "WEBHOOK_SECRET" in done.stderr
    assert "123456:TEST" not in done.stderr and "Traceback" not in done.stderr


def test_a_listen_address_that_is_not_host_and_port_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("HTTP_LISTEN", "8080")
    done = cli(tmp_path, "serve")
    assert done.returncode == 2
    assert "settings: HTTP_LISTEN: '8080' is not host:port" in done.stderr
