"""With private reads, a browser signs in once and the timeline page then works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from domain.storyfile import StoryFile
from tests.api_fixtures import post_story_file, settings_for

READER = "reader-secret"
PAGE = "/stories/geneva-ai-talks/timeline"
HTML = {"Accept": "text/html"}


@pytest.fixture
def client(tmp_path: Path, geneva: StoryFile) -> Iterator[TestClient]:
    settings = settings_for(tmp_path, read_tokens=f"newsroom:{READER}")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        post_story_file(client, geneva)
        yield client


def test_a_browser_without_a_token_is_sent_to_the_sign_in_form(client: TestClient) -> None:
    response = client.get(PAGE, params={"known_at": "2024-01-11"}, headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin?next=")
    form = client.get(response.headers["location"])
    assert form.status_code == 200 and 'name="token"' in form.text
    assert "/stories/geneva-ai-talks/timeline" in form.text


def test_signing_in_keeps_the_token_in_a_cookie_the_page_requests_carry(
    client: TestClient,
) -> None:
    signed = client.post("/signin", data={"token": READER, "next": PAGE})
    assert signed.status_code == 303 and signed.headers["location"] == PAGE
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    page = client.get(PAGE, headers=HTML)
    assert page.status_code == 200 and READER not in page.text
    figure = client.get("/stories/geneva-ai-talks/timeline.json")
    assert figure.status_code == 200


def test_a_wrong_token_signs_nobody_in(client: TestClient) -> None:
    refused = client.post("/signin", data={"token": "guess", "next": PAGE})
    assert refused.status_code == 401 and "not valid" in refused.text
    assert "set-cookie" not in refused.headers
    assert client.get("/stories/geneva-ai-talks/facts").status_code == 401


def test_sign_in_never_redirects_to_another_site(client: TestClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "\\\\evil"):
        signed = client.post("/signin", data={"token": READER, "next": target})
        assert signed.headers["location"] == "/"


def test_api_clients_still_get_a_401_not_a_redirect(client: TestClient) -> None:
    response = client.get("/stories/geneva-ai-talks/picture")
    assert response.status_code == 401 and "Bearer" in response.headers["www-authenticate"]


def test_with_open_reads_sign_in_is_for_writers(tmp_path: Path) -> None:
    with TestClient(create_app(settings_for(tmp_path))) as open_client:
        form = open_client.get("/signin")
        assert form.status_code == 200 and "write token" in form.text
        assert "Reads on this server are private" not in form.text
