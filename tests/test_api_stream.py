"""Server-sent events per story: one message per event, resumable with Last-Event-ID."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from tests.api_fixtures import STORY

STREAM = f"/stories/{STORY}/stream"


def messages(text: str) -> list[tuple[int, dict[str, Any]]]:
    """(id, data) of each message; ping comments are skipped."""
    out = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line
            and not line.startswith(":")
        )  # fmt: skip
        if "data" in fields:
            out.append((int(fields["id"]), orjson.loads(fields["data"])))
    return out


def test_each_event_is_a_message_with_its_position_fact_kind_and_clocks(
    geneva_client: TestClient,
) -> None:
    response = geneva_client.get(STREAM, params={"follow": "false"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    received = messages(response.text)
    assert received[0][1]["event"] == "story_created"
    reported = [data for _, data in received if data["event"] == "reported"]
    assert len(reported) == 25
    first = next(d for d in reported if d["fact_id"] == "geneva-2023-07")
    assert first["kind"] == "meeting_held" and first["occurred"] == "2023-07"
    assert first["reported_at"].startswith("2024-01-11") and first["recorded_at"]
    ids = [i for i, _ in received]
    assert ids == sorted(ids) and all(i == d["position"] for i, d in received)


def test_reconnecting_with_last_event_id_resumes_after_it(geneva_client: TestClient) -> None:
    everything = messages(geneva_client.get(STREAM, params={"follow": "false"}).text)
    middle = everything[20][0]
    resumed = geneva_client.get(
        STREAM, params={"follow": "false"}, headers={"Last-Event-ID": str(middle)}
    )
    assert [i for i, _ in messages(resumed.text)] == [i for i, _ in everything[21:]]


def test_the_stream_of_an_unknown_story_is_a_404(geneva_client: TestClient) -> None:
    assert geneva_client.get("/stories/nowhere/stream").status_code == 404


def test_a_bad_last_event_id_is_a_422_naming_it(geneva_client: TestClient) -> None:
    response = geneva_client.get(STREAM, headers={"Last-Event-ID": "yesterday"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "last-event-id"
