"""Meetings by their meeting id, series of talks, and facts said of neither, over HTTP.

A story of two rounds whose facts' ids differ from their meeting ids, grouped in one
series; some facts name a round, some the series as a whole, some neither. Storage tests
run on SQLite and PostgreSQL (the ``meeting`` filter and the schema are SQL).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from domain.application import Reportedly
from projections.projector import REPORTED, ReadModelProjection
from projections.queries import Clocks, fact_views, select_facts
from projections.store import open_read_store
from projections.views import LATEST, Filters
from tests.api_fixtures import ALICE, settings_for

STORY = "talks"
SERIES = "geneva-talks"
JULY, OCTOBER = "geneva-2023-07", "geneva-2023-10"
FT = {"name": "Financial Times", "published": "2024-01-11"}
ACTORS = [
    {"id": "openai", "name": "OpenAI", "kind": "company", "country": "US"},
    {"id": "cohere", "name": "Cohere", "kind": "company", "country": "CA"},
    {"id": "deepmind", "name": "Google DeepMind", "kind": "company", "country": "GB"},
    {"id": "financial-times", "name": "Financial Times", "kind": "media", "country": "GB"},
]


def fact(id: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"id": id, "kind": kind, "occurred": "2023-07", "sources": [FT]} | fields


FACTS = [
    fact("first-round-held", "meeting_held", meeting=JULY, series=SERIES, title="First round"),
    fact(
        "second-round-held",
        "meeting_held",
        occurred="2023-10",
        meeting=OCTOBER,
        series=SERIES,
        title="Second round",
    ),
    fact("openai-in-july", "participant_joined", meeting=JULY, actor="openai", role="participant"),
    fact(
        "cohere-at-the-talks",
        "participant_joined",
        occurred="2023-07/2023-10",
        series=SERIES,
        actor="cohere",
        role="participant",
        side="US",
    ),
    fact("deepmind-away", "participant_absent", series=SERIES, actor="deepmind"),
    fact("deepmind-briefed", "actor_briefed", series=SERIES, actor="deepmind"),
    fact("risks-in-october", "topic_discussed", occurred="2023-10", meeting=OCTOBER, topic="Risks"),
    fact("cooperation", "topic_discussed", series=SERIES, topic="Technical cooperation"),
    fact(
        "about-the-talks",
        "statement_made",
        occurred="2023-07/2024-01-11",
        series=SERIES,
        speaker="an anonymous participant",
        text="Agreement between these actors makes it easier to bring the others along.",
    ),
    fact(
        "about-ai-safety",
        "statement_made",
        occurred="2023-07/2024-01-11",
        speaker="a government spokesperson",
        text="We support discussing AI governance.",
    ),
    fact(
        "ft-discloses",
        "disclosure_published",
        occurred="2024-01-11",
        actor="financial-times",
        headline="Confidential AI-safety talks held in Geneva",
    ),
]


def load(client: TestClient) -> None:
    assert client.post("/stories", json={"id": STORY, "title": "Talks"}, headers=ALICE).is_success
    for actor in ACTORS:
        assert client.post("/actors", json=actor, headers=ALICE).is_success
    for body in FACTS:
        response = client.post(f"/stories/{STORY}/facts", json=body, headers=ALICE)
        assert response.status_code == 201, response.text


@pytest.fixture
def talks(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The story on SQLite, then on PostgreSQL."""
    with TestClient(create_app(settings_for(tmp_path, database_url=database_url))) as client:
        load(client)
        yield client


@pytest.fixture
def in_memory(client: TestClient) -> TestClient:
    load(client)
    return client


def ids(client: TestClient, path: str, **params: Any) -> set[str]:
    response = client.get(f"/stories/{STORY}/{path}", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def picture(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(f"/stories/{STORY}/picture", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---- the meeting filter ---------------------------------------------------------------
def test_a_meeting_id_filters_its_own_meeting_and_the_facts_naming_it(
    talks: TestClient,
) -> None:
    assert ids(talks, "facts", meeting=JULY) == {"first-round-held", "openai-in-july"}
    assert ids(talks, "facts", meeting=OCTOBER) == {"second-round-held", "risks-in-october"}
    # A fact id is not a meeting id.
    assert ids(talks, "facts", meeting="first-round-held") == set()


def test_a_series_filters_its_rounds_and_what_is_said_of_it_as_a_whole(talks: TestClient) -> None:
    assert ids(talks, "facts", meeting=SERIES) == {
        "first-round-held",
        "second-round-held",
        "cohere-at-the-talks",
        "deepmind-away",
        "deepmind-briefed",
        "cooperation",
        "about-the-talks",
    }


def test_facts_show_their_meeting_and_series_as_stored(talks: TestClient) -> None:
    items = talks.get(f"/stories/{STORY}/facts", params={"limit": 1000}).json()["items"]
    by_id = {item["id"]: item for item in items}
    assert (by_id["first-round-held"]["meeting"], by_id["first-round-held"]["series"]) == (
        JULY,
        SERIES,
    )
    assert by_id["openai-in-july"]["meeting"] == JULY and "series" not in by_id["openai-in-july"]
    assert by_id["cooperation"]["series"] == SERIES and "meeting" not in by_id["cooperation"]
    assert by_id["cohere-at-the-talks"]["side"] == "US"


def test_changes_and_the_timeline_take_the_same_meeting_filter(talks: TestClient) -> None:
    window = {"from": "2024-01-11", "to": "2024-01-11"}
    changes = talks.get(f"/stories/{STORY}/changes", params=window | {"meeting": JULY}).json()
    assert {c["fact_id"] for c in changes["added"]} == {"first-round-held", "openai-in-july"}
    figure = talks.get(f"/stories/{STORY}/timeline.json", params={"meeting": SERIES}).json()
    rows = [row for trace in figure["data"] for row in trace["meta"]["replay"]["row"]]
    assert len(set(rows)) == 7  # the two rounds and the five facts said of the series


# ---- the picture --------------------------------------------------------------------------
def test_the_picture_keys_and_names_meetings_by_meeting_id(in_memory: TestClient) -> None:
    meetings = picture(in_memory)["meetings"]
    assert [(m["id"], m["fact_id"], m["series"]) for m in meetings] == [
        (JULY, "first-round-held", SERIES),
        (OCTOBER, "second-round-held", SERIES),
    ]
    july, october = meetings
    assert july["participants_by_role"] == {"participant": ["openai"]}
    assert october["topics"] == ["Risks"]


def test_a_series_is_listed_with_its_rounds_and_what_is_said_of_it(in_memory: TestClient) -> None:
    body = picture(in_memory)
    (series,) = body["series"]
    assert series["id"] == SERIES and series["rounds"] == [JULY, OCTOBER]
    assert series["participants_by_role"] == {"participant": ["cohere"]}
    # Cohere is Canadian but sat on the US side.
    assert series["participants_by_side"] == {"US": ["cohere"]}
    assert [a["id"] for a in series["absentees"]] == ["deepmind"]
    assert [a["id"] for a in series["briefed"]] == ["deepmind"]
    assert series["topics"] == ["Technical cooperation"]
    assert [s["fact_id"] for s in series["statements"]] == ["about-the-talks"]
    # Said once, of the series: not copied into either round.
    for meeting in body["meetings"]:
        assert "cohere" not in str(meeting["participants"])
        assert "Technical cooperation" not in meeting["topics"]
        assert meeting["statements"] == []
    assert body["counts"]["series"] == 1 and body["counts"]["participants"] == 2
    actors = {a["id"]: a for a in body["actors"]}
    assert actors["cohere"]["series"] == [{"series": SERIES, "role": "participant"}]
    assert actors["openai"]["meetings"][0]["meeting"] == JULY


def test_facts_naming_no_meeting_appear_once_at_the_storys_level(in_memory: TestClient) -> None:
    body = picture(in_memory)
    places = [*body["meetings"], *body["series"]]
    everywhere = [s["fact_id"] for p in places for s in p["statements"]]
    assert "about-ai-safety" not in everywhere
    assert all(d["fact_id"] != "ft-discloses" for p in places for d in p["disclosures"])
    story_level = [s for s in body["statements"] if not (s["meeting"] or s["series"])]
    assert [s["fact_id"] for s in story_level] == ["about-ai-safety"]
    assert [d["fact_id"] for d in body["disclosures"]] == ["ft-discloses"]


def test_a_series_filter_narrows_the_picture_to_its_rounds_and_itself(
    in_memory: TestClient,
) -> None:
    body = picture(in_memory, meeting=SERIES)
    assert [m["id"] for m in body["meetings"]] == [JULY, OCTOBER]
    assert [s["id"] for s in body["series"]] == [SERIES]
    assert body["meetings"][0]["participants"] == []  # OpenAI was named of July alone
    assert [s["fact_id"] for s in body["statements"]] == ["about-the-talks"]


# ---- schema v3 ----------------------------------------------------------------------------
def test_read_models_of_an_older_schema_are_rebuilt_from_the_log(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, database_url=database_url)
    with TestClient(create_app(settings)) as client:
        load(client)
    # Make the read models look like schema 2: no series column, an older version mark.
    store = open_read_store(database_url, Reportedly.name)
    try:
        with store.transaction(commit=True) as c:
            store.execute(c, "ALTER TABLE rm_versions DROP COLUMN series")
            store.execute(c, "UPDATE rm_meta SET value = '2' WHERE key = 'schema'")
    finally:
        store.close()
    with TestClient(create_app(settings)) as client:
        assert len(ids(client, "facts", meeting=SERIES)) == 7
        assert ids(client, "facts", meeting=JULY) == {"first-round-held", "openai-in-july"}


def test_a_meeting_stored_before_meetings_had_ids_is_named_by_its_fact_id() -> None:
    old = {"id": "old-round", "kind": "meeting_held", "occurred": "2023-07", "title": "Old"}
    state = {"story": STORY, "timestamp": "2024-01-11T10:00:00+00:00", "writer": "old"}
    raw = orjson.dumps(state | {"fact": old | {"sources": [FT]}})
    store = open_read_store(None, "Reportedly")
    try:
        assert ReadModelProjection(store).project([(1, REPORTED, raw)], 0)
        with store.transaction(commit=False) as c:
            clocks = Clocks.of(LATEST)
            rows = select_facts(store, c, STORY, clocks, Filters(meeting="old-round"))
            (view,) = fact_views(store, c, STORY, clocks, rows)
    finally:
        store.close()
    assert view.meeting_named() == "old-round" and view.fields()["meeting"] == "old-round"


def test_a_meetings_disclosure_is_its_first_public_report_and_its_lag_counts_to_it(
    in_memory: TestClient,
) -> None:
    article = fact(
        "ft-on-july",
        "disclosure_published",
        occurred="2024-01-11",
        meeting=JULY,
        actor="financial-times",
        headline="The July round",
    )
    assert in_memory.post(f"/stories/{STORY}/facts", json=article, headers=ALICE).is_success
    before = in_memory.get(f"/stories/{STORY}/facts/first-round-held").json()["recorded_at"]
    earlier = {"source": {"name": "Le Monde", "published": "2024-01-10"}}
    url = f"/stories/{STORY}/facts/first-round-held/corroborations"
    assert in_memory.post(url, json=earlier, headers=ALICE).is_success

    july = picture(in_memory)["meetings"][0]
    as_recorded = picture(in_memory, recorded_at=before)["meetings"][0]

    assert july["first_reported_by"]["name"] == "Le Monde"
    assert july["first_reported_at"] == july["reported_at"] == "2024-01-10T00:00:00Z"
    assert (july["disclosed_by"], july["disclosed_at"]) == ("Le Monde", "2024-01-10T00:00:00Z")
    # Counted to 2024-01-10: from 31 July (163 days) to 1 July (193 days).
    assert (july["disclosure_lag"]["min_days"], july["disclosure_lag"]["max_days"]) == (163, 193)
    assert [d["fact_id"] for d in july["disclosures"]] == ["ft-on-july"]
    assert as_recorded["first_reported_by"]["name"] == "Financial Times"
    assert as_recorded["first_reported_at"] == "2024-01-11T00:00:00Z"
    assert as_recorded["disclosure_lag"]["max_days"] == 194
