"""Read models follow the log exactly once: crashes, rebuilds and concurrent projectors."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from domain.application import Reportedly
from domain.clocks import parse_instant
from domain.model import Correction, Corroboration, Dispute, Retraction
from projections import parallel, projector, readmodels
from projections.readmodels import ReadModels
from projections.schema import INDEXES
from projections.store import SQLiteReadStore, store_env
from projections.views import AsOf
from tests.builders import a_fact, a_meeting, a_source, a_story, an_actor, joined

STORY = "geneva-ai-talks"
ACTORS = ("openai", "anthropic", "cohere", "baidu")


def write_history(app: Reportedly, rounds: int = 3) -> None:
    """Meetings with participants, each acted on by every kind of lifecycle event."""
    app.create_story(a_story(), "analyst")
    for actor in ACTORS:
        app.register_actor(an_actor(actor, actor.title()), "analyst")
    for n in range(rounds):
        meeting = f"round-{n}"
        app.report_facts(
            STORY,
            [a_meeting(meeting, f"2023-0{n + 1}"), *(joined(a, meeting) for a in ACTORS)],
            "analyst",
        )
        later = a_source(f"2024-0{n + 2}-01", "Reuters")
        app.corroborate(STORY, f"{meeting}-joined-openai", Corroboration(source=later), "analyst")
        app.dispute(STORY, f"{meeting}-joined-anthropic", Dispute(source=later, note="no"), "x")
        app.correct(
            STORY,
            f"{meeting}-joined-cohere",
            Correction(changes={"role": "observer"}, source=later),
            "analyst",
        )
        app.retract(STORY, f"{meeting}-joined-baidu", Retraction(source=later, reason="wrong"), "x")


def open_app(url: str) -> Reportedly:
    return Reportedly(env=store_env(url))


@pytest.fixture
def store(database_url: str) -> Iterator[tuple[Reportedly, str]]:
    app = open_app(database_url)
    yield app, database_url
    app.close()


def row_counts(read: ReadModels) -> dict[str, int]:
    return {table: len(rows) for table, rows in read.store.dump().items()}


def test_rebuilding_from_the_log_gives_exactly_the_incrementally_kept_models(
    store: tuple[Reportedly, str],
) -> None:
    app, url = store
    read = ReadModels(app, url)
    # Small batches: lifecycle events then meet their facts in earlier batches.
    read.batch_size = read.rebuild_batch_size = 3
    write_history(app, rounds=1)
    read.catch_up()
    write_history_more(app)
    read.catch_up()
    kept = read.store.dump()
    seen: list[tuple[int, int]] = []

    rebuilt_count = read.rebuild(lambda done, total: seen.append((done, total)))

    assert read.store.dump() == kept
    assert rebuilt_count == read.last_position()
    assert seen[-1][0] == seen[-1][1]
    read.close()


def test_a_rebuild_in_big_batches_equals_one_kept_event_by_event_for_every_date_form(
    store: tuple[Reportedly, str],
) -> None:
    """Big batches take the bulk path (many facts per statement); small ones do not."""
    app, url = store
    write_history(app, rounds=2)
    odd = [
        a_meeting("interval", "2023-07/2023-10"),
        a_meeting("approximate", "2023-10~"),
        a_meeting("a-year", "2023"),
        a_meeting("a-day", "2023-10-16"),
        a_fact(
            "meeting_held",
            "two-sources",
            "2023-10",
            title="Second round",
            sources=[a_source("2024-01-12", "Reuters"), a_source("2024-01-11T18:30:00+01:00")],
        ),
    ]
    many = [joined(ACTORS[n % 4], "interval", fact_id=f"joined-{n}") for n in range(80)]
    app.report_facts(STORY, [*odd, *many], "analyst")
    app.corroborate(STORY, "joined-70", Corroboration(source=a_source("2024-02-01")), "x")
    app.correct(
        STORY,
        "two-sources",
        Correction(changes={"occurred": "2023-10-16"}, source=a_source("2024-03-01")),
        "analyst",
    )
    one_by_one = ReadModels(app, url)
    one_by_one.batch_size = 1
    one_by_one.catch_up()
    kept = one_by_one.store.dump()
    assert len(kept["rm_versions"]) > 2 * 32  # more than one statement's worth of facts

    one_by_one.rebuild()

    assert one_by_one.store.dump() == kept
    one_by_one.close()


def test_an_event_the_read_models_cannot_read_stops_the_rebuild_and_names_its_position(
    sqlite_url: str,
) -> None:
    app = open_app(sqlite_url)
    write_history(app, rounds=1)
    read = ReadModels(app, sqlite_url)
    read.catch_up()
    broken = 7
    with app.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (b'{"story": 1}', broken))

    with pytest.raises(projector.ProjectionError, match=f"position {broken}"):
        read.rebuild()

    assert read.last_position() == 0  # nothing of the failed batch is kept as applied
    read.close()
    app.close()


def kept_models(url: str, rounds: int = 4) -> tuple[Reportedly, ReadModels, Any]:
    """A store with history, its read models caught up, and every read-model row."""
    app = open_app(url)
    write_history(app, rounds=rounds)
    read = ReadModels(app, url)
    read.catch_up()
    return app, read, read.store.dump()


def in_turns(read: ReadModels) -> None:
    """Rebuild by two worker processes however short the log, 7 events a turn: facts are
    acted on and corrected in later batches, by the other worker."""
    read.parallel_rebuild_from, read.parallel_batch_size, read.rebuild_workers = 0, 7, 2


@pytest.fixture
def parallel_runs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each parallel rebuild returned (an Outcome) or raised."""
    runs: list[Any] = []
    original = readmodels.rebuild_in_parallel

    def spied(*args: Any, **kwargs: Any) -> Any:
        try:
            outcome = original(*args, **kwargs)
        except Exception as error:
            runs.append(error)
            raise
        runs.append(outcome)
        return outcome

    monkeypatch.setattr(readmodels, "rebuild_in_parallel", spied)
    return runs


def test_a_rebuild_by_worker_processes_taking_turns_equals_the_kept_models(
    sqlite_url: str, parallel_runs: list[Any]
) -> None:
    app = open_app(sqlite_url)
    write_history(app, rounds=4)
    write_history_more(app)
    read = ReadModels(app, sqlite_url)
    read.batch_size = 1
    read.catch_up()
    kept = read.store.dump()
    in_turns(read)
    seen: list[tuple[int, int]] = []

    applied = read.rebuild(lambda done, total: seen.append((done, total)))

    assert read.store.dump() == kept
    # The workers applied everything; catch-up found nothing left.
    assert [run.applied for run in parallel_runs] == [applied]
    assert applied == read.last_position() == app.recorder.max_notification_id()
    assert seen[-1] == (applied, applied)
    read.close()
    app.close()


def test_workers_that_find_tracking_moved_by_another_projector_leave_the_rest_to_catch_up(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, parallel_runs: list[Any]
) -> None:
    # Forked workers inherit the patched claim below (spawned ones would import afresh).
    monkeypatch.setattr(parallel, "START_METHOD", "fork")
    app, read, kept = kept_models(sqlite_url)
    original = SQLiteReadStore.claim

    def contested(self: SQLiteReadStore, c: Any, expected: int, new: int) -> bool:
        in_worker = multiprocessing.current_process().name.startswith("reportedly-rebuild")
        if in_worker and new > 20:
            return False  # as if another process had claimed these events first
        return original(self, c, expected, new)

    monkeypatch.setattr(SQLiteReadStore, "claim", contested)
    in_turns(read)

    applied = read.rebuild()

    assert 0 < parallel_runs[0].tracked <= 20  # the workers stopped at the contested batch
    assert applied == read.last_position() == app.recorder.max_notification_id()
    assert read.store.dump() == kept
    read.close()
    app.close()


def test_read_models_opened_after_a_rebuild_died_mid_way_get_their_indexes_back(
    sqlite_url: str,
) -> None:
    app, read, _ = kept_models(sqlite_url, rounds=2)
    with read.store.transaction(commit=True) as c:
        read.store.drop_indexes(c)  # where a killed rebuild leaves them
    read.close()

    reopened = ReadModels(app, sqlite_url)

    with reopened.store.transaction(commit=False) as c:
        c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        names = {row["name"] for row in c.fetchall()}
    assert set(INDEXES) <= names
    reopened.close()
    app.close()


def test_a_rebuild_whose_workers_die_without_a_word_is_finished_in_one_process(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, parallel_runs: list[Any]
) -> None:
    monkeypatch.setattr(parallel, "START_METHOD", "fork")  # the children get the patch
    monkeypatch.setattr(parallel, "_work", lambda *args: os._exit(3))  # e.g. killed
    app, read, kept = kept_models(sqlite_url)
    in_turns(read)

    applied = read.rebuild()

    assert parallel_runs[0].applied == 0  # the workers did nothing, and said nothing
    assert applied == read.last_position() == app.recorder.max_notification_id()
    assert read.store.dump() == kept
    read.close()
    app.close()


def test_a_parallel_rebuild_that_meets_an_unreadable_event_fails_naming_it(
    sqlite_url: str, parallel_runs: list[Any]
) -> None:
    app, read, _ = kept_models(sqlite_url)
    broken = 30
    with app.recorder.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (b"{}", broken))
    in_turns(read)

    with pytest.raises(projector.ProjectionError, match=f"position {broken}"):
        read.rebuild()

    # The workers reported it themselves (not a one-process catch-up after them).
    assert isinstance(parallel_runs[0], projector.ProjectionError)
    assert read.last_position() < broken  # batches before it stay; its own is not kept
    read.close()
    app.close()


def write_history_more(app: Reportedly) -> None:
    app.report_facts(STORY, [a_meeting("round-9", "2023-09")], "analyst")
    app.correct(
        STORY,
        "round-0-joined-cohere",
        Correction(changes={"role": "host"}, source=a_source("2024-05-01", "AP")),
        "analyst",
    )


def test_a_projector_that_fails_mid_batch_leaves_nothing_half_applied(
    store: tuple[Reportedly, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url = store
    write_history(app)
    read = ReadModels(app, url)
    original = projector._Batch.acted_on
    calls = 0

    def crash_on_third(self: Any, *args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("power cut")
        original(self, *args)

    monkeypatch.setattr(projector._Batch, "acted_on", crash_on_third)
    with pytest.raises(RuntimeError, match="power cut"):
        read.catch_up()
    assert read.last_position() == 0
    assert sum(row_counts(read).values()) == 1  # the schema row alone
    read.close()
    monkeypatch.undo()

    reopened = ReadModels(open_app(url), url)
    applied = reopened.catch_up()

    assert applied == reopened.last_position() == app.recorder.max_notification_id()
    counts = row_counts(reopened)
    assert counts["rm_versions"] == 3 * 5 + 3  # 15 reported facts, one correction a round
    assert counts["rm_lifecycle"] == 3 * 4
    kept = reopened.store.dump()
    reopened.rebuild()
    assert reopened.store.dump() == kept
    reopened.close()


def test_events_written_by_a_process_that_died_before_projecting_are_caught_up(
    store: tuple[Reportedly, str],
) -> None:
    app, url = store
    write_history(app, rounds=1)  # no read models were running

    read = ReadModels(open_app(url), url)
    position = app.report_facts(STORY, [a_meeting("late", "2023-12")], "analyst")[0].position
    read.wait_for(position)

    assert read.fact(STORY, "late").position == position
    assert read.picture(STORY).counts.facts == 6
    read.close()


def test_two_read_models_on_one_sqlite_file_apply_each_event_once(sqlite_url: str) -> None:
    writer = open_app(sqlite_url)
    write_history(writer, rounds=4)
    readers = [ReadModels(open_app(sqlite_url), sqlite_url) for _ in range(2)]
    for reader in readers:
        reader.batch_size = reader.rebuild_batch_size = 2
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def follow(reader: ReadModels) -> None:
        start.wait()
        try:
            reader.catch_up()
        except BaseException as error:  # reported below, with the other thread's
            errors.append(error)

    threads = [threading.Thread(target=follow, args=(r,)) for r in readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    first, second = readers
    assert first.last_position() == second.last_position() == writer.recorder.max_notification_id()
    kept = first.store.dump()
    first.rebuild()
    assert first.store.dump() == kept
    for reader in readers:
        reader.close()


def test_wait_for_a_position_the_log_never_reaches_times_out(app: Reportedly) -> None:
    read = ReadModels(app, None)
    write_history(app, rounds=1)

    read.wait_for(app.recorder.max_notification_id())
    with pytest.raises(TimeoutError, match="position 1000000"):
        read.wait_for(1_000_000, timeout=0.05)
    read.close()


def test_the_library_projection_protocol_tracks_each_event_once(app: Reportedly) -> None:
    read = ReadModels(app, None)
    app.create_story(a_story(), "analyst")
    notification = app.recorder.select_notifications(start=1, limit=1)[0]
    event = app.mapper.to_domain_event(notification)

    read.projection.process_event(event, Tracking(app.name, notification.id))

    assert [s.id for s in read.stories()] == [STORY]
    with pytest.raises(IntegrityError):
        read.projection.process_event(event, Tracking(app.name, notification.id))
    read.close()


def test_an_outdated_read_model_schema_is_dropped_and_rebuilt_on_open(sqlite_url: str) -> None:
    app = open_app(sqlite_url)
    write_history(app, rounds=1)
    read = ReadModels(app, sqlite_url)
    read.catch_up()
    kept = read.store.dump()
    with read.store.transaction(commit=True) as c:
        c.execute("UPDATE rm_meta SET value = 'an older schema'")
    read.close()

    reopened = ReadModels(app, sqlite_url)
    assert reopened.last_position() == 0
    reopened.catch_up()

    assert reopened.store.dump() == kept
    reopened.close()


def test_every_store_answers_every_read_alike(store: tuple[Reportedly, str]) -> None:
    app, url = store
    write_history(app)
    on_disk = ReadModels(app, url)
    in_memory = ReadModels(app, None)  # fed from the same log, kept in memory
    on_disk.catch_up()
    in_memory.catch_up()
    recorded = app.get_fact(STORY, "round-1").created_on

    for as_of in (
        AsOf(),
        AsOf(known_at=parse_instant("2024-02-15")),
        AsOf(recorded_at=recorded, occurred_until=parse_instant("2023-02")),
    ):
        assert on_disk.picture(STORY, as_of) == in_memory.picture(STORY, as_of)
        page = in_memory.facts(STORY, as_of, limit=7)
        assert on_disk.facts(STORY, as_of, limit=7) == page
        for item in in_memory.facts(STORY, as_of, limit=1000).items:
            assert on_disk.fact(STORY, item.id, as_of) == in_memory.fact(STORY, item.id, as_of)
    window = parse_instant("2024-01-31"), parse_instant("2024-03-01")
    assert on_disk.changes(STORY, *window) == in_memory.changes(STORY, *window)
    assert on_disk.log(STORY, after=3, limit=9) == in_memory.log(STORY, after=3, limit=9)
    assert on_disk.stories() == in_memory.stories()
    assert on_disk.actors() == in_memory.actors()
    on_disk.close()
    in_memory.close()
