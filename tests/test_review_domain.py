"""Review: the write side's rules, each refusal naming the field at fault."""

from __future__ import annotations

import pytest

from domain.application import Reportedly
from domain.errors import RuleBroken
from domain.model import Correction
from tests.builders import a_fact, a_meeting, a_source, a_story, an_actor, joined

STORY = "geneva-ai-talks"
MEETING = "geneva-2023-07"
FACT = f"{MEETING}-joined-openai"


@pytest.fixture
def written(app: Reportedly) -> Reportedly:
    app.create_story(a_story(), "analyst")
    app.register_actor(an_actor(), "analyst")
    app.report_facts(STORY, [a_meeting(), joined()], "analyst")
    return app


def correct(app: Reportedly, fact_id: str = FACT, **changes: object) -> None:
    given = Correction(changes=changes, source=a_source("2024-02-01", "Reuters"))
    app.correct(STORY, fact_id, given, "analyst")


def test_a_correction_to_an_unregistered_actor_is_refused_naming_changes_actor(
    written: Reportedly,
) -> None:
    with pytest.raises(RuleBroken) as refused:
        correct(written, actor="nobody")

    assert refused.value.field == "changes.actor"
    assert "'nobody' is not registered" in str(refused.value)
    assert written.get_fact(STORY, FACT).version == 1


def test_a_correction_pointing_meeting_at_a_non_meeting_fact_is_refused(
    written: Reportedly,
) -> None:
    with pytest.raises(RuleBroken) as not_a_meeting:
        correct(written, meeting=FACT)
    with pytest.raises(RuleBroken) as unknown:
        correct(written, meeting="no-such-meeting")

    assert not_a_meeting.value.field == unknown.value.field == "changes.meeting"
    assert "participant_joined, not a meeting_held" in str(not_a_meeting.value)
    assert "not in story" in str(unknown.value)
    assert written.get_fact(STORY, FACT).version == 1


def test_a_correction_may_point_meeting_at_another_meeting(written: Reportedly) -> None:
    written.report_fact(STORY, a_meeting("geneva-2023-10", "2023-10"), "analyst")

    correct(written, meeting="geneva-2023-10")

    assert written.get_fact(STORY, FACT).fact.referenced_meeting() == "geneva-2023-10"


def test_a_correction_leaving_a_statement_without_speaker_names_the_changes(
    written: Reportedly,
) -> None:
    said = a_fact("statement_made", "said", actor="openai", text="we attended")
    written.report_fact(STORY, said, "analyst")

    with pytest.raises(RuleBroken) as refused:
        correct(written, "said", actor=None)

    assert refused.value.field == "changes"
    assert "needs `actor`" in str(refused.value)


def test_a_correction_cannot_change_kind_or_id_or_add_unknown_fields(written: Reportedly) -> None:
    with pytest.raises(RuleBroken) as kind:
        correct(written, kind="claim")
    with pytest.raises(RuleBroken) as unknown:
        correct(written, colour="red")

    assert kind.value.field == "changes.kind"
    assert unknown.value.field == "changes.colour"
