"""Keeping the read models current in the background: the ``reportedly project`` worker.

API processes project their own writes before answering (read-your-writes), so a
follower only closes gaps: events appended by a process that died before projecting them,
or by another tool writing to the same log. On PostgreSQL it sleeps on LISTEN/NOTIFY
through eventsourcing's subscription and wakes when a transaction appends events; where
the store offers no subscription (SQLite), it polls. Several followers and API processes
may run at once: the tracking compare-and-set applies each event exactly once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from eventsourcing.persistence import InterfaceError, OperationalError

from projections.readmodels import ReadModels

log = logging.getLogger("reportedly.follower")

Applied = Callable[[int, int], None]
"""Told (events applied, position reached) after each catch-up that applied something."""

RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)  # waits while the database is unreachable


def follow(
    read: ReadModels,
    stop: threading.Event,
    *,
    poll_seconds: float = 0.5,
    applied: Applied | None = None,
) -> None:
    """Apply new events as they are appended, until ``stop`` is set.

    Outages (the database unreachable, a connection dropped) are logged and retried with
    a growing wait; anything else (an event the read models cannot take) is raised.
    """
    failures = 0
    while not stop.is_set():
        try:
            _follow(read, stop, poll_seconds, applied)
            failures = 0
        except (OperationalError, InterfaceError) as error:
            wait = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
            failures += 1
            log.warning("store unavailable (%s); retrying in %.1fs", error, wait)
            stop.wait(wait)


def _catch_up(read: ReadModels, applied: Applied | None) -> int:
    count = read.catch_up()
    position = read.last_position()
    if count and applied is not None:
        applied(count, position)
    return position


def _follow(
    read: ReadModels, stop: threading.Event, poll_seconds: float, applied: Applied | None
) -> None:
    seen = _catch_up(read, applied)
    try:
        subscription = read.app.recorder.subscribe(gt=seen)
    except NotImplementedError:  # SQLite: no LISTEN/NOTIFY, so poll
        while not stop.wait(poll_seconds):
            _catch_up(read, applied)
        return
    ended = threading.Event()

    def stop_subscription_on_stop() -> None:
        # eventsourcing 9.5's PostgreSQL subscription reads what is stored before its
        # LISTEN is in place, so an event appended in between waits for the next NOTIFY.
        # Catching up every ``poll_seconds`` here bounds that wait (catch-up is locked).
        last = time.monotonic()
        while not stop.wait(0.2) and not ended.is_set():
            if time.monotonic() - last >= poll_seconds:
                try:
                    _catch_up(read, applied)
                except (OperationalError, InterfaceError) as error:
                    # The subscription meets the same outage and follow() retries it.
                    log.warning("catch-up failed (%s); the subscription retries", error)
                last = time.monotonic()
        subscription.stop()

    watcher = threading.Thread(target=stop_subscription_on_stop, daemon=True)
    watcher.start()
    try:
        with subscription:
            for notification in subscription:
                if stop.is_set():
                    break
                if notification.id > seen:  # else a writer already projected it
                    seen = _catch_up(read, applied)
    finally:
        ended.set()
        watcher.join()
