"""Bearer tokens: writes need one, reads only when read tokens are configured."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth import token_name
from api.main import create_app
from tests.api_fixtures import ALICE, STORY, settings_for

STORY_BODY = {"id": STORY, "title": "Geneva talks"}


def test_a_write_without_a_token_is_a_401_with_a_challenge(client: TestClient) -> None:
    response = client.post("/stories", json=STORY_BODY)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"
    assert client.get("/stories").json() == []


@pytest.mark.parametrize(
    "header", ["Bearer wrong-secret", "Basic YWxpY2U6YWxpY2Utc2VjcmV0", "Bearer", "alice-secret"]
)
def test_a_write_with_a_bad_token_is_a_401_that_never_echoes_it(
    client: TestClient, header: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.post("/stories", json=STORY_BODY, headers={"Authorization": header})
    assert response.status_code == 401
    assert "secret" not in response.text.replace("REPORTEDLY_TOKENS", "")
    assert "wrong-secret" not in caplog.text and "alice-secret" not in caplog.text
    assert client.get("/stories").json() == []


def test_the_token_name_is_recorded_as_the_writer(client: TestClient) -> None:
    client.post("/stories", json=STORY_BODY, headers=ALICE)
    events = client.get(f"/stories/{STORY}/stream", params={"follow": "false"}).text
    assert '"writer":"alice"' in events


def test_reads_are_open_by_default(client: TestClient) -> None:
    assert client.get("/stories").status_code == 200


def test_with_read_tokens_reads_need_a_read_or_write_token(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, read_tokens="newsroom:read-secret")
    with TestClient(create_app(settings)) as client:
        assert client.post("/stories", json=STORY_BODY, headers=ALICE).status_code == 201
        anonymous = client.get(f"/stories/{STORY}")
        assert anonymous.status_code == 401 and "www-authenticate" in anonymous.headers
        reader = {"Authorization": "Bearer read-secret"}
        assert client.get(f"/stories/{STORY}", headers=reader).status_code == 200
        assert client.get(f"/stories/{STORY}", headers=ALICE).status_code == 200
        other = {"id": "other", "title": "Other"}
        assert client.post("/stories", json=other, headers=reader).status_code == 401
        assert client.get("/health").status_code == 200  # liveness stays open


def test_without_configured_tokens_writes_are_refused_saying_why(tmp_path: Path) -> None:
    with TestClient(create_app(settings_for(tmp_path, tokens=""))) as client:
        response = client.post("/stories", json=STORY_BODY, headers=ALICE)
        assert response.status_code == 401
        assert "REPORTEDLY_TOKENS" in response.json()["message"]


def test_a_secret_matches_only_its_own_token() -> None:
    tokens = {"alice-secret": "alice", "bob-secret": "bob"}
    assert token_name("bob-secret", tokens) == "bob"
    assert token_name("bob-secre", tokens) is None
    assert token_name("bob-secret ", tokens) is None
    assert token_name("", tokens) is None
