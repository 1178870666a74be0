"""Replays before and after corroborations, disputes, corrections and retractions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from domain.application import Reportedly
from domain.errors import NotFound, RuleBroken
from domain.model import Correction, Corroboration, Dispute, Retraction
from projections.readmodels import MAX_POSITION, ReadModels
from projections.views import AsOf, FactView
from tests.builders import a_source, an_actor, joined, known, write_meeting
from tests.builders import when as t

STORY = "geneva-ai-talks"
MEETING = "geneva-2023-07"
FACT = f"{MEETING}-joined-openai"


@pytest.fixture
def read(app: Reportedly) -> Iterator[ReadModels]:
    """The meeting and one participant, published 2024-01-11 and recorded the next day."""
    write_meeting(app)
    read_models = ReadModels(app, None)
    yield read_models
    read_models.close()


def fact(read: ReadModels, as_of: AsOf, fact_id: str = FACT) -> FactView:
    read.catch_up()
    return read.fact(STORY, fact_id, as_of)


def correct(app: Reportedly, published: str, recorded: str, **changes: object) -> None:
    given = Correction(changes=changes, source=a_source(published, "Reuters"))
    app.correct(STORY, FACT, given, "analyst", recorded_at=t(recorded))


def test_a_correction_shows_from_its_source_date_and_the_original_before(
    app: Reportedly, read: ReadModels
) -> None:
    correct(app, "2024-02-01", "2024-02-02T08:00:00Z", role="delegate")

    before = fact(read, known("2024-01-20"))
    after = fact(read, known("2024-02-01"))

    assert (before.fields()["role"], before.status, before.version) == ("participant", "active", 1)
    assert (after.fields()["role"], after.status, after.version) == ("delegate", "corrected", 2)


def test_a_retracted_fact_stays_listed_as_retracted_from_its_retraction_date(
    app: Reportedly, read: ReadModels
) -> None:
    retraction = Retraction(source=a_source("2024-03-01", "Reuters"), reason="misidentified")
    app.retract(STORY, FACT, retraction, "analyst", recorded_at=t("2024-03-01T12:00:00Z"))
    read.catch_up()

    assert fact(read, known("2024-02-29")).status == "active"
    assert fact(read, known("2024-03-01")).status == "retracted"
    ids = [f.id for f in read.facts(STORY).items]
    assert ids == [MEETING, FACT]


def test_the_picture_counts_a_retracted_participant_but_leaves_it_out(
    app: Reportedly, read: ReadModels
) -> None:
    retraction = Retraction(source=a_source("2024-03-01", "Reuters"), reason="misidentified")
    app.retract(STORY, FACT, retraction, "analyst")
    read.catch_up()

    before = read.picture(STORY, known("2024-02-29"))
    after = read.picture(STORY)

    assert before.meetings[0].participants_by_role == {"participant": ["openai"]}
    assert after.meetings[0].participants == []
    assert after.retracted == [FACT]
    assert (after.counts.facts, after.counts.retracted) == (2, 1)


def test_recorded_at_answers_what_the_database_said_then(app: Reportedly, read: ReadModels) -> None:
    # A correction citing a source of 2024-01-15, but only recorded on 2024-02-02.
    correct(app, "2024-01-15", "2024-02-02T08:00:00Z", role="delegate")

    said_on_feb_1 = fact(read, known("2024-01-20", recorded="2024-02-01"))
    says_now = fact(read, known("2024-01-20"))

    assert said_on_feb_1.fields()["role"] == "participant"
    assert says_now.fields()["role"] == "delegate"
    with pytest.raises(NotFound, match="as of the asked time"):
        read.fact(STORY, FACT, AsOf(recorded_at=t("2024-01-12T09:30:00Z")))


def test_an_earlier_corroboration_moves_reported_at_only_for_replays_that_admit_it(
    app: Reportedly, read: ReadModels
) -> None:
    earlier = Corroboration(source=a_source("2023-12-20", "Le Monde"))
    app.corroborate(STORY, FACT, earlier, "analyst", recorded_at=t("2024-02-05T08:00:00Z"))
    read.catch_up()

    now = fact(read, AsOf())
    public_before_the_ft = fact(read, known("2023-12-25"))
    before_we_recorded_it = AsOf(known_at=t("2023-12-25"), recorded_at=t("2024-02-01"))
    recorded_feb_1 = fact(read, AsOf(recorded_at=t("2024-02-01")))

    assert now.reported_at == t("2023-12-20T00:00:00Z")
    assert sorted(s.name for s in now.sources) == ["Financial Times", "Le Monde"]
    assert public_before_the_ft.reported_at == t("2023-12-20T00:00:00Z")
    assert [s.name for s in public_before_the_ft.sources] == ["Le Monde"]
    assert FACT not in {f.id for f in read.facts(STORY, before_we_recorded_it).items}
    assert recorded_feb_1.reported_at == t("2024-01-11T00:00:00Z")


def test_a_disputed_fact_shows_both_claims_from_the_disputes_date(
    app: Reportedly, read: ReadModels
) -> None:
    dispute = Dispute(
        source=a_source("2024-01-20", "OpenAI press office"), note="we did not attend"
    )
    app.dispute(STORY, FACT, dispute, "analyst")
    read.catch_up()

    assert read.picture(STORY, known("2024-01-19")).disputed == []
    disputed = read.picture(STORY).disputed
    assert [d.fact.id for d in disputed] == [FACT]
    assert disputed[0].claimed_by.name == "Financial Times"
    assert [(c.source.name, c.note) for c in disputed[0].disputed_by] == [
        ("OpenAI press office", "we did not attend")
    ]
    assert fact(read, AsOf()).disputed


def test_the_version_shown_is_the_latest_correction_published_by_then(
    app: Reportedly, read: ReadModels
) -> None:
    # Recorded in this order, but the second cites an earlier source than the first.
    correct(app, "2024-03-01", "2024-03-02T08:00:00Z", role="mediator")
    correct(app, "2024-02-01", "2024-03-03T08:00:00Z", note="seen on the list")

    assert fact(read, known("2024-01-20")).version == 1
    assert fact(read, known("2024-02-15")).version == 3
    assert fact(read, known("2024-02-15", recorded="2024-03-02T23:00:00Z")).version == 1
    assert fact(read, known("2024-03-01", recorded="2024-03-02T23:00:00Z")).version == 2


def test_a_facts_lifecycle_shows_only_what_was_visible_then(
    app: Reportedly, read: ReadModels
) -> None:
    app.corroborate(STORY, FACT, Corroboration(source=a_source("2024-01-15", "Reuters")), "analyst")
    correct(app, "2024-02-01", "2024-02-02T08:00:00Z", role="delegate")
    read.catch_up()

    early = read.fact(STORY, FACT, known("2024-01-20"))
    late = read.fact(STORY, FACT)

    assert [e.event for e in early.lifecycle] == ["reported", "corroborated"]
    assert [e.event for e in late.lifecycle] == ["reported", "corroborated", "corrected"]
    assert late.lifecycle[0].writer == "analyst"
    assert late.lifecycle[2].changes == {"role": "delegate"}


def test_changes_between_two_dates_on_the_reported_clock(app: Reportedly, read: ReadModels) -> None:
    correct(app, "2024-02-01", "2024-02-10T08:00:00Z", role="delegate")
    read.catch_up()

    disclosure = read.changes(STORY, t("2024-01-10"), t("2024-01-11"))
    february = read.changes(STORY, t("2024-01-31"), t("2024-02-01"))

    assert sorted(c.fact_id for c in disclosure.added) == [MEETING, FACT]
    assert disclosure.corrected == []
    assert [c.fact_id for c in february.corrected] == [FACT]
    assert february.corrected[0].fact.fields()["role"] == "delegate"
    assert february.added == []


def test_changes_on_the_recorded_clock_follow_when_the_store_appended(
    app: Reportedly, read: ReadModels
) -> None:
    correct(app, "2024-02-01", "2024-02-10T08:00:00Z", role="delegate")
    read.catch_up()

    by_feb_9 = read.changes(STORY, t("2024-01-01"), t("2024-02-09"), clock="recorded")
    by_feb_10 = read.changes(STORY, t("2024-02-09"), t("2024-02-10"), clock="recorded")

    assert len(by_feb_9.added) == 2 and by_feb_9.corrected == []
    assert [c.fact_id for c in by_feb_10.corrected] == [FACT]
    with pytest.raises(RuleBroken) as error:
        read.changes(STORY, t("2024-01-01"), t("2024-02-09"), clock="occurred")
    assert error.value.field == "clock"


def test_an_occurred_month_is_surely_over_only_after_its_last_day(read: ReadModels) -> None:
    read.catch_up()
    on_last_day = AsOf(occurred_until=t("2023-07-31"))
    day_before = AsOf(occurred_until=t("2023-07-30"))
    before_it_began = AsOf(occurred_until=t("2023-06-30"))

    assert read.fact(STORY, MEETING, on_last_day).occurred_by == "surely"
    assert read.fact(STORY, MEETING, day_before).occurred_by == "possibly"
    assert read.facts(STORY, before_it_began).items == []


def test_pages_follow_each_other_to_the_last_which_has_no_next(
    app: Reportedly, read: ReadModels
) -> None:
    app.register_actor(an_actor("anthropic", "Anthropic"), "analyst")
    app.register_actor(an_actor("cohere", "Cohere"), "analyst")
    app.report_facts(STORY, [joined("anthropic"), joined("cohere")], "analyst")
    read.catch_up()

    first = read.facts(STORY, limit=3)
    second = read.facts(STORY, limit=3, cursor=first.next)

    assert first.next is not None and second.next is None
    paged = [f.id for f in first.items + second.items]
    assert paged == [f.id for f in read.facts(STORY).items]
    assert len(set(paged)) == 4


def test_bad_paging_and_unknown_names_are_clear_errors(read: ReadModels) -> None:
    read.catch_up()
    with pytest.raises(RuleBroken) as bad_cursor:
        read.facts(STORY, cursor="not-a-cursor")
    with pytest.raises(RuleBroken) as bad_limit:
        read.facts(STORY, limit=1001)
    with pytest.raises(NotFound) as no_story:
        read.picture("no-such-story")
    with pytest.raises(NotFound) as no_fact:
        read.fact(STORY, "no-such-fact")

    assert (bad_cursor.value.field, bad_limit.value.field) == ("cursor", "limit")
    assert (no_story.value.field, no_fact.value.field) == ("story", "fact")
    assert "no-such-story" in str(no_story.value)


def test_the_log_lists_the_storys_events_in_order_for_export(
    app: Reportedly, read: ReadModels
) -> None:
    correct(app, "2024-02-01", "2024-02-02T08:00:00Z", role="delegate")
    read.catch_up()

    log = read.log(STORY)
    tail = read.log(STORY, after=log[1].position, limit=1)

    assert [e.event for e in log] == ["story_created", "reported", "reported", "corrected"]
    assert log[3].data["changes"] == {"role": "delegate"} and log[3].fact_id == FACT
    assert log[1].data["fact"]["id"] == MEETING
    assert [e.position for e in tail] == [log[2].position]
    assert all(e.writer == "analyst" for e in log)


def test_the_log_read_from_its_end_is_the_log_newest_first(
    app: Reportedly, read: ReadModels
) -> None:
    correct(app, "2024-02-01", "2024-02-02T08:00:00Z", role="delegate")
    read.catch_up()
    log = [e.position for e in read.log(STORY)]

    newest = read.log(STORY, limit=2, before=MAX_POSITION)
    rest = read.log(STORY, limit=10, before=newest[-1].position)

    assert [e.position for e in newest + rest] == log[::-1]
    assert read.log(STORY, before=log[0]) == []


def test_one_fact_is_looked_up_by_its_key_not_found_by_walking_the_story(
    read: ReadModels, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a 100,000-fact story, walking it to find one fact cost 35 ms a fact (the feed
    asks for 200); looked up by its key, 1 ms."""
    read.catch_up()
    run = read.store.execute
    asked: list[tuple[Any, str, Any]] = []  # cursor, statement, parameters

    def recording(c: Any, statement: str, params: Any = ()) -> Any:
        asked.append((c, statement, params))
        return run(c, statement, params)

    monkeypatch.setattr(read.store, "execute", recording)
    assert read.fact(STORY, FACT).id == FACT

    _, statement, params = next(a for a in asked if "FROM rm_versions v" in a[1])
    with read.store.transaction(commit=False) as c:
        rows = run(c, f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
    plan = " ".join(str(row[-1]) for row in rows)
    assert "PRIMARY KEY (story=? AND fact_id=?)" in plan, plan
