"""The desk without a browser: signing in to write, cookie writes guarded against other
sites, the forms' field names being the API's own, and pages that read well."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.desk.forms import kind_models
from api.main import create_app
from domain.model import Actor, Correction, Corroboration, Dispute, Retraction, Source, Story
from tests.api_fixtures import ALICE, settings_for

ORIGIN = {"Origin": "http://testserver"}  # the TestClient's own site
ELSEWHERE = {"Origin": "https://evil.example"}
STORY = {"id": "talks", "title": "The talks"}
FT = {"name": "Financial Times", "published": "2024-01-11"}
MEETING = {"id": "round-1", "kind": "meeting_held", "occurred": "2023-07", "title": "Round one",
           "sources": [FT]}  # fmt: skip


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[TestClient]:
    """An app with the talks story and one meeting, and a browser signed in as alice."""
    with TestClient(create_app(settings_for(tmp_path)), follow_redirects=False) as client:
        assert client.post("/stories", json=STORY, headers=ALICE).status_code == 201
        assert client.post("/stories/talks/facts", json=MEETING, headers=ALICE).status_code == 201
        signed = client.post("/signin", data={"token": "alice-secret", "next": "/"})
        assert signed.status_code == 303
        yield client


class Forms(HTMLParser):
    """Each ``<form data-form>`` of a page: its action and its inputs' names, and per
    fact-form input the kinds that have it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, Any]] = {}
        self._form: dict[str, Any] | None = None
        self._kinds: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("data-form"):
            self._form = {"action": a.get("action"), "names": [], "kinds": {}}
            self.forms[str(a["data-form"])] = self._form
        elif self._form is not None and a.get("data-kinds") is not None:
            self._kinds = str(a["data-kinds"]).split()
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            name = str(a["name"])
            self._form["names"].append(name)
            if self._kinds is not None:
                self._form["kinds"][name] = self._kinds
                self._kinds = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None


def nest(fields: dict[str, str]) -> dict[str, Any]:
    """What desk.js posts for these inputs: ``sources.0.name`` is body.sources[0].name."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        node: Any = body
        parts = name.split(".")
        for part, following in pairwise(parts):
            empty: Any = [] if following.isdigit() else {}
            if isinstance(node, list):
                index = int(part)
                if index == len(node):
                    node.append(empty)
                node = node[index]
            else:
                node = node.setdefault(part, empty)
        if isinstance(node, list):
            node.append(value)
        else:
            node[parts[-1]] = value
    return body


def top_fields(names: list[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def source_names(names: list[str], prefix: str) -> set[str]:
    """The source fields named under ``prefix`` (``sources.0``, ``source``), via included."""
    found = set()
    for name in names:
        if name.startswith(prefix + "."):
            rest = name[len(prefix) + 1 :].split(".")
            found.add(".".join(rest[:2]) if rest[0] == "via" else rest[0])
    return found


# ---- signing in -------------------------------------------------------------------------


def test_signing_in_keeps_the_write_token_in_an_http_only_cookie_and_shows_the_name(
    tmp_path: Path,
) -> None:
    with TestClient(create_app(settings_for(tmp_path)), follow_redirects=False) as client:
        assert "Sign in to write" in client.get("/").text
        signed = client.post("/signin", data={"token": "alice-secret", "next": "/"})
        cookie = signed.headers["set-cookie"]
        assert signed.status_code == 303 and signed.headers["location"] == "/"
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        home = client.get("/")
        assert 'id="writer-name">alice<' in home.text and "Sign out" in home.text
        assert "alice-secret" not in home.text
        out = client.post("/signout", headers=ORIGIN)
        assert out.status_code == 303 and 'reportedly_token=""' in out.headers["set-cookie"]


def test_a_wrong_token_signs_nobody_in_and_the_form_says_so(tmp_path: Path) -> None:
    with TestClient(create_app(settings_for(tmp_path))) as client:
        refused = client.post("/signin", data={"token": "guess"})
        assert refused.status_code == 401 and "not valid" in refused.text
        assert "set-cookie" not in refused.headers


def test_another_site_cannot_sign_a_browser_in(tmp_path: Path) -> None:
    with TestClient(create_app(settings_for(tmp_path))) as client:
        refused = client.post("/signin", data={"token": "alice-secret"}, headers=ELSEWHERE)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers


def test_a_write_token_signs_in_where_reads_are_private_and_then_reads_and_writes(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, read_tokens="newsroom:read-secret")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.post("/signin", data={"token": "alice-secret"}).status_code == 303
        assert client.get("/stories").status_code == 200
        assert client.post("/stories", json=STORY, headers=ORIGIN).status_code == 201


def test_a_read_token_reads_but_cannot_write(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, read_tokens="newsroom:read-secret")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.post("/signin", data={"token": "read-secret"}).status_code == 303
        assert client.get("/stories").status_code == 200
        assert client.post("/stories", json=STORY, headers=ORIGIN).status_code == 401
        assert "Sign in</a> with your write token" in client.get("/").text


# ---- cookie writes and other sites ------------------------------------------------------


def test_a_cookie_write_from_this_site_is_recorded_under_the_signed_in_name(
    desk: TestClient,
) -> None:
    dispute = {"note": "It was June.", "source": {"name": "Le Monde", "published": "2024-01-12"}}
    answer = desk.post("/stories/talks/facts/round-1/disputes", json=dispute, headers=ORIGIN)
    assert answer.status_code == 201
    lifecycle = desk.get("/stories/talks/facts/round-1").json()["lifecycle"]
    assert [(e["event"], e["writer"]) for e in lifecycle] == [
        ("reported", "alice"),
        ("disputed", "alice"),
    ]


@pytest.mark.parametrize(
    "origin", [{}, ELSEWHERE, {"Origin": "null"}], ids=["none", "foreign", "null"]
)
def test_a_cookie_write_from_elsewhere_is_refused_and_appends_nothing(
    desk: TestClient, origin: dict[str, str]
) -> None:
    before = desk.get("/stories/talks/facts/round-1").json()["lifecycle"]
    fact = {**MEETING, "id": "round-2", "title": "Round two"}
    refused = desk.post("/stories/talks/facts", json=fact, headers=origin)
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    dispute = {"note": "no", "source": FT}
    assert desk.post("/stories/talks/facts/round-1/disputes", json=dispute, headers=origin)\
        .status_code == 403  # fmt: skip
    assert desk.get("/stories/talks/facts/round-2").status_code == 404
    assert desk.get("/stories/talks/facts/round-1").json()["lifecycle"] == before


def test_a_cross_site_fetch_is_refused_even_when_the_origin_header_is_forged_by_a_proxy(
    desk: TestClient,
) -> None:
    headers = {**ORIGIN, "Sec-Fetch-Site": "cross-site"}
    assert desk.post("/stories", json={"id": "x", "title": "X"}, headers=headers).status_code == 403


def test_behind_a_proxy_the_forwarded_host_is_this_site(desk: TestClient) -> None:
    proxied = {"Origin": "https://desk.example.org", "X-Forwarded-Host": "desk.example.org"}
    assert desk.post("/stories", json={"id": "x", "title": "X"}, headers=proxied).status_code == 201


def test_api_clients_keep_writing_with_the_bearer_header_and_it_names_the_writer(
    desk: TestClient,
) -> None:
    bob = {"Authorization": "Bearer bob-secret"}  # the browser's cookie is alice's
    fact = {**MEETING, "id": "round-2", "title": "Round two"}
    assert desk.post("/stories/talks/facts", json=fact, headers=bob).status_code == 201
    lifecycle = desk.get("/stories/talks/facts/round-2").json()["lifecycle"]
    assert lifecycle[0]["writer"] == "bob"


# ---- the forms are the API --------------------------------------------------------------


def test_every_story_and_actor_form_field_is_a_field_of_the_api_body(desk: TestClient) -> None:
    forms = Forms(desk.get("/").text).forms
    assert forms["story"]["action"] == "/stories"
    assert forms["actor"]["action"] == "/actors"
    assert set(forms["story"]["names"]) <= set(Story.model_fields)
    assert set(forms["actor"]["names"]) <= set(Actor.model_fields)
    assert {"id", "title"} <= set(forms["story"]["names"])
    assert {"id", "name", "kind", "country", "aliases", "wikidata"} <= set(forms["actor"]["names"])


def test_the_fact_form_offers_each_kind_exactly_its_own_fields(desk: TestClient) -> None:
    form = Forms(desk.get("/stories/talks/timeline").text).forms["fact"]
    assert form["action"] == "/stories/talks/facts"
    names = form["names"]
    assert len(names) == len(set(names)), "each JSON field has one input"
    for kind, model in kind_models().items():  # inputs without data-kinds: every kind's
        shown = {n for n in top_fields(names) if kind in form["kinds"].get(n, [kind])}
        assert shown == set(model.model_fields), kind
    assert source_names(names, "sources.0") == set(Source.model_fields) - {"via"} | {
        "via.name", "via.published", "via.url"
    }  # fmt: skip


def test_the_fields_a_fact_form_produces_are_appended_as_one_fact(desk: TestClient) -> None:
    desk.post("/actors", json={"id": "openai", "name": "OpenAI", "kind": "company"}, headers=ALICE)
    typed = {
        "kind": "participant_joined",
        "occurred": "2023-07-18",
        "certainty": "reported",
        "meeting": "round-1",
        "actor": "openai",
        "role": "participant",
        "side": "us",
        "quote": "Des représentants d'OpenAI",
        "quote_language": "fr",
        "sources.0.name": "Financial Times",
        "sources.0.published": "2024-01-11",
        "sources.0.url": "https://www.ft.com/content/geneva",
        "sources.0.via.name": "Le Monde",
        "sources.0.via.published": "2024-01-12",
        "sources.1.name": "Reuters",
        "sources.1.published": "2024-01-13",
    }
    form = Forms(desk.get("/stories/talks/timeline").text).forms["fact"]
    assert set(typed) <= set(form["names"]) | {"sources.1.name", "sources.1.published"}
    created = desk.post("/stories/talks/facts", json=nest(typed), headers=ORIGIN)
    assert created.status_code == 201, created.text
    fact = desk.get(f"/stories/talks/facts/{created.json()['id']}").json()
    assert fact["side"] == "US" and fact["sources"][0]["via"]["name"] == "Le Monde"
    assert [s["name"] for s in fact["sources"]] == ["Financial Times", "Reuters"]


def test_a_bad_fact_from_the_form_names_occurred_and_appends_nothing(desk: TestClient) -> None:
    typed = {"kind": "meeting_held", "id": "round-2", "occurred": "July 2023", "title": "Two",
             "sources.0.name": "FT", "sources.0.published": "2024-01-11"}  # fmt: skip
    refused = desk.post("/stories/talks/facts", json=nest(typed), headers=ORIGIN)
    assert refused.status_code == 422
    assert [p["field"] for p in refused.json()["problems"]] == ["occurred"]
    assert desk.get("/stories/talks/facts/round-2").status_code == 404


def test_the_lifecycle_forms_post_their_fields_to_the_lifecycle_routes(desk: TestClient) -> None:
    forms = Forms(desk.get("/stories/talks/facts/round-1/page").text).forms
    base = "/stories/talks/facts/round-1"
    expected = {
        "corroboration": ("/corroborations", Corroboration),
        "dispute": ("/disputes", Dispute),
        "correction": ("/corrections", Correction),
        "retraction": ("/retraction", Retraction),
    }
    for name, (route, model) in expected.items():
        assert forms[name]["action"] == base + route
        assert top_fields(forms[name]["names"]) <= set(model.model_fields), name
        assert source_names(forms[name]["names"], "source") >= {"name", "published", "url"}
    changes = {n.split(".", 1)[1] for n in forms["correction"]["names"] if n.startswith("changes.")}
    assert {"occurred", "title", "place", "series"} <= changes
    assert "meeting" not in changes  # a meeting's id says which fact it is: fixed
    typed = {"changes.place": "Geneva", "source.name": "Le Monde",
             "source.published": "2024-01-12"}  # fmt: skip
    assert desk.post(base + "/corrections", json=nest(typed), headers=ORIGIN).status_code == 201
    typed = {"reason": "Withdrawn.", "source.name": "FT", "source.published": "2024-01-13"}
    assert desk.post(base + "/retraction", json=nest(typed), headers=ORIGIN).status_code == 201


# ---- reading --------------------------------------------------------------------------


def test_the_fact_page_shows_sources_versions_and_disputes(desk: TestClient) -> None:
    base = "/stories/talks/facts/round-1"
    relay = {"name": "Le Monde", "published": "2024-01-12", "url": "https://lemonde.fr/a",
             "via": {"name": "AFP", "published": "2024-01-12"}}  # fmt: skip
    desk.post(base + "/corroborations", json={"source": relay}, headers=ALICE)
    desk.post(base + "/disputes", json={"note": "It was in June.", "source": relay}, headers=ALICE)
    change = {"changes": {"place": "Geneva"}, "source": {"name": "AP", "published": "2024-01-14"}}
    desk.post(base + "/corrections", json=change, headers=ALICE)
    page = desk.get(base + "/page")
    assert page.status_code == 200
    html = page.text
    assert "Round one" in html and 'href="https://lemonde.fr/a"' in html
    assert "relayed by AFP" in html
    assert "It was in June." in html and "written by alice" in html
    assert "Version 2" in html and "<ins>Geneva</ins>" in html and "AP" in html
    assert 'class="tag warn mark-disputed"' in html and "mark-corrected" in html
    timeline = desk.get("/stories/talks/timeline").text
    assert "mark-disputed" in timeline and 'class="source-name">Financial Times<' in timeline


def test_the_home_page_tells_two_stories_with_one_title_apart(desk: TestClient) -> None:
    desk.post("/stories", json={**STORY, "id": "talks-copy"}, headers=ALICE)
    html = desk.get("/").text
    assert html.count(">The talks</a>") == 2
    assert ">talks<" in html and ">talks-copy<" in html
    assert "1 fact<" in html and "0 facts<" in html
    assert 'happened <span class="span">2023-07' in html
    assert "last change <time" in html


def test_pages_answer_a_missing_story_or_fact_with_an_html_404(desk: TestClient) -> None:
    for path in ("/stories/nope/timeline", "/stories/talks/facts/nope/page", "/no/such/page"):
        answer = desk.get(path, headers={"Accept": "text/html"})
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in answer.text
    api = desk.get("/stories/talks/facts/nope")
    assert api.status_code == 404 and api.json()["error"] == "not_found"


def test_without_a_signed_in_writer_the_pages_say_how_to_sign_in(tmp_path: Path) -> None:
    with TestClient(create_app(settings_for(tmp_path))) as client:
        client.post("/stories", json=STORY, headers=ALICE)
        client.post("/stories/talks/facts", json=MEETING, headers=ALICE)
        for path in ("/", "/stories/talks/timeline", "/stories/talks/facts/round-1/page"):
            html = client.get(path).text
            assert "data-form=" not in html.replace('data-form="signin"', ""), path
            assert 'href="/signin?next=' in html, path


def test_a_fact_said_of_the_whole_series_reads_so_on_its_card(desk: TestClient) -> None:
    desk.post("/actors", json={"id": "openai", "name": "OpenAI", "kind": "company"}, headers=ALICE)
    rounds = {**MEETING, "id": "round-2", "title": "Talks in Oslo, round two",
              "series": "talks-series"}  # fmt: skip
    assert desk.post("/stories/talks/facts", json=rounds, headers=ALICE).status_code == 201
    joined = {"id": "openai-joined", "kind": "participant_joined", "occurred": "2023",
              "series": "talks-series", "actor": "openai", "sources": [FT]}  # fmt: skip
    assert desk.post("/stories/talks/facts", json=joined, headers=ALICE).status_code == 201
    timeline = desk.get("/stories/talks/timeline").text
    start = timeline.index('<div id="facts">')
    cards = timeline[start : timeline.index("</ol>", start)]
    # Named by what its rounds' titles say (projections.words), never by its slug.
    assert "OpenAI took part in Talks in Oslo (round not said) as participant" in cards
    assert " None " not in cards


def test_a_disputed_meeting_says_so_on_its_picture_card(desk: TestClient) -> None:
    own_id = {**MEETING, "id": "round-2", "meeting": "geneva-october", "title": "Round two"}
    assert desk.post("/stories/talks/facts", json=own_id, headers=ALICE).status_code == 201
    dispute = {"note": "It was in September.", "source": FT}
    desk.post("/stories/talks/facts/round-2/disputes", json=dispute, headers=ALICE)
    timeline = desk.get("/stories/talks/timeline").text
    picture = timeline[timeline.index('id="picture"') : timeline.index('<div id="facts">')]
    card = picture[picture.index("Round two") :]
    assert '<span class="tag warn">disputed</span>' in card[: card.index("</article>")]


def test_the_fact_page_names_the_meeting_and_the_actor_in_words_beside_their_ids(
    desk: TestClient,
) -> None:
    actor = {"id": "openai", "name": "OpenAI", "kind": "company"}
    assert desk.post("/actors", json=actor, headers=ALICE).status_code == 201
    joined = {"id": "openai-joined", "kind": "participant_joined", "meeting": "round-1",
              "actor": "openai", "occurred": "2023-07",
              "sources": [{"name": "Financial Times", "published": "2024-01-11"}]}  # fmt: skip
    assert desk.post("/stories/talks/facts", json=joined, headers=ALICE).status_code == 201
    for path in ("/page", "/panel"):
        html = desk.get("/stories/talks/facts/openai-joined" + path).text
        assert "<dt>meeting</dt><dd>Round one (round-1)</dd>" in html
        assert "<dt>actor</dt><dd>OpenAI (openai)</dd>" in html
