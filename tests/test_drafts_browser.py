"""The drafts page in a real browser (Debian's headless chromium, Playwright): a writer
signs in, pastes an article, accepts, edits and drops drafts, appends the accepted ones,
and registers a name the text gives. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from api.main import create_app
from tests.api_fixtures import settings_for
from tests.test_browser import browser as browser
from tests.test_browser import served
from tests.test_drafts import ACTORS
from tests.test_drafts_api import ARTICLE, STORY

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PAGE = "/stories/geneva-talks/drafts/page"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """The app with the story and its actors (no facts), on a free loopback port."""
    app = create_app(settings_for(tmp_path))
    services = app.state.services
    from domain.model import Story

    services.app.create_story(Story.model_validate(STORY), "test")
    for actor in ACTORS:
        services.app.register_actor(actor, "test")
    services.read.catch_up()
    with served(app) as url:
        yield url


def signed_in(browser: Browser, server: str, width: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/signin?next={PAGE}")
    page.fill('input[name="token"]', "alice-secret")
    page.click('button[type="submit"]')
    page.wait_for_url(f"**{PAGE}")
    page.set_default_timeout(30_000)
    page.errors = errors  # type: ignore[attr-defined]
    return page


def draft(page: Page) -> None:
    page.get_by_label("Article text").fill(ARTICLE)
    page.locator('input[name="source.name"]').fill("Financial Times")
    page.locator('input[name="source.published"]').fill("2024-01-11")
    page.locator('select[name="source.language"]').select_option("fr")
    page.get_by_role("button", name="Draft facts").click()
    page.wait_for_selector("#draft-list li.draft")


def test_a_writer_accepts_edits_drops_and_appends_drafts(browser: Browser, server: str) -> None:
    page = signed_in(browser, server, 1280)
    draft(page)
    cards = page.locator("#draft-list li.draft")
    total = cards.count()
    assert total >= 6
    assert page.locator("#draft-list mark").count() >= total  # the words that made each one
    page.get_by_role("button", name="Accept all").click()
    # Drop the last draft; edit the first meeting's title.
    cards.nth(total - 1).get_by_role("button", name="Drop").click()
    first = cards.nth(0)
    first.get_by_role("button", name="Edit").click()
    first.get_by_label("title").fill("Geneva talks, first round")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "drafts-wide.png"), full_page=True)
    page.get_by_role("button", name="Append the accepted drafts").click()
    page.wait_for_selector("#append-status.accepted")
    assert f"{total - 1} fact(s) appended" in page.locator("#append-status").inner_text()
    assert "OpenAI (participant)" in page.locator("#draft-list").inner_text()  # by name
    facts = page.request.get(f"{server}/stories/geneva-talks/facts").json()["items"]
    assert len(facts) == total - 1
    assert "Geneva talks, first round" in [f.get("title") for f in facts]
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_refused_batch_shows_the_problem_on_its_draft_and_appends_nothing(
    browser: Browser, server: str
) -> None:
    page = signed_in(browser, server, 390)
    draft(page)
    page.get_by_role("button", name="Accept all").click()
    card = page.locator("#draft-list li.draft").nth(0)
    card.get_by_role("button", name="Edit").click()
    card.get_by_label("occurred").fill("July 2023")
    page.get_by_role("button", name="Append the accepted drafts").click()
    page.wait_for_selector("#append-status.refused")
    assert card.locator('[aria-invalid="true"]').count() == 1
    assert "nothing was appended" in page.locator("#append-status").inner_text()
    page.screenshot(path=str(ARTIFACTS / "drafts-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert page.request.get(f"{server}/stories/geneva-talks/facts").json()["items"] == []


def test_an_unknown_name_is_registered_from_the_same_screen(browser: Browser, server: str) -> None:
    page = signed_in(browser, server, 1024)
    draft(page)
    unknown = page.locator("#unknown-list li", has_text="Mistral AI")
    unknown.get_by_label("kind").select_option("company")
    unknown.get_by_label("country (e.g. US)").fill("FR")
    unknown.get_by_role("button", name="Register this actor").click()
    unknown.locator(".form-status.accepted").wait_for()
    actor = page.request.get(f"{server}/actors/mistral-ai").json()
    assert actor["name"] == "Mistral AI" and actor["country"] == "FR"
    unknown.get_by_role("button", name="Draft again to find it").click()
    page.wait_for_function(
        "() => !document.getElementById('unknown-list').textContent.includes('Mistral AI')"
    )  # found now as the registered actor it is
