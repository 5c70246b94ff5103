"""The production install: the package is built, installed into a clean virtual environment and
run from outside the repository, so a module or data file missing from the package (a city
profile, the translations, the NLU training data, the migrations) fails here, not in a deploy."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import NOW, ROOT

PACKAGES = ("actions", "bot", "cities", "index", "knowledge", "locales", "nlu", "store")
NOT_SOURCE = (".git", ".venv*", "var", "build", "*.egg-info", "__pycache__", ".*_cache", "tests")


def run(*command: str | Path, **options) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=600, **options
    )
    assert done.returncode == 0, f"{command}: {done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A clean virtual environment with colbot's wheel installed (its dependencies are the
    test environment's, reached through a .pth file: no network, no editable install)."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"  # the repository as a fresh clone has it, plus compiled messages
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    run(
        sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
        "-w", work / "dist", source,
        cwd=work,
    )  # fmt: skip
    [wheel] = (work / "dist").glob("colbot-*.whl")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    clean_site = Path(run(python, "-c", where).stdout.strip())
    (clean_site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel)
    return python


def outside_the_repository(tmp_path: Path, warm_cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DATABASE_URL"))}
    data = tmp_path / "data"
    target = data / "index" / warm_cache.parent.name
    target.mkdir(parents=True)
    shutil.copy(warm_cache, target / "embeddings.sqlite3")
    return {**env, "DATA_DIR": str(data), "COLBOT_NOW": NOW.isoformat()}


def test_the_installed_package_holds_every_module_and_file_it_needs(installed, tmp_path):
    where = run(
        installed, "-c",
        "import importlib; print('\\n'.join(importlib.import_module(p).__path__[0] "
        f"for p in {PACKAGES!r}))",
        cwd=tmp_path,
    ).stdout.split()  # fmt: skip
    assert all(str(installed.parent.parent) in path for path in where), where
    assert not any(str(ROOT) in path for path in where)


def test_the_installed_bot_answers_from_outside_the_repository(installed, tmp_path, warm_cache):
    env = outside_the_repository(tmp_path, warm_cache)
    chat = run(
        installed, "-m", "bot", "--quiet", "chat",
        input="robotika v Šiški\nkaj se dogaja ta teden?\n", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert "first start: loading the demo catalogue" in chat.stderr
    assert "Robotski krožek za osnovnošolce" in chat.stdout  # the city's demo and search
    assert "zadetk" in chat.stdout  # the Slovenian translations
    search = run(
        installed, "-m", "bot", "--quiet", "search", "free Slovenian course", "--lang", "en",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert "Slovenian" in search.stdout and "free" in search.stdout
    migrate = run(installed, "-m", "bot", "migrate", cwd=tmp_path, env=env)
    assert "up to date" in migrate.stdout
    assert (tmp_path / "data" / "colbot.sqlite3").stat().st_mode & 0o077 == 0  # owner only
    assert (tmp_path / "data").stat().st_mode & 0o077 == 0
