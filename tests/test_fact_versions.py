"""A fact's versions over HTTP: what each version said, from when, on whose word."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api_fixtures import ALICE, settings_for

STORY = "geneva-ai-talks"
FACT = f"/stories/{STORY}/facts/geneva-2023-07"
FT = {"name": "Financial Times", "published": "2024-01-11"}
RELAY = {"name": "French relay", "published": "2024-01-12"}
REUTERS = {"name": "Reuters", "published": "2024-01-20"}
MEETING = {
    "id": "geneva-2023-07",
    "kind": "meeting_held",
    "occurred": "2023-07",
    "title": "Geneva talks, first round",
    "place": "Geneva",
    "sources": [FT],
}


def write(client: TestClient, path: str, body: dict[str, Any]) -> None:
    response = client.post(path, json=body, headers=ALICE)
    assert response.is_success, response.text


def correct(client: TestClient, source: dict[str, str], **changes: Any) -> None:
    write(client, f"{FACT}/corrections", {"changes": changes, "source": source})


def versions(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get(FACT, params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["versions"]
    return found


@pytest.fixture
def meeting(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """One meeting, on SQLite then on PostgreSQL."""
    with TestClient(create_app(settings_for(tmp_path, database_url=database_url))) as client:
        write(client, "/stories", {"id": STORY, "title": "Geneva talks"})
        write(client, f"/stories/{STORY}/facts", MEETING)
        yield client


def test_a_fact_never_corrected_has_one_version_its_report(meeting: TestClient) -> None:
    (first,) = versions(meeting)
    assert first["version"] == 1
    assert first["reported_at"] == "2024-01-11T00:00:00Z"
    assert first["recorded_at"].endswith("Z")
    assert first["source"]["name"] == "Financial Times"
    assert first["content"] == MEETING | {"meeting": "geneva-2023-07", "certainty": "reported"}


def test_a_corrected_fact_shows_what_it_said_before_oldest_first(meeting: TestClient) -> None:
    correct(meeting, RELAY, place="Geneva, Switzerland")
    correct(meeting, REUTERS, title="US-China AI-safety talks, first round")

    shown = versions(meeting)

    assert [v["version"] for v in shown] == [1, 2, 3]
    assert [v["reported_at"][:10] for v in shown] == ["2024-01-11", "2024-01-12", "2024-01-20"]
    assert [v["source"]["name"] for v in shown] == ["Financial Times", "French relay", "Reuters"]
    assert [v["content"]["place"] for v in shown] == ["Geneva", *["Geneva, Switzerland"] * 2]
    assert shown[2]["content"]["title"] == "US-China AI-safety talks, first round"
    assert shown[1]["content"]["title"] == MEETING["title"]
    assert all(v["content"]["id"] == "geneva-2023-07" for v in shown)


def test_versions_are_counted_on_the_asked_clocks(meeting: TestClient) -> None:
    correct(meeting, RELAY, place="Geneva, Switzerland")
    before_second = meeting.get(FACT).json()["lifecycle"][-1]["recorded_at"]
    correct(meeting, REUTERS, title="US-China AI-safety talks, first round")

    assert [v["version"] for v in versions(meeting, known_at="2024-01-15")] == [1, 2]
    assert [v["version"] for v in versions(meeting, known_at="2024-01-11")] == [1]
    assert [v["version"] for v in versions(meeting, recorded_at=before_second)] == [1, 2]


def test_a_correction_citing_an_earlier_source_is_shown_without_the_later_one(
    meeting: TestClient,
) -> None:
    correct(meeting, REUTERS, title="US-China AI-safety talks, first round")
    correct(meeting, RELAY, place="Geneva, Switzerland")  # recorded second, published first

    as_of_15th = versions(meeting, known_at="2024-01-15")

    assert [v["version"] for v in as_of_15th] == [1, 3]
    assert as_of_15th[1]["content"]["place"] == "Geneva, Switzerland"
    assert as_of_15th[1]["content"]["title"] == MEETING["title"]  # Reuters not yet public


def test_an_earlier_corroboration_makes_the_first_version_public_from_its_date(
    meeting: TestClient,
) -> None:
    earlier = {"name": "Politico", "published": "2024-01-10"}
    write(meeting, f"{FACT}/corroborations", {"source": earlier})

    (first,) = versions(meeting)

    assert first["reported_at"] == "2024-01-10T00:00:00Z"
    assert first["source"]["name"] == "Politico"
    assert meeting.get(FACT).json()["reported_at"] == first["reported_at"]
