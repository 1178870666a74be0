"""The embedded SQLite store keeps every event across restarts."""

from __future__ import annotations

from uuid import uuid5

from hypothesis import given
from hypothesis import strategies as st

from domain.application import Reportedly
from domain.events import NAMESPACE, FactReported, fact_uuid, named_uuid
from domain.loading import load_story
from domain.model import Retraction
from domain.storyfile import StoryFile
from projections.store import store_env
from tests.builders import a_source


def test_a_restart_keeps_the_story_its_facts_and_their_lifecycle(
    sqlite_url: str, geneva: StoryFile
) -> None:
    first = Reportedly(env=store_env(sqlite_url))
    load_story(first, geneva, "alice")
    first.retract(
        "geneva-ai-talks",
        "geneva-2023-07",
        Retraction(source=a_source("2024-02-01"), reason="test"),
        "bob",
    )
    first.close()

    again = Reportedly(env=store_env(sqlite_url))
    state = again.get_fact("geneva-ai-talks", "geneva-2023-07")
    assert state.status == "retracted" and state.events[-1].writer == "bob"
    assert again.get_story("geneva-ai-talks").story.title == geneva.story.title
    reported = [
        n
        for n in again.recorder.select_notifications(start=1, limit=10_000)
        if n.topic.endswith("FactReported")
    ]
    assert len(reported) == len(geneva.facts)
    event = again.mapper.to_domain_event(reported[0])
    assert (
        isinstance(event, FactReported)
        and event.fact.sources[0].published.isoformat() == "2024-01-11"
    )
    again.close()


def test_memory_sqlite_and_postgres_urls_map_to_eventsourcing_settings() -> None:
    assert store_env("memory://")["PERSISTENCE_MODULE"] == "eventsourcing.popo"
    assert store_env("sqlite:///data/r.db")["SQLITE_DBNAME"] == "/data/r.db"
    pg = store_env("postgresql://ed:s%40cret@db.example:5433/news")
    assert (pg["POSTGRES_HOST"], pg["POSTGRES_PORT"], pg["POSTGRES_DBNAME"]) == (
        "db.example",
        "5433",
        "news",
    )
    assert pg["POSTGRES_PASSWORD"] == "s@cret"


@given(st.text(max_size=200))
def test_every_id_is_the_uuid5_it_always_was_so_stores_written_before_keep_their_facts(
    name: str,
) -> None:
    # A stored aggregate is found again by the id its name derives; a faster derivation
    # must give exactly the standard uuid5 in our namespace, for any name at all.
    assert named_uuid(name) == uuid5(NAMESPACE, name)
    assert fact_uuid("geneva-ai-talks", name) == uuid5(NAMESPACE, f"fact/geneva-ai-talks/{name}")
