"""Timeline figures at scale: size, build time and browser rendering, against a baseline.

The baseline, measured in the same run on the same facts in the same headless Chromium,
is plotly's usual one-chart timeline: what ``plotly.express.timeline(df, x_start, x_end,
y=lane, color=kind, hover_name=fact)`` builds (one horizontal ``Bar`` trace per kind,
one bar per fact, px's hover template), written by ``plotly.io.to_html``. Ours: the
whole story page (three charts, labels, picture, fact cards), each mark part of one SVG
path per colour group and knowledge epoch.

"ready": from navigation until the charts are drawn and the page's script is idle (ours:
the page sets ``data-ready`` after drawing and replaying; the baseline: after
``Plotly.newPlot`` resolves), then one more frame painted. "replay step": the slider moved
one step (PageDown) until the charts show the new date, less the slider's debounce.

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
import plotly.io

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.timeline.page import Assets, TimelinePage, figure_json, render_timeline  # noqa: E402
from domain.model import Actor, Story  # noqa: E402
from projections.timeline.figures import KIND_COLOURS, Figure, timeline_figure  # noqa: E402
from projections.timeline.items import Places, Shown, kind_label, lane_of, states  # noqa: E402
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


def browser_times(html_path: Path, ours: bool) -> dict[str, float]:
    """Seconds from navigation until drawn and idle, for one zoom, and (ours) one replay step."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        start = time.perf_counter()
        page.goto(html_path.as_uri(), timeout=600_000)
        page.wait_for_selector("body[data-ready]", timeout=600_000, state="attached")
        page.evaluate(PAINTED)
        times = {"ready": time.perf_counter() - start}
        times["zoom"] = page.evaluate(
            """() => { const gd = document.querySelector('.js-plotly-plot'), t = performance.now();
                return Plotly.relayout(gd, {'xaxis.range': ['2021-01-01', '2022-01-01']})
                  .then(() => (performance.now() - t) / 1000); }"""
        )
        if ours:  # one slider step back by a month (the slider's PageDown), three times
            steps = []
            for _ in range(3):
                page.focus("#known-slider")
                before = page.get_attribute("body", "data-known")
                start = time.perf_counter()
                page.keyboard.press("PageDown")
                page.wait_for_function(f"document.body.dataset.known !== '{before}'")
                page.evaluate(
                    "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"
                )
                steps.append(time.perf_counter() - start - DEBOUNCE)
            times["replay"] = sorted(steps)[1]  # the median of three
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
        ours_times, base_times = browser_times(ours_path, True), browser_times(base_path, False)
        ratio = ours_times["ready"] / base_times["ready"]
        row["ready ours (page) / base (1 chart)"] = (
            f"{ours_times['ready']:.2f} / {base_times['ready']:.2f} s  (ratio {ratio:.2f})"
        )
        row["zoom ours / base"] = (
            f"{ours_times['zoom'] * 1000:.0f} / {base_times['zoom'] * 1000:.0f} ms"
        )
        step = ours_times["replay"] * 1000
        row["replay step ours (target < 200)"] = f"{step:.0f} ms  (ratio {step / 200:.2f})"
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
            print(f"{key:>36}  {value}")


if __name__ == "__main__":
    main()
