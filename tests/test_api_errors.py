"""Bad input of every sort is a 4xx with a JSON body naming the field; never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api_fixtures import ALICE, STORY, settings_for

STORY_BODY = {"id": STORY, "title": "Geneva talks"}


@pytest.fixture
def small(tmp_path: Path) -> Iterator[TestClient]:
    """Limits of 2 kB for JSON bodies and 8 kB for imports."""
    settings = settings_for(tmp_path, max_body_bytes=2000, max_import_bytes=8000)
    with TestClient(create_app(settings)) as client:
        client.post("/stories", json=STORY_BODY, headers=ALICE)
        yield client


def _fact_line(i: int) -> bytes:
    return (
        b'{"id": "claim-%d", "kind": "claim", "occurred": "2023", "subject": "s", '
        b'"predicate": "p", "object": "o", "sources": [{"name": "FT", "published": "2024-01-11"}]}'
        % i
    )


def test_a_body_over_the_limit_is_a_413_and_appends_nothing(small: TestClient) -> None:
    big = {"id": "big", "title": "x" * 400, "description": "y" * 3000}
    response = small.post("/stories", json=big, headers=ALICE)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and "2000" in response.json()["message"]
    assert small.get("/stories/big").status_code == 404


def test_a_chunked_body_over_the_limit_is_a_413(small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"id": "big", "title": "'
        for _ in range(30):
            yield b"x" * 100
        yield b'"}'

    response = small.post(
        "/stories", content=chunks(), headers=ALICE | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert small.get("/stories/big").status_code == 404


def test_the_import_has_its_own_larger_limit(small: TestClient) -> None:
    fits = b"\n".join(_fact_line(i) for i in range(20))  # about 3 kB: over 2 kB, under 8 kB
    assert 2000 < len(fits) < 8000
    response = small.post(f"/stories/{STORY}/import", content=fits, headers=ALICE)
    assert response.status_code == 200, response.text
    too_big = b"\n".join(_fact_line(i) for i in range(100, 160))
    response = small.post(f"/stories/{STORY}/import", content=too_big, headers=ALICE)
    assert response.status_code == 413
    assert small.get(f"/stories/{STORY}/facts/claim-100").status_code == 404


def test_malformed_json_is_a_422_saying_so(client: TestClient) -> None:
    response = client.post(
        "/stories", content=b'{"id": "x", ', headers=ALICE | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["message"]


def test_a_body_that_is_not_an_object_names_the_body(client: TestClient) -> None:
    response = client.post("/stories", json=["geneva"], headers=ALICE)
    assert response.status_code == 422
    assert response.json()["problems"][0]["loc"][0] == "body"


@pytest.mark.parametrize(
    "value",
    ["yesterday", "2024-13-01", "2024-02-30", "9999-12-31", "0001-01-01T00:00:00+01:00", ""],
)
def test_a_bad_known_at_is_a_422_naming_known_at(client: TestClient, value: str) -> None:
    client.post("/stories", json=STORY_BODY, headers=ALICE)
    response = client.get(f"/stories/{STORY}/facts", params={"known_at": value})
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["field"] == "known_at" and problem["loc"] == ["query", "known_at"]


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
def test_a_limit_out_of_range_is_a_422_naming_limit(client: TestClient, limit: str) -> None:
    client.post("/stories", json=STORY_BODY, headers=ALICE)
    response = client.get(f"/stories/{STORY}/facts", params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "limit"


def test_an_unknown_kind_filter_is_a_422(client: TestClient) -> None:
    client.post("/stories", json=STORY_BODY, headers=ALICE)
    response = client.get(f"/stories/{STORY}/facts", params={"kind": "rumour"})
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "kind.0"


def test_an_id_that_is_not_a_slug_is_a_422_naming_it(client: TestClient) -> None:
    response = client.get("/stories/Not A Slug")
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "story"


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = client.delete("/stories")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_values_past_what_the_store_can_hold_are_422s(client: TestClient) -> None:
    client.post("/stories", json=STORY_BODY, headers=ALICE)
    huge_cursor = "WzkyMjMzNzIwMzY4NTQ3NzU4MTMsIngiXQ"  # [2**63 + 5, "x"]
    assert client.get(f"/stories/{STORY}/facts", params={"cursor": huge_cursor}).status_code == 422
    stream = client.get(f"/stories/{STORY}/stream", params={"after": str(2**70)})
    assert stream.status_code == 422 and stream.json()["problems"][0]["field"] == "after"
    last_day = {"kind": "claim", "occurred": "9999-12-31", "subject": "a", "predicate": "b",
                "object": "c", "sources": [{"name": "FT", "published": "2024-01-11"}]}  # fmt: skip
    response = client.post(f"/stories/{STORY}/facts", json=last_day, headers=ALICE)
    assert response.status_code == 422
    assert client.get(f"/stories/{STORY}/facts").json()["items"] == []
