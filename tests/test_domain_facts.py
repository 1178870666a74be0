"""Facts are claims: appended once, acted on by later events, never overwritten."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.application import Rejected, Reportedly
from domain.errors import Conflict, NotFound, RuleBroken
from domain.events import Status
from domain.model import Correction, Corroboration, Dispute, Retraction, parse_fact
from tests.builders import FT, a_fact, a_meeting, a_source, a_story, an_actor, joined


@pytest.fixture
def story(app: Reportedly) -> str:
    app.create_story(a_story(), "alice")
    app.register_actor(an_actor(), "alice")
    app.report_fact("geneva-ai-talks", a_meeting(), "alice")
    return "geneva-ai-talks"


def test_a_fact_is_appended_with_its_position_and_writer(app: Reportedly, story: str) -> None:
    written = app.report_fact(story, joined(), "bob")
    assert written.created and written.position is not None
    state = app.get_fact(story, written.id)
    assert state.events[0].writer == "bob"
    assert state.fact.actor == "openai"  # type: ignore[union-attr]


def test_the_same_id_with_the_same_content_appends_nothing(app: Reportedly, story: str) -> None:
    first = app.report_fact(story, joined(), "bob")
    again = app.report_fact(story, joined(), "carol")
    assert again.created is False and again.position is None
    assert app.get_fact(story, first.id).version == 1


def test_the_same_id_with_other_content_is_a_conflict_naming_the_fields(
    app: Reportedly, story: str
) -> None:
    app.report_fact(story, joined(), "bob")
    with pytest.raises(Rejected) as rejected:
        app.report_fact(story, joined(role="observer"), "bob")
    problem = rejected.value.problems[0]
    assert problem.error is Conflict and "role" in problem.message


def test_a_fact_naming_an_unregistered_actor_or_unknown_meeting_is_refused(
    app: Reportedly, story: str
) -> None:
    with pytest.raises(Rejected) as rejected:
        app.report_fact(story, joined(actor="tencent", meeting="geneva-1999"), "bob")
    fields = {p.field for p in rejected.value.problems}
    assert fields == {"actor", "meeting"}
    with pytest.raises(NotFound):
        app.get_fact(story, "geneva-1999-joined-tencent")


def test_a_batch_with_one_bad_entry_appends_nothing(app: Reportedly, story: str) -> None:
    good = joined(fact_id="good-one")
    with pytest.raises(Rejected) as rejected:
        app.report_facts(story, [good, joined(actor="nobody", fact_id="bad-one")], "bob")
    assert [p.entry for p in rejected.value.problems] == [1]
    with pytest.raises(NotFound):
        app.get_fact(story, "good-one")


def test_a_meeting_reference_must_name_a_meeting(app: Reportedly, story: str) -> None:
    app.report_fact(story, a_fact("claim", "a-claim", subject="s", predicate="p", object="o"), "b")
    with pytest.raises(Rejected, match="not a meeting_held"):
        app.report_fact(story, joined(meeting="a-claim"), "bob")


def test_facts_need_an_existing_story(app: Reportedly) -> None:
    with pytest.raises(NotFound, match="story 'nowhere'"):
        app.report_fact("nowhere", a_meeting(), "bob")


def test_unknown_fields_and_missing_sources_are_rejected_by_name() -> None:
    with pytest.raises(ValidationError) as error:
        parse_fact(
            {
                "kind": "meeting_held",
                "occurred": "2023-07",
                "title": "x",
                "sources": [],
                "venue": "Geneva",
            }
        )
    locations = {e["loc"][-1] for e in error.value.errors()}
    assert {"sources", "venue"} <= locations


def test_a_statement_needs_an_actor_or_a_speaker() -> None:
    with pytest.raises(ValidationError, match="speaker"):
        parse_fact({"kind": "statement_made", "occurred": "2023", "text": "x", "sources": [FT]})


def test_a_corroboration_adds_a_source_without_changing_the_fact(
    app: Reportedly, story: str
) -> None:
    app.corroborate(
        story, "geneva-2023-07", Corroboration(source=a_source("2024-01-12", "Reuters")), "bob"
    )
    state = app.get_fact(story, "geneva-2023-07")
    assert [s.name for s in state.sources] == ["Financial Times", "Reuters"]
    assert state.status is Status.active and state.version == 2


def test_a_dispute_keeps_both_claims(app: Reportedly, story: str) -> None:
    app.dispute(story, "geneva-2023-07", Dispute(source=a_source(), note="it was in Bern"), "bob")
    state = app.get_fact(story, "geneva-2023-07")
    assert state.fact.title == "Geneva talks"  # type: ignore[union-attr]
    assert state.events[-1].note == "it was in Bern"  # type: ignore[attr-defined]


def test_a_correction_supersedes_but_keeps_the_original(app: Reportedly, story: str) -> None:
    app.correct(
        story,
        "geneva-2023-07",
        Correction(changes={"occurred": "2023-07-18"}, source=a_source("2024-02-01")),
        "bob",
    )
    state = app.get_fact(story, "geneva-2023-07")
    assert state.status is Status.corrected
    assert state.fact.occurred == "2023-07-18" and state.original.occurred == "2023-07"


def test_a_correction_is_validated_like_a_new_fact(app: Reportedly, story: str) -> None:
    with pytest.raises(RuleBroken) as broken:
        app.correct(
            story,
            "geneva-2023-07",
            Correction(changes={"occurred": "2023-13"}, source=a_source()),
            "b",
        )
    assert broken.value.field == "changes.occurred"
    with pytest.raises(RuleBroken) as broken:
        app.correct(
            story, "geneva-2023-07", Correction(changes={"kind": "claim"}, source=a_source()), "b"
        )
    assert broken.value.field == "changes.kind"
    assert app.get_fact(story, "geneva-2023-07").version == 1


def test_a_retracted_fact_cannot_be_retracted_or_corrected_again(
    app: Reportedly, story: str
) -> None:
    retraction = Retraction(source=a_source("2024-02-01"), reason="the source withdrew it")
    app.retract(story, "geneva-2023-07", retraction, "bob")
    assert app.get_fact(story, "geneva-2023-07").status is Status.retracted
    with pytest.raises(Conflict, match="retracted"):
        app.retract(story, "geneva-2023-07", retraction, "bob")
    with pytest.raises(Conflict, match="retracted"):
        app.correct(
            story, "geneva-2023-07", Correction(changes={"title": "x"}, source=a_source()), "b"
        )


def test_lifecycle_events_on_an_unknown_fact_are_not_found(app: Reportedly, story: str) -> None:
    with pytest.raises(NotFound, match="fact 'ghost'"):
        app.corroborate(story, "ghost", Corroboration(source=a_source()), "bob")


def test_stories_and_actors_are_idempotent_and_conflict_on_other_content(
    app: Reportedly, story: str
) -> None:
    assert app.register_actor(an_actor(), "bob").created is False
    with pytest.raises(Conflict) as conflict:
        app.register_actor(an_actor(name="Open AI"), "bob")
    assert conflict.value.differing == ["name"]
    with pytest.raises(Conflict):
        app.create_story(a_story(title="Another title"), "bob")
