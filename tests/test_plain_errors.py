"""A refused write says, in a reporter's words, what is wrong with each field, once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.messages import PlainProblem, plain_problems
from tests.api_fixtures import ALICE, STORY
from tests.test_api_writes import FT, joined

JOINED = joined()
# What a library or a regular expression would say; a reporter should never read it.
JARGON = ("pattern", "Value error", "Input should", "^", "\\", "{0,", "[a-z", "str", "_type")


@pytest.fixture
def story(client: TestClient) -> str:
    client.post("/stories", json={"id": STORY, "title": "Geneva talks"}, headers=ALICE)
    return STORY


def refused(client: TestClient, path: str, body: Any) -> dict[str, str]:
    """The problems of a refused write, by field, checked to be plain and one a field."""
    response = client.post(path, json=body, headers=ALICE)
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    fields = [p["field"] for p in problems]
    assert len(fields) == len(set(fields)), f"a field reported twice: {fields}"
    for problem in problems:
        assert not [word for word in JARGON if word in problem["message"]], problem
    return {p["field"]: p["message"] for p in problems}


def test_each_bad_field_of_a_fact_is_named_once_in_plain_words(
    client: TestClient, story: str
) -> None:
    source = {"name": "FT", "published": "yesterday", "url": "ftp://ft.com", "language": "French"}
    bad = JOINED | {"id": "Geneva July", "role": "spy", "sources": [source]}
    problems = refused(client, f"/stories/{story}/facts", bad)
    assert problems == {
        "id": "must be lowercase letters, digits and hyphens, starting with a letter or digit, "
        "at most 100 characters (got 'Geneva July')",
        "role": "must be one of participant, delegate, mediator, observer or host (got 'spy')",
        "sources.0.published": "must be a date such as 2024-01-11 or a date-time such as "
        "2024-01-11T09:30:00Z (got 'yesterday')",
        "sources.0.url": "must be a web address starting with http:// or https:// "
        "(got 'ftp://ft.com')",
        "sources.0.language": "must be a language code such as fr or en (got 'French')",
    }


def test_a_bad_published_date_is_one_problem_not_two(client: TestClient, story: str) -> None:
    bad = JOINED | {"sources": [FT | {"published": "2024-13-45"}]}
    problems = refused(client, f"/stories/{story}/facts", bad)
    assert list(problems) == ["sources.0.published"]


def test_a_date_the_calendar_refuses_says_why_without_a_prefix(
    client: TestClient, story: str
) -> None:
    problems = refused(client, f"/stories/{story}/facts", JOINED | {"occurred": "July 2023"})
    assert problems["occurred"].startswith("'July 2023' is not an EDTF date")


def test_an_unknown_kind_lists_the_kinds(client: TestClient, story: str) -> None:
    problems = refused(client, f"/stories/{story}/facts", JOINED | {"kind": "rumour"})
    assert problems["kind"].startswith("'rumour' is not a known kind; use one of meeting_held,")
    assert problems["kind"].endswith("policy_announced or claim")


def test_missing_and_unknown_fields_are_named_with_what_they_belong_to(
    client: TestClient, story: str
) -> None:
    bad = {k: v for k, v in JOINED.items() if k != "actor"} | {"actr": "openai"}
    bad["sources"] = [FT | {"page": 3}]
    problems = refused(client, f"/stories/{story}/facts", bad)
    assert problems == {
        "actor": "is required",
        "actr": "is not a field of a participant_joined fact",
        "sources.0.page": "is not a field of a source",
    }


def test_a_fact_without_sources_or_kind_says_what_is_needed(client: TestClient, story: str) -> None:
    assert refused(client, f"/stories/{story}/facts", JOINED | {"sources": []}) == {
        "sources": "must have at least 1 entry"
    }
    no_kind = {k: v for k, v in JOINED.items() if k != "kind"}
    assert refused(client, f"/stories/{story}/facts", no_kind) == {"kind": "is required"}


def test_a_bad_actor_names_each_field_in_plain_words(client: TestClient) -> None:
    actor = {"id": "openai", "name": "", "kind": "startup", "country": "USA"}
    problems = refused(client, "/actors", actor | {"labels": {"French": "OpenAI"}, "ceo": "x"})
    assert problems == {
        "name": "must not be empty",
        "kind": "must be one of company, university, government, media, ngo, person or "
        "other (got 'startup')",
        "country": "must be a two-letter country code such as US or CN (got 'USA')",
        "labels.French": "the key must be a language code such as fr or en (got 'French')",
        "ceo": "is not a field of an actor",
    }


def test_an_id_in_the_path_that_is_not_a_slug_says_what_an_id_looks_like(
    client: TestClient,
) -> None:
    response = client.get("/stories/Geneva Talks")
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["field"] == "story"
    assert problem["message"].startswith("must be lowercase letters, digits and hyphens")


def test_the_summary_message_is_as_plain_as_the_problems(client: TestClient, story: str) -> None:
    bad = JOINED | {"sources": [FT | {"published": "soon"}]}
    response = client.post(f"/stories/{story}/facts", json=bad, headers=ALICE)
    message = response.json()["message"]
    assert message.startswith("invalid request: sources.0.published: must be a date such as")
    assert "Input should" not in message and message.count("sources.0.published") == 1


def test_the_words_for_a_field_not_yet_in_any_model_are_ready() -> None:
    error = {"type": "string_pattern_mismatch", "loc": ("wikidata",), "input": "openai"}
    [problem] = plain_problems([error])
    assert problem == PlainProblem(
        ("wikidata",), "must be a Wikidata id such as Q116758847 (got 'openai')"
    )


def test_an_unknown_field_of_a_tagged_line_is_named_by_the_tag_words() -> None:
    errors = [{"type": "extra_forbidden", "loc": ("corrected", "x"), "input": 1}]
    [problem] = plain_problems(errors, tags={"corrected": "a corrected line"})
    assert problem == PlainProblem(("x",), "is not a field of a corrected line")
