"""The web pages and the figure endpoint, over HTTP; and the offline file from the CLI."""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import plotly
import plotly.offline
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from fixtures import GENEVA
from tests.api_fixtures import ALICE, STORY

INJECTION = "<img src=x onerror=alert(1)>"
TIMELINE = f"/stories/{STORY}/timeline"
GENEVA_TITLE = "Confidential US\u2013China AI-safety talks in Geneva (2023)"


def drawn(figure: dict[str, Any]) -> int:
    """How many facts a timeline figure draws (bars and diamonds, not flags or hover
    handles), shown at the page's date (a replaced state is drawn invisible)."""
    return sum(
        len(t["meta"]["replay"]["start"])
        for t in figure["data"]
        if t["meta"]["replay"]["counted"] and t.get("opacity", 1) > 0
    )


def page_config(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', html)
    assert match
    config: dict[str, Any] = json.loads(match.group(1))
    return config


class Resources(HTMLParser):
    """Every script, stylesheet or image a page loads from elsewhere (inline code is skipped:
    the parser reads a script element's content as text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "alternate":
            return  # a feed the page advertises, which the browser does not load
        url = values.get("src") or (values.get("href") if tag == "link" else None)
        if url and not url.startswith("data:"):
            self.found.append(url)


def external_resources(html: str) -> list[str]:
    parser = Resources()
    parser.feed(html)
    return parser.found


def test_home_page_lists_the_stories_with_links_to_their_timelines(
    geneva_client: TestClient,
) -> None:
    html = geneva_client.get("/").text
    assert GENEVA_TITLE in html
    assert f'href="{TIMELINE}"' in html


def test_timeline_page_shows_the_title_the_charts_the_picture_and_exports(
    geneva_client: TestClient,
) -> None:
    response = geneva_client.get(TIMELINE)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert f'<h1 id="story-title">{GENEVA_TITLE}</h1>' in html
    for chart in ("chart-timeline", "chart-lag", "chart-knowledge"):
        assert f'id="{chart}"' in html
    assert "OpenAI" in html and "Tsinghua University" in html
    assert "ByteDance" in html  # absentees
    assert "Il est impossible de fixer des normes internationales" in html  # a statement
    assert "164 to 194 days" in html  # how long the first round stayed secret
    for fmt in ("jsonl", "csv", "timelinejs"):
        assert f'href="/stories/{STORY}/export?format={fmt}"' in html


def test_timeline_page_loads_plotly_from_this_server_never_a_cdn(
    geneva_client: TestClient,
) -> None:
    html = geneva_client.get(TIMELINE).text
    sources = external_resources(html)
    assert sources == [
        "/assets/plotly.min.js?v=" + plotly.__version__,
        "/assets/timeline.js",
        "/assets/desk.js",
    ]
    plotly_js = geneva_client.get(sources[0])
    assert plotly_js.headers["content-type"].startswith("text/javascript")
    assert plotly_js.text == plotly.offline.get_plotlyjs()
    assert "EventSource" in geneva_client.get(sources[1]).text


def test_timeline_page_shows_the_series_participants_by_side(geneva_client: TestClient) -> None:
    html = geneva_client.get(TIMELINE).text
    assert "Participants, by side" in html


def test_the_page_follows_the_live_stream_from_the_position_it_shows(
    geneva_client: TestClient,
) -> None:
    config = page_config(geneva_client.get(TIMELINE).text)
    assert re.fullmatch(rf"/stories/{STORY}/stream\?after=\d+", config["stream_url"])
    assert config["json_url"] == f"/stories/{STORY}/timeline.json?chart=all"


def test_fewer_facts_are_drawn_at_an_earlier_known_at(geneva_client: TestClient) -> None:
    on_disclosure = geneva_client.get(f"{TIMELINE}.json", params={"known_at": "2024-01-11"})
    before = geneva_client.get(f"{TIMELINE}.json", params={"known_at": "2023-12-31"})
    assert drawn(on_disclosure.json()) == 25
    assert drawn(before.json()) == 0


def test_the_page_before_the_disclosure_shows_nothing_known_and_replays_up_to_that_date(
    geneva_client: TestClient,
) -> None:
    html = geneva_client.get(TIMELINE, params={"known_at": "2023-12-31"}).text
    assert "Showing as known on 2023-12-31" in html
    assert "Nothing known about this story at these dates." in html
    assert 'id="known-at" value="2023-12-31"' in html


def test_timeline_json_spans_month_precise_meetings(geneva_client: TestClient) -> None:
    figure = geneva_client.get(f"{TIMELINE}.json", params={"kind": "meeting_held"}).json()
    (bars,) = [t for t in figure["data"] if t["meta"]["replay"]["counted"]]
    july, august, october, november = (
        int(datetime.fromisoformat(f"{day}T00:00:00+00:00").timestamp() * 1000)
        for day in ("2023-07-01", "2023-08-01", "2023-10-01", "2023-11-01")
    )
    assert bars["x"][0:2] == [july, august]  # the whole month, each round
    assert bars["x"][5:7] == [october, november]


def test_timeline_json_can_return_all_three_charts(geneva_client: TestClient) -> None:
    charts = geneva_client.get(f"{TIMELINE}.json", params={"chart": "all"}).json()
    assert set(charts) == {"timeline", "lag", "knowledge"}
    assert charts["knowledge"]["data"][0]["y"][-1] == 25


@pytest.mark.parametrize(
    ("query", "field"),
    [("lanes=weather", "lanes"), ("color=mood", "color"), ("known_at=yesterday", "known_at"),
     ("kind=gossip", "kind.0"), ("meeting=Not%20A%20Slug", "meeting")],
)  # fmt: skip
def test_bad_options_are_a_422_naming_the_field(
    geneva_client: TestClient, query: str, field: str
) -> None:
    figure = geneva_client.get(f"{TIMELINE}.json?{query}")
    assert figure.status_code == 422
    assert figure.json()["problems"][0]["field"] == field
    page = geneva_client.get(f"{TIMELINE}?{query}")  # a page's error is a page
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert f'<b class="field-name">{field}</b>' in page.text


def test_an_unknown_chart_is_a_422_naming_it(geneva_client: TestClient) -> None:
    response = geneva_client.get(f"{TIMELINE}.json?chart=pie")
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "chart"


def test_an_unknown_story_is_a_404(geneva_client: TestClient) -> None:
    figure = geneva_client.get("/stories/nope/timeline.json")
    assert figure.status_code == 404 and "nope" in figure.json()["message"]
    page = geneva_client.get("/stories/nope/timeline")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "story &#39;nope&#39; not found" in page.text


def test_large_responses_are_gzipped_for_clients_that_accept_it(geneva_client: TestClient) -> None:
    response = geneva_client.get(
        f"{TIMELINE}.json", headers={"Accept-Encoding": "gzip"}, params={"chart": "all"}
    )
    assert response.headers["content-encoding"] == "gzip"
    assert set(response.json()) == {"timeline", "lag", "knowledge"}  # httpx decodes it


def add_injected_actor(client: TestClient) -> None:
    story = {"id": "injection", "title": f"Story {INJECTION}", "description": INJECTION}
    assert client.post("/stories", json=story, headers=ALICE).is_success
    actor = {"id": "evil", "name": INJECTION, "kind": "person"}
    assert client.post("/actors", json=actor, headers=ALICE).is_success
    source = {"name": INJECTION, "published": "2024-01-11"}
    facts = [
        {"id": "m", "kind": "meeting_held", "occurred": "2023-07", "title": INJECTION,
         "place": INJECTION, "sources": [source]},
        {"id": "j", "kind": "participant_joined", "occurred": "2023-07", "meeting": "m",
         "actor": "evil", "sources": [source], "quote": INJECTION},
        {"id": "s", "kind": "statement_made", "occurred": "2023-07", "meeting": "m",
         "actor": "evil", "text": INJECTION, "sources": [source]},
    ]  # fmt: skip
    for fact in facts:
        assert client.post("/stories/injection/facts", json=fact, headers=ALICE).is_success


def test_markup_in_user_strings_is_escaped_in_pages_and_figures(client: TestClient) -> None:
    add_injected_actor(client)
    for path in ("/", "/stories/injection/timeline", "/stories/injection/timeline?lanes=actor"):
        html = client.get(path).text
        assert "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    figures = client.get("/stories/injection/timeline.json", params={"chart": "all"}).text
    assert "<img" not in figures and "\\u003cimg" not in figures  # escaped before JSON
    assert "&lt;img src=x onerror=alert(1)&gt;" in figures


def test_cli_writes_a_standalone_page_that_needs_no_server(tmp_path: Path) -> None:
    env = {"REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    runner = CliRunner()
    assert runner.invoke(cli, ["load", str(GENEVA)], env=env).exit_code == 0
    out = tmp_path / "geneva.html"
    result = runner.invoke(
        cli, ["timeline", STORY, "-o", str(out), "--known-at", "2024-01-11"], env=env
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert external_resources(html) == []
    assert plotly.offline.get_plotlyjs()[:2000] in html  # plotly.js inlined
    assert page_config(html)["stream_url"] is None
    assert GENEVA_TITLE in html


def test_cli_names_a_bad_option_and_an_unknown_story(tmp_path: Path) -> None:
    env = {"REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}"}
    runner = CliRunner()
    runner.invoke(cli, ["load", str(GENEVA)], env=env)
    out = str(tmp_path / "x.html")
    bad = runner.invoke(cli, ["timeline", STORY, "-o", out, "--lanes", "weather"], env=env)
    assert bad.exit_code == 2 and "lanes must be one of" in bad.output
    missing = runner.invoke(cli, ["timeline", "nope", "-o", out], env=env)
    assert missing.exit_code == 1 and "story 'nope' not found" in missing.output


def test_gzip_helper_leaves_small_bodies_alone(geneva_client: TestClient) -> None:
    response = geneva_client.get("/assets/timeline.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert gzip.decompress(gzip.compress(response.content)) == response.content
