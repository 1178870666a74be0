"""Shared fixtures: an in-memory store, a SQLite file, the Geneva story file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.application import Reportedly
from domain.storyfile import StoryFile, load_story_file
from fixtures import GENEVA
from projections.store import store_env
from tests import postgres_databases
from tests.api_fixtures import client, geneva_client  # noqa: F401  (HTTP API fixtures)

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT.parent / "shared" / "seed" / "geneva-ai-talks.fr.txt"


@pytest.fixture
def app() -> Iterator[Reportedly]:
    application = Reportedly(env=store_env("memory://"))
    yield application
    application.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'reportedly.db'}"


@pytest.fixture(scope="session")
def geneva() -> StoryFile:
    return load_story_file(GENEVA)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped after it.

    The server is REPORTEDLY_TEST_POSTGRES_URL, else postgresql://postgres@127.0.0.1:5432/test;
    the test skips (saying how to enable it) only where no server answers.
    """
    server = postgres_databases.server_url()
    if server is None:
        pytest.skip(postgres_databases.skip_reason())
    with postgres_databases.fresh_database(server) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store's URL, once on SQLite and once on PostgreSQL: storage tests take this."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reportedly.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
