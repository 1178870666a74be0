"""Timeline figures at scale: size, build time and browser rendering, against a baseline.

The baseline, measured in the same run on the same facts in the same headless Chromium,
is plotly's usual one-chart timeline: what ``plotly.express.timeline(df, x_start, x_end,
y=lane, color=kind, hover_name=fact)`` builds (one horizontal ``Bar`` trace per kind,
one bar per fact, px's hover template), written by ``plotly.io.to_html``. Ours: the
whole story page (three charts, labels, picture, fact cards), each mark part of one SVG
path per colour group and knowledge epoch.

"ready": from navigation until what is on the screen is drawn and the page's script is
idle, then one more frame painted (ours: the page draws the charts on the screen, replays,
and sets ``data-ready``; the charts below are drawn as the reader scrolls towards them;
the baseline: after ``Plotly.newPlot`` resolves). "all 3 charts drawn": ours again, from
navigation until the reader, scrolling to each chart in turn, has all three drawn. Each is
the median of ``--rounds`` loads in one browser, ours and the baseline taking turns (and
turns at going first). "replay step": the slider moved one step (PageDown) until the
charts show the new date, less the slider's debounce.

    python bench/bench_timeline.py [--facts 1000 10000] [--rounds 3] [--no-browser]

The browser columns need Debian's chromium and Playwright for Python (as the browser test).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.timeline.page import Assets, TimelinePage, figure_json, render_timeline  # noqa: E402
from domain.model import Actor, Story  # noqa: E402
from projections.timeline.figures import KIND_COLOURS, Figure, timeline_figure  # noqa: E402
from projections.timeline.items import Places, Shown, kind_label, lane_of, states  # noqa: E402
from tests.test_browser import EVERY_CHART_DRAWN  # noqa: E402
from tests.timeline_data import big_story  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
DEBOUNCE = 0.15  # seconds the page waits after the slider moves before redrawing charts
PX_HOVER = "<b>%{hovertext}</b><br><br>start=%{base}<br>end=%{x}<br>lane=%{y}<extra></extra>"
READY = "document.body.setAttribute('data-ready', '1')"
PAINTED = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"  # a frame drawn


def baseline_figure(shown: list[Shown], actors: dict[str, Actor], height: int) -> go.Figure:
    """What px.timeline draws for these facts (without needing pandas): a bar per fact
    from its occurred start to its end, in a lane per meeting, a trace per kind."""
    places = Places.of(s.view for s in shown)
    kinds: dict[str, list[Shown]] = {}
    for item in shown:
        kinds.setdefault(item.view.kind, []).append(item)
    bars = []
    for kind, items in kinds.items():
        views = [s.view for s in items]
        bars.append(
            go.Bar(
                name=kind_label(kind),
                legendgroup=kind_label(kind),
                orientation="h",
                base=[v.occurred_earliest.date().isoformat() for v in views],
                x=[(v.occurred_latest - v.occurred_earliest).total_seconds() * 1000 for v in views],
                y=[lane_of(v, "meeting", actors, places) for v in views],
                hovertext=[places.said(v, actors) for v in views],
                hovertemplate=PX_HOVER,
                marker={"color": KIND_COLOURS.get(kind)},
                alignmentgroup="True",
                offsetgroup=kind_label(kind),
                showlegend=True,
                textposition="auto",
            )
        )
    layout = {
        "barmode": "overlay",
        "xaxis": {"type": "date"},
        "yaxis": {"title": {"text": "lane"}},
        "legend": {"title": {"text": "kind"}, "tracegroupgap": 0},
        "height": height,
    }
    return go.Figure(bars, layout)


def baseline_page(figure: go.Figure) -> str:
    html: str = plotly.io.to_html(figure, include_plotlyjs=True, full_html=True, post_script=READY)
    return html


def sizes(figure: Figure | go.Figure) -> str:
    plain = figure.to_plotly_json() if isinstance(figure, go.Figure) else figure
    data = figure_json(plain).encode()
    return f"{len(data) / 1e6:.2f} MB (gzip {len(gzip.compress(data, 6)) / 1e6:.2f})"


def open_page(browser: Any, html_path: Path, ours: bool) -> tuple[Any, dict[str, float]]:
    """A fresh page: seconds until ready (ours: the charts on the screen drawn and the
    replay applied), and (ours) until every chart is drawn, scrolling to each in turn."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    start = time.perf_counter()
    page.goto(html_path.as_uri(), timeout=600_000)
    page.wait_for_selector("body[data-ready]", timeout=600_000, state="attached")
    page.evaluate(PAINTED)
    times = {"ready": time.perf_counter() - start}
    if ours:
        page.evaluate(EVERY_CHART_DRAWN)
        page.evaluate(PAINTED)
        times["all"] = time.perf_counter() - start
        page.evaluate("window.scrollTo(0, 0)")
    return page, times


def browser_times(ours_path: Path, base_path: Path, rounds: int) -> dict[str, float]:
    """Medians of ``rounds`` loads of each page, taking turns (and turns at going first)
    in one browser; then one zoom of each and (ours) the replay step."""
    from playwright.sync_api import sync_playwright

    loads: dict[str, list[float]] = {"ours": [], "all": [], "base": []}
    times: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for r in range(rounds):
            order = [(ours_path, True), (base_path, False)]
            for path, ours in order if r % 2 == 0 else order[::-1]:
                page, got = open_page(browser, path, ours)
                loads["ours" if ours else "base"].append(got["ready"])
                if ours:
                    loads["all"].append(got["all"])
                if r == rounds - 1:
                    times["zoom ours" if ours else "zoom base"] = zoom(page)
                    if ours:
                        times["replay"] = replay_step(page)
                page.close()
        browser.close()
    times.update({k: statistics.median(v) for k, v in loads.items()})
    return times


def zoom(page: Any) -> float:
    seconds: float = page.evaluate(
        """() => { const gd = document.querySelector('.js-plotly-plot'), t = performance.now();
            return Plotly.relayout(gd, {'xaxis.range': ['2021-01-01', '2022-01-01']})
              .then(() => (performance.now() - t) / 1000); }"""
    )
    return seconds


def replay_step(page: Any) -> float:
    """One slider step back by a month (the slider's PageDown), three times: the median."""
    steps = []
    for _ in range(3):
        page.focus("#known-slider")
        before = page.get_attribute("body", "data-known")
        start = time.perf_counter()
        page.keyboard.press("PageDown")
        page.wait_for_function(f"document.body.dataset.known !== '{before}'")
        page.evaluate(PAINTED)
        steps.append(time.perf_counter() - start - DEBOUNCE)
    return sorted(steps)[1]


def measure(n: int, browser: bool, tmp: Path, rounds: int) -> dict[str, str]:
    views, actors = big_story(n)
    shown = states(views)
    start = time.perf_counter()
    page = TimelinePage(
        story=Story(id="big", title="A synthetic story"), shown=shown, actors=actors
    )
    ours_html = render_timeline(page, Assets(inline=True))
    ours_build = time.perf_counter() - start
    ours_fig = timeline_figure(shown, actors)
    start = time.perf_counter()
    base_fig = baseline_figure(shown, actors, int(ours_fig["layout"]["height"]))
    base_html = baseline_page(base_fig)
    base_build = time.perf_counter() - start
    row = {
        "facts": str(n),
        "traces ours / base": f"{len(ours_fig['data'])} / {len(base_fig.data)}",
        "timeline JSON ours": sizes(ours_fig),
        "timeline JSON base": sizes(base_fig),
        "page HTML ours (3 charts) / base": (
            f"{len(ours_html.encode()) / 1e6:.2f} / {len(base_html.encode()) / 1e6:.2f} MB"
        ),
        "build ours (page) / base (chart)": f"{ours_build:.2f} / {base_build:.2f} s",
    }
    if browser:
        ours_path, base_path = tmp / f"ours-{n}.html", tmp / f"base-{n}.html"
        ours_path.write_text(ours_html, encoding="utf-8")
        base_path.write_text(base_html, encoding="utf-8")
        t = browser_times(ours_path, base_path, rounds)
        ratio = t["ours"] / t["base"]
        row["ready ours (screen) / base (1 chart)"] = (
            f"{t['ours']:.2f} / {t['base']:.2f} s  (ratio {ratio:.2f})"
        )
        row["all 3 charts drawn (scrolled to)"] = (
            f"{t['all']:.2f} s  (ratio {t['all'] / t['base']:.2f})"
        )
        row["zoom ours / base"] = f"{t['zoom ours'] * 1000:.0f} / {t['zoom base'] * 1000:.0f} ms"
        step = t["replay"] * 1000
        row["replay step ours (target < 200)"] = f"{step:.0f} ms  (ratio {step / 200:.2f})"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--facts", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="page loads of each, in turns")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(n, not args.no_browser, Path(tmp), args.rounds) for n in args.facts]
    for row in rows:
        print()
        for key, value in row.items():
            print(f"{key:>36}  {value}")


if __name__ == "__main__":
    main()
