"""The fast path for appending facts (``api.fast_append``) answers as the route does.

Two servers, each on a store of its own, one with the fast path and one without, get the same
requests in the same order; every answer must be the same: its status, its JSON body
(the recorded clock aside, which is each store's own), its type and its auth challenge.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import api.fast_append
from api.main import create_app
from tests.api_fixtures import ALICE, settings_for
from tests.test_api_writes import FT, MEETING, joined

JOINED = joined(id="joined-openai")
JSON = {"Content-Type": "application/json"}


class Pair:
    """A server with the fast path and one without; each request goes to both."""

    def __init__(self, with_fast_path: TestClient, without: TestClient) -> None:
        self.clients = (with_fast_path, without)

    def post(self, path: str, body: Any = None, *, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
        """The one answer both gave (the test fails where they differ). A fact sent
        without an id (or a null one) gets one made up by each store: only its form is compared."""
        content = raw if raw is not None else json.dumps(body).encode()
        sent = {**ALICE, **JSON} if headers is None else headers
        made_up = isinstance(body, dict) and body.get("id") is None
        answers = [
            _answer(client.post(path, content=content, headers=sent), made_up)
            for client in self.clients
        ]
        assert answers[0] == answers[1], (
            f"the fast path answered {answers[0]}, the route {answers[1]}"
        )
        return answers[0]


def _answer(response: Any, made_up_id: bool) -> dict[str, Any]:
    body = response.json() if response.content else None
    if isinstance(body, dict) and "recorded_at" in body:
        body["recorded_at"] = "each store's own"
        if made_up_id:
            body["id"] = re.sub(r"-[0-9a-f]{12}$", "-<made up>", body["id"])
    return {
        "status": response.status_code,
        "type": response.headers.get("content-type"),
        "challenge": response.headers.get("www-authenticate"),
        "body": body,
    }


READER = {"Authorization": "Bearer carol-secret"}


@pytest.fixture(params=["sqlite", "memory", "private reads"])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Pair]:
    def app(name: str, fast: bool) -> Any:
        folder = tmp_path / name
        folder.mkdir()
        url = "memory://" if request.param == "memory" else f"sqlite:///{folder / 'store.db'}"
        readers = "carol:carol-secret" if request.param == "private reads" else ""
        return create_app(
            settings_for(folder, database_url=url, read_tokens=readers, fast_append=fast)
        )

    with TestClient(app("fast", True)) as fast, TestClient(app("route", False)) as route:
        for client in (fast, route):
            story = {"id": "geneva", "title": "Geneva talks"}
            assert client.post("/stories", json=story, headers=ALICE).status_code == 201
            actor = {"id": "openai", "name": "OpenAI", "kind": "company"}
            assert client.post("/actors", json=actor, headers=ALICE).status_code == 201
        yield Pair(fast, route)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether the fast path took each request it looked at (else the app answered it)."""
    seen: list[bool] = []
    take = api.fast_append._take

    def counted(*args: Any) -> Any:
        result = take(*args)
        seen.append(result is not None)
        return result

    monkeypatch.setattr(api.fast_append, "_take", counted)
    return seen


def test_appends_and_their_refusals_are_answered_as_the_route_does(
    pair: Pair, taken: list[bool]
) -> None:
    facts = "/stories/geneva/facts"
    assert pair.post(facts, MEETING)["status"] == 201
    assert pair.post(facts, MEETING)["status"] == 200  # the same again: nothing appended
    created = pair.post(facts, JOINED)
    assert created["status"] == 201
    assert created["body"]["story"] == "geneva"
    assert created["body"]["id"] == "joined-openai"
    conflict = pair.post(facts, JOINED | {"role": "observer"})
    assert conflict["status"] == 409
    assert "role" in [p["field"] for p in conflict["body"]["problems"]]
    unknown = pair.post(facts, JOINED | {"id": "joined-x", "actor": "tencent"})
    assert unknown["status"] == 422  # a rule of the domain, after validation
    assert pair.post("/stories/nowhere/facts", MEETING)["status"] == 404
    assert taken[:6] == [True] * 6, "the fast path served every well-formed append"

    # Refused before the write: the fast path hands these to the route, which words them.
    refused = {
        "a missing field": pair.post(facts, {k: v for k, v in JOINED.items() if k != "actor"}),
        "an unknown kind": pair.post(facts, JOINED | {"kind": "rumour"}),
        "an unknown field": pair.post(facts, JOINED | {"mood": "tense"}),
        "a bad date": pair.post(facts, JOINED | {"occurred": "2023-13"}),
        "not JSON": pair.post(facts, raw=b'{"id": '),
        "JSON nested past Python's limit": pair.post(facts, raw=b"[" * 100_000 + b"]" * 100_000),
        "an empty body": pair.post(facts, raw=b""),
        "a list": pair.post(facts, [JOINED]),
        "a story id that is not a slug": pair.post("/stories/Geneva/facts", MEETING),
    }
    for what, answer in refused.items():
        assert answer["status"] == 422, what
        assert answer["body"]["error"] == "invalid", what
    assert pair.post(facts, MEETING, headers=JSON)["status"] == 401
    wrong = {"Authorization": "Bearer wrong", **JSON}
    assert pair.post(facts, MEETING, headers=wrong)["status"] == 401
    reader = pair.post(facts, MEETING, headers={**READER, **JSON})
    assert reader["status"] == 401  # a read token does not write
    basic = {"Authorization": "Basic YWxpY2U6YWxpY2U=", **JSON}
    assert pair.post(facts, MEETING, headers=basic)["status"] == 401
    text = {**ALICE, "Content-Type": "text/plain"}
    assert pair.post(facts, raw=json.dumps(MEETING).encode(), headers=text)["status"] == 422
    charset = {**ALICE, "Content-Type": "application/json; charset=utf-8"}
    other = MEETING | {"id": "geneva-2023-10", "occurred": "2023-10"}
    assert pair.post(facts, other, headers=charset)["status"] == 201
    too_large = pair.post(facts, MEETING | {"title": "x" * 1_100_000})
    assert too_large["status"] == 413


def test_a_repeated_header_counts_as_the_route_counts_it(pair: Pair) -> None:
    """Two tokens in one request: the route takes the first, and so does the fast path,
    so the same writer is recorded."""
    both = [("Authorization", "Bearer alice-secret"), ("Authorization", "Bearer bob-secret"),
            ("Content-Type", "application/json")]  # fmt: skip
    writers = []
    for client in pair.clients:
        sent = client.post("/stories/geneva/facts", content=json.dumps(MEETING), headers=both)
        assert sent.status_code == 201
        stored = client.get("/stories/geneva/facts/geneva-2023-07", headers=ALICE).json()
        writers.append(stored["lifecycle"][0]["writer"])
    assert writers == ["alice", "alice"]


def test_a_read_only_server_refuses_appends_as_the_route_does(
    tmp_path: Path, taken: list[bool]
) -> None:
    """The fast path does not take writes on a read-only server: the route refuses them."""
    folder = tmp_path / "replica"
    folder.mkdir()
    url = f"sqlite:///{folder / 'store.db'}"
    with TestClient(create_app(settings_for(folder, database_url=url))):
        pass  # the store exists
    app = create_app(settings_for(folder, database_url=url, read_only=True))
    with TestClient(app) as client:
        response = client.post("/stories/geneva/facts", json=MEETING, headers=ALICE)
    assert response.status_code == 503
    assert "read-only" in response.json()["message"]
    assert taken == [], "the fast path looked at a write on a read-only server"


# Facts as tools send them, and near misses: a field dropped, a value of another type.
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.text(max_size=8),
    st.sampled_from(["2023-07", "2023-07-15", "2023", "2023-07-15T10:00:00Z", "openai",
                     "geneva-2023-07", "meeting_held", "participant_joined", "2024-01-11"]),
    st.lists(st.just(FT), max_size=2), st.just({"name": ""}),
)  # fmt: skip
FIELDS = st.sampled_from(
    ["id", "kind", "occurred", "meeting", "actor", "title", "sources", "role", "place"]
)


@st.composite
def near_facts(draw: st.DrawFn) -> dict[str, Any]:
    fact = dict(draw(st.sampled_from([MEETING, JOINED])))
    fact["id"] = draw(st.sampled_from(["geneva-2023-07", "joined-openai", "a", "b-2", "Bad"]))
    for field in draw(st.lists(FIELDS, max_size=3)):
        if draw(st.booleans()):
            fact.pop(field, None)
        else:
            fact[field] = draw(VALUES)
    return fact


def test_any_fact_is_answered_as_the_route_does(pair: Pair, taken: list[bool]) -> None:
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(near_facts())
    def same_answer(fact: dict[str, Any]) -> None:
        pair.post("/stories/geneva/facts", fact)

    same_answer()
    assert any(taken) and not all(taken), "both valid and refused facts were sent"
