"""Shared fixtures: an in-memory store, a SQLite file, the Geneva story file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.application import Reportedly, store_env
from domain.storyfile import StoryFile, load_story_file
from fixtures import GENEVA

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


def postgres_url() -> str | None:
    """The PostgreSQL server tests may use, or None (those tests then skip)."""
    return os.environ.get("REPORTEDLY_TEST_POSTGRES_URL")
