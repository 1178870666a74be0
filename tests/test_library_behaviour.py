"""What the project relies on in eventsourcing 9.5 beyond its documented use.

Each test pins one behaviour ``docs/projections.md`` names: if an upgrade of the library
changes it, the test says which of our shortcuts to look at again.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import Recording
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from domain.application import Reportedly
from domain.events import StoryCreated, story_uuid
from domain.model import Story
from projections.readmodels import ReadModels
from projections.store import SQLiteReadStore, store_env
from tests.builders import a_meeting, a_story

# ---- Reportedly.save: the library's save, without its per-object protocol check -------


def test_the_library_save_still_takes_the_steps_our_save_repeats() -> None:
    # Reportedly.save calls _record, _take_snapshots and _notify itself, in this order,
    # on a ProcessingEvent it fills directly; a new step here must be added there too.
    source = inspect.getsource(Application.save)
    steps = re.findall(r"(collect_events|_record|_take_snapshots|_notify|\.notify)\(", source)
    assert steps == ["collect_events", "_record", "_take_snapshots", "_notify", ".notify"]
    fresh: ProcessingEvent[UUID] = ProcessingEvent()
    assert (fresh.events, fresh.saved_kwargs, fresh.aggregates, fresh.tracking) == (
        [],
        {},
        {},
        None,
    )


def story_created(story: str) -> StoryCreated:
    return StoryCreated(
        originator_id=story_uuid(story),
        originator_version=1,
        timestamp="2024-01-12T09:00:00Z",
        writer="test",
        story=Story(id=story, title="A story"),
    )


class Notified(Reportedly):
    """Records what ``_notify`` is given (subclasses of the library hook in there)."""

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self.notified: list[list[Recording[UUID]]] = []

    def _notify(self, recordings: list[Recording[UUID]]) -> None:
        self.notified.append(recordings)


def test_our_save_stores_and_notifies_what_the_library_save_would() -> None:
    ours, libraries = Notified(env=store_env("memory://")), Notified(env=store_env("memory://"))
    try:
        saved = ours.save(story_created("s"))  # our path: every object is our event
        Application.save(libraries, story_created("s"))  # the library's own path
        stored = [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for app in (ours, libraries)
            for n in app.recorder.select_notifications(start=1, limit=10)
        ]
        assert stored[0] == stored[1] and len(stored) == 2
        assert [r.notification.id for r in saved] == [1]
        assert [len(r) for r in ours.notified] == [len(r) for r in libraries.notified] == [1]
    finally:
        ours.close()
        libraries.close()


# ---- the read models read the log themselves ---------------------------------------------


@pytest.fixture
def stores(database_url: str) -> Iterator[tuple[Reportedly, ReadModels]]:
    app = Reportedly(env=store_env(database_url))
    read = ReadModels(app, database_url)
    app.create_story(a_story(), "test")
    app.report_facts("geneva-ai-talks", [a_meeting(), a_meeting("geneva-2023-10")], "test")
    yield app, read
    read.close()
    app.close()


def test_notifications_are_read_in_order_from_a_position_inclusive(
    stores: tuple[Reportedly, ReadModels],
) -> None:
    # ReadModels._catch_up pages the log with select_notifications(start=tracked + 1,
    # inclusive_of_start=True): positions are the notification ids, in order, no gaps
    # in one writer's appends.
    app, _ = stores
    last = app.recorder.max_notification_id()
    assert last is not None and last >= 3
    page = app.recorder.select_notifications(start=2, limit=2, inclusive_of_start=True)
    assert [n.id for n in page] == [2, 3]


def test_the_events_table_read_by_sql_is_the_log_the_library_reads(
    stores: tuple[Reportedly, ReadModels],
) -> None:
    # attach_events reads the library's events table directly: on SQLite its rowid is
    # the notification id, on PostgreSQL its notification_id column; state is our JSON.
    app, read = stores
    direct = read.store.read_log(0, 100)
    assert direct is not None, "the read store reads the events table of its own database"
    library = app.recorder.select_notifications(start=1, limit=100)
    assert direct == [(n.id, n.topic, n.state) for n in library]


def test_our_tracking_claim_is_the_library_tracking_position(
    stores: tuple[Reportedly, ReadModels],
) -> None:
    # claim() moves the row of the library's own tracking table by compare-and-set; the
    # library's TrackingRecorder methods must read the same position back.
    app, read = stores
    read.catch_up()
    last = app.recorder.max_notification_id()
    assert last is not None
    assert read.store.max_tracking_id(app.name) == last
    assert read.store.has_tracking_id(app.name, last)
    with read.store.transaction(commit=True) as c:
        assert not read.store.claim(c, last - 1, last + 1)  # someone else's position: no


def test_a_sqlite_read_store_hands_out_the_drivers_own_cursor(sqlite_url: str) -> None:
    # read_log takes plain tuples from sqlite3 itself through SQLiteCursor.sqlite_cursor.
    app = Reportedly(env=store_env(sqlite_url))
    read = ReadModels(app, sqlite_url)
    try:
        assert isinstance(read.store, SQLiteReadStore)
        with read.store.transaction(commit=False) as c:
            assert isinstance(c, SQLiteCursor)
            assert c.sqlite_cursor.connection.execute("SELECT 1").fetchone()[0] == 1
        recorder = app.recorder
        assert isinstance(recorder, SQLiteApplicationRecorder)
        # Which file and whether in memory: how the read store finds the events beside it.
        assert recorder.datastore.pool.db_name == read.store.datastore.pool.db_name
        assert not read.store.datastore.pool.is_sqlite_memory_mode
    finally:
        read.close()
        app.close()


# ---- the follower: the library's subscription, or polling ---------------------------------


def test_sqlite_offers_no_subscription_so_the_follower_polls(sqlite_url: str) -> None:
    app = Reportedly(env=store_env(sqlite_url))
    try:
        with pytest.raises(NotImplementedError):
            app.recorder.subscribe(gt=0)
    finally:
        app.close()


@pytest.mark.postgres
def test_a_postgresql_subscription_wakes_on_an_append_after_it(postgres_url: str) -> None:
    # The follower sleeps on this; what it cannot rely on (an append racing the start of
    # LISTEN) is covered by its poll, see test_the_project_worker_applies_events_no_api_
    # process_projected in test_postgres_projection.py.
    app = Reportedly(env=store_env(postgres_url))
    try:
        app.create_story(a_story(), "test")
        assert isinstance(app.recorder, PostgresApplicationRecorder)
        seen: list[int] = []
        with app.recorder.subscribe(gt=app.recorder.max_notification_id()) as subscription:
            timer = threading.Timer(0.5, subscription.stop)
            app.report_facts("geneva-ai-talks", [a_meeting()], "test")
            timer.start()
            for notification in subscription:
                seen.append(notification.id)
                break
            timer.cancel()
        assert seen, "the subscription delivered nothing appended after it began"
    finally:
        app.close()


def test_compressed_events_are_decoded_through_the_mappers_own_compressor(
    sqlite_url: str,
) -> None:
    # ReadModels reads mapper.compressor and mapper.cipher: stored bytes that are not our
    # JSON are never read by SQL (no attach_events), but decoded as the mapper would.
    env = {**store_env(sqlite_url), "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"}
    app = Reportedly(env=env)
    read = ReadModels(app, sqlite_url)
    try:
        assert app.mapper.compressor is not None and app.mapper.cipher is None
        app.create_story(a_story(), "test")
        app.report_facts("geneva-ai-talks", [a_meeting()], "test")
        assert read.store.read_log(0, 10) is None
        read.catch_up()
        assert [f.id for f in read.facts("geneva-ai-talks").items] == ["geneva-2023-07"]
    finally:
        read.close()
        app.close()


@pytest.mark.postgres
def test_on_postgresql_the_read_store_shares_the_applications_pool(postgres_url: str) -> None:
    # ReadModels takes the application's datastore from app.factory.datastore, so one
    # process holds one pool (its size, timeout and pre-ping settings) for both.
    app = Reportedly(env=store_env(postgres_url))
    read = ReadModels(app, postgres_url)
    try:
        assert read.store.datastore is app.factory.datastore  # type: ignore[attr-defined]
    finally:
        read.close()
        app.close()
