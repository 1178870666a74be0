"""`reportedly backup` and `reportedly restore`: a whole store moved, recorded times kept.

A story with corrections, disputes, retractions and corroborations, each recorded at its
own time, goes SQLite → PostgreSQL → SQLite through backup files; every replay on the
three clocks answers the same on all three stores, and the files are byte-identical.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from api.cli import app as cli
from api.services import Services, open_services
from api.settings import Settings
from domain.model import Correction, Corroboration, Dispute, Retraction, Source
from projections.backup import BackupRefused, check_backup
from projections.restore import BackupChanged, StoreNotEmpty, last_position, restore_backup
from projections.views import AsOf, Filters
from tests.builders import a_fact, a_meeting, a_story, an_actor, joined, when

runner = CliRunner()
STORY = "geneva-ai-talks"
FACTS = ("geneva-2023-07", "second-round", "geneva-2023-07-joined-openai", "tsinghua-joined")


@contextmanager
def services_at(url: str, tmp_path: Path) -> Iterator[Services]:
    services = open_services(Settings(database_url=url, data_dir=tmp_path))
    try:
        yield services
    finally:
        services.close()


def source(published: str, name: str) -> Source:
    return Source(name=name, published=published)


def write_story(services: Services) -> None:
    """Facts reported on 2024-01-12, then acted on at other recorded times."""
    app = services.app
    app.create_story(a_story(), "analyst", recorded_at=when("2024-01-12T09:00:00Z"))
    for actor in (
        an_actor(),
        an_actor("tsinghua", "Tsinghua University", kind="university", country="CN"),
    ):
        app.register_actor(actor, "analyst", recorded_at=when("2024-01-12T09:00:00Z"))
    second = a_fact(
        "meeting_held", "second-round", "2023-10", title="Geneva, second round",
        meeting="geneva-2023-10", series="geneva-talks",
    )  # fmt: skip
    app.report_facts(
        STORY,
        [
            a_meeting(series="geneva-talks"),
            second,
            joined(),
            joined("tsinghua", "geneva-2023-10", fact_id="tsinghua-joined"),
            a_fact("statement_made", "candid", "2023-07-11", speaker="a participant",
                   text="The talks were candid.", language="en", meeting="geneva-2023-07"),
        ],
        "analyst",
        recorded_at=when("2024-01-12T10:00:00Z"),
    )  # fmt: skip
    app.corroborate(
        STORY, "geneva-2023-07", Corroboration(source=source("2024-01-05", "Le Temps")),
        "bob", recorded_at=when("2024-01-15T08:00:00Z"),
    )  # fmt: skip
    app.dispute(
        STORY, "tsinghua-joined",
        Dispute(source=source("2024-01-19", "Xinhua"), note="denies taking part"),
        "bob", recorded_at=when("2024-01-20T12:00:00Z"),
    )  # fmt: skip
    app.correct(
        STORY, "geneva-2023-07",
        Correction(changes={"title": "Geneva talks, first round"},
                   source=source("2024-01-30", "Financial Times")),
        "alice", recorded_at=when("2024-02-01T07:30:00Z"),
    )  # fmt: skip
    app.retract(
        STORY, "geneva-2023-07-joined-openai",
        Retraction(source=source("2024-02-09", "Financial Times"), reason="misidentified"),
        "alice", recorded_at=when("2024-02-10T16:00:00Z"),
    )  # fmt: skip
    app.corroborate(
        STORY, "candid", Corroboration(source=source("2024-02-11", "Reuters")),
        "bob", recorded_at=when("2024-02-12T09:00:00Z"),
    )  # fmt: skip
    services.read.catch_up()


KNOWN = (None, "2023-12-31", "2024-01-06", "2024-01-11", "2024-01-19", "2024-01-31", "2024-02-09")
RECORDED = (None, "2024-01-12T09:30:00Z", "2024-01-14", "2024-01-20T12:00:00Z", "2024-02-05")
OCCURRED = (None, "2023-07", "2023-07-15", "2023-10-15")


def replays(services: Services) -> dict[str, Any]:
    """What the store answers on a grid of the three clocks: facts, picture, each fact."""
    read = services.read
    answers: dict[str, Any] = {}
    for known, recorded, occurred in itertools.product(KNOWN, RECORDED, OCCURRED):
        as_of = AsOf(
            known_at=when(known) if known else None,
            recorded_at=when(recorded) if recorded else None,
            occurred_until=when(occurred) if occurred else None,
        )
        key = f"{known}|{recorded}|{occurred}"
        answers[f"facts {key}"] = read.facts(STORY, as_of, Filters()).model_dump(mode="json")
        answers[f"picture {key}"] = read.picture(STORY, as_of).model_dump(mode="json")
        if occurred is None:
            for fact_id in FACTS:
                try:
                    detail = read.fact(STORY, fact_id, as_of).model_dump(mode="json")
                except Exception as error:  # not visible then: the refusal is the answer
                    detail = {"refused": str(error)}
                answers[f"fact {fact_id} {key}"] = detail
    return answers


def cli_run(url: str, *args: str) -> Result:
    return runner.invoke(cli, list(args), env={"REPORTEDLY_DATABASE_URL": url, "COLUMNS": "80"})


def words(output: str) -> str:
    """Output as read, whatever the terminal wrapped."""
    return " ".join(output.split())


def reads_well(result: Result) -> None:
    """No traceback, no line wider than an 80-column terminal."""
    assert "Traceback" not in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines()), result.output


@pytest.fixture
def source_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'source.db'}"
    with services_at(url, tmp_path) as services:
        write_story(services)
    return url


def logged(url: str, tmp_path: Path) -> list[tuple[int, str]]:
    """Every stored event's position and topic, read from the log itself."""
    with services_at(url, tmp_path) as services:
        found = services.app.recorder.select_notifications(start=None, limit=10_000)
    return [(n.id, n.topic) for n in found]


@pytest.fixture
def events(source_url: str, tmp_path: Path) -> int:
    """How many events the story wrote (facts, lifecycle, the write side's index)."""
    return len(logged(source_url, tmp_path))


@pytest.fixture
def backup_file(source_url: str, tmp_path: Path) -> Path:
    path = tmp_path / "store.backup"
    assert cli_run(source_url, "backup", str(path)).exit_code == 0
    return path


def test_the_replays_differ_across_the_grid_so_comparing_them_means_something(
    source_url: str, tmp_path: Path
) -> None:
    with services_at(source_url, tmp_path) as services:
        answers = replays(services)
    pictures = {str(v) for k, v in answers.items() if k.startswith("picture")}
    assert len(pictures) > 10
    first = answers["facts None|2024-01-12T09:30:00Z|None"]
    assert first["items"] == []  # nothing had been reported to the store yet


@pytest.mark.postgres
def test_sqlite_to_postgres_to_sqlite_keeps_every_replay_and_the_file(
    source_url: str, backup_file: Path, postgres_url: str, tmp_path: Path
) -> None:
    again_url = f"sqlite:///{tmp_path / 'again.db'}"
    from_postgres, from_again = tmp_path / "postgres.backup", tmp_path / "again.backup"

    restored = cli_run(postgres_url, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output
    assert cli_run(postgres_url, "backup", str(from_postgres)).exit_code == 0
    assert cli_run(again_url, "restore", str(from_postgres)).exit_code == 0
    assert cli_run(again_url, "backup", str(from_again)).exit_code == 0

    assert backup_file.read_bytes() == from_postgres.read_bytes() == from_again.read_bytes()
    answers = []
    for url in (source_url, postgres_url, again_url):
        with services_at(url, tmp_path) as services:
            answers.append((replays(services), services.read.store.dump()))
    assert answers[0][0] == answers[1][0] == answers[2][0]
    assert answers[0][1] == answers[2][1]  # every read-model row, positions included


def test_a_restored_store_answers_at_once_and_takes_new_writes_after_the_last_position(
    source_url: str, backup_file: Path, database_url: str, tmp_path: Path, events: int
) -> None:
    restored = cli_run(database_url, "restore", str(backup_file))
    assert restored.exit_code == 0, restored.output
    assert f"restored {events} event(s)" in words(restored.output)
    assert f"read models at position {events}" in words(restored.output)
    reads_well(restored)
    with services_at(source_url, tmp_path) as services:
        expected = replays(services)
    with services_at(database_url, tmp_path) as services:
        assert replays(services) == expected
        written = services.app.corroborate(
            STORY, "second-round", Corroboration(source=source("2024-02-20", "AP")), "cli"
        )
        assert written.position == events + 1


def test_restore_into_a_store_that_holds_events_is_refused_and_changes_nothing(
    backup_file: Path, database_url: str, tmp_path: Path
) -> None:
    with services_at(database_url, tmp_path) as services:
        services.app.create_story(a_story("other"), "cli")
    before, after = tmp_path / "before.backup", tmp_path / "after.backup"
    assert cli_run(database_url, "backup", str(before)).exit_code == 0

    refused = cli_run(database_url, "restore", str(backup_file))
    assert refused.exit_code == 1
    assert "already holds events (up to position 1)" in refused.output
    assert "Nothing was written" in refused.output
    reads_well(refused)
    assert cli_run(database_url, "backup", str(after)).exit_code == 0
    assert before.read_bytes() == after.read_bytes()


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def damaged(path: Path, lines: list[bytes]) -> Path:
    copy = path.with_name("damaged.backup")
    copy.write_bytes(b"".join(lines))
    return copy


def refusal(url: str, path: Path, tmp_path: Path) -> str:
    result = cli_run(url, "restore", str(path))
    assert result.exit_code == 1, result.output
    assert "nothing was restored" in result.output
    reads_well(result)
    with services_at(url, tmp_path) as services:
        assert last_position(services.app.recorder) == 0  # the store stayed empty
    return words(result.output)


def test_a_file_cut_short_is_refused_with_its_last_line_and_leaves_the_store_empty(
    backup_file: Path, database_url: str, tmp_path: Path, events: int
) -> None:
    lines = lines_of(backup_file)
    cut = damaged(backup_file, [*lines[:9], lines[9][:40]])
    output = refusal(database_url, cut, tmp_path)
    assert "line 10: not valid JSON" in output
    assert "the file ends after line 10 without its closing line" in output

    at_a_line_end = damaged(backup_file, lines[:-1])
    assert f"ends after line {events + 1} without its closing line" in refusal(
        database_url, at_a_line_end, tmp_path
    )


def test_damaged_lines_are_named_by_number(
    backup_file: Path, sqlite_url: str, tmp_path: Path
) -> None:
    lines = lines_of(backup_file)
    unknown = lines[3].replace(b'"topic":"domain.events:', b'"topic":"domain.events:Vanished')
    broken = lines[5].replace(b'\\"timestamp\\":', b'\\"recorded\\":')
    output = refusal(sqlite_url, damaged(backup_file, [*lines[:3], unknown, lines[4], broken,
                                                       *lines[6:]]), tmp_path)  # fmt: skip
    assert "line 4: domain.events:Vanished" in output
    assert "is not an event this version of reportedly knows" in output
    assert "line 6: its state is not a readable" in output
    assert "2 problem(s)" in output


def test_a_missing_or_changed_line_is_caught_by_the_count_or_the_checksum(
    backup_file: Path, sqlite_url: str, tmp_path: Path, events: int
) -> None:
    lines = lines_of(backup_file)
    missing = damaged(backup_file, [*lines[:-2], lines[-1]])  # the last corroboration
    counted = f"the closing line counts {events} event(s), the file holds {events - 1}"
    assert f"line {events + 1}: {counted}" in refusal(sqlite_url, missing, tmp_path)
    edited = lines[2].replace(b'\\"writer\\":\\"analyst\\"', b'\\"writer\\":\\"mallory\\"')
    assert edited != lines[2]
    changed = damaged(backup_file, [*lines[:2], edited, *lines[3:]])
    assert "the file was changed after it was written" in refusal(sqlite_url, changed, tmp_path)


def test_what_is_not_a_backup_is_refused_in_plain_words(
    backup_file: Path, sqlite_url: str, tmp_path: Path
) -> None:
    story_file = tmp_path / "story.yaml"
    story_file.write_text("story: {id: x, title: X}\n", encoding="utf-8")
    assert "line 1: not a reportedly backup" in refusal(sqlite_url, story_file, tmp_path)
    newer = damaged(backup_file, [b'{"format":"reportedly-backup","version":2}\n'])
    assert "line 1: backup format version 2 is newer than this reportedly reads" in refusal(
        sqlite_url, newer, tmp_path
    )

    missing = cli_run(sqlite_url, "restore", str(tmp_path / "nowhere.backup"))
    assert missing.exit_code == 2
    assert "nowhere.backup: no such file" in words(missing.output)


def test_a_failure_while_writing_rolls_the_whole_restore_back(
    backup_file: Path, database_url: str, tmp_path: Path
) -> None:
    """The file changes after its check: found at its end, after every event was
    written, inside the one transaction; the store is left empty."""
    with services_at(database_url, tmp_path) as services:
        recorder = services.app.recorder
        checked = check_backup(backup_file, services.app.mapper.to_domain_event)
        lines = lines_of(backup_file)
        backup_file.write_bytes(
            b"".join([*lines[:-2], lines[-2].replace(b"bob", b"eve"), lines[-1]])
        )
        with pytest.raises(BackupChanged):
            restore_backup(recorder, backup_file, checked)
        assert last_position(recorder) == 0


def test_restoring_checks_emptiness_inside_its_transaction(
    backup_file: Path, sqlite_url: str, tmp_path: Path
) -> None:
    with services_at(sqlite_url, tmp_path) as services:
        checked = check_backup(backup_file, services.app.mapper.to_domain_event)
        services.app.create_story(a_story("meanwhile"), "cli")  # after the command looked
        with pytest.raises(StoreNotEmpty):
            restore_backup(services.app.recorder, backup_file, checked)
        assert last_position(services.app.recorder) == 1


def test_the_backup_file_is_documented_ndjson_with_a_header_and_a_closing_count(
    source_url: str, backup_file: Path, tmp_path: Path
) -> None:
    import orjson

    lines = [orjson.loads(line) for line in lines_of(backup_file)]
    assert lines[0] == {"format": "reportedly-backup", "version": 1, "application": "reportedly"}
    log = logged(source_url, tmp_path)  # every topic, the write side's index included
    assert [(line["position"], line["topic"]) for line in lines[1:-1]] == log
    topics = {topic.rpartition(":")[2] for _, topic in log}
    assert {"StoryCreated", "ActorRegistered", "FactReported", "FactCorrected"} <= topics
    assert {"FactDisputed", "FactRetracted", "FactCorroborated"} <= topics
    recorded = {orjson.loads(line["state"])["timestamp"] for line in lines[1:-1]}
    assert "2024-02-10T16:00:00Z" in recorded
    assert lines[-1]["end"] == "reportedly-backup" and lines[-1]["events"] == len(log)


def test_the_command_line_as_a_user_runs_it(source_url: str, tmp_path: Path, events: int) -> None:
    """The console script, in a subprocess: plain lines, no traceback, exit codes."""
    target = f"sqlite:///{tmp_path / 'target.db'}"

    def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {"REPORTEDLY_DATABASE_URL": url, "COLUMNS": "80", "PATH": ""}
        script = "from api.cli import run; run()"
        return subprocess.run(
            [sys.executable, "-c", script, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )

    backed_up = run(source_url, "backup", "nightly.backup")
    assert backed_up.returncode == 0, backed_up.stderr
    assert f"backed up {events} event(s) to nightly.backup" in backed_up.stdout
    damaged(tmp_path / "nightly.backup", lines_of(tmp_path / "nightly.backup")[:7])
    refused = run(target, "restore", "damaged.backup")
    assert refused.returncode == 1
    assert "the file ends after line 7 without its closing line" in words(refused.stderr)
    restored = run(target, "restore", "nightly.backup")
    assert restored.returncode == 0, restored.stderr
    again = run(target, "restore", "nightly.backup")
    assert again.returncode == 1
    for result in (backed_up, refused, restored, again):
        output = result.stdout + result.stderr
        assert "Traceback" not in output
        assert all(len(line) <= 80 for line in output.splitlines()), output


def test_check_lists_at_most_twenty_problems_and_counts_the_rest(
    backup_file: Path, sqlite_url: str, tmp_path: Path
) -> None:
    lines = lines_of(backup_file)
    garbage = damaged(backup_file, [lines[0], *([b"{oops\n"] * 30), lines[-1]])
    with services_at(sqlite_url, tmp_path) as services, pytest.raises(BackupRefused) as refused:
        check_backup(garbage, services.app.mapper.to_domain_event)
    assert len(refused.value.problems) == 20 and refused.value.total == 31
