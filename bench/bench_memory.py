"""Server memory with many facts stored: the read models live on disk, not in RAM.

Target (PRODUCT.md): a server with 1,000,000 facts stored stays under 300 MB.

    python bench/bench_memory.py [--facts 1000000] [--stories 50]

Baseline, measured in the same run: the same server on a store holding only the small
story. Both serve the same reads (a picture, a page of facts, a timeline figure, an
export) before their resident memory (VmRSS) and peak (VmHWM) are read from /proc.
Then the small store's server once more, after an NDJSON import of ``--import-lines``
facts over HTTP (0: not measured): an import holds every line until it ends, so its
peak is the import's, and what it keeps afterwards is what it did not hand back.
Linux only.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from storydata import Writer, register_actors, write_story

from domain.application import Reportedly
from projections.readmodels import ReadModels
from projections.store import store_env

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 300.0


def build_store(path: Path, facts: int, stories: int) -> None:
    url = f"sqlite:///{path}"
    app = Reportedly(env=store_env(url))
    writer = Writer(app)
    register_actors(writer)
    write_story(writer, "small", 300)
    for n in range(stories):
        if facts:
            write_story(writer, f"story-{n}", facts // stories)
    writer.flush()
    read = ReadModels(app, url)
    read.catch_up()  # the read models are on disk before the server starts
    read.close()
    app.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def memory_mb(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


TOKEN = "bench-secret"


def import_body(lines: int) -> bytes:
    source = {"name": "Financial Times", "published": "2024-01-11"}
    return b"\n".join(
        orjson.dumps({"id": f"imported-{i}", "kind": "claim", "subject": "delegates",
                      "predicate": "held", "object": f"line {i}", "occurred": "2023-07",
                      "sources": [source]})
        for i in range(lines)
    )  # fmt: skip


def serve_and_measure(path: Path, others: bool, imported: int = 0) -> tuple[float, float]:
    port = free_port()
    env = {
        **os.environ,
        "REPORTEDLY_DATABASE_URL": f"sqlite:///{path}",
        "REPORTEDLY_TOKENS": f"bench:{TOKEN}",
        "REPORTEDLY_MAX_IMPORT_BYTES": str(1024 * 1024 * 1024),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.3)
        with httpx.Client(base_url=base, timeout=120) as http:
            for path_ in (
                "/stories/small/picture?known_at=2024-06-30",
                "/stories/small/facts?limit=1000",
                "/stories/small/timeline.json?chart=all",
                "/stories/small/export?format=jsonl",
                *(["/stories/story-0/facts?limit=1000"] if others else []),
                "/stories",
            ):
                http.get(path_).raise_for_status()
            if imported:
                write = {"Authorization": f"Bearer {TOKEN}"}
                http.post("/stories", json={"id": "imported", "title": "i"}, headers=write)
                http.post(
                    "/stories/imported/import",
                    content=import_body(imported),
                    headers=write | {"Content-Type": "application/x-ndjson"},
                    timeout=900,
                ).raise_for_status()
                time.sleep(3)  # memory is handed back once the answer is sent
        return memory_mb(server.pid)
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--stories", type=int, default=50)
    parser.add_argument("--import-lines", type=int, default=100_000, help="0: skip")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reportedly-bench-") as tmp:
        small, large = Path(tmp, "small.db"), Path(tmp, "large.db")
        build_store(small, 0, args.stories)
        build_store(large, args.facts, args.stories)
        size_mb = large.stat().st_size / 1024 / 1024
        rows = [
            ("small story only", *serve_and_measure(small, False)),
            (
                f"{args.facts:,} more facts ({size_mb:,.0f} MB file)",
                *serve_and_measure(large, True),
            ),
        ]
        if args.import_lines:
            rows.append(
                (
                    f"small story, after a {args.import_lines:,}-line import",
                    *serve_and_measure(small, False, args.import_lines),
                )
            )
    print(f"\n{'server store':<40}{'RSS MB':>9}{'peak MB':>9}")
    for name, rss, peak in rows:
        print(f"{name:<40}{rss:>9.1f}{peak:>9.1f}")
    peak = rows[1][2]
    print(
        f"\npeak with {args.facts:,} facts: {peak:.0f} MB (target < {TARGET_MB:.0f} MB): "
        f"{'yes' if peak < TARGET_MB else 'NO'}; {peak / rows[0][2]:.2f}x the small store's"
    )
    if args.import_lines:
        kept, held = rows[2][1] - rows[0][1], rows[2][2] - rows[0][1]
        print(
            f"a {args.import_lines:,}-line import: held {held:.0f} MB at its peak "
            f"({held * 1024 / args.import_lines:.1f} KB a line), kept {kept:.0f} MB after"
        )


if __name__ == "__main__":
    main()
