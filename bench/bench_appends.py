"""HTTP appends against the bare eventsourcing library, measured in the same run.

Targets (PRODUCT.md, issue 14): single appends over HTTP >= 0.5x the library's
single-save rate on the same storage, and >= 0.6x the one-row GET rate of the same
server; 8 concurrent writers >= 2x the sequential rate; bulk import >= 0.5x the
library's batched-save rate in each of ``--runs`` imports, with validation, auth and
projections included.

    python bench/bench_appends.py [--singles 500] [--clients 1,8,32] [--bulk 100000]
                                  [--batch 5000] [--runs 3] [--rounds 5] [--workers 1]
                                  [--no-fast-append] [--no-pin-cpu]

Runs a real server (uvicorn, one process, the app as ``reportedly serve`` serves it:
``api.main:create_served_app``) on a free loopback port with a fresh SQLite file, and the
library on other fresh SQLite files in the same directory. The single appends, the
concurrent writers, the one-row GET, the disk's commits and the library's single saves
are measured in each of ``--rounds`` rounds, in turn; each figure is the median of its
rounds, and so is the server's CPU an append (its processes, from ``/proc``), which a
busy machine moves far less than it moves rates. ``--no-fast-append`` serves every
append through the framework's route instead of ``api.fast_append``, and
``--no-pin-cpu`` lets the system move the server's threads between CPUs
(``api.affinity``), to compare each with the default in turns. Each import goes to a
story of its own and is timed right after the library's batched save of as many events,
so each run's ratio has its own baseline. The library saves in batches of as many events
as one transaction of our import holds (``api.importing.BATCH_SIZE``, ``--batch`` to
change it): bigger batches are faster for both, so the two are compared like for like.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from procstat import cpu_seconds  # noqa: E402

from api.importing import BATCH_SIZE as IMPORT_BATCH  # noqa: E402

TOKEN = "bench-secret"
SOURCE = {"name": "Financial Times", "published": "2024-01-11"}


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text


def bare_app(db: Path) -> Application[Any]:
    return Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)})


def bare_single_rate(db: Path, singles: int) -> float:
    app = bare_app(db)
    started = time.perf_counter()
    for i in range(singles):
        app.save(Note(f"n{i}"))
    single = singles / (time.perf_counter() - started)
    app.close()
    return single


def commit_rate(db: Path, commits: int) -> float:
    """The disk's floor for a durable write: SQLite commits of one small row each, in WAL
    mode with ``synchronous = FULL`` (as the library's event log and our appends commit),
    nothing else: what one acknowledged write must wait for, whatever runs above it."""
    connection = sqlite3.connect(db, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE t (x)")
    started = time.perf_counter()
    for i in range(commits):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO t VALUES (?)", (i,))
        connection.execute("COMMIT")
    rate = commits / (time.perf_counter() - started)
    connection.close()
    return rate


def bare_batched_rate(db: Path, bulk: int, batch: int, run: int) -> float:
    app = bare_app(db)
    notes = [Note(f"b{run}-{i}") for i in range(bulk)]
    started = time.perf_counter()
    for i in range(0, bulk, batch):
        app.save(*notes[i : i + batch])
    batched = bulk / (time.perf_counter() - started)
    app.close()
    return batched


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    db: Path, port: int, workers: int = 1, fast_append: bool = True, pin_cpu: bool = True
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REPORTEDLY_FAST_APPEND": str(fast_append).lower(),
        "REPORTEDLY_PIN_CPU": str(pin_cpu).lower(),
        "REPORTEDLY_DATABASE_URL": f"sqlite:///{db}",
        "REPORTEDLY_TOKENS": f"bench:{TOKEN}",
        "REPORTEDLY_MAX_IMPORT_BYTES": str(512 * 1024 * 1024),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_served_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # the server and its workers: one session, for its CPU
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def fact(i: int, prefix: str) -> dict[str, object]:
    return {
        "id": f"{prefix}-{i}",
        "kind": "participant_joined",
        "meeting": "m",
        "actor": "openai",
        "occurred": "2023-07",
        "sources": [SOURCE],
    }


def request_rate(port: int, requests: list[tuple[str, str, bytes | None]], status: int) -> float:
    """Requests one after another on one keep-alive connection, with a lean client (the
    standard library's), so the figure is the server's and not the client's."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port)
    started = time.perf_counter()
    for method, path, body in requests:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != status:
            raise SystemExit(f"{method} {path} failed: {response.status}")
    elapsed = time.perf_counter() - started
    connection.close()
    return len(requests) / elapsed


def single_rate(port: int, singles: int, prefix: str) -> float:
    bodies = [orjson.dumps(fact(i, f"single-{prefix}")) for i in range(singles)]
    return request_rate(port, [("POST", "/stories/s/facts", b) for b in bodies], 201)


def concurrent_rate(port: int, clients: int, appends: int, prefix: str) -> float:
    """``appends`` single appends from ``clients`` threads, each on its own connection."""
    per_client = [
        [("POST", "/stories/s/facts", orjson.dumps(fact(i, f"c{clients}-{prefix}")))
         for i in range(k, appends, clients)]
        for k in range(clients)
    ]  # fmt: skip
    errors: list[BaseException] = []
    start = threading.Barrier(clients + 1)

    def run(requests: list[tuple[str, str, bytes | None]]) -> None:
        try:
            start.wait()
            request_rate(port, requests, 201)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(r,)) for r in per_client]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return appends / elapsed


def with_cpu(
    server: int, rate: Callable[[int, str], float], count: int, r: int
) -> tuple[float, float]:
    """A rate of ``count`` appends, and the server's CPU seconds an append while it ran
    (its processes: ``server`` leads their session)."""
    before = cpu_seconds(session=server)
    measured = rate(count, f"r{r}")
    return measured, (cpu_seconds(session=server) - before) / count


def floor_rate(port: int, count: int) -> float:
    """The stack's own floor: a read of one small row through the same middleware."""
    return request_rate(port, [("GET", "/stories/s", None)] * count, 200)


def setup(http: httpx.Client, story: str) -> None:
    http.post("/stories", json={"id": story, "title": "bench"}).raise_for_status()
    http.post(
        f"/stories/{story}/facts",
        json={
            "id": "m",
            "kind": "meeting_held",
            "title": "m",
            "occurred": "2023-07",
            "sources": [SOURCE],
        },
    ).raise_for_status()


def import_rate(http: httpx.Client, story: str, bulk: int) -> float:
    body = b"\n".join(orjson.dumps(fact(i, "bulk")) for i in range(bulk))
    started = time.perf_counter()
    response = http.post(
        f"/stories/{story}/import",
        content=body,
        timeout=900,
        headers={"Content-Type": "application/x-ndjson"},
    )
    response.raise_for_status()
    return bulk / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--clients", default="1,8,32", help="concurrent writers, comma-separated")
    parser.add_argument("--bulk", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=IMPORT_BATCH, help="the library's")
    parser.add_argument("--runs", type=int, default=3, help="imports, each with its baseline")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--rounds", type=int, default=5, help="of the single-append measures")
    parser.add_argument(
        "--no-fast-append",
        action="store_true",
        help="every append through the framework's route (REPORTEDLY_FAST_APPEND=false)",
    )
    parser.add_argument(
        "--no-pin-cpu",
        action="store_true",
        help="the server's threads wherever the system puts them (REPORTEDLY_PIN_CPU=false)",
    )
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",") if c]
    imports: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(
            Path(tmp, "reportedly.db"),
            port,
            args.workers,
            not args.no_fast_append,
            not args.no_pin_cpu,
        )
        headers = {"Authorization": f"Bearer {TOKEN}"}
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
                http.post(
                    "/actors", json={"id": "openai", "name": "OpenAI", "kind": "company"}
                ).raise_for_status()
                setup(http, "s")
                # Warm every worker (first requests import and build lazily), then take
                # the median of rounds that interleave the measures, so a busy moment on
                # a shared machine does not land on one measure only.
                concurrent_rate(port, 8, 400, "warm")
                cpu = partial(with_cpu, server.pid)
                rounds = [
                    (
                        floor_rate(port, args.singles),
                        cpu(partial(single_rate, port), args.singles, r),
                        [cpu(partial(concurrent_rate, port, n), args.singles * max(1, n // 4), r)
                         for n in clients],
                        commit_rate(Path(tmp, f"commits-{r}.db"), args.singles),
                        bare_single_rate(Path(tmp, f"bare-single-{r}.db"), args.singles),
                    )
                    for r in range(args.rounds)
                ]  # fmt: skip
                floor = statistics.median(r[0] for r in rounds)
                single = statistics.median(r[1][0] for r in rounds)
                single_cpu = statistics.median(r[1][1] for r in rounds)
                together = {
                    n: statistics.median(r[2][k][0] for r in rounds) for k, n in enumerate(clients)
                }
                together_cpu = {
                    n: statistics.median(r[2][k][1] for r in rounds) for k, n in enumerate(clients)
                }
                commits = statistics.median(r[3] for r in rounds)
                bare_single = statistics.median(r[4] for r in rounds)
                for run in range(args.runs):
                    story = f"import-{run}"
                    setup(http, story)
                    base = bare_batched_rate(Path(tmp, "bare.db"), args.bulk, args.batch, run)
                    imports.append((base, import_rate(http, story, args.bulk)))
        finally:
            server.terminate()
            server.wait(10)
    print(f"{'measure':<34}{'baseline':>12}{'reportedly':>12}{'ratio':>8}{'target':>8}  ok")

    def row(name: str, base: float, ours: float, target: float | None) -> None:
        ratio = ours / base
        verdict = "" if target is None else ("yes" if ratio >= target else "NO")
        shown = "" if target is None else f"{target:.2f}"
        print(f"{name:<34}{base:>12,.0f}{ours:>12,.0f}{ratio:>8.2f}{shown:>8}  {verdict}")

    # A one-row GET's time plus one durable commit, nothing else (no checks, no
    # projection): what an append through the framework's route could reach at best on
    # this disk. The fast path (api.fast_append) skips the framework's round, so it can
    # pass it.
    ceiling = 1 / (1 / floor + 1 / commits)
    row("single appends vs library single", bare_single, single, 0.5)
    row("  GET + one commit vs library", bare_single, ceiling, None)
    row("single appends vs one-row GET", floor, single, 0.6)
    row("  GET + one FULL commit", floor, ceiling, None)
    row("  durable commits/s of this disk", floor, commits, None)
    for n, rate in together.items():
        row(f"{n} writers vs sequential appends", single, rate, 2.0 if n == 8 else None)
    for run, (base, ours) in enumerate(imports, 1):
        row(f"import {args.bulk:,} run {run} vs library batch", base, ours, 0.5)
    shown = ", ".join(f"{n} writers {together_cpu[n] * 1e6:,.0f}" for n in clients)
    print(
        f"server CPU an append (us, the server's processes): one at a time "
        f"{single_cpu * 1e6:,.0f}, {shown}"
    )
    print(
        f"appends served by {'the route' if args.no_fast_append else 'the fast path'}, "
        f"the server's threads {'anywhere' if args.no_pin_cpu else 'on one CPU a process'}"
    )


if __name__ == "__main__":
    main()
