"""Several API server processes on one PostgreSQL database: concurrent writers lose and
duplicate nothing, ids stay idempotent across processes, and an unreachable database gives
503s (nothing half-written) until it is back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
import pytest

from tests.tcp_proxy import TcpProxy
from tests.test_write_path_server import race

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from api.cli import app; app(prog_name='reportedly')"]
AUTH = {"Authorization": "Bearer s3cret"}
SOURCE = {"name": "Financial Times", "published": "2024-01-11"}


def claim(fact_id: str, said: str = "talks") -> dict[str, Any]:
    return {
        "id": fact_id,
        "kind": "claim",
        "subject": "Geneva",
        "predicate": "hosted",
        "object": said,
        "occurred": "2023-07",
        "sources": [SOURCE],
    }


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "REPORTEDLY_DATABASE_URL": url,
        "REPORTEDLY_TOKENS": "editor:s3cret",
        "REPORTEDLY_CREATE_TABLES": "false",
        **extra,
    }


def migrate(url: str) -> None:
    subprocess.run([*CLI, "migrate"], cwd=ROOT, env=env_for(url), check=True, capture_output=True)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, log: Path, workers: int = 1, **extra: str) -> Iterator[httpx.Client]:
    """``reportedly serve`` on a free port, as its own process group; a client for it."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=env_for(url, **extra),
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=60)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start: {log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield client
    finally:
        client.close()
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def stored_fact_ids(url: str) -> list[str]:
    """Every FactReported event's fact id, straight from the events table."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT convert_from(state, 'UTF8')::json -> 'fact' ->> 'id' FROM reportedly_events "
            "WHERE topic = 'domain.events:FactReported'"
        ).fetchall()
    return sorted(str(r[0]) for r in rows)


def all_fact_ids(client: httpx.Client, story: str) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/stories/{story}/facts", params=params)
        page.raise_for_status()
        ids += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next"]
        if not cursor:
            return sorted(ids)


def test_two_servers_with_concurrent_writers_store_every_fact_once_and_both_show_all(
    postgres_url: str, tmp_path: Path
) -> None:
    migrate(postgres_url)
    log = tmp_path / "servers.log"
    with server(postgres_url, log, workers=2) as a, server(postgres_url, log) as b:
        assert a.post("/stories", json={"id": "busy", "title": "Busy"}).status_code == 201
        statuses: list[int] = []

        def write(writer: int) -> None:
            for n in range(40):
                client = (a, b)[(writer + n) % 2]
                response = client.post("/stories/busy/facts", json=claim(f"w{writer}-{n}"))
                statuses.append(response.status_code)

        writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()

        expected = sorted(f"w{w}-{n}" for w in range(4) for n in range(40))
        assert statuses == [201] * len(expected)
        assert stored_fact_ids(postgres_url) == expected
        assert all_fact_ids(a, "busy") == expected == all_fact_ids(b, "busy")


def test_the_same_fact_posted_to_two_servers_at_once_is_stored_once(
    postgres_url: str, tmp_path: Path
) -> None:
    migrate(postgres_url)
    log = tmp_path / "servers.log"
    with server(postgres_url, log) as a, server(postgres_url, log) as b:
        a.post("/stories", json={"id": "race", "title": "Race"}).raise_for_status()

        def post(client: httpx.Client, fact_id: str) -> int:
            return client.post("/stories/race/facts", json=claim(fact_id)).status_code

        answers = race(post, [a, b], [f"same-{n}" for n in range(10)])
        assert all(sorted(statuses) == [200, 201] for statuses in answers.values()), answers
        assert stored_fact_ids(postgres_url) == sorted(f"same-{n}" for n in range(10))
        # The same id with other content, to the other server: a conflict, still one event.
        conflict = b.post("/stories/race/facts", json=claim("same-0", said="dinner"))
        assert conflict.status_code == 409
        assert stored_fact_ids(postgres_url).count("same-0") == 1


def through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{proxy.port}"
    if parts.password:
        netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_while_postgresql_is_unreachable_requests_get_503_and_nothing_is_half_written(
    postgres_url: str, tmp_path: Path
) -> None:
    migrate(postgres_url)
    target = urlsplit(postgres_url)
    with (
        TcpProxy((target.hostname or "127.0.0.1", target.port or 5432)) as proxy,
        server(
            through(proxy, postgres_url), tmp_path / "server.log", REPORTEDLY_POOL_TIMEOUT="1"
        ) as api,
    ):
        api.post("/stories", json={"id": "outage", "title": "Outage"}).raise_for_status()
        assert api.post("/stories/outage/facts", json=claim("before")).status_code == 201

        proxy.cut()  # as if the server stopped: connections dropped, new ones refused
        write = api.post("/stories/outage/facts", json=claim("during"))
        read = api.get("/stories/outage/facts")
        for response in (write, read):
            assert response.status_code == 503
            assert response.json()["error"] == "unavailable"
            assert response.headers["retry-after"]

        proxy.restore()
        deadline = time.monotonic() + 60
        while (response := api.get("/stories/outage/facts")).status_code != 200:
            assert response.status_code == 503 and time.monotonic() < deadline
            time.sleep(0.2)
        assert [f["id"] for f in response.json()["items"]] == ["before"]
        # The failed write left nothing: the same request now appends it (201, not 200).
        assert api.post("/stories/outage/facts", json=claim("during")).status_code == 201
    assert stored_fact_ids(postgres_url) == ["before", "during"]


def terminate_other_sessions(url: str) -> int:
    dbname = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchall()
    return len(rows)


def test_sessions_killed_mid_traffic_cost_no_fact_and_no_server_error(
    postgres_url: str, tmp_path: Path
) -> None:
    migrate(postgres_url)
    with server(postgres_url, tmp_path / "server.log") as api:
        api.post("/stories", json={"id": "churn", "title": "Churn"}).raise_for_status()
        answers: dict[str, int] = {}

        def write(writer: int) -> None:
            for n in range(60):
                fact_id = f"c{writer}-{n}"
                answers[fact_id] = api.post("/stories/churn/facts", json=claim(fact_id)).status_code

        writers = [threading.Thread(target=write, args=(w,)) for w in range(3)]
        for thread in writers:
            thread.start()
        killed = 0
        for _ in range(5):  # every session of the server, killed mid-traffic, five times
            while len(answers) < 10 + killed:
                time.sleep(0.01)
            killed += terminate_other_sessions(postgres_url)
        for thread in writers:
            thread.join()

        assert killed > 0
        assert set(answers.values()) <= {200, 201, 503}, answers
        acknowledged = sorted(f for f, status in answers.items() if status in (200, 201))
        stored = stored_fact_ids(postgres_url)
        assert len(stored) == len(set(stored))  # never twice
        assert set(acknowledged) <= set(stored) <= set(answers)
        assert set(acknowledged) <= set(all_fact_ids(api, "churn"))
