"""`reportedly load` and `reportedly facts`, run as a newcomer would."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from api.cli import app as cli
from fixtures import GENEVA

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"REPORTEDLY_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "COLUMNS": "200"}


def test_loading_the_geneva_file_twice_appends_it_once(env: dict[str, str]) -> None:
    first = runner.invoke(cli, ["load", str(GENEVA)], env=env)
    again = runner.invoke(cli, ["load", str(GENEVA)], env=env)
    assert first.exit_code == again.exit_code == 0
    assert "25 fact(s) appended" in first.output
    assert "0 fact(s) appended, 25 already stored" in again.output


def test_a_bad_file_names_each_entry_and_field_and_appends_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    data = yaml.safe_load(GENEVA.read_text(encoding="utf-8"))
    data["facts"][0]["occurred"] = "July 2023"
    data["facts"][3]["actor"] = "nobody-we-know"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    schema = runner.invoke(cli, ["load", str(bad)], env=env)
    assert schema.exit_code == 1
    assert f"facts[0] (id {data['facts'][0]['id']!r}).occurred" in schema.output

    data["facts"][0]["occurred"] = "2023-07"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    reference = runner.invoke(cli, ["load", str(bad)], env=env)
    assert reference.exit_code == 1
    assert f"facts[3] (id {data['facts'][3]['id']!r}).actor" in reference.output
    assert "not registered" in reference.output

    listed = runner.invoke(cli, ["facts", "geneva-ai-talks"], env=env)
    assert listed.exit_code == 1 and "not found" in listed.output


def test_facts_as_known_before_and_on_the_disclosure(env: dict[str, str]) -> None:
    runner.invoke(cli, ["load", str(GENEVA)], env=env)
    before = runner.invoke(cli, ["facts", "geneva-ai-talks", "--known-at", "2023-12-31"], env=env)
    on = runner.invoke(cli, ["facts", "geneva-ai-talks", "--known-at", "2024-01-11"], env=env)
    # An empty answer says so in words (the table of issue 13), never an empty table.
    assert "nothing known" in before.output and "geneva-2023-07" not in before.output
    assert "25 fact(s)" in on.output and "geneva-2023-07" in on.output


def test_a_bad_date_on_the_command_line_is_named(env: dict[str, str]) -> None:
    runner.invoke(cli, ["load", str(GENEVA)], env=env)
    result = runner.invoke(cli, ["facts", "geneva-ai-talks", "--known-at", "soon"], env=env)
    assert result.exit_code == 2 and "--known-at" in result.output


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("foo://somewhere", "unsupported scheme 'foo'"),
        ("postgresql://someone:hunter2@127.0.0.1:1/nowhere", "couldn't get a connection"),
    ],
)
def test_a_bad_or_unreachable_store_ends_in_one_line_not_a_traceback(
    url: str, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.cli import run
    from api.settings import get_settings

    monkeypatch.setattr("sys.argv", ["reportedly", "facts", "x"])
    monkeypatch.setenv("REPORTEDLY_DATABASE_URL", url)
    monkeypatch.setenv("REPORTEDLY_POOL_TIMEOUT", "1")
    try:
        with pytest.raises(SystemExit) as exit_:
            run()
    finally:
        get_settings.cache_clear()  # the next user of the cached settings reads them anew
    printed = capsys.readouterr().err
    assert exit_.value.code == 1
    assert says in printed and "Traceback" not in printed and "hunter2" not in printed
