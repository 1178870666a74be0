"""A server process keeps its threads on one CPU of its own.

Every write hands its request from the event loop's thread to a write thread and its
answer back (``api.services.Services.write``), and the interpreter's lock goes with it.
Left to the system, the two threads sit on different CPUs: each hand-over then wakes an
idle CPU and finds its caches cold. Measured on a 2-CPU virtual machine, in turns
(docs/writes.md): an append among 8 writers cost 775-950 us of server CPU with the
threads anywhere, 525-712 us with them on one CPU, and 8 writers went from 1.25-1.44x
to 1.75-2.23x the sequential rate. One process of Python runs its Python on one CPU at
a time anyway, so it gives up little.

Each process takes a CPU no other reportedly server on the machine holds: it locks a
file named after the CPU (``flock``; the system lets go of it when the process ends,
however it ends), so ``serve --workers N`` and several servers on one machine spread
over the CPUs. A process that finds every CPU it may use taken, or may use only one,
stays where the system puts it. ``REPORTEDLY_PIN_CPU=false`` turns it off.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger("uvicorn.error")  # the server's own log: one line at start

_held: list[int] = []  # the lock of the CPU this process holds, open for its lifetime


def lock_dir() -> Path:
    """Where the servers of this user on this machine lock their CPUs."""
    return Path(tempfile.gettempdir()) / f"reportedly-cpus-{os.getuid()}"


def claim_cpu(allowed: list[int], where: Path) -> tuple[int, int] | None:
    """The first CPU of ``allowed`` whose lock no other holder has, with the lock's file
    descriptor (held until closed); None if every one is taken."""
    import fcntl  # where it exists: pin_to_one_cpu asks only where threads can be pinned

    where.mkdir(mode=0o700, parents=True, exist_ok=True)
    for cpu in allowed:
        fd = os.open(where / f"cpu-{cpu}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return cpu, fd
    return None


def pin_to_one_cpu() -> int | None:
    """Keep every thread of this process, and those it starts later, on one CPU of its
    own. The CPU, or None where this process stays where the system puts it (logged)."""
    if not hasattr(os, "sched_setaffinity") or _held:
        return None
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None  # one CPU to run on: nothing to choose
    left = "Threads left to the system to place: %s"
    try:
        claimed = claim_cpu(allowed, lock_dir())
    except OSError as error:
        log.info(left, f"no CPU lock in {lock_dir()} ({error})")
        return None
    if claimed is None:
        log.info(left, "every CPU is held by another reportedly server")
        return None
    cpu, fd = claimed
    try:
        os.sched_setaffinity(0, {cpu})  # this thread; the threads it starts inherit it
    except OSError as error:  # not allowed here (a sandbox): stay where we are
        os.close(fd)
        log.info(left, f"this system does not let it keep them on one CPU ({error})")
        return None
    for task in _threads():  # and the threads started already
        try:
            os.sched_setaffinity(task, {cpu})
        except ProcessLookupError:  # a thread that ended meanwhile
            continue
    _held.append(fd)
    log.info("Threads kept on CPU %d (REPORTEDLY_PIN_CPU=false lets the system move them)", cpu)
    return cpu


def _threads() -> list[int]:
    """This process's threads (Linux lists them in ``/proc``; elsewhere, none more)."""
    try:
        return [int(task) for task in os.listdir("/proc/self/task")]
    except OSError:
        return []
