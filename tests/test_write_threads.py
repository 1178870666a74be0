"""The writes' own threads (``api.services.WriteThreads``): every write handed over is run
and answered with its own result or error, however many arrive at once, and closing the
services lets the writes already handed over finish."""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

from api.services import Services, WriteThreads, open_services
from api.settings import Settings


@pytest.fixture
def services(sqlite_url: str) -> Iterator[Services]:
    opened = open_services(Settings(database_url=sqlite_url, tokens="w:s"))
    opened.writes = WriteThreads(size=2)
    yield opened
    opened.close()


def test_more_writes_at_once_than_threads_are_each_answered_with_their_own_outcome(
    services: Services,
) -> None:
    ran_on: set[str] = set()

    def write(i: int) -> int:
        ran_on.add(threading.current_thread().name)
        time.sleep(0.01)
        if i % 3 == 0:
            raise ValueError(f"write {i} refused")
        return i * 10

    async def all_at_once() -> list[int | BaseException]:
        writes = [services.write(lambda i=i: write(i), lambda _: None) for i in range(12)]
        return await asyncio.gather(*writes, return_exceptions=True)

    answers = asyncio.run(all_at_once())

    for i, answer in enumerate(answers):
        if i % 3 == 0:
            assert isinstance(answer, ValueError) and str(answer) == f"write {i} refused"
        else:
            assert answer == i * 10
    assert len(ran_on) <= 2  # the rest waited for a free thread


def test_closing_lets_the_writes_handed_over_finish_and_refuses_new_ones() -> None:
    threads = WriteThreads(size=1)
    done: list[int] = []
    for i in range(3):
        threads.submit(lambda i=i: (time.sleep(0.02), done.append(i)))

    threads.shutdown(wait=True)

    assert done == [0, 1, 2]
    with pytest.raises(RuntimeError, match="shut down"):
        threads.submit(lambda: None)


def test_what_a_finished_write_held_is_freed_while_its_thread_waits_for_the_next() -> None:
    class Lines:  # stands for an import's parsed lines
        pass

    threads = WriteThreads(size=1)
    held = Lines()
    gone = weakref.ref(held)
    finished = threading.Event()
    threads.submit(lambda lines=held: finished.set())
    del held
    assert finished.wait(5)

    deadline = time.monotonic() + 5
    while gone() is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gone() is None, "the idle thread still holds the last write it ran"
    threads.shutdown()


def test_a_thread_outlives_a_job_that_raises_and_runs_the_next(
    caplog: pytest.LogCaptureFixture,
) -> None:
    threads = WriteThreads(size=1)
    ran = threading.Event()

    def broken() -> None:
        raise RuntimeError("not answered")

    threads.submit(broken)
    threads.submit(ran.set)

    assert ran.wait(5), "the only thread died with the job before it"
    threads.shutdown()
    assert "an error its write did not answer" in caplog.text
