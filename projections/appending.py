"""Appends in one transaction per write, and one per group of concurrent writes.

When the read models live in the events' own database — the same SQLite file, or the
same PostgreSQL database through the same pool (``ReadModels`` attached to the events
table) — a write's events, the read-model rows they make and the tracking position are
committed together: a crash leaves all of it or none, and the write is readable the
moment it is acknowledged. Writes that arrive while another group is being committed
wait and go together in the next transaction (group commit): one lock, one commit, one
projection for all of them. Each write is inserted under its own SAVEPOINT, so a write
the store refuses (an id taken meanwhile: IntegrityError) is rolled back alone and
answered alone; the others of its group are kept.

On PostgreSQL the library's table lock is held from a group's first insert to its
commit, so that commit order stays notification-id order; the tracking row is taken
with ``SKIP LOCKED``: a write never waits for another process's catch-up, it leaves its
rows to catch-up instead.

Nothing here decides what may be written: the application checks a write first and hands
its stored events to ``GroupCommit.insert`` (``Reportedly.insert_events_with``).
See docs/writes.md.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteCursor,
)

from projections.projector import ProjectionError, Record, _Batch
from projections.readmodels import ReadModels
from projections.store import Cursor, PostgresReadStore, SQLiteReadStore

# What the store raises for a refused insert (an id and version already taken), inside
# the transaction, before the library's datastore translates it on the way out.
REFUSED = (sqlite3.IntegrityError, psycopg.IntegrityError)
# eventsourcing 9.5 retries its PostgreSQL inserts on these (a connection lost, a server
# restarting): so does a group, whole (nothing of a failed attempt was committed).
RETRIED = (InterfaceError, OperationalError)
RETRIES = 10

log = logging.getLogger("reportedly.appending")


class _Write:
    """One write's events, waiting for its group's transaction."""

    __slots__ = ("done", "error", "events", "positions", "wake")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.positions: list[int] | None = None
        self.error: BaseException | None = None
        self.done = False
        # Held from the start; a write that queues waits for it, and the leader lets go
        # of it once the write is done, or to hand it the lead of the next group.
        self.wake = threading.Lock()
        self.wake.acquire()

    def result(self) -> list[int]:
        if self.error is not None:
            raise self.error
        assert self.positions is not None
        return self.positions


class GroupCommit:
    """Stores writes with their read models, concurrent writes in one transaction."""

    # Events appended elsewhere and not projected yet (another tool, a process that died
    # between its commit and its projection) are projected with a write, up to this many;
    # beyond (a rebuild under way, a long backlog) the write leaves them to catch-up.
    max_gap = 1_000
    executemany_from = 16  # events in one write: below, the library's row-by-row insert

    def __init__(
        self, read: ReadModels, recorder: SQLiteApplicationRecorder | PostgresApplicationRecorder
    ) -> None:
        assert isinstance(read.store, SQLiteReadStore | PostgresReadStore)
        self.read = read
        self.store: SQLiteReadStore | PostgresReadStore = read.store
        self.recorder = recorder
        self._max_rowid = f"SELECT MAX(rowid) FROM {recorder.events_table_name}"
        self._mutex = threading.Lock()
        self._queue: list[_Write] = []  # waiting for the next group, in arrival order
        self._leading = False

    @classmethod
    def over(cls, read: ReadModels) -> GroupCommit | None:
        """Group commit for these read models, if their store holds the events too: the
        same SQLite file, or the same PostgreSQL database through the same pool."""
        recorder = read.app.recorder
        if read.read_only or read.store.copy_events:  # the events elsewhere, or not JSON
            return None
        if isinstance(read.store, SQLiteReadStore) and isinstance(
            recorder, SQLiteApplicationRecorder
        ):
            return cls(read, recorder)
        if (
            isinstance(read.store, PostgresReadStore)
            and isinstance(recorder, PostgresApplicationRecorder)
            and read.store.datastore is recorder.datastore
        ):
            return cls(read, recorder)
        return None

    def insert(self, events: Sequence[StoredEvent]) -> list[int]:
        """Store one write's events with its read models; their positions in the log.

        The first write to arrive leads: it commits, then hands the lead to the first
        write that queued meanwhile, which takes every write queued by then into the next
        transaction. Each waiting write is woken once, by the leader: when it is done, or
        to lead (not every waiter at every commit, as a condition's ``notify_all`` did).
        """
        write = _Write(events)
        with self._mutex:
            queued = self._leading
            if queued:
                self._queue.append(write)
            else:
                self._leading = True
                group = [write]
        if queued:
            write.wake.acquire()  # until the leader lets go
            if write.done:
                return write.result()
            with self._mutex:  # this write leads the next group: it is the first of it
                group, self._queue = self._queue, []
        try:
            self._commit(group)
        finally:
            with self._mutex:
                following = self._queue[0] if self._queue else None
                self._leading = following is not None
            if following is not None:
                following.wake.release()
            for done in group:
                if done is not write:  # every other write of the group queued
                    done.wake.release()
        return write.result()

    def _commit(self, group: list[_Write]) -> None:
        last: int | None = None
        attempts = RETRIES if isinstance(self.store, PostgresReadStore) else 1
        try:
            for attempt in range(attempts):
                for write in group:
                    write.positions, write.error = None, None
                try:
                    last = self._commit_once(group)
                    break
                except RETRIED:
                    if attempt == attempts - 1:
                        raise
                    time.sleep(0.2 * (attempt + 1))
        except BaseException as error:  # nothing of the group was committed
            for write in group:
                write.positions, write.error = None, write.error or error
            last = None
        finally:
            for write in group:
                write.done = True
        if last is not None:
            self.read.tracked_to(last)

    def _commit_once(self, group: list[_Write]) -> int | None:
        with self.store.durable_transaction() as c:
            for write in group:
                self._insert(c, write, alone=len(group) == 1)
            return self._project(c, [w for w in group if w.error is None])

    def _insert(self, c: Cursor, write: _Write, *, alone: bool) -> None:
        if alone:  # a refusal rolls the whole transaction back: no savepoint needed
            write.positions = self._insert_events(c, write.events)
            return
        c.execute("SAVEPOINT write")
        try:
            write.positions = self._insert_events(c, write.events)
        except REFUSED as error:  # e.g. the same id appended meanwhile
            c.execute("ROLLBACK TO SAVEPOINT write")
            write.error = IntegrityError(error)
        c.execute("RELEASE SAVEPOINT write")

    def _insert_events(self, c: Cursor, events: Sequence[StoredEvent]) -> list[int]:
        """Insert with the library's statement on this cursor; the events' positions.

        PostgreSQL: the library's own insert, in our transaction — its table lock (so
        that commit order is notification-id order), its NOTIFY, its ``RETURNING``.
        SQLite: eventsourcing 9.5's application recorder inserts row by row to read each
        rowid (the notification id); a batch goes through its aggregate recorder's single
        ``executemany`` instead, and its rowids are the ones SQLite gives rows appended
        under our write lock: one more than the largest so far, each in turn (checked).
        Pinned by tests/test_write_path_library.py; see docs/writes.md."""
        if isinstance(self.recorder, PostgresApplicationRecorder):
            assert isinstance(c, psycopg.Cursor)
            self.recorder._insert_stored_events(c, events)
            return list(self.recorder._fetch_ids_after_insert_events(c, events) or ())
        assert isinstance(c, SQLiteCursor)
        if len(events) < self.executemany_from:
            return list(self.recorder._insert_events(c, events) or ())
        c.execute(self._max_rowid)
        before = c.fetchone()[0] or 0
        SQLiteAggregateRecorder._insert_events(self.recorder, c, events)
        c.execute(self._max_rowid)
        after = c.fetchone()[0]
        if after != before + len(events):
            raise ProjectionError(f"rowids {before + 1}..{after} for {len(events)} events")
        return list(range(before + 1, after + 1))

    def _project(self, c: Cursor, written: list[_Write]) -> int | None:
        """Apply the group's events (and any gap before them) to the read models in this
        transaction; the position tracked, or None if left to catch-up."""
        ours: list[Record] = sorted(
            (
                (position, event.topic, event.state)
                for write in written
                for position, event in zip(write.positions or (), write.events, strict=True)
            ),
            key=_position,
        )
        if not ours:
            return None
        first, last = ours[0][0], ours[-1][0]
        contiguous = last - first + 1 == len(ours)
        claimed = False
        if isinstance(self.store, PostgresReadStore):
            # Another process's catch-up may hold the tracking row: never wait for it
            # while holding the events table's lock (every appender would wait too);
            # leave this write's rows to catch-up instead, as before this path.
            held = self.store.lock_tracking(c)
            if held is None:
                return None
            tracked = held
        # SQLite: usually the read models held the whole log before this write, so claim
        # it at once (our write lock keeps tracking still); else read where it stands.
        elif contiguous and self.store.claim(c, first - 1, last):
            tracked, claimed = first - 1, True
        else:
            tracked = self.store.tracked(c)
        if not claimed:
            if tracked >= first or first - 1 - tracked > self.max_gap:
                return None
            if not contiguous or tracked != first - 1:  # events appended elsewhere first
                ours = self.store.read_log_with(c, tracked, last - tracked)
            if not self.store.claim(c, tracked, last):  # we hold the write lock
                raise ProjectionError(f"tracking moved from {tracked} under the write lock")
        batch = _Batch(self.store, c)
        try:
            batch.apply_all(ours)  # reads only (decoding, a fact's stored versions)
        except ProjectionError as error:
            # The events stay if the read models cannot take them (as before this path):
            # catch-up then meets the same error and reports it.
            log.warning("appended events not projected with their write: %s", error)
            self.store.claim(c, last, tracked)
            return None
        batch.write()
        return last


def _position(record: Record) -> Any:
    return record[0]
