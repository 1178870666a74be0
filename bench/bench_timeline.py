"""Timeline figures at scale: size, build time and browser rendering, against a baseline.

The baseline, measured in the same run on the same facts, is the usual way to draw a
timeline with plotly (what ``plotly.express.timeline`` produces): one SVG bar per fact in
a ``Bar`` trace, each with its hover text. Ours: WebGL traces, one per colour group, with
the replay data.

    python bench/bench_timeline.py [--facts 1000 10000] [--no-browser]

The browser columns need Debian's chromium and Playwright for Python (as the browser test).
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

import plotly.graph_objects as go

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.timeline.page import Assets, TimelinePage, figure_json, plotly_js, render_timeline  # noqa: E402
from domain.model import Story  # noqa: E402
from projections.timeline import text  # noqa: E402
from projections.timeline.figures import timeline_figure  # noqa: E402
from projections.timeline.items import Shown, meeting_titles, states  # noqa: E402
from tests.timeline_data import big_story  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def baseline_figure(shown: list[Shown], actors: dict) -> go.Figure:  # type: ignore[type-arg]
    meetings = meeting_titles(s.view for s in shown)
    views = [s.view for s in shown]
    return go.Figure(
        go.Bar(
            orientation="h",
            base=[v.occurred_earliest.date().isoformat() for v in views],
            x=[(v.occurred_latest - v.occurred_earliest).total_seconds() * 1000 for v in views],
            y=[str(v.fields().get("meeting") or v.id) for v in views],
            hovertext=[text.hover(v, actors, meetings) for v in views],
            hoverinfo="text",
        ),
        layout={"xaxis": {"type": "date"}, "barmode": "overlay", "height": 900},
    )


def baseline_page(figure: go.Figure) -> str:
    return (
        f"<!doctype html><meta charset=utf-8><body><div id=g></div><script>{plotly_js()}</script>"
        f"<script>var f={figure.to_json()};Plotly.newPlot('g',f.data,f.layout)"
        ".then(function(){document.body.setAttribute('data-ready','1')});</script>"
    )


def sizes(figure: go.Figure) -> str:
    data = figure_json(figure).encode()
    return f"{len(data) / 1e6:.2f} MB (gzip {len(gzip.compress(data, 6)) / 1e6:.2f})"


def browser_times(html_path: Path, ours: bool) -> dict[str, float]:
    """Seconds from navigation until drawn, for one zoom, and (ours) for one replay step."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        start = time.perf_counter()
        page.goto(html_path.as_uri(), timeout=600_000)
        page.wait_for_selector("body[data-ready]", timeout=600_000, state="attached")
        times = {"ready": time.perf_counter() - start}
        times["zoom"] = page.evaluate(
            """id => { const gd = document.getElementById(id), t = performance.now();
                return Plotly.relayout(gd, {'xaxis.range': ['2021-01-01', '2022-01-01']})
                  .then(() => (performance.now() - t) / 1000); }""",
            "chart-timeline" if ours else "g",
        )
        if ours:  # one slider step back by a month (the slider's PageDown)
            page.focus("#known-slider")
            before = page.get_attribute("body", "data-known")
            start = time.perf_counter()
            page.keyboard.press("PageDown")
            page.wait_for_function(f"document.body.dataset.known !== '{before}'")
            times["replay"] = time.perf_counter() - start - 0.15  # less the slider's debounce
        browser.close()
    return times


def measure(n: int, browser: bool, tmp: Path) -> dict[str, str]:
    views, actors = big_story(n)
    shown = states(views)
    start = time.perf_counter()
    page = TimelinePage(
        story=Story(id="big", title="A synthetic story"), shown=shown, actors=actors
    )
    ours_html = render_timeline(page, Assets(inline=True))
    ours_build = time.perf_counter() - start
    start = time.perf_counter()
    base_fig = baseline_figure(shown, actors)
    base_html = baseline_page(base_fig)
    base_build = time.perf_counter() - start
    ours_fig = timeline_figure(shown, actors)
    row = {
        "facts": str(n),
        "traces ours / base": f"{len(ours_fig.data)} / {len(base_fig.data)}",
        "timeline JSON ours": sizes(ours_fig),
        "timeline JSON base": sizes(base_fig),
        "page HTML ours (3 charts)": f"{len(ours_html.encode()) / 1e6:.2f} MB",
        "build ours (page) / base (chart)": f"{ours_build:.2f} / {base_build:.2f} s",
    }
    if browser:
        ours_path, base_path = tmp / f"ours-{n}.html", tmp / f"base-{n}.html"
        ours_path.write_text(ours_html, encoding="utf-8")
        base_path.write_text(base_html, encoding="utf-8")
        ours_times, base_times = browser_times(ours_path, True), browser_times(base_path, False)
        row["ready ours (3 charts) / base (1)"] = (
            f"{ours_times['ready']:.2f} / {base_times['ready']:.2f} s"
        )
        row["zoom ours / base"] = (
            f"{ours_times['zoom'] * 1000:.0f} / {base_times['zoom'] * 1000:.0f} ms"
        )
        row["replay step ours"] = f"{ours_times['replay'] * 1000:.0f} ms"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--facts", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(n, not args.no_browser, Path(tmp)) for n in args.facts]
    for row in rows:
        print()
        for key, value in row.items():
            print(f"{key:>34}  {value}")


if __name__ == "__main__":
    main()
