"""PostgreSQL as the shared store: events round-trip, and ids stay unique across processes."""

from __future__ import annotations

import multiprocessing
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

import pytest
from eventsourcing.postgres import PostgresDatastore

from api.services import NotMigrated, open_services
from api.settings import Settings
from domain.application import Reportedly
from domain.events import FactReported
from domain.loading import load_story
from domain.model import Retraction
from domain.storyfile import StoryFile
from projections.store import store_env
from tests.builders import a_meeting, a_source, a_story

pytestmark = pytest.mark.postgres

RACED = 12  # fact ids both processes append at the same moment


def _open(url: str, create_tables: bool = False) -> Reportedly:
    return Reportedly(env=store_env(url) | {"CREATE_TABLE": "y" if create_tables else "n"})


def test_a_story_written_to_postgresql_reads_back_in_a_new_process_with_its_lifecycle(
    postgres_url: str, geneva: StoryFile
) -> None:
    first = _open(postgres_url, create_tables=True)
    load_story(first, geneva, "alice")
    first.retract(
        "geneva-ai-talks",
        "geneva-2023-07",
        Retraction(source=a_source("2024-02-01"), reason="test"),
        "bob",
    )
    first.close()

    again = _open(postgres_url)
    state = again.get_fact("geneva-ai-talks", "geneva-2023-07")
    assert state.status == "retracted" and state.events[-1].writer == "bob"
    reported = [
        n
        for n in again.recorder.select_notifications(start=1, limit=10_000)
        if n.topic == "domain.events:FactReported"
    ]
    assert len(reported) == len(geneva.facts)
    event = again.mapper.to_domain_event(reported[0])
    assert isinstance(event, FactReported)
    assert event.fact.sources[0].published.isoformat() == "2024-01-11"
    again.close()


def _race(url: str, barrier: Barrier, results: Queue[list[bool]]) -> None:
    app = _open(url)
    created = []
    for n in range(RACED):
        barrier.wait(timeout=30)
        written = app.report_fact("race", a_meeting(f"meeting-{n}"), "racer")
        created.append(written.created)
    app.close()
    results.put(created)


def test_the_same_fact_id_appended_at_once_by_two_processes_is_stored_once(
    postgres_url: str,
) -> None:
    setup = _open(postgres_url, create_tables=True)
    setup.create_story(a_story("race"), "setup")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results: Queue[list[bool]] = ctx.Queue()
    racers = [ctx.Process(target=_race, args=(postgres_url, barrier, results)) for _ in "ab"]
    for racer in racers:
        racer.start()
    outcomes = [results.get(timeout=120) for _ in racers]
    for racer in racers:
        racer.join(timeout=30)
        assert racer.exitcode == 0

    # Each id: exactly one process was told "created", the other "already stored".
    assert all(a != b for a, b in zip(*outcomes, strict=True))
    reported = [
        setup.mapper.to_domain_event(n)
        for n in setup.recorder.select_notifications(start=1, limit=1000)
        if n.topic == "domain.events:FactReported"
    ]
    ids = sorted(str(e.fact.id) for e in reported if isinstance(e, FactReported))
    assert ids == sorted(f"meeting-{n}" for n in range(RACED))
    setup.close()


def test_creating_a_story_again_through_another_store_connection_appends_nothing(
    postgres_url: str,
) -> None:
    first = _open(postgres_url, create_tables=True)
    second = _open(postgres_url)
    one = first.create_story(a_story("twice"), "a")
    two = second.create_story(a_story("twice"), "b")
    assert (one.created, two.created) == (True, False)
    assert len(first.recorder.select_notifications(start=1, limit=10)) == 1
    first.close()
    second.close()


def test_a_server_with_table_creation_off_asks_for_migrate_on_an_empty_database(
    postgres_url: str,
) -> None:
    settings = Settings(database_url=postgres_url, create_tables=False)
    with pytest.raises(NotMigrated, match="reportedly migrate"):
        open_services(settings)

    open_services(settings.model_copy(update={"create_tables": True})).close()  # = migrate
    services = open_services(settings)
    assert services.read.last_position() == 0
    services.close()


def test_pool_settings_size_one_pool_shared_by_events_and_read_models(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, pool_size=2, pool_max_overflow=1, pool_timeout=3)
    services = open_services(settings)
    datastore = services.app.factory.datastore  # type: ignore[attr-defined]
    assert isinstance(datastore, PostgresDatastore)
    pool = datastore.pool
    assert (pool.min_size, pool.max_size, pool.timeout) == (2, 3, 3)
    assert services.read.store.datastore is datastore
    services.close()
