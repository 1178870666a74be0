"""HTTP appends against the bare eventsourcing library, measured in the same run.

Targets (PRODUCT.md): single appends over HTTP >= 0.5x the library's single-save rate
on the same storage; bulk import >= 0.5x its batched-save rate, with validation, auth
and projections included.

    python bench/bench_appends.py [--singles 500] [--bulk 20000] [--batch 500]

Runs a real server (uvicorn, one process) on a free loopback port with a fresh SQLite
file, and the library on another fresh SQLite file in the same directory.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-secret"
SOURCE = {"name": "Financial Times", "published": "2024-01-11"}


class Note(Aggregate):
    def __init__(self, text: str) -> None:
        self.text = text


def bare_rates(db: Path, singles: int, bulk: int, batch: int) -> tuple[float, float]:
    app: Application[Any] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    )
    started = time.perf_counter()
    for i in range(singles):
        app.save(Note(f"n{i}"))
    single = singles / (time.perf_counter() - started)
    notes = [Note(f"b{i}") for i in range(bulk)]
    started = time.perf_counter()
    for i in range(0, bulk, batch):
        app.save(*notes[i : i + batch])
    batched = bulk / (time.perf_counter() - started)
    app.close()
    return single, batched


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REPORTEDLY_DATABASE_URL": f"sqlite:///{db}",
        "REPORTEDLY_TOKENS": f"bench:{TOKEN}",
        "REPORTEDLY_MAX_IMPORT_BYTES": str(512 * 1024 * 1024),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
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


def single_rate(port: int, singles: int) -> float:
    bodies = [orjson.dumps(fact(i, "single")) for i in range(singles)]
    return request_rate(port, [("POST", "/stories/s/facts", b) for b in bodies], 201)


def floor_rate(port: int, count: int) -> float:
    """The stack's own floor: a read of one small row through the same middleware."""
    return request_rate(port, [("GET", "/stories/s", None)] * count, 200)


def http_rates(db: Path, singles: int, bulk: int, batch: int) -> tuple[float, float, float]:
    port = free_port()
    server = start_server(db, port)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as http:
            http.post("/stories", json={"id": "s", "title": "bench"}).raise_for_status()
            http.post(
                "/actors", json={"id": "openai", "name": "OpenAI", "kind": "company"}
            ).raise_for_status()
            http.post(
                "/stories/s/facts",
                json={
                    "id": "m",
                    "kind": "meeting_held",
                    "title": "m",
                    "occurred": "2023-07",
                    "sources": [SOURCE],
                },
            ).raise_for_status()
            floor = floor_rate(port, singles)
            single = single_rate(port, singles)
            body = b"\n".join(orjson.dumps(fact(i, "bulk")) for i in range(bulk))
            started = time.perf_counter()
            response = http.post(
                "/stories/s/import",
                content=body,
                timeout=600,
                headers={"Content-Type": "application/x-ndjson"},
            )
            response.raise_for_status()
            imported = bulk / (time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(10)
    return floor, single, imported


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--singles", type=int, default=500)
    parser.add_argument("--bulk", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare_single, bare_batched = bare_rates(
            Path(tmp, "bare.db"), args.singles, args.bulk, args.batch
        )
        floor, http_single, http_bulk = http_rates(
            Path(tmp, "reportedly.db"), args.singles, args.bulk, args.batch
        )
    rows = [
        ("single appends/s", bare_single, http_single, 0.5),
        ("bulk appends/s", bare_batched, http_bulk, 0.5),
    ]
    print(f"{'measure':<20}{'library':>12}{'reportedly':>12}{'ratio':>8}{'target':>8}  ok")
    for name, base, ours, target in rows:
        ratio = ours / base
        print(
            f"{name:<20}{base:>12,.0f}{ours:>12,.0f}{ratio:>8.2f}{target:>8.2f}  "
            f"{'yes' if ratio >= target else 'NO'}"
        )
    print(
        f"\nfor scale: a one-row GET through the same HTTP stack runs at {floor:,.0f}/s "
        f"({floor / bare_single:.2f}x the library's single saves), the ceiling for any "
        "HTTP request here"
    )


if __name__ == "__main__":
    main()
