"""`reportedly picture`, `changes` and `rebuild` on a SQLite store holding the Geneva story."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from fixtures import GENEVA

STORY = "geneva-ai-talks"
runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    store = {"REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "COLUMNS": "200"}
    assert runner.invoke(cli, ["load", str(GENEVA)], env=store).exit_code == 0
    return store


def run(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(cli, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_picture_before_the_disclosure_shows_no_meeting(env: dict[str, str]) -> None:
    output = run(env, "picture", STORY, "--known-at", "2023-12-31")

    assert "no meeting known at that time" in output
    assert "0 fact(s)" in output


def test_picture_on_the_day_shows_both_rounds_their_sides_and_the_lag(env: dict[str, str]) -> None:
    output = run(env, "picture", STORY, "--known-at", "2024-01-11")

    assert "first round (July 2023)" in output and "second round (October 2023)" in output
    assert "Tsinghua University [CN]" in output
    assert "by Financial Times on 2024-01-11" in output
    assert "164 to 194 days" in output


def test_picture_honours_occurred_until_and_prints_json(env: dict[str, str]) -> None:
    output = run(env, "picture", STORY, "--occurred-until", "2023-08", "--json")

    assert '"geneva-2023-07"' in output and '"geneva-2023-10"' not in output
    assert '"occurred_by": "surely"' in output


def test_changes_lists_what_the_disclosure_added(env: dict[str, str]) -> None:
    output = run(env, "changes", STORY, "--from", "2024-01-10", "--to", "2024-01-11")
    quiet = run(env, "changes", STORY, "--from", "2024-01-12", "--to", "2024-02-01")

    assert output.count("reported") >= 25
    assert "ft-discloses-geneva-talks" in output
    assert "nothing became known in that window" in quiet


def test_rebuild_reports_the_events_it_replayed(env: dict[str, str]) -> None:
    output = run(env, "rebuild")

    # The story, 12 actors, 25 facts, and the write side's index of the two meeting
    # ids and the series.
    assert "rebuilt from 41 event(s)" in output
    assert "2 meeting(s)" in run(env, "picture", STORY)


def test_bad_dates_and_clocks_are_named(env: dict[str, str]) -> None:
    bad_date = runner.invoke(cli, ["picture", STORY, "--known-at", "2024-13-01"], env=env)
    bad_clock = runner.invoke(
        cli,
        ["changes", STORY, "--from", "2024-01-01", "--to", "2024-02-01", "--clock", "x"],
        env=env,
    )

    assert bad_date.exit_code == 2 and "--known-at" in bad_date.output
    assert bad_clock.exit_code == 1 and "clock must be 'reported' or 'recorded'" in bad_clock.output
