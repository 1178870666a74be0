"""Opens the store and its read models from settings; one place the edges get them."""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from eventsourcing.persistence import OperationalError, ProgrammingError

from api.settings import Settings
from domain.application import Reportedly
from projections.appending import GroupCommit
from projections.readmodels import ReadModels
from projections.store import store_env

# Threads that run writes off the event loop: enough for the writes that arrive together
# to be committed as one group (projections.appending), as many as the framework's own
# thread pool allows for the rest.
WRITE_THREADS = 40
T = TypeVar("T")
log = logging.getLogger("reportedly.writes")


class WriteThreads:
    """The writes' threads: started as writes need them, up to ``size``, each taking
    the next write from one queue; a write waits there while all of them are busy.

    Not ``concurrent.futures.ThreadPoolExecutor``: its futures, their conditions and its
    idle-thread semaphore cost a write more than the work of handing it over, most under
    concurrent writes (8 writers, servers before and after in alternating rounds, three
    times: 1,006 → 1,111, 1,028 → 1,121 and 1,067 → 1,138 appends/s; 900-962 → 850-869
    us of server CPU an append). A write's answer goes back to the event loop from the
    write itself (``Services.write``)."""

    def __init__(self, size: int = WRITE_THREADS) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` on one of the threads; it must not raise (it answers itself)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the writes' threads are shut down")
            if self._idle:
                self._idle -= 1
            elif len(self._threads) < self.size:
                name = f"reportedly-write-{len(self._threads)}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                self._threads.append(thread)
                thread.start()
        self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except BaseException:  # a job answers its own errors; the thread lives on
                log.exception("a write's thread caught an error its write did not answer")
            del job  # what the write held (an import's lines) is freed now, not later
            with self._lock:
                self._idle += 1

    def shutdown(self, wait: bool = True) -> None:
        """Writes submitted before run first; then each thread ends."""
        with self._lock:
            self._closed = True
        for _ in self._threads:
            self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()


@dataclass
class Services:
    settings: Settings
    app: Reportedly
    read: ReadModels
    database_url: str = field(default="")
    writes: WriteThreads = field(default_factory=WriteThreads)

    async def write(self, call: Callable[[], T], position: Callable[[T], int | None]) -> T:
        """Run a write — its checks, its transaction — off the event loop, and return once
        the read models hold it (read-your-writes: a read that follows the answer sees
        it). ``position``: where the write's result ends in the log (None: nothing new).

        On threads of its own, the answer handed back to the loop with one call: the
        framework's path for a plain ``def`` route (anyio's worker threads) costs about
        0.25 ms, a sixth of a whole single append (docs/writes.md), and asyncio's
        ``run_in_executor``, which chains a second future, about 15 us more than this."""

        loop = asyncio.get_running_loop()
        answer: asyncio.Future[T] = loop.create_future()

        def run() -> None:
            try:
                result = call()
                self.read.wait_for(position(result))
            except BaseException as error:  # the request's, raised where it awaits
                loop.call_soon_threadsafe(_fail, answer, error)
            else:
                loop.call_soon_threadsafe(_succeed, answer, result)

        self.writes.submit(run)
        return await answer

    def close(self) -> None:
        self.writes.shutdown(wait=True)
        self.read.close()
        self.app.close()


# A write's answer; none once the request was cancelled (its client went away).
def _succeed(answer: asyncio.Future[T], result: T) -> None:
    if not answer.done():
        answer.set_result(result)


def _fail(answer: asyncio.Future[T], error: BaseException) -> None:
    if not answer.done():
        answer.set_exception(error)


def _ensure_sqlite_dir(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "sqlite" and parts.path and ":memory:" not in parts.path:
        Path(parts.netloc + parts.path).parent.mkdir(parents=True, exist_ok=True)


def pool_env(settings: Settings) -> dict[str, str]:
    """eventsourcing's PostgreSQL pool settings (ignored by the other stores)."""
    return {
        "POSTGRES_POOL_SIZE": str(settings.pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.pool_max_overflow),
        "POSTGRES_CONNECT_TIMEOUT": str(math.ceil(settings.pool_timeout)),  # whole seconds
        "POSTGRES_PRE_PING": "y" if settings.pool_pre_ping else "n",
    }


RECONNECT_SECONDS = 10.0


def _reconnect_promptly(app: Reportedly) -> None:
    """psycopg's pool retries a lost connection with a doubling wait for up to 5 minutes,
    so after a long outage it may notice the database is back only a minute later. Giving
    each attempt up after RECONNECT_SECONDS lets the next request start a fresh one."""
    if app.env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return
    from eventsourcing.postgres import PostgresDatastore  # psycopg: only with PostgreSQL

    datastore = getattr(app.factory, "datastore", None)
    if isinstance(datastore, PostgresDatastore):
        datastore.pool.reconnect_timeout = RECONNECT_SECONDS


class NotMigrated(RuntimeError):
    """Table creation is off and the tables are missing: run ``reportedly migrate``."""


def _check_migrated(app: Reportedly) -> None:
    try:
        app.recorder.max_notification_id()
    except (ProgrammingError, OperationalError) as error:
        if isinstance(error, OperationalError) and "no such table" not in str(error):
            raise  # unreachable, not unmigrated
        app.close()
        raise NotMigrated(
            "the store has no tables and REPORTEDLY_CREATE_TABLES is false: "
            "run `reportedly migrate` once first"
        ) from None


def open_services(settings: Settings) -> Services:
    url = settings.resolved_database_url()
    _ensure_sqlite_dir(url)
    env = store_env(url) | pool_env(settings)
    creating = settings.create_tables and not settings.read_only
    env["CREATE_TABLE"] = "y" if creating else "n"
    app = Reportedly(env=env)
    _reconnect_promptly(app)
    if not creating:
        _check_migrated(app)
    try:
        read = ReadModels(app, url, read_only=settings.read_only)
    except Exception:
        app.close()
        raise
    read.catch_up()
    grouped = GroupCommit.over(read)
    if grouped is not None:  # events, read models and tracking in one transaction
        app.insert_events_with(grouped.insert)
    return Services(settings=settings, app=app, read=read, database_url=url)
