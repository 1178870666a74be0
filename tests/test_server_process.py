"""The real thing: uvicorn serving the app factory in its own processes, over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from domain.application import Reportedly
from domain.model import parse_fact
from projections.store import store_env

ROOT = Path(__file__).resolve().parents[1]
WRITE = {"Authorization": "Bearer desk-secret"}
FT = {"name": "Financial Times", "published": "2024-01-11"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'served.db'}"


@pytest.fixture
def server(tmp_path: Path, database: str) -> Iterator[str]:
    """Two uvicorn workers on one SQLite file; yields the base URL."""
    port = free_port()
    env = os.environ | {
        "REPORTEDLY_DATABASE_URL": database,
        "REPORTEDLY_TOKENS": "desk:desk-secret",
        "REPORTEDLY_READ_TOKENS": "",
    }
    command = [sys.executable, "-m", "uvicorn", "api.main:create_served_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]  # fmt: skip
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, tmp_path / "server.log")
        yield url
    finally:
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask a server to stop; kill it if it has not within 15 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 30
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the server did not answer within {seconds:.0f} s:\n{log.read_text()}")


def meeting(fact_id: str, occurred: str) -> dict[str, object]:
    return {"id": fact_id, "kind": "meeting_held", "occurred": occurred,
            "title": f"Geneva talks ({occurred})", "sources": [FT]}  # fmt: skip


def test_the_served_api_appends_reads_its_writes_and_streams_them_live(
    server: str, database: str
) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        story = {"id": "geneva-ai-talks", "title": "Geneva talks"}
        assert http.post("/stories", json=story).status_code == 401
        assert http.post("/stories", json=story, headers=WRITE).status_code == 201
        facts = "/stories/geneva-ai-talks/facts"
        created = http.post(facts, json=meeting("geneva-2023-07", "2023-07"), headers=WRITE)
        assert created.status_code == 201
        # Every acknowledged write is visible at once, whichever worker answers.
        for _ in range(6):
            assert http.get(f"{facts}/geneva-2023-07").status_code == 200
        known = http.get(facts, params={"known_at": "2023-12-31"}).json()
        assert known["items"] == []

        with http.stream("GET", "/stories/geneva-ai-talks/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert _next_data(lines)["event"] == "story_created"
            assert _next_data(lines)["fact_id"] == "geneva-2023-07"
            later = meeting("geneva-2023-10", "2023-10")
            assert http.post(facts, json=later, headers=WRITE).status_code == 201
            live = _next_data(lines)
            assert live["fact_id"] == "geneva-2023-10" and live["kind"] == "meeting_held"
            assert live["position"] > created.json()["position"]
            # Another process appends straight to the store (as `reportedly load` does):
            # the stream still delivers it.
            other = Reportedly(env=store_env(database))
            try:
                other.report_fact("geneva-ai-talks", parse_fact(meeting("m-3", "2023-11")), "cli")
            finally:
                other.close()
            assert _next_data(lines)["fact_id"] == "m-3"

        assert http.get("/openapi.json").json()["info"]["title"] == "reportedly"
        assert http.get("/docs").status_code == 200


def _next_data(lines: Iterator[str]) -> dict[str, object]:
    for line in lines:
        if line.startswith("data: "):
            data: dict[str, object] = orjson.loads(line[len("data: ") :])
            return data
    raise AssertionError("the stream ended")
