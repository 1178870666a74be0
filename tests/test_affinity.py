"""A served process keeps its threads on one CPU of its own (``api.affinity``), as
``reportedly serve`` runs it, and several take different CPUs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from api import affinity
from api.affinity import claim_cpu
from tests.test_server_process import FT, ROOT, WRITE, _wait_until_up, free_port, stop

CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
several_cpus = pytest.mark.skipif(
    len(CPUS) < 2, reason="keeping threads on one CPU needs a machine with two CPUs or more"
)


def test_each_claim_takes_a_cpu_no_other_holds_and_a_closed_one_is_free_again(
    tmp_path: Path,
) -> None:
    first = claim_cpu([0, 1], tmp_path)
    second = claim_cpu([0, 1], tmp_path)
    assert first is not None and second is not None
    assert (first[0], second[0]) == (0, 1)
    assert claim_cpu([0, 1], tmp_path) is None  # both held
    os.close(first[1])  # as when a server process ends, however it ends
    again = claim_cpu([0, 1], tmp_path)
    assert again is not None and again[0] == 0
    os.close(again[1])
    os.close(second[1])


@several_cpus
def test_where_the_system_refuses_a_server_stays_put_says_why_and_frees_its_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def refused(pid: int, cpus: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(affinity, "lock_dir", lambda: tmp_path)
    monkeypatch.setattr(os, "sched_setaffinity", refused)
    with caplog.at_level("INFO", logger="uvicorn.error"):
        assert affinity.pin_to_one_cpu() is None
    assert "does not let it keep them on one CPU" in caplog.text
    claimed = claim_cpu(CPUS, tmp_path)  # the CPU it tried is free for the next server
    assert claimed is not None and claimed[0] == CPUS[0]
    os.close(claimed[1])


def allowed(pid: int) -> dict[int, str]:
    """Each thread of a process, and the CPUs it may run on (as the kernel lists them)."""
    threads = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        status = Path(f"/proc/{pid}/task/{task}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("Cpus_allowed_list:"))
        threads[int(task)] = line.split(":", 1)[1].strip()
    return threads


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


Serve = Callable[..., tuple[int, str, Path]]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """``reportedly serve`` in its own process, on a fresh SQLite file, with its CPU locks
        in this test's own directory; yields a function that starts one and gives its pid,
    its URL and its log."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str, pin: bool = True) -> tuple[int, str, Path]:
        port = free_port()
        log_path = tmp_path / f"server-{port}.log"
        env = os.environ | {
            "REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
            "REPORTEDLY_TOKENS": "desk:desk-secret",
            "REPORTEDLY_PIN_CPU": str(pin).lower(),
            "TMPDIR": str(tmp_path),  # the CPU locks: this test's, not the machine's
        }
        command = [sys.executable, "-c", "from api.cli import run; run()",
                   "serve", "--port", str(port), *args]  # fmt: skip
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, process, log_path)
        return process.pid, url, log_path

    yield start
    for process in started:
        stop(process)


def write_some(url: str, story: str) -> None:
    """Writes start the server's write threads: they must sit on its CPU too."""
    with httpx.Client(base_url=url, headers=WRITE, timeout=10) as http:
        assert http.post("/stories", json={"id": story, "title": story}).status_code == 201
        for i in range(5):
            fact = {"id": f"{story}-{i}", "kind": "meeting_held", "occurred": "2023-07",
                    "title": f"meeting {i}", "sources": [FT]}  # fmt: skip
            assert http.post(f"/stories/{story}/facts", json=fact).status_code == 201


@several_cpus
def test_a_served_process_keeps_every_thread_on_one_cpu_and_two_servers_take_two(
    serve: Serve,
) -> None:
    first_pid, first_url, first_log = serve()
    write_some(first_url, "one")
    second_pid, second_url, _ = serve()
    write_some(second_url, "two")

    first, second = allowed(first_pid), allowed(second_pid)
    assert len(first) > 2, "the server should have its loop, write and other threads"
    assert len(set(first.values())) == 1 and len(set(second.values())) == 1
    first_cpu, second_cpu = next(iter(first.values())), next(iter(second.values()))
    assert first_cpu in {str(c) for c in CPUS} and second_cpu in {str(c) for c in CPUS}
    assert first_cpu != second_cpu
    assert f"Threads kept on CPU {first_cpu}" in first_log.read_text()


@several_cpus
def test_workers_of_one_server_take_different_cpus(serve: Serve) -> None:
    pid, url, log = serve("--workers", "2")
    write_some(url, "workers")
    # Each worker starts on its own: wait (a while) for both to say where they run.
    deadline = time.monotonic() + 60
    while log.read_text().count("Threads kept on CPU") < 2:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)
    # The supervisor starts the workers (and may start helpers, which stay put).
    pinned = {}
    for child in children(pid):
        cpus = set(allowed(child).values())
        if len(cpus) == 1 and next(iter(cpus)).isdigit():
            pinned[child] = next(iter(cpus))
    assert len(pinned) == 2, pinned
    assert len(set(pinned.values())) == 2, pinned


@several_cpus
def test_with_pinning_off_the_threads_may_run_where_the_server_was_started_to(
    serve: Serve,
) -> None:
    pid, url, log = serve(pin=False)
    write_some(url, "anywhere")
    ours = allowed(os.getpid())[os.getpid()]  # what this test's process may use
    assert set(allowed(pid).values()) == {ours}
    assert "kept on CPU" not in log.read_text()
