"""Fill an empty store from a checked backup, in one transaction, positions kept.

Every event goes in with its stored bytes (so its recorded ``timestamp``) and its
position, in one transaction: a failure anywhere — a damaged disk, the file changed
since it was checked, another writer first — rolls everything back and leaves the store
empty. The store is locked for writes while it is filled (PostgreSQL: the library's own
``EXCLUSIVE`` lock on the events table; SQLite: the file's write lock), and found empty
inside that transaction, so two restores, or a restore and a writer, cannot interleave.

The library's ``insert_events`` numbers events itself; a restore keeps the numbers the
log had, so it writes the library's events table with its own statement (COPY on
PostgreSQL), then moves PostgreSQL's position sequence past the last event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.backup import Checked, Row, read_rows

Progress = Callable[[int], None]  # events written so far
BATCH_SIZE = 5_000  # events a statement (SQLite) and between progress reports


class StoreNotEmpty(Exception):
    """The store already holds events: a restore only fills an empty one."""

    def __init__(self, last_position: int) -> None:
        super().__init__(f"the store already holds events (up to position {last_position:,})")
        self.last_position = last_position


class BackupChanged(Exception):
    """The file is not the one that was checked (changed while it was restored)."""


class UnsupportedStore(Exception):
    """A store a restore cannot fill (the in-memory one keeps nothing)."""


def last_position(recorder: ApplicationRecorder) -> int:
    return recorder.max_notification_id() or 0


def check_target(recorder: ApplicationRecorder) -> None:
    """Refuse at once a store a restore cannot fill (checked again while it writes)."""
    if not isinstance(recorder, SQLiteApplicationRecorder | PostgresApplicationRecorder):
        raise UnsupportedStore("a restore needs a SQLite or PostgreSQL store")
    if found := last_position(recorder):
        raise StoreNotEmpty(found)


def restore_backup(
    recorder: ApplicationRecorder, path: Path, checked: Checked, progress: Progress | None = None
) -> int:
    """Write every event of a checked backup into an empty store; returns how many."""
    rows = _rows_as_checked(path, checked)
    if isinstance(recorder, SQLiteApplicationRecorder):
        _fill_sqlite(recorder, rows, progress)
    elif isinstance(recorder, PostgresApplicationRecorder):
        _fill_postgres(recorder, rows, checked.last_position, progress)
    else:
        raise UnsupportedStore("a restore needs a SQLite or PostgreSQL store")
    return checked.events


def _rows_as_checked(path: Path, checked: Checked) -> Iterator[Row]:
    """The file's rows, proving at the end (still inside the transaction) that they are
    the ones checked: same count, same checksum."""
    digest = hashlib.sha256()
    count = 0
    for _number, raw, row in read_rows(path):
        digest.update(raw)
        count += 1
        yield row
    if count != checked.events or digest.hexdigest() != checked.sha256:
        raise BackupChanged("the file changed while it was restored; nothing was written")


def _fill_sqlite(
    recorder: SQLiteApplicationRecorder, rows: Iterator[Row], progress: Progress | None
) -> None:
    table = recorder.events_table_name
    insert = (
        f"INSERT INTO {table} (rowid, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?, ?)"
    )
    written = 0
    with recorder.datastore.transaction(commit=True) as c:
        c.execute(f"SELECT MAX(rowid) FROM {table}")
        if (found := c.fetchone()[0]) is not None:
            raise StoreNotEmpty(found)
        batch: list[tuple[int, str, int, str, bytes]] = []
        for row in rows:
            batch.append(
                (row.position, row.originator_id.hex, row.originator_version, row.topic, row.state)
            )
            if len(batch) == BATCH_SIZE:
                c.executemany(insert, batch)
                written += len(batch)
                batch.clear()
                if progress is not None:
                    progress(written)
        c.executemany(insert, batch)
        if progress is not None:
            progress(written + len(batch))


def _fill_postgres(
    recorder: PostgresApplicationRecorder,
    rows: Iterator[Row],
    last: int,
    progress: Progress | None,
) -> None:
    datastore = recorder.datastore
    table = SQL("{}.{}").format(
        Identifier(datastore.schema), Identifier(recorder.events_table_name)
    )
    copy = SQL(
        "COPY {} (notification_id, originator_id, originator_version, topic, state) FROM STDIN"
    ).format(table)
    with datastore.transaction(commit=True) as curs:
        for statement in recorder.lock_table_statements:  # as the library's own inserts do
            curs.execute(statement)
        curs.execute(recorder.max_notification_id_statement)
        found = curs.fetchone()
        if found is not None and found["max"] is not None:
            raise StoreNotEmpty(found["max"])
        written = 0
        with curs.copy(copy) as writer:
            for row in rows:
                writer.write_row(
                    (row.position, row.originator_id, row.originator_version, row.topic, row.state)
                )
                written += 1
                if progress is not None and written % BATCH_SIZE == 0:
                    progress(written)
        if last:  # the next append takes the position after the last restored one
            sequence = f'"{datastore.schema}"."{recorder.events_table_name}"'
            curs.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), %s)",
                (sequence, last),
            )
        curs.execute(SQL("NOTIFY {}").format(Identifier(recorder.channel_name)))  # followers
    if progress is not None:
        progress(written)
