"""A rebuild on SQLite by several processes taking turns: each decodes while another writes.

Python decodes one event at a time under the interpreter lock, and SQLite allows one
writer at a time, so a single process leaves a core idle. Here the log is cut into
batches of consecutive positions, dealt round-robin to worker processes. A worker reads
and decodes its next batch on its own (no lock held, nothing written), then waits for
its turn, and in one transaction claims the tracking position from the previous batch's
end to its own, applies the batch's other events (which may look up facts committed by
earlier batches), writes the rows and commits: exactly what a single projector does per
batch, so the read models after each commit are the same. While one worker writes,
the others decode.

The tracking claim is still a compare-and-set: if anything else moved the tracking
position meanwhile (another process catching up), the workers stop and the caller's
ordinary catch-up carries on from wherever tracking then is.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

from projections.projector import ProjectionError, Record, _Batch
from projections.store import SQLiteReadStore

logger = logging.getLogger(__name__)
POLL = 0.05  # seconds between looks at the workers' progress and health
START_METHOD: str | None = None  # multiprocessing's; None: fork where safe, else spawn


@dataclass(frozen=True, slots=True)
class Job:
    db_name: str
    application_name: str
    events_table: str
    batch_size: int
    batches: int  # batches 0 .. batches-1 cover positions 1 .. batches * batch_size
    workers: int


@dataclass(frozen=True, slots=True)
class Outcome:
    applied: int  # events applied
    tracked: int  # the tracking position reached


STOP_LOST_CLAIM = 1
STOP_FAILED = 2


class _Shared:
    """What the workers share: whose turn it is, how far tracking got, and a stop flag."""

    def __init__(self, context: Any) -> None:
        self.turn = context.Value("q", 0, lock=False)  # the next batch to commit
        self.tracked = context.Value("q", 0, lock=False)  # where that batch starts
        self.applied = context.Value("q", 0, lock=False)  # events applied so far
        self.stopped = context.Value("b", 0, lock=False)  # 0, STOP_LOST_CLAIM or STOP_FAILED
        self.changed = context.Condition()
        self.errors = context.Queue()


def rebuild_in_parallel(
    store: SQLiteReadStore,
    events_table: str,
    last_position: int,
    *,
    batch_size: int,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Apply positions 1..``last_position`` to freshly reset read models, in batches.

    Stops early, without error, if another projector claims positions first (the
    caller's catch-up goes on from there). Raises ProjectionError if an event cannot be
    applied; nothing of its batch is kept.
    """
    job = Job(
        db_name=store.datastore.pool.db_name,
        application_name=store.application_name,
        events_table=events_table,
        batch_size=batch_size,
        batches=-(-last_position // batch_size),
        workers=workers,
    )
    method = START_METHOD or (
        # fork starts at once and shares what is imported; only a process without other
        # threads may fork safely, so a server (threads) spawns fresh interpreters.
        "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    )
    context = multiprocessing.get_context(method)
    shared = _Shared(context)
    processes: list[multiprocessing.process.BaseProcess] = [
        context.Process(  # type: ignore[attr-defined]
            target=_work,
            args=(job, n, shared),
            name=f"reportedly-rebuild-{n}",
            daemon=True,
        )
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        while any(p.is_alive() for p in processes):
            if progress is not None:
                progress(shared.tracked.value)
            if shared.stopped.value or any(p.exitcode not in (None, 0) for p in processes):
                break
            time.sleep(POLL)
    finally:
        if not shared.stopped.value and shared.turn.value < job.batches:
            shared.stopped.value = STOP_FAILED  # leaving early: tell the workers
        with shared.changed:
            shared.changed.notify_all()
        for process in processes:
            process.join(10)
            if process.is_alive():
                process.kill()
    if shared.stopped.value == STOP_FAILED:
        message = None
        while not shared.errors.empty():
            message = shared.errors.get()
        if message is not None:
            raise ProjectionError(message)
        # Workers that died without a word (could not start, killed): every batch they
        # committed is whole, so the caller's one-process catch-up carries on.
        codes = [p.exitcode for p in processes]
        logger.warning("rebuild workers stopped (exit codes %s): going on in one process", codes)
    if progress is not None:
        progress(shared.tracked.value)
    return Outcome(int(shared.applied.value), int(shared.tracked.value))


def _work(job: Job, worker: int, shared: _Shared) -> None:
    """One worker: batches worker, worker + workers, ... each decoded, then written."""
    # Ctrl-C reaches the whole process group: the parent stops the workers in order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # short-lived objects only: reference counting frees them
    store = SQLiteReadStore(SQLiteDatastore(job.db_name), job.application_name)
    store.attach_events(job.events_table)
    log = sqlite3.connect(job.db_name, uri=True)  # reads only: plain tuples
    read = (
        f"SELECT rowid, topic, state FROM {job.events_table} "
        "WHERE rowid > ? AND rowid <= ? ORDER BY rowid"
    )
    try:
        for number in range(worker, job.batches, job.workers):
            start = number * job.batch_size
            records: list[Record] = log.execute(read, (start, start + job.batch_size)).fetchall()
            batch = _Batch(store, None)
            batch.apply_all(records, defer=True)
            if not _wait_for_turn(shared, number):
                return
            if records and not _commit(store, shared, batch, records[-1][0]):
                _stop(shared, STOP_LOST_CLAIM)
                return
            with shared.changed:
                shared.applied.value += len(records)
                shared.turn.value = number + 1
                shared.changed.notify_all()
    except Exception as error:  # reported to the parent, which raises it
        shared.errors.put(str(error) if isinstance(error, ProjectionError) else repr(error))
        _stop(shared, STOP_FAILED)
    finally:
        log.close()
        store.close()


def _wait_for_turn(shared: _Shared, number: int) -> bool:
    with shared.changed:
        while shared.turn.value != number:
            if shared.stopped.value:
                return False
            shared.changed.wait(POLL)
    return not shared.stopped.value


def _commit(store: SQLiteReadStore, shared: _Shared, batch: _Batch, last: int) -> bool:
    """Claim tracking from the previous batch's end to ``last`` and write the batch;
    False (nothing written) if something else moved tracking meanwhile."""
    with store.transaction(commit=True, bulk=True) as c:
        if not store.claim(c, shared.tracked.value, last):
            return False
        batch.finish(c)
    shared.tracked.value = last
    return True


def _stop(shared: _Shared, why: int) -> None:
    if not shared.stopped.value:
        shared.stopped.value = why
    with shared.changed:
        shared.changed.notify_all()
