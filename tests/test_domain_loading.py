"""Loading a story file: every problem reported with its location, nothing half-written."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from domain.application import Reportedly
from domain.errors import NotFound
from domain.loading import load_story
from domain.storyfile import StoryFile, StoryFileError, load_story_file, parse_story_file
from fixtures import GENEVA


def raw_geneva() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(GENEVA.read_text(encoding="utf-8"))
    return data


def test_the_geneva_story_loads_once_and_again_appends_nothing(
    app: Reportedly, geneva: StoryFile
) -> None:
    first = load_story(app, geneva, "alice")
    assert first.story_created and first.appended == len(geneva.facts)
    again = load_story(app, geneva, "alice")
    assert again.appended == 0 and not again.story_created and again.actors_registered == 0


def test_every_bad_entry_is_reported_with_its_location() -> None:
    data = raw_geneva()
    data["facts"][0]["occurred"] = "2023-13"
    data["facts"][1]["role"] = "spy"
    del data["facts"][2]["sources"]
    with pytest.raises(StoryFileError) as error:
        parse_story_file(data, "geneva.yaml")
    where = [e.location for e in error.value.errors]
    ids = [data["facts"][i]["id"] for i in range(3)]
    assert where == [
        f"facts[0] (id {ids[0]!r}).occurred",
        f"facts[1] (id {ids[1]!r}).role",
        f"facts[2] (id {ids[2]!r}).sources",
    ]


def test_a_broken_reference_is_reported_and_nothing_is_appended(app: Reportedly) -> None:
    data = raw_geneva()
    bad = copy.deepcopy(next(f for f in data["facts"] if f["kind"] == "participant_joined"))
    bad["id"] = "joined-by-a-stranger"
    bad["actor"] = "a-stranger"
    data["facts"].append(bad)
    story_file = parse_story_file(data)
    with pytest.raises(StoryFileError) as error:
        load_story(app, story_file, "alice")
    assert str(error.value.errors[0]).startswith(
        f"facts[{len(data['facts']) - 1}] (id 'joined-by-a-stranger').actor:"
    )
    with pytest.raises(NotFound):
        app.get_story(data["story"]["id"])


def test_a_file_that_is_not_yaml_or_missing_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("story: [unclosed", encoding="utf-8")
    with pytest.raises(StoryFileError, match="not valid YAML"):
        load_story_file(broken)
    with pytest.raises(StoryFileError, match="no such file"):
        load_story_file(tmp_path / "absent.yaml")
