"""The list of stories on `/`: each story's fact count, date span and last change, from one
query over the read models, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api_fixtures import ALICE, settings_for

FT = {"name": "Financial Times", "published": "2024-01-11"}


def claim(fact_id: str, occurred: str) -> dict[str, object]:
    return {"id": fact_id, "kind": "claim", "occurred": occurred, "subject": "a",
            "predicate": "said", "object": "b", "sources": [FT]}  # fmt: skip


@pytest.fixture
def desk(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path, database_url=database_url))) as client:
        for story, title in (("talks", "The talks"), ("talks-copy", "The talks")):
            client.post("/stories", json={"id": story, "title": title}, headers=ALICE)
        facts = "/stories/talks/facts"
        for fact_id, occurred in (("a", "2023-07"), ("b", "2023-09/2024-01-11"), ("c", "2023-10")):
            assert client.post(facts, json=claim(fact_id, occurred), headers=ALICE).is_success
        correction = {"changes": {"occurred": "2023-06"}, "source": FT | {"name": "Reuters"}}
        assert client.post(f"{facts}/a/corrections", json=correction, headers=ALICE).is_success
        retraction = {"source": FT | {"name": "Reuters"}, "reason": "Withdrawn."}
        assert client.post(f"{facts}/c/retraction", json=retraction, headers=ALICE).is_success
        yield client


def test_each_story_says_its_facts_span_and_last_change(desk: TestClient) -> None:
    html = desk.get("/").text
    talks, copy = html.split('data-story="talks-copy"')
    # Three facts, one retracted; the corrected one starts in June as written (no day
    # invented), the interval ends on its own last day.
    assert "3 facts" in talks and "(1 retracted)" in talks
    assert "2023-06 \N{EN DASH} 2024-01-11" in talks
    # The two stories with one title are told apart by their ids; the empty one says so.
    assert '<span class="tag" title="story id">talks</span>' in talks
    assert "0 facts" in copy


def test_the_last_change_is_the_latest_thing_this_store_recorded(desk: TestClient) -> None:
    retracted = desk.get("/stories/talks/facts/c").json()["lifecycle"][-1]["recorded_at"]
    html = desk.get("/").text.split('data-story="talks-copy"')[0]
    assert f'<time datetime="{retracted}">' in html
