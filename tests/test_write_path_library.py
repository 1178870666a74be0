"""What the one-transaction write path relies on in eventsourcing 9.5 (private API).

``projections.appending`` inserts events with ``SQLiteApplicationRecorder._insert_events``
(on PostgreSQL ``PostgresApplicationRecorder._insert_stored_events`` and
``_fetch_ids_after_insert_events``) on its own cursor, inside the read store's
transaction, and ``Reportedly._record`` replaces the library's ``Application._record``.
If an upgrade changes either, these tests say so before a write goes astray
(docs/writes.md).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording, StoredEvent
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteDatastore,
)


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text


def stored(version: int = 1, originator: uuid.UUID | None = None) -> StoredEvent:
    return StoredEvent(originator or uuid.uuid4(), version, "tests:Note", b'{"a": 1}')


def test_insert_events_on_a_given_cursor_writes_nothing_until_its_transaction_commits(
    tmp_path: Path,
) -> None:
    recorder = SQLiteApplicationRecorder(SQLiteDatastore(str(tmp_path / "e.db")))
    recorder.create_table()
    other = SQLiteDatastore(str(tmp_path / "e.db"))  # a second pool, as the read store is
    with other.transaction(commit=False) as c:  # rolled back at the end
        ids = recorder._insert_events(c, [stored(), stored(), stored()])
        assert ids == [1, 2, 3]  # each rowid, as it is assigned
    assert recorder.max_notification_id() is None
    with other.transaction(commit=True) as c:
        ids = recorder._insert_events(c, [stored(), stored()])
    assert ids == [1, 2]
    # The positions it returns are the notification ids the log reads back.
    assert [n.id for n in recorder.select_notifications(start=1, limit=10)] == [1, 2]


def test_the_log_position_is_the_events_tables_rowid(tmp_path: Path) -> None:
    recorder = SQLiteApplicationRecorder(SQLiteDatastore(str(tmp_path / "e.db")))
    recorder.create_table()
    recorder.insert_events([stored(), stored()])
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(f"SELECT rowid FROM {recorder.events_table_name} ORDER BY rowid")
        rowids = [row[0] for row in c.fetchall()]
    assert rowids == [n.id for n in recorder.select_notifications(start=1, limit=10)]


def test_application_save_records_through_record_and_takes_its_recordings(
    tmp_path: Path,
) -> None:
    seen: list[Any] = []

    class Hooked(Application[uuid.UUID]):
        def _record(self, processing_event: Any) -> list[Recording[uuid.UUID]]:
            seen.append(list(processing_event.events))
            return super()._record(processing_event)

    app = Hooked(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                      "SQLITE_DBNAME": str(tmp_path / "a.db")})  # fmt: skip
    try:
        recordings = app.save(Note("x"))
        assert len(seen) == 1 and len(seen[0]) == 1
        assert [r.notification.id for r in recordings] == [1]
        assert recordings[0].domain_event is seen[0][0]
    finally:
        app.close()


def test_a_batch_inserted_with_executemany_takes_the_rowids_after_the_largest(
    tmp_path: Path,
) -> None:
    recorder = SQLiteApplicationRecorder(SQLiteDatastore(str(tmp_path / "e.db")))
    recorder.create_table()
    recorder.insert_events([stored(), stored()])
    with recorder.datastore.transaction(commit=True) as c:
        # The aggregate recorder's insert: one executemany with the same statement.
        assert (
            SQLiteAggregateRecorder._insert_events(recorder, c, [stored() for _ in range(5)])
            is None
        )
    assert [n.id for n in recorder.select_notifications(start=1, limit=10)] == list(range(1, 8))
    assert recorder.insert_events_statement.startswith(f"INSERT INTO {recorder.events_table_name}")


@pytest.mark.postgres
def test_postgres_insert_on_a_given_cursor_locks_the_table_and_returns_the_log_positions(
    postgres_url: str,
) -> None:
    from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

    from projections.store import store_env

    env = store_env(postgres_url)
    datastore = PostgresDatastore(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"],
    )  # fmt: skip
    try:
        recorder = PostgresApplicationRecorder(datastore)
        recorder.create_table()
        events = [stored(), stored(), stored()]
        with datastore.transaction(commit=False) as c:  # rolled back at the end
            recorder._insert_stored_events(c, events)
            ids = list(recorder._fetch_ids_after_insert_events(c, events) or ())
            c.execute(
                "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND relation = %s::regclass",
                (recorder.events_table_name,),
            )
            modes = {row["mode"] for row in c.fetchall()}
        assert len(ids) == 3 and ids == sorted(ids)
        assert "ExclusiveLock" in modes  # commit order stays notification-id order
        assert recorder.max_notification_id() is None  # nothing until its commit
        with datastore.transaction(commit=True) as c:
            recorder._insert_stored_events(c, events[:2])
            ids = list(recorder._fetch_ids_after_insert_events(c, events[:2]) or ())
        assert [n.id for n in recorder.select_notifications(start=1, limit=10)] == ids
    finally:
        datastore.close()
