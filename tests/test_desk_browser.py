"""The desk in a real browser, as a reporter who never opens a terminal uses it: Debian's
headless chromium driven by Playwright against the real app (the server and browser
fixtures of ``tests/test_browser.py``), forms found by ``data-form`` and field names.

Skips, saying why, where chromium or playwright is missing; the accessibility check also
needs axe-core, which ``.ci/run`` installs with npm into ``.test-tools/`` (never a browser
download). Screenshots at 1400 and 390 px go to ``test-artifacts/desk/`` (ignored by git).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests import test_browser as shared
from tests.api_fixtures import ALICE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / ".test-tools" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = shared.ARTIFACTS / "desk"
# The same chromium and the same server on the Geneva story as the timeline's browser tests.
chromium = shared.browser
geneva_server = shared.server
STORY = "/stories/geneva-ai-talks"
MEETING = "geneva-2023-07"
WIDE, PHONE = 1400, 390


class Desk:
    """A browser context for one reporter, its page, and what went wrong in it."""

    def __init__(self, context: BrowserContext, server: str) -> None:
        self.context = context
        self.server = server
        self.page = context.new_page()
        self.crashes: list[str] = []
        self.page.on("pageerror", lambda e: self.crashes.append(str(e)))
        self.page.on("dialog", lambda d: (self.crashes.append("dialog: " + d.message), d.dismiss()))

    def open(self, path: str) -> Page:
        self.page.goto(self.server + path)
        if "/timeline" in path:
            self.page.wait_for_selector("body[data-ready]", timeout=30_000)
        return self.page

    def sign_in(self, token: str = "alice-secret") -> None:
        """Through the page's own link, as a new user would."""
        self.page.click("text=Sign in to write")
        self.page.fill('input[name="token"]', token)
        self.page.keyboard.press("Enter")
        self.page.wait_for_selector("#writer-name")

    def form(self, name: str) -> Any:
        return self.page.locator(f'form[data-form="{name}"]')

    def shoot(self, name: str, width: int, *, full_page: bool = True) -> None:
        """A screenshot at this width: the whole page, or (a dialog) the screen."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.set_viewport_size({"width": width, "height": 900 if full_page else 1600})
        self.page.wait_for_timeout(300)  # the charts follow the new width
        if self.page.locator("#chart-timeline").count():
            shared.draw_every_chart(self.page)
        self.page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=full_page)


@pytest.fixture
def server(geneva_server: str) -> str:
    return geneva_server


@pytest.fixture
def desk(chromium: Browser, server: str) -> Iterator[Desk]:
    context = chromium.new_context(viewport={"width": WIDE, "height": 900})
    yield Desk(context, server)
    context.close()


def api(server: str, path: str) -> httpx.Response:
    return httpx.get(server + path)


def test_a_new_user_signs_in_is_told_what_is_wrong_fixes_it_and_sees_the_fact(
    desk: Desk, server: str
) -> None:
    page = desk.open(STORY + "/timeline")
    assert desk.form("fact").count() == 0  # not signed in: the page says how to
    desk.sign_in()
    assert page.url.endswith(STORY + "/timeline")
    assert page.text_content("#writer-name") == "alice"

    fact = desk.form("fact")
    fact.locator('[name="kind"]').select_option("claim")
    assert fact.locator('[name="title"]').is_hidden()  # a claim has no title
    fact.locator('[name="id"]').fill("desk-claim")
    fact.locator('[name="subject"]').fill("The Geneva talks")
    fact.locator('[name="predicate"]').fill("were confirmed by")
    fact.locator('[name="object"]').fill("a second outlet")
    fact.locator('[name="occurred"]').fill("January 2024")
    fact.locator('[name="sources.0.name"]').fill("Le Monde")
    fact.locator('[name="sources.0.published"]').fill("2024-02-01")
    fact.locator('[name="sources.0.url"]').fill("https://www.lemonde.fr/geneve")
    fact.locator('button[type="submit"]').click()

    problem = fact.locator("#fact-occurred-problem")
    problem.wait_for(state="visible")
    assert "not an EDTF date" in (problem.text_content() or "")
    assert fact.locator('[name="occurred"]').get_attribute("aria-invalid") == "true"
    assert fact.locator('[name="subject"]').input_value() == "The Geneva talks"  # kept
    assert api(server, STORY + "/facts/desk-claim").status_code == 404  # nothing appended
    desk.shoot("story-refused-fact", WIDE)

    occurred = fact.locator('[name="occurred"]')
    occurred.fill("2024-01")
    occurred.press("Enter")  # from the keyboard
    card = page.locator('#facts [data-fact="desk-claim"]')
    card.wait_for(state="visible", timeout=15_000)
    assert "The Geneva talks were confirmed by a second outlet" in (card.text_content() or "")
    assert "Le Monde" in (card.text_content() or "")
    stored = api(server, STORY + "/facts/desk-claim").json()
    assert stored["occurred"] == "2024-01" and stored["lifecycle"][0]["writer"] == "alice"
    assert fact.locator("[data-status]").text_content().startswith("Fact added")
    assert desk.crashes == []


def test_a_reporter_disputes_a_fact_from_its_page_and_sees_the_dispute(
    desk: Desk, server: str
) -> None:
    page = desk.open(f"{STORY}/facts/{MEETING}/page")
    assert "Sign in" in (page.text_content(".lifecycle") or "")
    desk.sign_in()
    dispute = desk.form("dispute")
    dispute.locator('[name="note"]').fill("The relay dates the first round to June 2023.")
    dispute.locator('[name="source.name"]').fill("Le Temps")
    dispute.locator('[name="source.published"]').fill("2024-01-13")
    dispute.locator('[name="source.via.name"]').fill("Agence France-Presse")
    dispute.locator('[name="source.via.published"]').fill("2024-01-13")
    dispute.locator('button[type="submit"]').click()
    shown = page.locator("#fact-disputes .dispute")
    shown.wait_for(state="visible")
    text = shown.text_content() or ""
    assert "June 2023" in text and "Le Temps" in text and "2024-01-13" in text
    assert "relayed by Agence France-Presse" in text and "written by alice" in text
    assert page.locator(".flash").text_content() == "Dispute recorded."
    assert page.locator(".mark-disputed").count() == 1
    events = [e["event"] for e in api(server, f"{STORY}/facts/{MEETING}").json()["lifecycle"]]
    assert events.count("disputed") == 1
    assert desk.crashes == []


def test_a_reporter_corrects_a_fact_in_the_story_pages_panel_and_reads_its_versions(
    desk: Desk, server: str
) -> None:
    desk.open(STORY + "/timeline")
    desk.sign_in()
    page = desk.page
    page.locator(f'#facts [data-fact="{MEETING}"] a[data-panel]').click()
    panel = page.locator("#fact-panel")
    panel.locator(".fact-title").wait_for(state="visible")
    correction = panel.locator('form[data-form="correction"]')
    correction.locator('[name="changes.place"]').fill("Geneva (a hotel by the lake)")
    correction.locator('[name="source.name"]').fill("Financial Times")
    correction.locator('[name="source.published"]').fill("2024-01-15")
    correction.locator('button[type="submit"]').click()
    panel.locator(".flash").wait_for(state="visible")
    versions = panel.locator("#fact-versions > li")
    assert versions.count() == 2
    latest = versions.nth(1).text_content() or ""
    assert "Version 2" in latest and "2024-01-15" in latest and "written by alice" in latest
    assert "Geneva, Switzerland" in latest and "Geneva (a hotel by the lake)" in latest
    page.keyboard.press("Escape")
    assert not panel.is_visible()
    page.locator(f'#facts [data-fact="{MEETING}"] .mark-corrected').wait_for(timeout=15_000)

    desk.open(f"{STORY}/facts/{MEETING}/page")  # the same, on the fact's own page
    assert page.locator("#fact-versions > li").count() == 2
    assert page.locator("#fact-versions del").first.text_content() == "Geneva, Switzerland"
    for width in (WIDE, PHONE):
        desk.shoot("fact-page-corrected", width)
    assert desk.crashes == []


# A page on another site: a form whose text/plain body is a whole fact's JSON, and a fetch.
FORGED = (
    '{{"id": "forged", "kind": "claim", "occurred": "2024", "subject": "a", "predicate": "b", '
    '"object": "c", "sources": [{{"name": "x", "published": "2024-01-01"}}], "pad": "'
)
EVIL_PAGE = (
    """<!doctype html><html><body>
<form id="f" method="post" enctype="text/plain" action="{target}">
<input name='"""
    + FORGED
    + """' value='"}}'>
</form>
<script>
fetch({target!r}, {{method: "POST", credentials: "include", mode: "no-cors",
  headers: {{"Content-Type": "text/plain"}}, body: '{{"id": "forged-fetch"}}'}});
</script></body></html>"""
)


def test_a_cross_site_form_post_with_the_cookie_is_refused(desk: Desk, server: str) -> None:
    desk.open("/")
    desk.sign_in()
    page = desk.page
    target = f"{server}{STORY}/facts"
    page.route(
        "http://elsewhere.example/**",
        lambda route: route.fulfill(content_type="text/html", body=EVIL_PAGE.format(target=target)),
    )
    page.goto("http://elsewhere.example/attack")
    with page.expect_response(target) as posted:
        page.evaluate("document.getElementById('f').submit()")
    assert posted.value.status in (401, 403)
    page.wait_for_url(target)  # the refusal's own page, fully arrived, before going on
    page.wait_for_load_state()
    for forged in ("forged", "forged-fetch"):
        assert api(server, f"{STORY}/facts/{forged}").status_code == 404
    desk.open("/")
    assert page.text_content("#writer-name") == "alice"  # still signed in, nothing written


def test_new_stories_and_actors_from_the_home_page(desk: Desk, server: str) -> None:
    page = desk.open("/")
    desk.sign_in()
    story = desk.form("story")
    story.locator('[name="title"]').fill("Confidential US\u2013China AI-safety talks in Genève")
    made = story.locator('[name="id"]').input_value()
    assert made == "confidential-us-china-ai-safety-talks-in-geneve"
    story.locator('[name="id"]').fill("geneva-copy")
    story.locator('button[type="submit"]').click()
    page.locator('#stories [data-story="geneva-copy"]').wait_for()
    actor = desk.form("actor")
    actor.locator('[name="name"]').fill("Le Temps")
    actor.locator('[name="kind"]').select_option("media")
    actor.locator('[name="country"]').fill("ch")  # not a country code: upper case
    actor.locator('button[type="submit"]').click()
    actor.locator("#actor-country-problem").wait_for(state="visible")
    actor.locator('[name="country"]').fill("CH")
    actor.locator('[name="aliases"]').fill("Temps, LT")
    actor.locator('button[type="submit"]').click()
    actor.locator(".form-status.accepted").wait_for()
    assert httpx.get(server + "/actors/le-temps").json()["aliases"] == ["Temps", "LT"]
    assert "geneva-copy" in (page.text_content("#stories") or "")
    for width in (WIDE, PHONE):
        desk.shoot("home", width)
    assert desk.crashes == []


def test_the_story_page_reads_well_on_a_wide_screen_and_a_phone(desk: Desk, server: str) -> None:
    fact = {"id": "geneva-2023-07", "changes": {"place": "Geneva"}}
    source = {"name": "Le Temps", "published": "2024-01-13"}
    httpx.post(f"{server}{STORY}/facts/{fact['id']}/disputes", headers=ALICE,
               json={"note": "June, not July.", "source": source}).raise_for_status()  # fmt: skip
    desk.open(STORY + "/timeline")
    desk.sign_in()
    for width in (WIDE, PHONE):
        desk.shoot("story-page", width)
    page = desk.page
    page.locator(f'#facts [data-fact="{MEETING}"] a[data-panel]').click()
    page.locator("#fact-panel .fact-title").wait_for(state="visible")
    for width in (WIDE, PHONE):
        desk.shoot("story-panel", width, full_page=False)
    assert desk.crashes == []


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.help + " at "
      + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "));
}"""


@pytest.mark.parametrize("signed_in", [False, True], ids=["reader", "writer"])
def test_axe_finds_no_serious_violation_on_the_desk_pages(desk: Desk, signed_in: bool) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed: npm install --prefix .test-tools axe-core@4")
    if signed_in:
        desk.open("/")
        desk.sign_in()
    found = {}
    for path in ("/", STORY + "/timeline", f"{STORY}/facts/{MEETING}/page"):
        page = desk.open(path)
        page.add_script_tag(path=str(AXE))
        found[path] = page.evaluate(AXE_RUN)
    assert found == {path: [] for path in found}
