"""Reads of one story as it grows: one fact, its feed, its first page of facts.

A reader opens one fact of a story, or a feed reader polls the story's feed, whatever
the story's size: each should cost about the same in a story 20x longer (the same
yardstick as bench_asof.py's "flat": <= 1.5x).

    python bench/bench_story_reads.py [--facts 100000] [--queries 50]

Two fresh SQLite stores, each holding one story written with bench/storydata.py (one
fact in twenty corroborated, disputed, corrected or retracted): one of ``--facts`` / 20
facts, the baseline, measured in the same run, and one of ``--facts``. Reads go through
the read models as the HTTP routes do (``ReadModels.fact``, ``api.routes.feed.atom_feed``,
``ReadModels.facts``), on the two stores in turn; each figure is the median of the runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from storydata import Writer, register_actors, write_story  # noqa: E402

from api.routes.feed import FEED_ENTRIES, atom_feed  # noqa: E402
from api.services import Services  # noqa: E402
from api.settings import Settings  # noqa: E402
from domain.application import Reportedly  # noqa: E402
from projections.readmodels import ReadModels  # noqa: E402
from projections.store import store_env  # noqa: E402

STORY = "grown-story"


class Store:
    """A fresh SQLite store holding one story of ``facts`` facts, read models caught up."""

    def __init__(self, path: Path, facts: int) -> None:
        url = f"sqlite:///{path}"
        app = Reportedly(env=store_env(url))
        read = ReadModels(app, url)
        writer = Writer(app)
        register_actors(writer)
        write_story(writer, STORY, facts)
        writer.flush()
        read.catch_up()
        self.facts = facts
        self.services = Services(settings=Settings(database_url=url), app=app, read=read)
        self.ids = [f"{STORY}-f{i}" for i in random.Random(facts).sample(range(facts), 200)]

    def one_fact(self, n: int) -> None:
        self.services.read.fact(STORY, self.ids[n % len(self.ids)])

    def feed(self, _: int) -> None:
        atom_feed(self.services, STORY, "http://bench/", "http://bench/feed.atom")

    def first_page(self, _: int) -> None:
        self.services.read.facts(STORY, limit=100)

    def close(self) -> None:
        self.services.close()


def median_ms(runs: int, read: Callable[[int], Any]) -> float:
    times = []
    for n in range(runs):
        started = time.perf_counter()
        read(n)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="reportedly-bench-") as tmp:
        small = Store(Path(tmp) / "small.db", args.facts // 20)
        grown = Store(Path(tmp) / "grown.db", args.facts)
        reads = [
            ("one fact, its lifecycle and versions", "one_fact", args.queries),
            (f"its feed ({FEED_ENTRIES} newest changes)", "feed", max(args.queries // 10, 3)),
            ("the first page of facts (100)", "first_page", max(args.queries // 5, 3)),
        ]
        rows = []
        for name, method, runs in reads:
            median_ms(2, getattr(small, method))  # warm both stores' caches alike
            median_ms(2, getattr(grown, method))
            rows.append((name, median_ms(runs, getattr(small, method)),
                         median_ms(runs, getattr(grown, method))))  # fmt: skip
        small.close()
        grown.close()

    print(f"one story of {small.facts:,} facts (baseline) and of {grown.facts:,}\n")
    print(f"{'read (median ms)':44} {'baseline':>9} {'grown':>9} {'ratio':>6}  {'flat?':>5}")
    for name, base, big in rows:
        ratio = big / base
        flat = "yes" if ratio <= 1.5 else "no"
        print(f"{name:44} {base:9.2f} {big:9.2f} {ratio:6.2f}  {flat:>5}")
    print("(flat: at most 1.5x the baseline's time in a story 20x longer)")


if __name__ == "__main__":
    main()
