"""`changes` answers on the other clocks too, like every read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from domain.application import Reportedly
from domain.clocks import parse_instant
from domain.model import Corroboration, Retraction
from projections.readmodels import ReadModels
from projections.views import AsOf
from tests.builders import a_meeting, a_source, a_story, an_actor, joined

STORY = "geneva-ai-talks"
RECORDED_FIRST = datetime(2024, 1, 12, tzinfo=UTC)
RECORDED_LATER = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture
def read(app: Reportedly) -> Iterator[ReadModels]:
    app.create_story(a_story(), "desk", RECORDED_FIRST)
    app.register_actor(an_actor(), "desk", RECORDED_FIRST)
    app.report_facts(STORY, [a_meeting(), joined()], "desk", RECORDED_FIRST)
    app.report_fact(STORY, a_meeting("geneva-2023-10", "2023-10"), "desk", RECORDED_LATER)
    reuters = Corroboration(source=a_source("2024-01-12", "Reuters"))
    app.corroborate(STORY, "geneva-2023-07", reuters, "desk", RECORDED_LATER)
    withdrawn = Retraction(source=a_source("2024-02-01"), reason="the source withdrew it")
    app.retract(STORY, "geneva-2023-07-joined-openai", withdrawn, "desk", RECORDED_LATER)
    models = ReadModels(app, "memory://")
    models.catch_up()
    yield models
    models.close()


def window(read: ReadModels, **as_of: str) -> dict[str, list[str]]:
    found = read.changes(
        STORY,
        parse_instant("2024-01-10"),
        parse_instant("2024-02-28"),
        as_of=AsOf(**{k: parse_instant(v) for k, v in as_of.items()}),
    )
    return {
        "added": sorted(c.fact_id for c in found.added),
        "corroborated": [c.fact_id for c in found.corroborated],
        "retracted": [c.fact_id for c in found.retracted],
    }


def test_without_other_clocks_everything_in_the_window_counts(read: ReadModels) -> None:
    assert window(read) == {
        "added": ["geneva-2023-07", "geneva-2023-07-joined-openai", "geneva-2023-10"],
        "corroborated": ["geneva-2023-07"],
        "retracted": ["geneva-2023-07-joined-openai"],
    }


def test_recorded_at_leaves_out_what_the_store_did_not_hold_yet(read: ReadModels) -> None:
    assert window(read, recorded_at="2024-01-31") == {
        "added": ["geneva-2023-07", "geneva-2023-07-joined-openai"],
        "corroborated": [],
        "retracted": [],
    }


def test_known_at_caps_the_window_on_the_reported_clock(read: ReadModels) -> None:
    assert window(read, known_at="2024-01-11") == {
        "added": ["geneva-2023-07", "geneva-2023-07-joined-openai", "geneva-2023-10"],
        "corroborated": [],
        "retracted": [],
    }


def test_occurred_until_keeps_only_what_had_happened(read: ReadModels) -> None:
    assert window(read, occurred_until="2023-08") == {
        "added": ["geneva-2023-07", "geneva-2023-07-joined-openai"],
        "corroborated": ["geneva-2023-07"],
        "retracted": ["geneva-2023-07-joined-openai"],
    }
