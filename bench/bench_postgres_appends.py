"""Appends/s through 1, 2 and 4 API processes on one PostgreSQL database, beside the bare
eventsourcing library's PostgreSQL save rate measured in the same run.

    python bench/bench_postgres_appends.py [--server postgresql://postgres@127.0.0.1:5432/test]
                                           [--appends 1200] [--clients 8]

The server URL (default: REPORTEDLY_TEST_POSTGRES_URL, else the local test server) is
only used to create a throwaway database, dropped at the end. Each configuration runs
``reportedly serve --workers N`` on a free loopback port with table creation off (after
``reportedly migrate``), and ``--clients`` threads post single facts with fresh ids.
Afterwards the log is checked: every acknowledged fact stored exactly once.

The library baseline saves one small aggregate per transaction, from one thread and from
``--clients`` threads: the rate one database takes through eventsourcing's recorder,
which locks the events table for each insert so that the log has no gaps.

Where an append's time goes, per configuration: the CPU of the API processes, of
PostgreSQL and of this load generator (``/proc``), and, from ``pg_locks`` sampled every
5 ms, how long an append waits for the events table's lock and how long the lock is held
for it (Little's law: the average number of waiters, and the share of the time the lock
is held, each divided by the appends/s).
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import httpx
import orjson
import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from procstat import cpu_seconds  # noqa: E402

from projections.store import store_env  # noqa: E402

TOKEN = "bench-secret"
SOURCE = {"name": "Financial Times", "published": "2024-01-11"}
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = (1, 2, 4)
BATCH = 100  # events per transaction in the batched library row
WARM_UP = 25  # appends per client before each configuration is measured


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text


@contextmanager
def throwaway_database(server: str) -> Iterator[str]:
    name = f"reportedly_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def in_threads(threads: int, total: int, work: Callable[[int], None]) -> float:
    """Run ``work(i)`` for i in range(total) spread over threads; return items per second."""
    errors: list[BaseException] = []

    def run(start: int) -> None:
        try:
            for i in range(start, total, threads):
                work(i)
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return total / elapsed


def library_rate(url: str, saves: int, threads: int) -> float:
    """The bare library's single-event saves per second on this database."""
    app: Application[UUID] = Application(
        env=store_env(url) | {"POSTGRES_POOL_SIZE": str(threads), "CREATE_TABLE": "y"}
    )
    app.save(Note("warm-up"))

    def save(i: int) -> None:
        app.save(Note(f"n{i}"))

    rate = in_threads(threads, saves, save)
    app.close()
    return rate


def library_batched_rate(url: str, events: int, batch: int) -> float:
    """Events per second when each transaction saves ``batch`` of them: the table lock is
    taken once per transaction, not once per event."""
    app: Application[UUID] = Application(env=store_env(url) | {"CREATE_TABLE": "y"})
    notes = [Note(f"b{i}") for i in range(events)]
    started = time.perf_counter()
    for i in range(0, events, batch):
        app.save(*notes[i : i + batch])
    rate = events / (time.perf_counter() - started)
    app.close()
    return rate


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from api.cli import app; app(prog_name='reportedly')", *args]


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "REPORTEDLY_DATABASE_URL": url,
        "REPORTEDLY_TOKENS": f"bench:{TOKEN}",
        "REPORTEDLY_CREATE_TABLES": "false",
    }


def cpu_split(session: int) -> tuple[float, float, float]:
    """CPU seconds so far of the API processes, of PostgreSQL, and of this load generator."""
    return cpu_seconds(session), cpu_seconds(command="postgres"), time.process_time()


@contextmanager
def serving(url: str, workers: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    server = subprocess.Popen(
        cli("serve", "--port", str(port), "--workers", str(workers)),
        cwd=ROOT,
        env=server_env(url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its workers form one process group, stopped together
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"reportedly serve --workers {workers} did not start")
            time.sleep(0.2)
        yield base, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)


def http_rate(base: str, story: str, appends: int, clients: int) -> float:
    """Appends/s from ``clients`` threads, each on a keep-alive connection of its own.

    The client is the standard library's, as in bench_appends.py: on 2 cores shared with
    the server and PostgreSQL, httpx's own CPU (about 1.8 ms an append here, more than an
    API process spends) would be taken from the server and counted against it."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    netloc = urlsplit(base).netloc
    local = threading.local()

    def client() -> http.client.HTTPConnection:
        if not hasattr(local, "http"):
            local.http = http.client.HTTPConnection(netloc, timeout=60)
        connection: http.client.HTTPConnection = local.http
        return connection

    with httpx.Client(base_url=base, headers=headers, timeout=60) as session:
        session.post("/stories", json={"id": story, "title": story}).raise_for_status()

    def append(i: int) -> None:
        fact = {
            "id": f"claim-{i}",
            "kind": "claim",
            "subject": "bench",
            "predicate": "appends",
            "object": str(i),
            "occurred": "2023-07",
            "sources": [SOURCE],
        }
        connection = client()
        connection.request("POST", f"/stories/{story}/facts", orjson.dumps(fact), headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 201:
            raise SystemExit(f"append {i}: {response.status} {body[:200]!r}")

    return in_threads(clients, appends, append)


@dataclass
class TableLock:
    """The events table's lock over a measurement: the average number of sessions waiting
    for it, and the share of the time it is held (filled when the measurement ends)."""

    waiting: float = 0.0
    held: float = 0.0


@contextmanager
def table_lock_sampled(url: str, every: float = 0.005) -> Iterator[TableLock]:
    """While the block runs, samples who holds and who waits for the events table's lock
    (``pg_locks``, every ``every`` seconds). By Little's law, divided by the appends/s,
    its averages are the time an append waits for the lock and the time the lock is held
    for it (its insert, rows and commit, and every wait between)."""
    lock = TableLock()
    samples: list[tuple[int, int]] = []
    done = threading.Event()

    def sample() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while not done.is_set():
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE NOT granted), count(*) FILTER (WHERE granted) "
                    "FROM pg_locks WHERE locktype = 'relation' AND mode = 'ExclusiveLock' "
                    "AND relation = to_regclass('reportedly_events')"
                ).fetchone()
                assert row is not None
                samples.append((int(row[0]), int(row[1])))
                done.wait(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield lock
    finally:
        done.set()
        sampler.join(10)
        if samples:
            lock.waiting = sum(waiting for waiting, _ in samples) / len(samples)
            lock.held = sum(held for _, held in samples) / len(samples)


def stored_facts(url: str) -> dict[str, int]:
    """FactReported events per story, straight from the events table."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT state FROM reportedly_events WHERE topic = 'domain.events:FactReported'"
        ).fetchall()
    counts: dict[str, int] = {}
    ids: set[tuple[str, str]] = set()
    for (state,) in rows:
        event = orjson.loads(state)
        ids.add((event["story"], event["fact"]["id"]))
        counts[event["story"]] = counts.get(event["story"], 0) + 1
    assert len(ids) == len(rows), "a fact was stored twice"
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--server",
        default=os.environ.get("REPORTEDLY_TEST_POSTGRES_URL") or DEFAULT_SERVER,
        help="a PostgreSQL server where this user may CREATE DATABASE",
    )
    parser.add_argument("--appends", type=int, default=1200, help="per configuration")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    args = parser.parse_args()

    rows: list[tuple[str, float]] = []
    spent: list[list[float]] = []  # ms of CPU per append: API processes, PostgreSQL, client
    with throwaway_database(args.server) as bare_url:
        rows.append(("library, 1 thread", library_rate(bare_url, args.appends, 1)))
        rows.append(
            (
                f"library, {args.clients} threads",
                library_rate(bare_url, args.appends, args.clients),
            )
        )
        rows.append(
            (
                f"library, batches of {BATCH}",
                library_batched_rate(bare_url, args.appends * 10, BATCH),
            )
        )
    with throwaway_database(args.server) as url:
        subprocess.run(
            cli("migrate"), cwd=ROOT, env=server_env(url), check=True, capture_output=True
        )
        for workers in WORKERS:
            with serving(url, workers) as (base, session):
                # Every worker's first requests import and build lazily: warm them first.
                http_rate(base, f"warm-{workers}", WARM_UP * args.clients, args.clients)
                before = cpu_split(session)
                with table_lock_sampled(url) as lock:
                    rate = http_rate(base, f"bench-{workers}", args.appends, args.clients)
                after = cpu_split(session)
            spent.append(
                [(b - a) / args.appends * 1000 for a, b in zip(before, after, strict=True)]
                + [lock.waiting / rate * 1000, lock.held / rate * 1000]  # Little's law
            )
            rows.append((f"HTTP, {workers} process{'es' if workers > 1 else ''}", rate))
        counts = stored_facts(url)
        acknowledged = args.appends + WARM_UP * args.clients  # measured and warm-up
        lost = {
            w: acknowledged - counts.get(f"bench-{w}", 0) - counts.get(f"warm-{w}", 0)
            for w in WORKERS
        }
    baseline = rows[0][1]
    print(f"\nPostgreSQL appends ({args.clients} concurrent clients/threads where concurrent)")
    print(f"{'path':<32}{'appends/s':>12}{'vs library 1 thread':>22}")
    for name, rate in rows:
        print(f"{name:<32}{rate:>12,.0f}{rate / baseline:>22.2f}")
    eight = rows[1][1]
    versus = f"vs {args.clients} threads"
    print(f"\n{'HTTP path':<20}{versus:>13}{'API':>7}{'PG':>7}{'client':>8}", end="")
    print(f"{'lock wait':>11}{'held':>7}")
    for (name, rate), (api, pg, client, waiting, held) in zip(rows[3:], spent, strict=True):
        print(f"{name:<20}{rate / eight:>13.2f}{api:>7.2f}{pg:>7.2f}{client:>8.2f}", end="")
        print(f"{waiting:>11.2f}{held:>7.2f}")
    print(
        "(ms an append. CPU: the API processes, every postgres process, the load generator.\n"
        " Wall, from pg_locks sampled: waiting for the events table's lock, holding it.)"
    )
    print(f"facts acknowledged but not stored, per configuration: {lost} (none stored twice)")


if __name__ == "__main__":
    main()
