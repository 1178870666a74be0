"""A read-only server (e.g. on a PostgreSQL hot standby) serves reads and refuses writes."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.main import create_app
from api.services import open_services
from api.settings import Settings
from domain.loading import load_story
from domain.storyfile import StoryFile
from projections.store import ReadModelsMissing

WRITER = {"Authorization": "Bearer s3cret"}


def _make_read_only(url: str) -> None:
    """What a hot standby does to every session: refuse writes."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(
                sql.Identifier(name)
            )
        )


@pytest.fixture
def replica(postgres_url: str, geneva: StoryFile) -> Iterator[TestClient]:
    primary = open_services(Settings(database_url=postgres_url, tokens="desk:s3cret"))
    load_story(primary.app, geneva, "desk")
    primary.read.catch_up()
    primary.close()
    _make_read_only(postgres_url)
    settings = Settings(database_url=postgres_url, tokens="desk:s3cret", read_only=True)
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_read_only_server_answers_replays_from_what_the_primary_projected(
    replica: TestClient,
) -> None:
    before = replica.get("/stories/geneva-ai-talks/picture", params={"known_at": "2023-12-31"})
    after = replica.get("/stories/geneva-ai-talks/picture", params={"known_at": "2024-01-11"})
    assert before.status_code == after.status_code == 200
    assert before.json()["meetings"] == []
    assert len(after.json()["meetings"]) == 2
    assert replica.get("/health").json()["last_position"] > 0


def test_a_read_only_server_refuses_writes_saying_where_to_send_them(
    replica: TestClient,
) -> None:
    response = replica.post(
        "/stories", json={"id": "another", "title": "Another story"}, headers=WRITER
    )
    assert response.status_code == 503
    assert "read-only" in response.json()["message"]
    assert replica.get("/stories/another").status_code == 404


def test_a_read_only_server_without_read_models_says_to_project_on_the_primary(
    postgres_url: str,
) -> None:
    primary = open_services(Settings(database_url=postgres_url))  # tables, no read models yet
    primary.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("DROP TABLE rm_meta")
    with pytest.raises(ReadModelsMissing, match="primary"):
        open_services(Settings(database_url=postgres_url, read_only=True))
