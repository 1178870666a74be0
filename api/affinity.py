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
    try:
        claimed = claim_cpu(allowed, lock_dir())
    except OSError as error:
        log.info("threads left to the system: no CPU lock at %s (%s)", lock_dir(), error)
        return None
    if claimed is None:
        log.info("threads left to the system: every CPU is held by another reportedly server")
        return None
    cpu, fd = claimed
    _held.append(fd)
    for task in os.listdir("/proc/self/task"):  # threads started later inherit it
        try:
            os.sched_setaffinity(int(task), {cpu})
        except ProcessLookupError:  # a thread that ended meanwhile
            continue
    log.info("this process's threads on CPU %d (REPORTEDLY_PIN_CPU=false: anywhere)", cpu)
    return cpu
