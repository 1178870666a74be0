"""Every instant the service writes is RFC 3339 in UTC with `Z`, and all paths agree."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta, timezone

import orjson
from fastapi.testclient import TestClient

from projections.views import rfc3339
from tests.api_fixtures import ALICE
from tests.test_api_stream import messages

STORY = "geneva-ai-talks"
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
FT = {"name": "Financial Times", "published": "2024-01-11"}
MEETING = {"id": "july", "kind": "meeting_held", "occurred": "2023-07", "title": "July"}


def test_the_serializer_writes_utc_with_z_whatever_the_zone() -> None:
    assert rfc3339(datetime(2024, 1, 11, tzinfo=UTC)) == "2024-01-11T00:00:00Z"
    plus_two = timezone(timedelta(hours=2))
    assert rfc3339(datetime(2024, 1, 11, 12, tzinfo=plus_two)) == "2024-01-11T10:00:00Z"
    assert rfc3339(datetime(2024, 1, 11, 0, 0, 0, 5)) == "2024-01-11T00:00:00.000005Z"


def test_the_api_the_exports_and_the_stream_write_one_recorded_time(client: TestClient) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva talks"}, headers=ALICE)
    created = client.post(
        f"/stories/{STORY}/facts", json=MEETING | {"sources": [FT]}, headers=ALICE
    ).json()
    recorded = created["recorded_at"]
    assert RFC3339_Z.match(recorded), recorded

    item = client.get(f"/stories/{STORY}/facts").json()["items"][0]
    detail = client.get(f"/stories/{STORY}/facts/july").json()
    jsonl = client.get(f"/stories/{STORY}/export", params={"format": "jsonl"}).text
    lines = [orjson.loads(line) for line in jsonl.splitlines()]
    exported = next(line for line in lines if line["event"] == "reported")
    table = client.get(f"/stories/{STORY}/export", params={"format": "csv"}).text
    row = next(csv.DictReader(io.StringIO(table)))
    stream = client.get(f"/stories/{STORY}/stream", params={"follow": "false"}).text
    streamed = next(data for _, data in messages(stream) if data["event"] == "reported")

    assert item["recorded_at"] == detail["recorded_at"] == recorded
    assert detail["lifecycle"][0]["recorded_at"] == detail["versions"][0]["recorded_at"] == recorded
    assert exported["recorded_at"] == row["recorded_at"] == streamed["recorded_at"] == recorded
    assert all(RFC3339_Z.match(line["recorded_at"]) for line in lines)
    assert item["reported_at"] == row["reported_at"] == streamed["reported_at"]
    assert item["reported_at"] == "2024-01-11T00:00:00Z"
    assert (row["occurred_earliest"], row["occurred_latest"]) == (
        "2023-07-01T00:00:00Z",
        "2023-08-01T00:00:00Z",
    )


def test_asked_times_are_echoed_in_utc(client: TestClient) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva talks"}, headers=ALICE)
    params = {"known_at": "2024-01-11T12:00:00+02:00"}
    picture = client.get(f"/stories/{STORY}/picture", params=params).json()
    assert picture["as_of"]["known_at"] == "2024-01-11T10:00:00Z"
    changes = client.get(f"/stories/{STORY}/changes", params={"from": "2024-01-11"}).json()
    assert changes["start"] == "2024-01-11T00:00:00Z" and RFC3339_Z.match(changes["end"])
