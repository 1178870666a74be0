"""Fixtures for the HTTP API: an app on a private in-memory store, with write tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from domain.storyfile import StoryFile

TOKENS = "alice:alice-secret,bob:bob-secret"
ALICE = {"Authorization": "Bearer alice-secret"}
BOB = {"Authorization": "Bearer bob-secret"}
STORY = "geneva-ai-talks"


def settings_for(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "memory://",
        "data_dir": tmp,
        "tokens": TOKENS,
        "read_tokens": "",
    }
    return Settings(**(values | overrides))


def post_story_file(client: TestClient, story_file: StoryFile) -> None:
    """Append a whole story file over HTTP, one request per entry."""
    story = story_file.story
    assert client.post("/stories", json=story.model_dump(mode="json"), headers=ALICE).is_success
    for actor in story_file.actors:
        body = actor.model_dump(mode="json", exclude_none=True)
        assert client.post("/actors", json=body, headers=ALICE).is_success
    for fact in story_file.facts:
        body = fact.model_dump(mode="json", exclude_none=True)
        response = client.post(f"/stories/{story.id}/facts", json=body, headers=ALICE)
        assert response.is_success, response.text


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def geneva_client(
    tmp_path_factory: pytest.TempPathFactory, geneva: StoryFile
) -> Iterator[TestClient]:
    """The Geneva story appended over HTTP; tests that use it only read."""
    tmp = tmp_path_factory.mktemp("geneva")
    with TestClient(create_app(settings_for(tmp))) as test_client:
        post_story_file(test_client, geneva)
        yield test_client
