"""Writing over HTTP: actors, stories, facts and their lifecycle, with bearer tokens."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_fixtures import ALICE, BOB, STORY

FT = {"name": "Financial Times", "published": "2024-01-11", "language": "en"}
RELAY = {"name": "French relay", "published": "2024-01-12", "language": "fr"}
MEETING = {
    "id": "geneva-2023-07",
    "kind": "meeting_held",
    "occurred": "2023-07",
    "title": "Geneva talks, first round",
    "place": "Geneva, Switzerland",
    "sources": [FT],
}
OPENAI = {"id": "openai", "name": "OpenAI", "kind": "company", "country": "US"}


def joined(**changes: Any) -> dict[str, Any]:
    return {
        "id": "geneva-2023-07-joined-openai",
        "kind": "participant_joined",
        "occurred": "2023-07",
        "meeting": "geneva-2023-07",
        "actor": "openai",
        "role": "participant",
        "sources": [FT],
    } | changes


@pytest.fixture
def story(client: TestClient) -> str:
    client.post("/stories", json={"id": STORY, "title": "Geneva talks"}, headers=ALICE)
    client.post("/actors", json=OPENAI, headers=ALICE)
    client.post(f"/stories/{STORY}/facts", json=MEETING, headers=ALICE)
    return STORY


# ---- actors and stories ---------------------------------------------------------------
def test_an_actor_is_registered_once_and_listed(client: TestClient) -> None:
    created = client.post("/actors", json=OPENAI, headers=ALICE)
    assert created.status_code == 201
    assert created.json()["id"] == "openai" and created.json()["position"] >= 1
    again = client.post("/actors", json=OPENAI, headers=BOB)
    assert again.status_code == 200
    listed = OPENAI | {"aliases": [], "labels": {}, "wikidata": None}
    assert client.get("/actors").json() == [listed]
    assert client.get("/actors/openai").json()["name"] == "OpenAI"


def test_an_actor_id_with_other_content_is_a_409_naming_the_field(client: TestClient) -> None:
    client.post("/actors", json=OPENAI, headers=ALICE)
    response = client.post("/actors", json=OPENAI | {"country": "GB"}, headers=ALICE)
    assert response.status_code == 409
    assert [p["field"] for p in response.json()["problems"]] == ["country"]


def test_a_story_is_created_listed_and_read(client: TestClient) -> None:
    body = {"id": STORY, "title": "Geneva talks", "description": "Two rounds in 2023."}
    assert client.post("/stories", json=body, headers=ALICE).status_code == 201
    assert client.post("/stories", json=body, headers=ALICE).status_code == 200
    assert client.get("/stories").json() == [body]
    assert client.get(f"/stories/{STORY}").json() == body


def test_unknown_actor_and_story_are_404s_naming_what_is_missing(client: TestClient) -> None:
    for path, name in (("/actors/tencent", "tencent"), ("/stories/nowhere", "nowhere")):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found" and name in response.json()["message"]


# ---- facts ----------------------------------------------------------------------------
def test_a_fact_is_appended_with_201_and_its_position(client: TestClient, story: str) -> None:
    response = client.post(f"/stories/{story}/facts", json=joined(), headers=BOB)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "story", "position", "recorded_at"}
    assert body["id"] == "geneva-2023-07-joined-openai" and body["story"] == story
    assert isinstance(body["position"], int)


def test_the_same_fact_again_is_a_200_and_appends_nothing(client: TestClient, story: str) -> None:
    first = client.post(f"/stories/{story}/facts", json=joined(), headers=BOB).json()
    again = client.post(f"/stories/{story}/facts", json=joined(), headers=BOB)
    assert again.status_code == 200
    assert again.json() == first
    log = client.get(f"/stories/{story}/stream", params={"follow": "false"}).text
    assert log.count("geneva-2023-07-joined-openai") == 1


def test_the_same_id_with_other_content_is_a_409_naming_the_fields(
    client: TestClient, story: str
) -> None:
    client.post(f"/stories/{story}/facts", json=joined(), headers=BOB)
    response = client.post(f"/stories/{story}/facts", json=joined(role="observer"), headers=BOB)
    assert response.status_code == 409
    assert "role" in response.json()["message"]
    named = [p["field"] for p in response.json()["problems"] if p["field"] != "id"]
    assert named == ["role"]
    detail = client.get(f"/stories/{story}/facts/geneva-2023-07-joined-openai").json()
    assert detail["role"] == "participant"


def test_a_fact_without_id_gets_one(client: TestClient, story: str) -> None:
    fact = joined()
    del fact["id"]
    response = client.post(f"/stories/{story}/facts", json=fact, headers=BOB)
    assert response.status_code == 201
    assert response.json()["id"].startswith("participant-joined-")


def test_a_fact_is_read_back_right_after_it_is_acknowledged(client: TestClient, story: str) -> None:
    for i in range(5):
        fact = joined(id=f"joined-{i}")
        assert client.post(f"/stories/{story}/facts", json=fact, headers=BOB).status_code == 201
        assert client.get(f"/stories/{story}/facts/joined-{i}").status_code == 200


def test_a_fact_naming_unknown_actor_and_meeting_lists_both_problems(
    client: TestClient, story: str
) -> None:
    response = client.post(
        f"/stories/{story}/facts",
        json=joined(actor="tencent", meeting="geneva-1999"),
        headers=BOB,
    )
    assert response.status_code == 422
    assert {p["field"] for p in response.json()["problems"]} == {"actor", "meeting"}


def test_a_fact_in_an_unknown_story_is_a_404(client: TestClient) -> None:
    response = client.post("/stories/nowhere/facts", json=MEETING, headers=ALICE)
    assert response.status_code == 404 and "nowhere" in response.json()["message"]


def test_a_bad_fact_names_each_field_and_why(client: TestClient, story: str) -> None:
    bad = MEETING | {"id": "x-1", "occurred": "July 2023", "sources": [{"name": "FT"}]}
    response = client.post(f"/stories/{story}/facts", json=bad, headers=BOB)
    assert response.status_code == 422
    problems = {p["field"]: p["message"] for p in response.json()["problems"]}
    assert "EDTF" in problems["occurred"]
    assert "sources.0.published" in problems
    assert response.json()["problems"][0]["loc"][0] == "body"


def test_an_unknown_kind_is_refused_naming_kind(client: TestClient, story: str) -> None:
    response = client.post(
        f"/stories/{story}/facts", json=MEETING | {"kind": "rumour"}, headers=BOB
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "kind"


# ---- the lifecycle --------------------------------------------------------------------
def test_the_lifecycle_is_appended_and_shown_with_writers(client: TestClient, story: str) -> None:
    base = f"/stories/{story}/facts/geneva-2023-07"
    steps = [
        ("corroborations", {"source": RELAY}, "corroborated"),
        ("disputes", {"source": RELAY, "note": "Another account dates it to June."}, "disputed"),
        ("corrections", {"changes": {"place": "Geneva"}, "source": RELAY}, "corrected"),
        ("retraction", {"source": RELAY, "reason": "Withdrawn by the relay."}, "retracted"),
    ]
    for path, body, event in steps:
        response = client.post(f"{base}/{path}", json=body, headers=BOB)
        assert response.status_code == 201, response.text
        assert response.json()["event"] == event and response.json()["id"] == "geneva-2023-07"
    detail = client.get(base).json()
    assert [e["event"] for e in detail["lifecycle"]] == [
        "reported",
        "corroborated",
        "disputed",
        "corrected",
        "retracted",
    ]
    assert [e["writer"] for e in detail["lifecycle"]] == ["alice"] + ["bob"] * 4
    assert detail["status"] == "retracted" and detail["place"] == "Geneva"


def test_a_retracted_fact_cannot_be_corrected(client: TestClient, story: str) -> None:
    base = f"/stories/{story}/facts/geneva-2023-07"
    client.post(f"{base}/retraction", json={"source": RELAY, "reason": "Withdrawn."}, headers=BOB)
    response = client.post(
        f"{base}/corrections", json={"changes": {"place": "Bern"}, "source": RELAY}, headers=BOB
    )
    assert response.status_code == 409 and "retracted" in response.json()["message"]
    assert response.json()["problems"][0]["field"] == "status"


def test_a_correction_cannot_change_the_kind_or_break_the_fact(
    client: TestClient, story: str
) -> None:
    base = f"/stories/{story}/facts/geneva-2023-07/corrections"
    kind = client.post(base, json={"changes": {"kind": "claim"}, "source": RELAY}, headers=BOB)
    assert kind.status_code == 422 and kind.json()["problems"][0]["field"] == "changes.kind"
    date = client.post(base, json={"changes": {"occurred": "soon"}, "source": RELAY}, headers=BOB)
    assert date.status_code == 422
    assert date.json()["problems"][0]["field"] == "changes.occurred"


def test_acting_on_an_unknown_fact_is_a_404(client: TestClient, story: str) -> None:
    response = client.post(
        f"/stories/{story}/facts/nothing-here/corroborations", json={"source": RELAY}, headers=BOB
    )
    assert response.status_code == 404 and "nothing-here" in response.json()["message"]


def test_a_lifecycle_body_missing_its_reason_names_the_field(
    client: TestClient, story: str
) -> None:
    response = client.post(
        f"/stories/{story}/facts/geneva-2023-07/retraction", json={"source": RELAY}, headers=BOB
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "reason"
