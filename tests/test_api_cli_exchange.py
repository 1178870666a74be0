"""`reportedly export` and `reportedly import` move a story as NDJSON between stores."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from fixtures import GENEVA

runner = CliRunner()


def run(database: Path, *args: str) -> tuple[int, str]:
    env = {"REPORTEDLY_DATABASE_URL": f"sqlite:///{database}"}
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_a_story_exported_from_one_store_imports_into_another_once(tmp_path: Path) -> None:
    source, target, file = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "geneva.jsonl"
    assert run(source, "load", str(GENEVA))[0] == 0
    assert run(source, "export", "geneva-ai-talks", "--output", str(file))[0] == 0
    lines = file.read_text().splitlines()
    code, output = run(target, "import", "geneva-ai-talks", str(file))
    assert code == 0 and f"{len(lines)} event(s) appended" in output
    code, output = run(target, "import", "geneva-ai-talks", str(file))
    assert code == 0 and "0 event(s) appended" in output
    assert run(target, "export", "geneva-ai-talks")[1].count('"event":"reported"') == 25


def test_a_bad_file_lists_each_bad_line_and_imports_nothing(tmp_path: Path) -> None:
    database, file = tmp_path / "a.db", tmp_path / "bad.jsonl"
    run(database, "load", str(GENEVA))
    file.write_text('{"id": "x-1", "kind": "claim", "occurred": "2023"}\nnot json\n')
    code, output = run(database, "import", "geneva-ai-talks", str(file))
    output = " ".join(output.split())  # the console wraps long lines
    assert code == 1
    assert "line 1, sources" in output and "line 2" in output and "nothing was imported" in output
