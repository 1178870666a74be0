"""An "as of" picture from the read models, against replaying the whole log, same run.

Targets (PRODUCT.md): the as-of picture >= 1,000x faster than answering the same question
by replaying the whole log with eventsourcing's own reader, at 1,000,000 stored facts
(issue 3: >= 100x); a small story's as-of query stays flat (<= 1.5x) while the other
stories' history grows 20x.

    python bench/bench_asof.py [--facts 100000] [--small 300] [--queries 15]
    python bench/bench_asof.py --facts 1000000      # the target's size (minutes)

The store is a fresh SQLite file. The question asked on every clock at once: "what did
this store hold at R about what the public could know at K, of what had happened by U?"
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from storydata import Writer, check_shape, register_actors, write_story  # noqa: E402

from domain.application import Reportedly  # noqa: E402
from domain.asof import known_fact  # noqa: E402
from domain.clocks import parse_instant  # noqa: E402
from domain.events import LIFECYCLE_EVENTS, DomainEvent, FactReported  # noqa: E402
from projections.readmodels import ReadModels  # noqa: E402
from projections.store import store_env  # noqa: E402
from projections.views import AsOf  # noqa: E402

SMALL = "small-story"
OTHERS = 20


def grow_others(writer: Writer, facts: int) -> None:
    for n in range(OTHERS):
        write_story(writer, f"other-{n}", facts // OTHERS)
    writer.flush()


def replay(app: Reportedly, story: str, as_of: AsOf) -> dict[str, tuple[str, int]]:
    """The baseline: read every event with the library's reader, then answer with the
    domain's as-of rule (``domain.asof``), fact by fact."""
    lives: dict[str, list[DomainEvent]] = defaultdict(list)
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=10_000):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, (FactReported, *LIFECYCLE_EVENTS)) and event.story == story:
                lives[str(event.originator_id)].append(event)
        start = page[-1].id + 1
    answer = {}
    for events in lives.values():
        known = known_fact(events, as_of)
        if known is not None:
            answer[known.fact_id] = (str(known.status), known.version)
    return answer


def read_models_answer(read: ReadModels, story: str, as_of: AsOf) -> dict[str, tuple[str, int]]:
    answer: dict[str, tuple[str, int]] = {}
    cursor = None
    while True:
        page = read.facts(story, as_of, limit=1000, cursor=cursor)
        answer.update({f.id: (str(f.status), f.version) for f in page.items})
        if page.next is None:
            return answer
        cursor = page.next


class Store:
    """A fresh SQLite store: the small story first, then other stories up to ``facts``."""

    def __init__(self, path: Path, facts: int, small: int) -> None:
        url = f"sqlite:///{path}"
        self.app = Reportedly(env=store_env(url))
        self.read = ReadModels(self.app, url)
        writer = Writer(self.app)
        register_actors(writer)
        write_story(writer, SMALL, small)
        # The recorded clock takes part: the last quarter of the small story is too late.
        self.small_recorded = writer.clock - timedelta(milliseconds=small // 4)
        grow_others(writer, facts - small)
        check_shape(self.app)
        self.events = writer.written
        started = time.perf_counter()
        self.read.catch_up()
        self.catch_up_rate = self.events / (time.perf_counter() - started)

    def close(self) -> None:
        self.read.close()
        self.app.close()


def timed(ask: Callable[[], object]) -> tuple[float, float]:
    """(wall, CPU) seconds of one call. CPU time is the steadier figure on a shared
    machine; wall time includes waiting for the disk and for other processes."""
    wall, cpu = time.perf_counter(), time.process_time()
    ask()
    return time.perf_counter() - wall, time.process_time() - cpu


def best(timings: list[tuple[float, float]]) -> tuple[float, float]:
    return min(t[0] for t in timings), min(t[1] for t in timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=100_000, help="facts stored in the end")
    parser.add_argument("--small", type=int, default=300, help="facts in the story asked about")
    parser.add_argument("--queries", type=int, default=21, help="timed repeats of each query")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="reportedly-bench-") as tmp:
        young = Store(Path(tmp) / "young.db", args.facts // 20, args.small)
        grown = Store(Path(tmp) / "grown.db", args.facts, args.small)
        as_of = AsOf(
            known_at=parse_instant("2022-12-31"),
            recorded_at=grown.small_recorded.astimezone(UTC),
            occurred_until=parse_instant("2022-06"),
        )
        # Interleaved, so that whatever else the machine does weighs on both alike.
        young_runs, grown_runs, now_runs = [], [], []
        for _ in range(args.queries):
            young_runs.append(timed(lambda: young.read.picture(SMALL, as_of)))
            grown_runs.append(timed(lambda: grown.read.picture(SMALL, as_of)))
            now_runs.append(timed(lambda: grown.read.picture(SMALL)))
        baseline: dict[str, tuple[str, int]] = {}
        replay_time = timed(lambda: baseline.update(replay(grown.app, SMALL, as_of)))
        agree = "yes" if read_models_answer(grown.read, SMALL, as_of) == baseline else "NO"
        same = young.read.picture(SMALL, as_of) == grown.read.picture(SMALL, as_of)
        picture = grown.read.picture(SMALL, as_of)
        young.close()
        grown.close()

    print(f"stores: {young.events:,} and {grown.events:,} events; asked about: {args.small} facts")
    print(f"as of: {as_of.model_dump_json(exclude_none=True)}")
    print(
        f"answer: {picture.counts.facts} facts known ({picture.counts.meetings} meetings); "
        f"agrees with the replay: {agree}; same in both stores: {'yes' if same else 'NO'}"
    )
    print(f"read models caught up at {grown.catch_up_rate:,.0f} events/s\n")
    rows = [
        (f"as-of picture, {young.events:,} events stored", best(young_runs)),
        (f"as-of picture, {grown.events:,} events stored", best(grown_runs)),
        (f"picture now, {grown.events:,} events stored", best(now_runs)),
        (f"replay whole log (eventsourcing reader), {grown.events:,}", replay_time),
    ]
    print(f"{'what (best of the runs)':58} {'wall ms':>10} {'CPU ms':>10}")
    for name, (wall, cpu) in rows:
        print(f"{name:58} {wall * 1000:10.2f} {cpu * 1000:10.2f}")
    grew = grown.events / young.events
    flat = [g / y for g, y in zip(rows[1][1], rows[0][1], strict=True)]
    speedup = [r / g for r, g in zip(replay_time, rows[1][1], strict=True)]
    print(
        f"\nflat: history {grew:.1f}x longer; the small story's as-of picture took "
        f"{flat[0]:.2f}x wall, {flat[1]:.2f}x CPU (target <= 1.5x)"
    )
    print(
        f"speed-up over replaying the log: {speedup[0]:,.0f}x wall, {speedup[1]:,.0f}x CPU "
        f"(targets: >= 100x; >= 1,000x at 1,000,000 facts)"
    )


if __name__ == "__main__":
    datetime.now(UTC)  # warm the zoneinfo import outside any timing
    main()
