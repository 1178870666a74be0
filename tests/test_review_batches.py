"""Review: a batch of facts is checked as a whole, whatever order its entries come in."""

from __future__ import annotations

import pytest

from domain.application import Rejected, Reportedly
from tests.builders import a_meeting, a_story, an_actor, joined

STORY = "geneva-ai-talks"
MEETING = "geneva-2023-07"
FACT = f"{MEETING}-joined-openai"


def test_a_batch_may_name_a_meeting_reported_later_in_the_same_batch(app: Reportedly) -> None:
    app.create_story(a_story(), "analyst")
    app.register_actor(an_actor(), "analyst")

    written = app.report_facts(STORY, [joined(), a_meeting()], "analyst")

    assert [w.id for w in written] == [FACT, MEETING] and all(w.created for w in written)


def test_a_batch_naming_a_participant_as_its_meeting_is_refused_whatever_the_order(
    app: Reportedly,
) -> None:
    app.create_story(a_story(), "analyst")
    app.register_actor(an_actor(), "analyst")
    first = joined(fact_id="first", meeting="second")
    second = joined(fact_id="second", meeting=MEETING)

    with pytest.raises(Rejected) as refused:
        app.report_facts(STORY, [first, second, a_meeting()], "analyst")

    assert [(p.entry, p.field) for p in refused.value.problems] == [(0, "meeting")]
    assert "participant_joined, not a meeting_held" in refused.value.problems[0].message
