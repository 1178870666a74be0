"""Drafts over HTTP, on the desk's page and from the command line: nothing is appended,
bad input is refused in plain words, and the drafts append as they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from tests.api_fixtures import ALICE
from tests.test_drafts import ACTORS

STORY = {"id": "geneva-talks", "title": "The Geneva talks"}
ARTICLE = (
    "Les entreprises OpenAI, Anthropic et Cohere ont participé aux discussions, selon le "
    "Financial Times. Ces rassemblements ont eu lieu à Genève en juillet et en octobre 2023. "
    "Des initiés ont laissé entendre que ByteDance était absente, tandis que Google DeepMind "
    "a été informée. Un participant a déclaré : « Sans accord entre ces acteurs, aucune norme "
    "n'est possible. » Mistral AI n'a pas été citée."
)
SOURCE = {"name": "Financial Times", "published": "2024-01-11", "language": "fr"}
DRAFTS = "/stories/geneva-talks/drafts"


@pytest.fixture
def desk(client: TestClient) -> TestClient:
    assert client.post("/stories", json=STORY, headers=ALICE).status_code == 201
    for actor in ACTORS:
        body = actor.model_dump(mode="json", exclude_none=True)
        assert client.post("/actors", json=body, headers=ALICE).status_code == 201
    return client


def log_length(client: TestClient) -> int:
    return len(client.get("/stories/geneva-talks/export?format=jsonl").text.splitlines())


def test_drafting_appends_nothing_and_answers_drafts_with_their_sentences(
    desk: TestClient,
) -> None:
    before = log_length(desk)
    answer = desk.post(DRAFTS, json={"text": ARTICLE, "source": SOURCE})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert log_length(desk) == before
    assert desk.get("/stories/geneva-talks/facts").json()["items"] == []
    kinds = {d["fact"]["kind"] for d in body["drafts"]}
    assert {"meeting_held", "participant_joined", "participant_absent", "actor_briefed"} <= kinds
    for draft in body["drafts"]:
        evidence = draft["evidence"]
        assert ARTICLE[evidence["start"] : evidence["end"]] == evidence["sentence"]
    assert "Mistral AI" in [u["name"] for u in body["unknown_actors"]]
    assert body["language"] == "fr"


def test_the_drafts_append_as_they_are_in_one_batch(desk: TestClient) -> None:
    drafts = desk.post(DRAFTS, json={"text": ARTICLE, "source": SOURCE}).json()["drafts"]
    lines = "".join(json.dumps(d["fact"]) + "\n" for d in drafts)
    imported = desk.post(
        "/stories/geneva-talks/import",
        content=lines.encode(),
        headers={**ALICE, "Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["appended"] == len(drafts)
    again = desk.post(DRAFTS, json={"text": ARTICLE, "source": SOURCE}).json()["drafts"]
    stored = {f["id"] for f in desk.get("/stories/geneva-talks/facts").json()["items"]}
    assert not stored & {d["fact"]["id"] for d in again}  # new ids, not the stored ones
    assert not [d for d in again if d["fact"]["kind"] == "meeting_held"]  # its rounds are held


def test_the_language_is_guessed_when_the_source_does_not_say(desk: TestClient) -> None:
    english = "OpenAI took part in the talks held in Geneva in October 2023."
    answer = desk.post(DRAFTS, json={"text": english, "source": {**SOURCE, "language": None}})
    assert answer.json()["language"] == "en"
    assert {d["fact"]["occurred"] for d in answer.json()["drafts"]} == {"2023-10"}


def problems(answer: Any) -> dict[str, str]:
    return {p["field"]: p["message"] for p in answer.json()["problems"]}


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_text_is_refused_naming_text(desk: TestClient, text: str) -> None:
    answer = desk.post(DRAFTS, json={"text": text, "source": SOURCE})
    assert answer.status_code == 422
    assert "must not be empty" in problems(answer)["text"]


def test_a_language_other_than_french_or_english_is_refused_saying_which_are(
    desk: TestClient,
) -> None:
    answer = desk.post(DRAFTS, json={"text": "Hallo", "source": {**SOURCE, "language": "de"}})
    assert answer.status_code == 422
    message = problems(answer)["source.language"]
    assert "fr" in message and "en" in message and "'de'" in message


def test_more_than_200000_characters_is_too_large(desk: TestClient) -> None:
    answer = desk.post(DRAFTS, json={"text": "a" * 200_001, "source": SOURCE})
    assert answer.status_code == 413
    assert "200,000" in answer.json()["message"]


def test_an_unknown_story_is_not_found(desk: TestClient) -> None:
    answer = desk.post("/stories/nowhere/drafts", json={"text": ARTICLE, "source": SOURCE})
    assert answer.status_code == 404
    assert problems(answer) == {"story": "story 'nowhere' not found"}


def test_a_bad_source_is_refused_in_plain_words(desk: TestClient) -> None:
    answer = desk.post(DRAFTS, json={"text": ARTICLE, "source": {"name": "FT"}})
    assert answer.status_code == 422
    assert problems(answer)["source.published"] == "is required"


def test_the_desk_page_has_the_draft_form_with_labelled_inputs(desk: TestClient) -> None:
    page = desk.get("/stories/geneva-talks/drafts/page")
    assert page.status_code == 200
    html = page.text
    assert 'data-form="draft"' in html and f'action="{DRAFTS}"' in html
    for name in ("text", "source.name", "source.published", "source.url", "source.language"):
        assert f'name="{name}"' in html
    for ident in ("draft-text", "draft-source-name", "draft-source-published"):
        assert f'for="{ident}"' in html and f'id="{ident}"' in html
    assert 'data-import-url="/stories/geneva-talks/import"' in html
    script = desk.get("/stories/geneva-talks/drafts/page.js")
    assert script.status_code == 200 and 'credentials: "same-origin"' in script.text
    missing = desk.get("/stories/nowhere/drafts/page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "story &#39;nowhere&#39; not found" in missing.text


# ---- the command line -------------------------------------------------------------------------
runner = CliRunner()


def test_the_cli_writes_a_story_file_that_loads_as_it_is(tmp_path: Path) -> None:
    env = {"REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "COLUMNS": "200"}
    base = tmp_path / "base.yaml"
    actors = [a.model_dump(mode="json", exclude_none=True) for a in ACTORS]
    base.write_text(yaml.safe_dump({"story": STORY, "actors": actors, "facts": []}))
    assert runner.invoke(cli, ["load", str(base)], env=env).exit_code == 0
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "drafts.yaml"
    args = [
        "draft",
        "geneva-talks",
        str(article),
        "--source",
        "Financial Times",
        "--published",
        "2024-01-11",
        "--language",
        "fr",
        "-o",
        str(out),
    ]
    drafted = runner.invoke(cli, args, env=env)
    assert drafted.exit_code == 0, drafted.output
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# Drafted by `reportedly draft`")
    assert "check each entry" in written
    count = len(yaml.safe_load(written)["facts"])
    loaded = runner.invoke(cli, ["load", str(out)], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert f"{count} fact(s) appended" in loaded.output


def test_the_cli_refuses_bad_input_in_plain_words(tmp_path: Path) -> None:
    env = {"REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "COLUMNS": "200"}
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    unknown = runner.invoke(
        cli,
        ["draft", "nowhere", str(article), "--source", "FT", "--published", "2024-01-11"],
        env=env,
    )
    assert unknown.exit_code == 1 and "story 'nowhere' not found" in unknown.output
    german = runner.invoke(
        cli,
        [
            "draft",
            "nowhere",
            str(article),
            "--source",
            "FT",
            "--published",
            "2024-01-11",
            "--language",
            "de",
        ],
        env=env,
    )
    assert german.exit_code == 1 and "--language" in german.output
