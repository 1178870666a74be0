"""The TimelineJS3 export: names and dates a reader reads, sources with their links, what
became of each fact; and the real TimelineJS3 rendering it in Debian's Chromium.

The browser test skips, saying why, where chromium, Playwright or TimelineJS3 (which
``.ci/run`` installs with npm into ``.test-tools/``) is missing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from domain.storyfile import StoryFile
from tests.api_fixtures import ALICE, BOB, STORY, post_story_file, settings_for

ROOT = Path(__file__).resolve().parents[1]
TIMELINEJS = ROOT / ".test-tools" / "node_modules" / "@knight-lab" / "timelinejs" / "dist"
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
FACTS = f"/stories/{STORY}/facts"
LE_MONDE = {"name": "Le Monde", "published": "2024-01-12", "url": "https://lemonde.example/a"}
US_CHINA = "US\N{EN DASH}China"
DASH = "\N{EN DASH}"


@pytest.fixture
def client(tmp_path: Path, geneva: StoryFile) -> Iterator[TestClient]:
    """Geneva, with a dispute, a correction and a retraction from Le Monde."""
    with TestClient(create_app(settings_for(tmp_path))) as test_client:
        post_story_file(test_client, geneva)
        acts = [
            ("geneva-2023-07/disputes", {"source": LE_MONDE, "note": "Only one round was held."}),
            ("geneva-2023-10/corrections", {"changes": {"place": "Nyon"}, "source": LE_MONDE}),
            ("geneva-talks-could-feed-eu-ai-summit/retraction",
             {"source": LE_MONDE, "reason": "The summit link was speculation."}),
        ]  # fmt: skip
        for path, body in acts:
            assert test_client.post(f"{FACTS}/{path}", json=body, headers=BOB).status_code == 201
        yield test_client


def document(client: TestClient, story: str = STORY) -> dict[str, Any]:
    response = client.get(f"/stories/{story}/export", params={"format": "timelinejs"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def slides(client: TestClient) -> dict[str, dict[str, Any]]:
    return {e["unique_id"]: e for e in document(client)["events"]}


def test_slides_name_actors_meetings_and_series_never_their_slugs(client: TestClient) -> None:
    shown = slides(client)

    absent = shown["geneva-talks-absent-baidu"]["text"]["headline"]
    assert absent == f"Baidu absent from {US_CHINA} AI-safety talks in Geneva (round not said)"
    cohere = shown["geneva-talks-joined-cohere"]["text"]["headline"]
    assert cohere.startswith("Cohere took part in") and cohere.endswith("as participant for US")
    every_headline = " ".join(e["text"]["headline"] for e in shown.values())
    for slug in ("geneva-july-2023", "geneva-ai-talks", "baidu ", "us-commerce", "openai"):
        assert slug not in every_headline


def test_meetings_and_series_are_groups(client: TestClient) -> None:
    shown = slides(client)
    groups = {e["group"] for e in shown.values()}

    assert groups == {
        f"{US_CHINA} AI-safety talks in Geneva, first round (July 2023)",
        f"{US_CHINA} AI-safety talks in Geneva, second round (October 2023)",
        f"{US_CHINA} AI-safety talks in Geneva",
        "The story as a whole",
    }
    assert shown["geneva-talks-absent-baidu"]["group"] == f"{US_CHINA} AI-safety talks in Geneva"


def test_dates_keep_their_precision_in_words(client: TestClient) -> None:
    shown = slides(client)

    assert shown["geneva-2023-07"]["display_date"] == "July 2023"
    assert shown["geneva-2023-07"]["start_date"] == {"year": 2023, "month": 7}
    assert shown["geneva-talks-absent-baidu"]["display_date"] == f"July {DASH} October 2023"
    assert shown["ft-discloses-geneva-talks"]["display_date"] == "11 January 2024"


@pytest.mark.parametrize(
    ("occurred", "display"),
    [
        ("2023-10~", "about October 2023"),
        ("2023-10?", "October 2023 (uncertain)"),
        ("2023-10%", "about October 2023 (uncertain)"),
        ("2023-07-18/2023-07-20", f"18 {DASH} 20 July 2023"),
        ("2023-07-30/2023-08-02", f"30 July {DASH} 2 August 2023"),
        ("2022/2023", f"2022 {DASH} 2023"),
        ("2023-07~/2023-10", f"about July 2023 {DASH} October 2023"),
    ],
)
def test_approximate_uncertain_and_ranged_dates_read_as_words(
    tmp_path: Path, occurred: str, display: str
) -> None:
    with TestClient(create_app(settings_for(tmp_path))) as client:
        client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
        claim = {"id": "c-1", "kind": "claim", "occurred": occurred, "subject": "talks",
                 "predicate": "were", "object": "held", "certainty": "reported",
                 "sources": [{"name": "FT", "published": "2024-01-11"}]}  # fmt: skip
        assert client.post(FACTS, json=claim, headers=ALICE).status_code == 201

        [event] = document(client)["events"]

    assert event["display_date"] == display


def test_each_slide_gives_its_sources_with_links_and_the_relay(client: TestClient) -> None:
    text = slides(client)["geneva-2023-07"]["text"]["text"]

    assert "Reported by Financial Times (11 January 2024), relayed by French-language relay" in text
    added = {"source": {**LE_MONDE, "name": "Le Temps"}}
    assert client.post(f"{FACTS}/geneva-2023-10/corroborations", json=added, headers=BOB).is_success
    october = slides(client)["geneva-2023-10"]["text"]["text"]
    assert '<a href="https://lemonde.example/a" target="_blank" rel="noopener">Le Temps</a>' in (
        october
    )


def test_slides_say_who_disputed_what_was_corrected_and_why_it_was_retracted(
    client: TestClient,
) -> None:
    shown = slides(client)
    disputed = shown["geneva-2023-07"]["text"]
    corrected = shown["geneva-2023-10"]["text"]
    retracted = shown["geneva-talks-could-feed-eu-ai-summit"]["text"]

    assert disputed["headline"].endswith("(disputed)")
    assert (
        "<strong>Disputed</strong> by Le Monde on 12 January 2024: “Only one round was held.”"
        in (disputed["text"])
    )
    assert corrected["headline"].endswith("(corrected)") and "Place: Nyon" in corrected["text"]
    assert "it said before: " in corrected["text"]
    assert "(Geneva, Switzerland)" in corrected["text"]
    assert retracted["headline"].startswith("<s>") and retracted["headline"].endswith("(retracted)")
    assert "by Le Monde on 12 January 2024: The summit link was speculation." in retracted["text"]


def test_a_replay_before_the_lifecycle_shows_the_fact_as_it_was(client: TestClient) -> None:
    response = client.get(
        f"/stories/{STORY}/export", params={"format": "timelinejs", "known_at": "2024-01-11"}
    )
    shown = {e["unique_id"]: e for e in response.json()["events"]}

    assert shown["geneva-2023-07"]["text"]["headline"].endswith("(July 2023)")
    assert "Disputed" not in shown["geneva-2023-07"]["text"]["text"]
    assert "Place: Geneva, Switzerland" in shown["geneva-2023-10"]["text"]["text"]


# ---- the real TimelineJS3 ------------------------------------------------------------------
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>export</title>
<link rel="stylesheet" href="{css}"><script src="{js}"></script></head>
<body><div id="timeline" style="width: 1100px; height: 640px"></div>
<script>
window.errors = [];
window.addEventListener("error", event => window.errors.push(String(event.message)));
window.timeline = new TL.Timeline("timeline", {document}, {{font: null}});
</script></body></html>"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install -y chromium")
    if not (TIMELINEJS / "js" / "timeline.js").exists():
        install = "npm install --prefix .test-tools @knight-lab/timelinejs@3"
        pytest.skip(f"TimelineJS3 is not installed: {install}")
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="Playwright for Python is not installed: pip install playwright",
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.mark.browser
def test_the_real_timelinejs_renders_one_slide_per_event_and_no_error(
    client: TestClient, chromium: Any, tmp_path: Path
) -> None:
    exported = document(client)
    page_file = tmp_path / "timeline.html"
    page_file.write_text(
        PAGE.format(
            css=(TIMELINEJS / "css" / "timeline.css").as_uri(),
            js=(TIMELINEJS / "js" / "timeline.js").as_uri(),
            document=json.dumps(exported),
        )
    )
    page = chromium.new_page(viewport={"width": 1200, "height": 700})
    outside: list[str] = []

    def refuse(route: Any) -> None:
        outside.append(route.request.url)
        route.abort()

    page.route("http*://**", refuse)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    try:
        page.goto(page_file.as_uri())
        page.wait_for_selector(".tl-timemarker", state="attached", timeout=15_000)
        markers = page.locator(".tl-timemarker").count()
        slides_drawn = page.locator(".tl-slide").count()
        messages = page.locator(".tl-message-full, .tl-message").all_inner_texts()
        page.locator(".tl-slidenav-next").first.click()
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "timelinejs-export.png"))
        first_headline = page.locator(".tl-slide .tl-headline").nth(1).inner_text()
        errors = page.evaluate("window.errors")
    finally:
        page.close()

    events = len(exported["events"])
    assert markers == events == 25
    assert slides_drawn == events + 1  # and the title slide
    assert [m for m in messages if m.strip()] == []
    assert errors == [] and problems == []
    assert outside == []  # everything from local files: no network
    assert "Embassy of the People's Republic of China" in first_headline
