"""`changes?from=&to=` covers from through to, both included, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from api.main import create_app
from tests.api_fixtures import ALICE, settings_for

STORY = "geneva-ai-talks"
CHANGES = f"/stories/{STORY}/changes"
FT = {"name": "Financial Times", "published": "2024-01-11"}
RELAY = {"name": "French relay", "published": "2024-01-12"}


def meeting(id: str, source: dict[str, str]) -> dict[str, Any]:
    return {
        "id": id,
        "kind": "meeting_held",
        "occurred": "2023-07",
        "title": id,
        "sources": [source],
    }


@pytest.fixture
def story(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A meeting the FT reported on the 11th, corroborated by the relay on the 12th, and
    one the relay first reported on the 12th."""
    with TestClient(create_app(settings_for(tmp_path, database_url=database_url))) as client:
        for path, body in [
            ("/stories", {"id": STORY, "title": "Geneva talks"}),
            (f"/stories/{STORY}/facts", meeting("july", FT)),
            (f"/stories/{STORY}/facts/july/corroborations", {"source": RELAY}),
            (f"/stories/{STORY}/facts", meeting("october", RELAY)),
        ]:
            assert client.post(path, json=body, headers=ALICE).is_success
        yield client


def window(client: TestClient, start: str, end: str) -> dict[str, list[str]]:
    response = client.get(CHANGES, params={"from": start, "to": end})
    assert response.status_code == 200, response.text
    body = response.json()
    return {group: [c["fact_id"] for c in body[group]] for group in ("added", "corroborated")}


def test_one_day_as_from_and_to_is_the_whole_of_that_day(story: TestClient) -> None:
    assert window(story, "2024-01-12", "2024-01-12") == {
        "added": ["october"],
        "corroborated": ["july"],
    }
    assert window(story, "2024-01-11", "2024-01-11") == {"added": ["july"], "corroborated": []}
    assert window(story, "2024-01-13", "2024-01-31") == {"added": [], "corroborated": []}


def test_both_ends_of_a_window_of_instants_are_included(story: TestClient) -> None:
    instant = "2024-01-12T00:00:00Z"
    assert window(story, instant, instant) == {"added": ["october"], "corroborated": ["july"]}
    assert window(story, "2024-01-11T00:00:01Z", "2024-01-11T23:59:59Z")["added"] == []


def test_a_month_as_from_starts_on_its_first_day(story: TestClient) -> None:
    assert window(story, "2024-01", "2024-01")["added"] == ["july", "october"]


def test_the_echoed_window_runs_from_the_start_of_from_to_the_end_of_to(story: TestClient) -> None:
    body = story.get(CHANGES, params={"from": "2024-01-12", "to": "2024-01-12"}).json()
    assert (body["start"], body["end"]) == ("2024-01-12T00:00:00Z", "2024-01-12T23:59:59.999999Z")


def test_a_bad_from_is_a_422_naming_from(story: TestClient) -> None:
    response = story.get(CHANGES, params={"from": "the 12th"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "from"


def test_the_command_line_takes_the_same_window(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reportedly.db'}"
    with TestClient(create_app(settings_for(tmp_path, database_url=url))) as client:
        assert client.post("/stories", json={"id": STORY, "title": "G"}, headers=ALICE).is_success
        body = meeting("october", RELAY)
        assert client.post(f"/stories/{STORY}/facts", json=body, headers=ALICE).is_success
    env = {"REPORTEDLY_DATABASE_URL": url, "COLUMNS": "200"}
    args = ["changes", STORY, "--from", "2024-01-12", "--to", "2024-01-12"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert "october" in result.output
