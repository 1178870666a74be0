"""`reportedly load` lists every problem of a file in one run, and reads dates as written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from domain.application import Reportedly
from domain.loading import load_story
from domain.storyfile import StoryFileError, load_story_file, read_story_file

runner = CliRunner()

STORY = """\
story:
  id: geneva-ai-talks
  title: Geneva AI-safety talks
actors:
  - {id: openai, name: OpenAI, kind: company, country: US}
facts:
"""
MEETING = """\
  - id: geneva-2023-07
    kind: meeting_held
    occurred: {occurred}
    title: Geneva talks, first round
    sources: [{{name: Financial Times, published: {published}}}]
"""
JOINED = """\
  - id: {id}
    kind: participant_joined
    occurred: "2023-07"
    meeting: {meeting}
    actor: {actor}
    sources: [{{name: Financial Times, published: "2024-01-11"}}]
"""


def meeting(occurred: str = '"2023-07"', published: str = '"2024-01-11"') -> str:
    return MEETING.format(occurred=occurred, published=published)


def joined(actor: str = "openai", meeting: str = "geneva-2023-07", id: str = "") -> str:
    return JOINED.format(id=id or f"joined-{actor}", meeting=meeting, actor=actor)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "COLUMNS": "300"}


def write(tmp_path: Path, text: str, name: str = "story.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(output: str) -> list[str]:
    return [line.removeprefix("  - ") for line in output.splitlines() if line.startswith("  - ")]


def test_a_file_with_every_kind_of_problem_lists_them_all_in_one_run(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = write(
        tmp_path,
        STORY
        + meeting()
        + joined(actor="nobody-we-know")  # facts[1]: not a registered actor
        + joined(meeting="geneva-1999", id="joined-the-wrong-one")  # facts[2]: no such meeting
        + joined().replace('"2023-07"', "July 2023")  # facts[3]: not a date
        + joined(id="joined-nobody-we-know"),  # facts[4]: facts[1]'s id again
    )
    result = runner.invoke(cli, ["load", str(bad)], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert problems(result.output) == [
        "facts[1] (id 'joined-nobody-we-know').actor: actor 'nobody-we-know' is not registered",
        "facts[2] (id 'joined-the-wrong-one').meeting: "
        "meeting 'geneva-1999' is not in story 'geneva-ai-talks'",
        "facts[3] (id 'joined-openai').occurred: 'July 2023' is not an EDTF date "
        "(examples: 2023, 2023-07, 2023-07-18, 2023-07/2023-10, 2023-10~, 2023-10?)",
        "facts[4] (id 'joined-nobody-we-know').id: 'joined-nobody-we-know' is also facts[1]",
    ]
    assert f"{bad}: 4 problem(s)" in result.output
    listed = runner.invoke(cli, ["facts", "geneva-ai-talks"], env=env)
    assert listed.exit_code == 1 and "not found" in listed.output  # nothing appended


def test_conflicts_with_the_store_are_listed_with_the_files_own_problems(
    env: dict[str, str], tmp_path: Path
) -> None:
    good = write(tmp_path, STORY + meeting() + joined(), "good.yaml")
    assert runner.invoke(cli, ["load", str(good)], env=env).exit_code == 0
    changed = STORY.replace("kind: company", "kind: ngo") + meeting().replace(
        "first round", "round one"
    )
    changed += joined().replace(
        "kind: participant_joined", "kind: participant_joined\n    role: host"
    )
    changed += joined(id="joined-again").replace("actor: openai", "actor: OpenAI")
    result = runner.invoke(cli, ["load", str(write(tmp_path, changed, "changed.yaml"))], env=env)
    assert result.exit_code == 1
    assert problems(result.output) == [
        "actors[0] (id 'openai'): is stored already with other content (differs in: kind)",
        "facts[0] (id 'geneva-2023-07').id: fact 'geneva-2023-07' already exists with other "
        "content (differs in: title)",
        "facts[1] (id 'joined-openai').id: fact 'joined-openai' already exists with other "
        "content (differs in: role)",
        "facts[2] (id 'joined-again').actor: must be lowercase letters, digits and hyphens, "
        "starting with a letter or digit, at most 100 characters (got 'OpenAI')",
    ]
    listed = runner.invoke(cli, ["facts", "geneva-ai-talks"], env=env)
    assert "2 fact(s)" in listed.output and "joined-again" not in listed.output


def test_facts_naming_a_broken_entry_are_not_blamed_for_it(app: Reportedly, tmp_path: Path) -> None:
    text = STORY.replace("country: US", "country: usa") + meeting(occurred="someday") + joined()
    entries = read_story_file(write(tmp_path, text))
    with pytest.raises(StoryFileError) as refused:
        load_story(app, entries, "alice")
    assert [e.location for e in refused.value.errors] == [
        "actors[0] (id 'openai').country",
        "facts[0] (id 'geneva-2023-07').occurred",
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred", "2023-07-18"),
        ("occurred", "2023"),
        ("published", "2024-01-11"),
        ("published", "2024-01-11T09:30:00Z"),
    ],
)
def test_unquoted_dates_in_yaml_read_as_the_quoted_ones(
    tmp_path: Path, field: str, value: str
) -> None:
    unquoted = write(tmp_path, STORY + meeting(**{field: value}), "unquoted.yaml")
    quoted = write(tmp_path, STORY + meeting(**{field: f'"{value}"'}), "quoted.yaml")
    assert load_story_file(unquoted) == load_story_file(quoted)


def test_an_unquoted_day_keeps_its_day_precision(env: dict[str, str], tmp_path: Path) -> None:
    path = write(tmp_path, STORY + meeting(occurred="2023-07-18", published="2024-01-11"))
    assert load_story_file(path).facts[0].occurred == "2023-07-18"
    result = runner.invoke(cli, ["load", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "1 fact(s) appended" in result.output
