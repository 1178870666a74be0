"""The write path: one transaction per write, one per group of writes, on a SQLite file
and on PostgreSQL (the events and the read models in one database, one pool).

In-process: the application and its read models as the server opens them
(``open_services``), so what is checked is what a request gets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from api.services import Services, open_services
from api.settings import Settings
from domain.application import Rejected
from domain.errors import Conflict
from domain.model import Story, parse_fact
from projections.appending import GroupCommit
from projections.store import SQLiteReadStore

FT = {"name": "Financial Times", "published": "2024-01-11"}


def claim(fact_id: str, text: str = "talks") -> dict[str, Any]:
    return {"id": fact_id, "kind": "claim", "subject": "delegates", "predicate": "held",
            "object": text, "occurred": "2023-07", "sources": [FT]}  # fmt: skip


@pytest.fixture
def services(database_url: str) -> Iterator[Services]:
    opened = open_services(Settings(database_url=database_url, tokens="w:s"))
    opened.app.create_story(Story(id="s", title="Geneva talks"), "w")
    yield opened
    opened.close()


def grouped(services: Services) -> GroupCommit:
    insert = services.app._insert_events
    assert insert is not None, "the store commits writes with their read models"
    owner = getattr(insert, "__self__", None)
    assert isinstance(owner, GroupCommit)
    return owner


def log_positions(services: Services) -> list[int]:
    notes = services.app.recorder.select_notifications(start=1, limit=10_000)
    return [n.id for n in notes]


def stored_tracking(services: Services) -> int:
    return services.read.store.max_tracking_id(services.app.name) or 0


@contextmanager
def transactions_counted(commit: GroupCommit, hold_first: threading.Event | None = None) -> Any:
    """Counts the group commit's transactions; ``hold_first``: the first waits for it."""
    original = commit.store.durable_transaction
    count: list[int] = []
    entered = threading.Event()

    @contextmanager
    def counted() -> Iterator[Any]:
        count.append(1)
        with original() as c:
            if hold_first is not None and len(count) == 1:
                entered.set()
                assert hold_first.wait(10)
            yield c

    commit.store.durable_transaction = counted  # type: ignore[method-assign]
    try:
        yield count, entered
    finally:
        commit.store.durable_transaction = original  # type: ignore[method-assign]


def test_an_acknowledged_fact_is_tracked_and_readable_with_no_catch_up(
    services: Services,
) -> None:
    written = services.app.report_fact("s", parse_fact(claim("c-1")), "w")
    assert written.position is not None
    # Committed with its write: the store's tracking already holds it, no catch-up ran.
    assert stored_tracking(services) == written.position == max(log_positions(services))
    assert services.read.fact("s", "c-1").position == written.position


def test_writes_that_arrive_together_share_one_transaction_and_keep_their_answers(
    services: Services,
) -> None:
    commit = grouped(services)
    release = threading.Event()
    results: dict[str, Any] = {}

    def write(fact_id: str) -> None:
        try:
            results[fact_id] = services.app.report_fact("s", parse_fact(claim(fact_id)), "w")
        except Exception as error:  # each thread's answer is checked below
            results[fact_id] = error

    with transactions_counted(commit, hold_first=release) as (count, entered):
        first = threading.Thread(target=write, args=("lead",))
        first.start()
        assert entered.wait(10)  # the leader is inside its transaction
        rest = [threading.Thread(target=write, args=(f"c-{i}",)) for i in range(8)]
        for thread in rest:
            thread.start()
        _until(lambda: len(commit._queue) == 8)
        release.set()
        for thread in (first, *rest):
            thread.join(10)
    assert len(count) == 2  # the leader's write, then the eight queued behind it
    positions = sorted(results[f].position for f in results)
    assert positions == sorted(set(positions)) and len(positions) == 9
    assert stored_tracking(services) == max(positions)
    for fact_id in results:
        assert services.read.fact("s", fact_id).position == results[fact_id].position


def test_many_writers_at_once_each_get_their_answer_and_no_write_is_left_waiting(
    services: Services,
) -> None:
    """The lead passes from write to write; none may be dropped (a writer waiting for
    ever) or answered twice, whatever the order they arrive in."""
    commit = grouped(services)
    writers, each = 12, 25
    answers: dict[str, Any] = {}
    lock = threading.Lock()

    def write(k: int) -> None:
        for i in range(each):
            fact_id = f"w{k}-{i}"
            # Every fifth write repeats one of another writer's: stored once, answered
            # as a repeat (it is the same claim) or refused, never lost.
            taken = f"w{(k + 1) % writers}-{i}" if i % 5 == 4 else fact_id
            try:
                answer: Any = services.app.report_fact("s", parse_fact(claim(taken)), "w")
            except Exception as error:  # each answer is checked below
                answer = error
            with lock:
                answers.setdefault(taken, []).append(answer)

    with transactions_counted(commit) as (count, _):
        threads = [threading.Thread(target=write, args=(k,), daemon=True) for k in range(writers)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), "a write was left waiting"
    assert sum(len(a) for a in answers.values()) == writers * each
    assert len(count) < writers * each  # some writes did share a transaction
    errors = [a for got in answers.values() for a in got if isinstance(a, Exception)]
    assert not errors, errors[:3]
    stored = {item.id: item for item in services.read.facts("s", limit=1000).items}
    assert set(stored) == set(answers)  # every id stored, once
    positions = log_positions(services)
    assert len(positions) == len(set(positions)) and stored_tracking(services) == max(positions)


def test_a_write_the_store_refuses_inside_a_group_sinks_only_itself(services: Services) -> None:
    commit = grouped(services)
    written = services.app.report_fact("s", parse_fact(claim("taken")), "w")
    stored = services.app.recorder.select_events(
        services.app.recorder.select_notifications(start=written.position, limit=1)[0].originator_id
    )[0]
    again = StoredEvent(stored.originator_id, 1, stored.topic, stored.state)  # taken version
    fresh = [_stored(services, f"fresh-{i}") for i in range(3)]
    release = threading.Event()
    answers: list[Any] = [None] * 5

    def insert(k: int, events: list[StoredEvent]) -> None:
        try:
            answers[k] = commit.insert(events)
        except IntegrityError as error:
            answers[k] = error

    with transactions_counted(commit, hold_first=release) as (count, entered):
        lead = threading.Thread(target=insert, args=(0, [_stored(services, "lead")]))
        lead.start()
        assert entered.wait(10)
        group = [[fresh[0]], [again], [fresh[1], fresh[2]], [_stored(services, "last")]]
        threads = [threading.Thread(target=insert, args=(k + 1, g)) for k, g in enumerate(group)]
        for thread in threads:
            thread.start()
        _until(lambda: len(commit._queue) == 4)
        release.set()
        for thread in (lead, *threads):
            thread.join(10)
    assert len(count) == 2
    assert isinstance(answers[2], IntegrityError)
    kept = [p for a in answers if isinstance(a, list) for p in a]
    assert len(kept) == 5
    # The refused write left nothing: the log holds the kept ones, tracked to its end, rows
    # for each (SQLite numbers on without a hole; PostgreSQL's sequence skips the number
    # the refused insert took, as it does for the library's own inserts).
    positions = log_positions(services)
    assert set(kept) <= set(positions) and len(positions) == len(set(positions))
    if isinstance(services.read.store, SQLiteReadStore):
        assert positions == list(range(1, max(kept) + 1))
    assert stored_tracking(services) == max(kept)
    ids = {"lead", "fresh-0", "fresh-1", "fresh-2", "last"}
    assert ids <= {item.id for item in services.read.facts("s").items}


def test_the_same_id_written_twice_at_once_is_appended_once_and_the_other_answered(
    services: Services,
) -> None:
    commit = grouped(services)
    release = threading.Event()
    answers: dict[str, Any] = {}

    def write(name: str, fact_id: str, text: str) -> None:
        try:
            answers[name] = services.app.report_fact("s", parse_fact(claim(fact_id, text)), "w")
        except Rejected as error:  # the route answers its Conflict problem with a 409
            answers[name] = error

    with transactions_counted(commit, hold_first=release) as (_, entered):
        lead = threading.Thread(target=write, args=("lead", "lead", "talks"))
        lead.start()
        assert entered.wait(10)
        # Both pass their checks (neither id is stored yet) and meet in one group.
        same = threading.Thread(target=write, args=("same", "dup", "talks"))
        differs = threading.Thread(target=write, args=("differs", "dup", "something else"))
        same.start()
        differs.start()
        _until(lambda: len(commit._queue) == 2)
        release.set()
        for thread in (lead, same, differs):
            thread.join(10)
    assert answers["lead"].created
    pair = [answers["same"], answers["differs"]]
    # The first of the two took the id; the second was refused alone, then checked
    # again against what is stored: a 409 naming what differs.
    assert sum(not isinstance(a, Rejected) and a.created for a in pair) == 1
    refused = [a.problems for a in pair if isinstance(a, Rejected)]
    assert [(p.error, p.differing) for p in refused[0]] == [(Conflict, ("object",))]
    reported = [n for n in services.app.recorder.select_notifications(1, 100)
                if n.topic.endswith("FactReported")]  # fmt: skip
    assert len(reported) == 2  # "lead" and "dup", once each


def test_a_failure_before_the_commit_leaves_neither_the_event_nor_its_rows(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = log_positions(services)

    def crash(*_: object) -> None:
        raise SystemExit("the process dies after inserting, before committing")

    monkeypatch.setattr("projections.appending._Batch.write", crash)  # the read-model rows
    with pytest.raises(SystemExit):
        services.app.report_fact("s", parse_fact(claim("lost")), "w")
    monkeypatch.undo()
    assert log_positions(services) == before
    assert stored_tracking(services) == max(before)
    assert [item.id for item in services.read.facts("s").items] == []
    # and the next write goes through as if nothing had happened
    assert services.app.report_fact("s", parse_fact(claim("lost")), "w").created


def test_events_appended_elsewhere_are_projected_with_the_next_write(
    services: Services, database_url: str
) -> None:
    from domain.application import Reportedly
    from projections.store import store_env

    other = Reportedly(env=store_env(database_url))  # e.g. a CLI
    try:
        other.report_fact("s", parse_fact(claim("by-other")), "cli")
    finally:
        other.close()
    assert stored_tracking(services) < max(log_positions(services))
    written = services.app.report_fact("s", parse_fact(claim("by-server")), "w")
    assert stored_tracking(services) == written.position
    assert {i.id for i in services.read.facts("s").items} == {"by-other", "by-server"}


def _stored(services: Services, fact_id: str) -> StoredEvent:
    from domain.events import FactReported

    created = services.app.get_story("s").created_on
    event = FactReported.first("s", parse_fact(claim(fact_id)), "w", created)
    return services.app.mapper.to_stored_event(event)


def _until(condition: Any, timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


@pytest.mark.postgres
def test_on_postgresql_a_write_never_waits_for_a_catch_up_holding_the_tracking_row(
    postgres_url: str,
) -> None:
    import psycopg

    opened = open_services(Settings(database_url=postgres_url, tokens="w:s"))
    try:
        opened.app.create_story(Story(id="s", title="Geneva talks"), "w")
        assert grouped(opened) is not None  # PostgreSQL writes with their read models too
        first = opened.app.report_fact("s", parse_fact(claim("with-rows")), "w")
        assert stored_tracking(opened) == first.position  # in the write's own transaction
        # Another process's catch-up, mid-batch: it holds the tracking row.
        with psycopg.connect(postgres_url) as other:
            other.execute("SELECT * FROM rm_tracking FOR UPDATE")
            done: list[Any] = []
            writer = threading.Thread(
                target=lambda: done.append(
                    opened.app.report_fact("s", parse_fact(claim("left-to-catch-up")), "w")
                )
            )
            writer.start()
            writer.join(10)
            assert done, "the write waited for the other transaction's tracking row"
            assert stored_tracking(opened) == first.position  # its rows are left to catch-up
            other.rollback()
        opened.read.wait_for(done[0].position)
        assert {i.id for i in opened.read.facts("s").items} == {"with-rows", "left-to-catch-up"}
    finally:
        opened.close()


def test_an_acknowledged_write_has_reached_the_disk_on_the_write_connection(
    services: Services,
) -> None:
    """Every write commits with ``synchronous = FULL`` (it survives a power cut, as the
    library's own event log), on the one connection kept for writes: reads, catch-up and
    rebuilds take the pool's other connections, and never change its setting."""
    store = services.read.store
    if not isinstance(store, SQLiteReadStore):
        pytest.skip("SQLite's own durability setting")
    original = store.durable_transaction
    seen: list[tuple[int, int]] = []  # (synchronous, connection) inside each write

    @contextmanager
    def observed() -> Iterator[Any]:
        with original() as c:
            c.execute("PRAGMA synchronous")
            seen.append((c.fetchone()[0], id(c.sqlite_cursor.connection)))
            yield c

    store.durable_transaction = observed  # type: ignore[method-assign]
    try:
        for i in range(3):
            services.app.report_fact("s", parse_fact(claim(f"d-{i}")), "w")
            services.read.catch_up()  # a catch-up transaction in between (NORMAL on its own)
            assert services.read.fact("s", f"d-{i}").position is not None
    finally:
        store.durable_transaction = original  # type: ignore[method-assign]
    assert [level for level, _ in seen] == [2, 2, 2]  # FULL, in each write's transaction
    assert len({connection for _, connection in seen}) == 1


def test_reads_are_answered_while_a_write_waits_for_its_commit(database_url: str) -> None:
    """A write runs on the writes' own threads: the server keeps answering others while
    one is inside its transaction (here held open on purpose)."""
    from fastapi.testclient import TestClient

    from api.main import create_app

    settings = Settings(database_url=database_url, tokens="w:s", read_tokens="")
    auth = {"Authorization": "Bearer s"}
    with TestClient(create_app(settings)) as client:
        assert client.post("/stories", json={"id": "s", "title": "t"}, headers=auth).is_success
        services = client.app.state.services  # type: ignore[attr-defined]
        release = threading.Event()
        answers: list[int] = []

        def post() -> None:
            answer = client.post("/stories/s/facts", json=claim("held"), headers=auth)
            answers.append(answer.status_code)

        with transactions_counted(grouped(services), hold_first=release) as (_, entered):
            writing = threading.Thread(target=post)
            writing.start()
            try:
                assert entered.wait(10)  # the write is inside its transaction
                read: list[int] = []
                reading = threading.Thread(
                    target=lambda: read.append(client.get("/stories/s").status_code)
                )
                reading.start()
                reading.join(10)  # a server stuck behind the write would never answer
                assert read == [200]
                assert answers == []  # the write still waits for its commit
            finally:
                release.set()
                writing.join(10)
        assert answers == [201]
        assert client.get("/stories/s/facts/held").status_code == 200
