"""`python -m bot serve` and `run --webhook` as an operator starts them: what is missing is said
plainly, with no traceback."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.cli import BadgesNotBuilt, public_urls, publisher_of
from bot.settings import Settings

from .test_cli import cli


def test_serve_says_the_badges_service_is_not_built_yet(tmp_path, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    done = cli(tmp_path, "serve")
    assert done.returncode == 2
    assert "serve: the badges service is not built yet" in done.stderr
    assert "Traceback" not in done.stderr


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


def test_the_publisher_is_the_badges_services(tmp_path):
    publisher = object()
    assert publisher_of(SimpleNamespace(badges=SimpleNamespace(publisher=publisher))) is publisher
    with pytest.raises(BadgesNotBuilt, match="not built yet"):
        publisher_of(SimpleNamespace())


def test_the_published_addresses_come_from_public_url_or_else_where_serve_listens():
    assert public_urls(Settings(public_url="https://badges.example.org")).assertion("a") == (
        "https://badges.example.org/ob/assertions/a"
    )
    assert public_urls(Settings(http_host="0.0.0.0", http_port=9000)).base_url == (
        "http://127.0.0.1:9000"
    )
    assert public_urls(Settings(http_host="::1", http_port=9000)).base_url == "http://[::1]:9000"
