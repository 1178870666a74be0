"""`reportedly facts`, `picture` and `changes` at 80 and 120 columns: whole ids, text that
wraps rather than stops, names rather than slugs, a plain sentence when nothing is known,
and ``--json`` for scripts."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from fixtures import GENEVA

STORY = "geneva-ai-talks"
runner = CliRunner()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'store.db'}"
    loaded = runner.invoke(cli, ["load", str(GENEVA)], env={"REPORTEDLY_DATABASE_URL": url})
    assert loaded.exit_code == 0, loaded.output
    return url


def run(store: str, columns: int, *args: str) -> str:
    env = {"REPORTEDLY_DATABASE_URL": store, "COLUMNS": str(columns)}
    result = runner.invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def fact_ids(store: str) -> list[str]:
    output = run(store, 80, "facts", STORY, "--json")
    return [item["id"] for item in json.loads(output)["items"]]


def lines_fit(output: str, columns: int) -> None:
    assert max(len(line) for line in output.splitlines()) <= columns


def whole_on_one_line(fact_id: str, output: str) -> bool:
    """The id, uncut and unfolded, on one line of the output."""
    whole = re.compile(rf"(?<![\w-]){re.escape(fact_id)}(?![\w-])")
    return any(whole.search(line) for line in output.splitlines())


@pytest.mark.parametrize("columns", [80, 120])
def test_facts_show_every_id_whole_and_never_an_ellipsis(store: str, columns: int) -> None:
    output = run(store, columns, "facts", STORY)

    lines_fit(output, columns)
    assert "…" not in output
    ids = fact_ids(store)
    assert len(ids) == 25
    assert [i for i in ids if not whole_on_one_line(i, output)] == []


@pytest.mark.parametrize("columns", [80, 120])
def test_facts_wrap_long_text_at_word_ends_and_say_it_with_names(store: str, columns: int) -> None:
    output = run(store, columns, "facts", STORY)
    words = " ".join(output.split())

    # The embassy's statement, every word of it, across several lines.
    assert "sur la base d'un large consensus." in words
    assert "OpenAI took part in US" in words and "as participant" in words
    assert "Cohere took part in" in words and "participant for US" in words
    cells = [line.split("   ")[-1].strip() for line in output.splitlines()]
    assert not any(cell.endswith(("effor", "discuter de la gouvernance de l")) for cell in cells)


def test_an_empty_answer_says_nothing_was_known_then(store: str) -> None:
    output = run(store, 80, "facts", STORY, "--known-at", "2023-12-31")

    assert output.strip() == f"nothing known about {STORY} as of known_at=2023-12-31"


@pytest.mark.parametrize("columns", [80, 120])
def test_the_picture_names_actors_series_and_rounds(store: str, columns: int) -> None:
    output = run(store, columns, "picture", STORY)
    words = " ".join(output.split())

    lines_fit(output, columns)
    assert "Embassy of the People's Republic of China in the United Kingdom" in words
    assert "— an anonymous participant in the talks" in words
    assert "rounds: US\N{EN DASH}China AI-safety talks in Geneva, first round (July 2023);" in words
    assert "series geneva-ai-talks" in words  # the id beside the name, where it helps
    assert "chinese-embassy-uk" not in words and "geneva-july-2023" not in words


def test_an_empty_picture_says_nothing_was_known(store: str) -> None:
    output = run(store, 80, "picture", STORY, "--known-at", "2023-12-31")

    assert f"nothing known about {STORY} as of known_at=2023-12-31" in output


@pytest.mark.parametrize("columns", [80, 120])
def test_changes_show_whole_ids_and_the_facts_in_words(store: str, columns: int) -> None:
    output = run(store, columns, "changes", STORY, "--from", "2024-01-11", "--to", "2024-01-11")

    lines_fit(output, columns)
    assert "…" not in output
    assert [i for i in fact_ids(store) if not whole_on_one_line(i, output)] == []
    assert "by Financial Times" in output
    assert "Baidu absent from" in " ".join(output.split())


def test_no_changes_says_so(store: str) -> None:
    output = run(store, 80, "changes", STORY, "--from", "2024-02-01", "--to", "2024-03-01")

    assert "nothing became known in that window" in output


@pytest.mark.parametrize(
    "args",
    [
        ("facts", STORY),
        ("picture", STORY),
        ("changes", STORY, "--from", "2024-01-11", "--to", "2024-01-11"),
    ],
)
def test_every_read_command_prints_json_for_scripts(store: str, args: tuple[str, ...]) -> None:
    output = run(store, 40, *args, "--json")  # a narrow terminal wraps no JSON

    answer = json.loads(output)
    assert isinstance(answer, dict) and ("items" in answer or "story" in answer)
    assert "\x1b[" not in output  # no colours
