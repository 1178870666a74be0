"""The timeline page in a real browser: Debian's headless chromium driven by Playwright,
against the real app served by uvicorn on a loopback port.

Skips, saying why, where chromium or playwright is missing. Screenshots are saved in
``test-artifacts/`` (ignored by git).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import uvicorn

from api.main import create_app
from api.services import open_services
from api.timeline.offline import offline_page
from domain.loading import load_story
from domain.storyfile import StoryFile
from tests.api_fixtures import ALICE, settings_for

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
INJECTION = "<img src=x onerror=alert(1)>"
TALKS = "US\N{EN DASH}China AI-safety talks in Geneva"
GENEVA_PAGE = "/stories/geneva-ai-talks/timeline"

# The number of facts each chart draws, from the figures in the page: the items of the
# traces shown (an epoch not yet known is transparent) whose points are not blanked.
DRAWN = """name => document.getElementById('chart-' + name).data
  .filter(t => t.meta && t.meta.replay && t.meta.replay.counted && t.opacity !== 0)
  .reduce((n, t) => n + t.meta.replay.start
    .filter((_, i) => t.y[i * t.meta.replay.stride] !== null).length, 0)"""


# The page draws a chart when it comes near the screen: a reader scrolls to each chart in
# turn until the page lists it as drawn (``body[data-charts]``). Also the timeline bench's.
EVERY_CHART_DRAWN = """() => new Promise((done, failed) => {
  const names = ['timeline', 'lag', 'knowledge'], given = Date.now() + 30000;
  const next = () => {
    const drawn = (document.body.dataset.charts || '').split(' ');
    const name = names.find(n => !drawn.includes(n));
    if (!name) return done();
    if (Date.now() > given) return failed(new Error('chart-' + name + ' was never drawn'));
    document.getElementById('chart-' + name).scrollIntoView();
    setTimeout(next, 20);
  };
  next();
})"""


def draw_every_chart(page: Page) -> None:
    """Scroll to each chart as a reader would, until all three are drawn, then back up."""
    page.evaluate(EVERY_CHART_DRAWN)
    page.evaluate("window.scrollTo(0, 0)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install -y chromium")
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright for Python is not installed: pip install playwright",
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path, geneva: StoryFile) -> Iterator[str]:
    """The real app, the Geneva story loaded, served by uvicorn on a free loopback port."""
    app = create_app(settings_for(tmp_path))
    services = app.state.services
    load_story(services.app, geneva, "test")
    services.read.catch_up()
    with served(app) as url:
        yield url


@contextmanager
def served(app: Any) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Watched:
    """A page with its console errors, uncaught exceptions and dialogs recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str) -> Page:
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready]", timeout=30_000)
        return self.page


@contextmanager
def watched_in(browser: Browser, width: int, height: int, **options: Any) -> Iterator[Watched]:
    """A watched page in a browser context of its own, this size (and these options)."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    try:
        yield Watched(context.new_page())
    finally:
        context.close()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    with watched_in(browser, 1300, 3000) as opened:
        yield opened


def screenshot(page: Page, name: str) -> None:
    draw_every_chart(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# The lane labels and the labels on marks, as drawn over the plot and visible.
LANE_LABELS = """name => Array.from(document.querySelectorAll(
  '#chart-' + name + ' + .overlay .lane-label'))
  .filter(e => !e.hidden && e.style.visibility !== 'hidden').map(e => e.textContent)"""
MARK_LABELS = """name => Array.from(document.querySelectorAll(
  '#chart-' + name + ' + .overlay .mark-label')).filter(e => !e.hidden).map(e => e.textContent)"""
CHART_WIDTHS = """() => ['timeline', 'lag', 'knowledge'].map(name => {
  const gd = document.getElementById('chart-' + name);
  return [gd._fullLayout.width, gd.parentNode.clientWidth]; })"""


def test_the_page_draws_the_charts_and_replays_what_was_known_on_an_earlier_date(
    server: str, watched: Watched
) -> None:
    page = watched.open(server + GENEVA_PAGE)
    assert page.locator("#chart-timeline path.js-fill").count() > 0  # the marks, as SVG paths
    assert "meeting held" in (page.locator("#chart-timeline .legend").text_content() or "")
    assert page.text_content("#replay-count") == "25 of 25 fact(s) known on 2024-01-11"
    assert page.evaluate(DRAWN, "timeline") == 25
    screenshot(page, "timeline-geneva-2024-01-11")

    page.focus("#known-slider")
    page.keyboard.press("ArrowLeft")  # one day back: the eve of the FT's report
    page.wait_for_function("document.body.dataset.known === '0'")
    assert page.text_content("#replay-count") == "0 of 25 fact(s) known on 2024-01-10"
    assert page.evaluate(DRAWN, "timeline") == 0
    assert page.evaluate(DRAWN, "lag") == 0
    assert page.locator("#picture .meeting:visible").count() == 0
    assert page.locator("#picture-empty").is_visible()
    for chart in ("timeline", "lag"):  # a meeting's title is news too: no lane label yet
        assert page.evaluate(LANE_LABELS, chart) == []
    knowledge_cursor = "document.getElementById('chart-knowledge').layout.shapes[0].x0"
    assert page.evaluate(knowledge_cursor) == "2024-01-10"
    screenshot(page, "timeline-geneva-2024-01-10")

    page.keyboard.press("End")
    page.wait_for_function("document.body.dataset.known === '25'")
    # The two rounds, and what is said of the talks as a whole (the series).
    assert page.locator("#picture .meeting:visible").count() == 3
    assert page.locator("#picture .meeting:visible", has_text="the talks as a whole").count() == 1
    assert any("first round" in label for label in page.evaluate(LANE_LABELS, "timeline"))

    page.fill("#known-at", "2023-12-31")
    page.dispatch_event("#known-at", "change")
    page.wait_for_function("document.body.dataset.known === '0'")
    page.fill("#known-at", "2024-01-11")
    page.dispatch_event("#known-at", "change")
    page.wait_for_function("document.body.dataset.known === '25'")
    page.fill("#occurred-until", "2023-08-15")  # only what had begun by then: the July round
    page.dispatch_event("#occurred-until", "change")
    page.wait_for_function("document.body.dataset.known !== '25'")
    assert 0 < page.evaluate(DRAWN, "timeline") < 25
    # The July round and the talks as a whole (they had possibly begun); not October's.
    assert page.locator("#picture .meeting:visible").count() == 2
    assert page.locator("#picture .meeting:visible", has_text="second round").count() == 0
    assert watched.errors == []


def test_a_chart_below_the_screen_is_drawn_on_the_way_there_at_the_replayed_date(
    server: str, browser: Browser
) -> None:
    with watched_in(browser, 1300, 500) as watched:
        page = watched.open(server + GENEVA_PAGE)
        assert page.get_attribute("body", "data-charts") == "timeline"  # what is on screen
        top = "document.getElementById('chart-knowledge').getBoundingClientRect().top + scrollY"
        before = page.evaluate(top)
        page.focus("#known-slider")
        page.keyboard.press("ArrowLeft")  # the eve of the FT's report: nothing known yet
        page.wait_for_function("document.body.dataset.known === '0'")
        page.locator("#chart-lag").scroll_into_view_if_needed()
        page.wait_for_function("document.body.dataset.charts.split(' ').includes('lag')")
        assert page.evaluate(DRAWN, "lag") == 0  # drawn as of the slider's date, not the page's
        assert page.locator("#chart-lag + .overlay .empty").is_visible()
        page.keyboard.press("End")
        page.wait_for_function("document.body.dataset.known === '25'")
        assert page.evaluate(DRAWN, "lag") == 25
        assert abs(page.evaluate(top) - before) < 1  # its place was kept: nothing moved
        assert watched.errors == []


def add_injection(server: str) -> None:
    source = {"name": INJECTION, "published": "2024-01-11"}
    writes = [
        ("/stories", {"id": "injection", "title": f"Story {INJECTION}"}),
        ("/actors", {"id": "evil", "name": INJECTION, "kind": "person"}),
        ("/stories/injection/facts", {"id": "m", "kind": "meeting_held", "occurred": "2023-07",
                                      "title": INJECTION, "sources": [source]}),
        ("/stories/injection/facts", {"id": "j", "kind": "participant_joined", "meeting": "m",
                                      "occurred": "2023-07-18", "actor": "evil",
                                      "sources": [source], "quote": INJECTION}),
    ]  # fmt: skip
    for path, body in writes:
        httpx.post(server + path, json=body, headers=ALICE).raise_for_status()


def test_markup_in_an_actor_name_shows_as_text_and_runs_nothing(
    server: str, watched: Watched
) -> None:
    add_injection(server)
    page = watched.open(server + "/stories/injection/timeline?lanes=actor")
    assert page.locator("img").count() == 0
    assert page.get_by_text(INJECTION).first.is_visible()  # in the picture, as text
    assert INJECTION in page.evaluate(LANE_LABELS, "timeline")
    assert INJECTION in page.evaluate(MARK_LABELS, "timeline")
    # Hover the participant's mark: the label shows the name as text.
    point = page.evaluate(
        """() => {
        const gd = document.getElementById('chart-timeline'), L = gd._fullLayout;
        const t = gd.data.find(t => t.meta && t.meta.replay && t.meta.replay.handles);
        const i = t.hovertext.findIndex(h => h.includes('took part'));
        return [L.xaxis._offset + L.xaxis.d2p(t.x[i]), L.yaxis._offset + L.yaxis.d2p(t.y[i])];
    }"""
    )
    box = page.locator("#chart-timeline").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_function("document.querySelector('#chart-timeline .hoverlayer .hovertext')")
    assert INJECTION in (page.locator("#chart-timeline .hoverlayer").text_content() or "")
    screenshot(page, "timeline-injection")
    page.wait_for_timeout(300)  # give any injected handler its chance to run
    assert watched.dialogs == []
    assert page.locator("img").count() == 0
    assert watched.errors == []


def test_the_page_updates_live_when_a_new_fact_is_recorded(server: str, watched: Watched) -> None:
    page = watched.open(server + GENEVA_PAGE)
    page.wait_for_function("document.getElementById('live-status').textContent.includes('live')")
    fact = {
        "id": "ft-follow-up",
        "kind": "claim",
        "occurred": "2024-01",
        "subject": "The Geneva talks",
        "predicate": "were confirmed by",
        "object": "a second outlet",
        "sources": [{"name": "Le Monde", "published": "2024-02-01", "language": "fr"}],
    }
    response = httpx.post(server + "/stories/geneva-ai-talks/facts", json=fact, headers=ALICE)
    response.raise_for_status()
    page.wait_for_function("document.body.dataset.known === '26'", timeout=15_000)
    assert page.text_content("#replay-count") == "26 of 26 fact(s) known on 2024-02-01"
    assert page.evaluate(DRAWN, "timeline") == 26
    screenshot(page, "timeline-geneva-live")
    assert watched.errors == []


def test_the_standalone_file_replays_with_the_network_off(
    tmp_path: Path, geneva: StoryFile, browser: Browser
) -> None:
    services = open_services(settings_for(tmp_path))
    try:
        load_story(services.app, geneva, "test")
        services.read.catch_up()
        html = offline_page(services.read, "geneva-ai-talks")
    finally:
        services.close()
    path = tmp_path / "geneva.html"
    path.write_text(html, encoding="utf-8")
    with watched_in(browser, 1300, 3000, offline=True) as watched:
        page = watched.open(path.as_uri())
        assert page.evaluate(DRAWN, "timeline") == 25
        page.focus("#known-slider")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("document.body.dataset.known === '0'")
        assert page.evaluate(DRAWN, "timeline") == 0
        screenshot(page, "timeline-offline-file")
        assert watched.errors == []


def shoot_at(page: Page, name: str, width: int) -> None:
    """The page at this width (the charts laid out again for it), the whole of it saved."""
    page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    draw_every_chart(page)  # a chart drawn later is drawn at the new width
    page.wait_for_function(f"document.body.dataset.width === '{width}'", timeout=15_000)
    screenshot(page, f"{name}-{width}")


def test_marks_carry_labels_that_a_reader_sees_without_hovering(
    server: str, watched: Watched
) -> None:
    page = watched.open(server + GENEVA_PAGE)
    labels = page.evaluate(MARK_LABELS, "timeline")
    assert {"OpenAI", "Anthropic", "Cohere", "Tencent"} <= set(labels)
    assert len(labels) >= 15
    lanes = page.evaluate(LANE_LABELS, "timeline")  # wrapped, whole
    assert f"{TALKS}, first round (July 2023)" in lanes
    assert f"{TALKS} (round not said)" in lanes
    assert watched.errors == []


def test_charts_redraw_at_the_new_width_when_the_window_changes(
    server: str, watched: Watched
) -> None:
    page = watched.open(server + GENEVA_PAGE)
    for width in (1400, 390, 1400):
        shoot_at(page, "resized-timeline-geneva", width)
        for drawn, box in page.evaluate(CHART_WIDTHS):
            assert abs(drawn - box) <= 4, (width, drawn, box)  # never a stale 320 or 700 px
        assert page.evaluate(DRAWN, "timeline") == 25
        assert len(page.evaluate(MARK_LABELS, "timeline")) >= 5
    assert watched.errors == []


def test_on_a_phone_the_legend_is_below_the_plot_and_the_slider_is_compact(
    server: str, browser: Browser
) -> None:
    with watched_in(browser, 390, 844) as watched:
        page = watched.open(server + GENEVA_PAGE)
        draw_every_chart(page)
        for chart in ("timeline", "lag"):
            plot = page.locator(f"#chart-{chart}").bounding_box()
            legend = page.locator(f"#chart-{chart} ~ .phone-legend").bounding_box()
            assert plot and legend and legend["y"] >= plot["y"] + plot["height"] - 1
            assert page.locator(f"#chart-{chart} .legend").count() == 0  # none over the plot
            assert page.locator(f"#chart-{chart} .xtick").count() <= 5  # ticks that fit
        slider = page.locator("section.replay").bounding_box()
        assert slider and slider["height"] < 0.2 * 844
        screenshot(page, "phone-timeline-geneva-390")
        assert watched.errors == []


def test_an_early_replayed_date_is_named_counted_and_said_to_be_empty(
    server: str, watched: Watched
) -> None:
    page = watched.open(server + GENEVA_PAGE)
    latest_counts = page.text_content("#picture-counts")
    assert latest_counts and "25 facts" in latest_counts
    page.fill("#known-at", "2023-12-11")
    page.dispatch_event("#known-at", "change")
    page.wait_for_function("document.body.dataset.known === '0'")
    header = page.text_content("#as-of-text") or ""
    assert "2023-12-11" in header and "everything known now" not in header
    counts = page.text_content("#picture-counts") or ""
    assert counts != latest_counts and "2023-12-11" in counts and "0 facts" in counts
    for chart in ("timeline", "lag"):
        empty = page.locator(f"#chart-{chart} + .overlay .empty")
        assert empty.is_visible()
        assert "Nothing was known yet on 2023-12-11" in (empty.text_content() or "")
    for width in (1400, 390):
        shoot_at(page, "early-timeline-geneva-2023-12-11", width)
    page.fill("#known-at", "2024-01-11")
    page.dispatch_event("#known-at", "change")
    page.wait_for_function("document.body.dataset.known === '25'")
    assert page.text_content("#picture-counts") == latest_counts
    assert not page.locator("#chart-timeline + .overlay .empty").is_visible()
    assert watched.errors == []
