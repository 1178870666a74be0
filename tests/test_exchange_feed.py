"""A story's Atom feed, as a feed reader's parser (feedparser) reads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api import exporting
from api.main import create_app
from api.routes import feed as feed_route
from domain.storyfile import StoryFile
from tests.api_fixtures import ALICE, BOB, STORY, post_story_file, settings_for

feedparser = pytest.importorskip("feedparser")

FACTS = f"/stories/{STORY}/facts"
RELAY = {"name": "Le Monde", "published": "2024-01-12", "language": "fr"}
EARLIER = {"name": "Early wire", "published": "2024-01-05"}
US_CHINA = "US\N{EN DASH}China"


@pytest.fixture
def client(tmp_path: Path, geneva: StoryFile) -> Iterator[TestClient]:
    """Geneva, then a corroboration, a dispute, a correction and a retraction, in order."""
    yield from _geneva_acted_on(tmp_path, geneva, "memory://")


def _geneva_acted_on(tmp_path: Path, geneva: StoryFile, url: str) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path, database_url=url))) as test_client:
        post_story_file(test_client, geneva)
        acts = [
            ("geneva-2023-07/corroborations", {"source": EARLIER}),
            ("geneva-2023-07/disputes", {"source": RELAY, "note": "Only one round was held."}),
            ("geneva-2023-10/corrections", {"changes": {"place": "Nyon"}, "source": RELAY}),
            ("geneva-talks-could-feed-eu-ai-summit/retraction",
             {"source": RELAY, "reason": "The summit link was speculation."}),
        ]  # fmt: skip
        for path, body in acts:
            assert test_client.post(f"{FACTS}/{path}", json=body, headers=BOB).status_code == 201
        yield test_client


def parsed(client: TestClient, story: str = STORY) -> Any:
    response = client.get(f"/stories/{story}/feed.atom")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    return feedparser.parse(response.content)


def test_the_feed_is_atom_a_reader_parses_without_error(client: TestClient) -> None:
    feed = parsed(client)

    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title.startswith(f"Confidential {US_CHINA}")
    assert len(feed.entries) == 25 + 4  # every report, then each change to one


def test_entries_are_newest_first_with_the_change_in_words_and_names(
    client: TestClient,
) -> None:
    entries = parsed(client).entries
    first_four = [e.tags[0].term for e in entries[:4]]

    assert first_four == ["retracted", "corrected", "disputed", "corroborated"]
    retracted, corrected, disputed, corroborated = entries[:4]
    assert retracted.title.startswith("Le Monde retracted:")
    assert "The summit link was speculation." in retracted.title
    assert corrected.title == (
        f"Le Monde corrected: {US_CHINA} AI-safety talks in Geneva, second round (October 2023) "
        f"(Nyon) (it said: {US_CHINA} AI-safety talks in Geneva, second round (October 2023) "
        "(Geneva, Switzerland))"
    )
    assert "Only one round was held." in disputed.title
    assert corroborated.title.startswith(f"Early wire corroborated: {US_CHINA} AI-safety talks")
    joined = next(e for e in entries if e.link.endswith("/facts/geneva-talks-joined-openai/page"))
    # Said of the series as a whole: named by what its rounds' titles share.
    assert joined.title == (
        f"Financial Times reported: OpenAI took part in {US_CHINA} AI-safety talks in Geneva "
        "(round not said) as participant"
    )
    assert "Sources: Financial Times (2024-01-11), relayed by French-language relay" in (
        joined.content[0].value
    )


def test_updated_is_when_this_store_recorded_it_and_published_the_sources_date(
    client: TestClient,
) -> None:
    entries = parsed(client).entries
    updated = [e.updated_parsed for e in entries]

    assert updated == sorted(updated, reverse=True)
    assert entries[0].published.startswith("2024-01-12")  # Le Monde's date, not today
    assert entries[-1].published.startswith("2024-01-11")
    detail = client.get(f"{FACTS}/geneva-talks-could-feed-eu-ai-summit").json()
    retraction = next(e for e in detail["lifecycle"] if e["event"] == "retracted")
    assert entries[0].updated == retraction["recorded_at"]


def test_entry_ids_are_stable_across_requests_and_link_to_the_fact_page(
    client: TestClient,
) -> None:
    first, again = parsed(client).entries, parsed(client).entries

    assert [e.id for e in first] == [e.id for e in again]
    assert len({e.id for e in first}) == len(first)
    assert all(e.id.startswith("urn:uuid:") for e in first)
    page = first[0].link.removeprefix("http://testserver")
    assert page == f"/stories/{STORY}/facts/geneva-talks-could-feed-eu-ai-summit/page"
    assert client.get(page).status_code == 200


def test_a_new_change_adds_an_entry_on_top_and_keeps_the_others_ids(
    client: TestClient,
) -> None:
    before = [e.id for e in parsed(client).entries]
    body = {"source": {"name": "Reuters", "published": "2024-01-13"}}
    path = f"{FACTS}/geneva-2023-10/corroborations"
    assert client.post(path, json=body, headers=ALICE).is_success

    after = [e.id for e in parsed(client).entries]

    assert after[1:] == before and after[0] not in before


def test_the_feed_lists_the_newest_changes_only(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lists_the_newest_five(client, monkeypatch)


@pytest.mark.postgres
def test_on_postgresql_the_feed_lists_the_newest_changes_only(
    tmp_path: Path, geneva: StoryFile, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for client in _geneva_acted_on(tmp_path, geneva, postgres_url):
        _lists_the_newest_five(client, monkeypatch)


def _lists_the_newest_five(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_route, "FEED_ENTRIES", 5)
    monkeypatch.setattr(exporting, "PAGE", 3)  # the log read from its end in many pages

    entries = parsed(client).entries

    assert len(entries) == 5 and entries[0].tags[0].term == "retracted"
    # The same five as the whole log read from its start would end with, newest first.
    log = client.get(f"/stories/{STORY}/export").text.splitlines()
    changes = [e for e in map(orjson.loads, log) if e["event"] in feed_route.CHANGES]
    newest = [(c["event"], c.get("fact_id") or c["fact"]["id"]) for c in changes[::-1][:5]]
    assert [(e.tags[0].term, e.link.rsplit("/", 2)[-2]) for e in entries] == newest


def test_an_empty_story_has_a_valid_feed_without_entries(client: TestClient) -> None:
    client.post("/stories", json={"id": "quiet", "title": "Quiet"}, headers=ALICE)

    feed = parsed(client, "quiet")

    assert not feed.bozo and feed.entries == []


def test_an_unknown_story_has_no_feed(client: TestClient) -> None:
    response = client.get("/stories/nowhere/feed.atom")

    assert response.status_code == 404
    assert response.json()["error"] == "not_found" and "nowhere" in response.json()["message"]


def test_the_story_page_advertises_its_feed(client: TestClient) -> None:
    page = client.get(f"/stories/{STORY}/timeline").text

    assert (
        f'<link rel="alternate" type="application/atom+xml" href="/stories/{STORY}/feed.atom"'
        in page
    )
