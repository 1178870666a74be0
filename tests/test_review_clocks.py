"""Review: "as of" answers on the three clocks, pinned one combination at a time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.application import Reportedly
from domain.model import Correction, Corroboration, Retraction
from projections.readmodels import ReadModels
from projections.store import store_env
from projections.views import AsOf, Filters
from tests.builders import (
    a_fact,
    a_meeting,
    a_source,
    an_actor,
    joined,
    known,
    write_meeting,
)
from tests.builders import when as t

STORY = "geneva-ai-talks"
MEETING = "geneva-2023-07"
FACT = f"{MEETING}-joined-openai"


@pytest.fixture
def read(app: Reportedly) -> Iterator[ReadModels]:
    write_meeting(app)
    read_models = ReadModels(app, "memory://")
    yield read_models
    read_models.close()


def ids(read: ReadModels, as_of: AsOf, **filters: object) -> list[str]:
    read.catch_up()
    return [f.id for f in read.facts(STORY, as_of, Filters.model_validate(filters)).items]


def correct(app: Reportedly, published: str, recorded: str, **changes: object) -> None:
    given = Correction(changes=changes, source=a_source(published, "Reuters"))
    app.correct(STORY, FACT, given, "analyst", recorded_at=t(recorded))


# ---- 1. an earlier corroboration, recorded later ----------------------------------------
def corroborate_early(app: Reportedly) -> None:
    earlier = Corroboration(source=a_source("2024-01-05", "Le Monde"))
    app.corroborate(STORY, FACT, earlier, "analyst", recorded_at=t("2024-01-20T08:00:00Z"))


def test_an_earlier_corroboration_makes_a_fact_known_before_its_report_once_recorded(
    app: Reportedly, read: ReadModels
) -> None:
    corroborate_early(app)

    admitted = [known("2024-01-06"), known("2024-01-06", recorded="2024-01-20T08:00:00Z")]
    not_yet_recorded = known("2024-01-06", recorded="2024-01-19")

    for as_of in admitted:
        assert ids(read, as_of) == [FACT]
        assert read.fact(STORY, FACT, as_of).reported_at == t("2024-01-05T00:00:00Z")
        assert [s.name for s in read.fact(STORY, FACT, as_of).sources] == ["Le Monde"]
    assert ids(read, not_yet_recorded) == []
    before_corroboration = read.fact(STORY, FACT, known("2024-01-12", recorded="2024-01-19"))
    assert before_corroboration.reported_at == t("2024-01-11T00:00:00Z")
    assert ids(read, known("2024-01-04")) == []


def test_on_sqlite_an_earlier_corroboration_counts_only_once_recorded(sqlite_url: str) -> None:
    app = Reportedly(env=store_env(sqlite_url))
    read = ReadModels(app, sqlite_url)
    try:
        write_meeting(app)
        corroborate_early(app)
        read.catch_up()

        assert ids(read, known("2024-01-06")) == [FACT]
        assert ids(read, known("2024-01-06", recorded="2024-01-19")) == []
        assert read.fact(STORY, FACT).reported_at == t("2024-01-05T00:00:00Z")
        same = read.fact(STORY, FACT, known("2024-02-01", recorded="2024-01-19"))
        assert same.reported_at == t("2024-01-11T00:00:00Z")
    finally:
        read.close()
        app.close()


# ---- 2. corrections published out of the order they were recorded in --------------------
@pytest.fixture
def corrected_twice(app: Reportedly, read: ReadModels) -> ReadModels:
    # First recorded: a source of 2024-02-01 says OpenAI was a mediator.
    correct(app, "2024-02-01", "2024-02-02T08:00:00Z", role="mediator")
    # Recorded after it, a source of 2024-01-20 only adds a note.
    correct(app, "2024-01-20", "2024-02-03T08:00:00Z", note="seen on the delegates' list")
    read.catch_up()
    return read


def test_a_later_recorded_correction_with_an_earlier_source_shows_from_its_own_date(
    corrected_twice: ReadModels,
) -> None:
    on_jan_25 = corrected_twice.fact(STORY, FACT, known("2024-01-25"))
    on_feb_5 = corrected_twice.fact(STORY, FACT, known("2024-02-05"))

    assert (on_jan_25.note, on_jan_25.status) == ("seen on the delegates' list", "corrected")
    assert (on_feb_5.note, on_feb_5.fields()["role"]) == ("seen on the delegates' list", "mediator")
    assert corrected_twice.fact(STORY, FACT, known("2024-01-19")).version == 1


def test_a_replay_never_shows_a_change_whose_source_was_not_yet_published(
    corrected_twice: ReadModels,
) -> None:
    on_jan_25 = corrected_twice.fact(STORY, FACT, known("2024-01-25"))
    listed = corrected_twice.facts(STORY, known("2024-01-25")).items
    pictured = corrected_twice.picture(STORY, known("2024-01-25"))

    # The mediator role was only published on 2024-02-01.
    assert on_jan_25.fields()["role"] == "participant"
    assert [f.fields()["role"] for f in listed if f.id == FACT] == ["participant"]
    assert pictured.meetings[0].participants_by_role == {"participant": ["openai"]}


def test_between_the_two_recordings_the_database_held_only_the_first_correction(
    corrected_twice: ReadModels,
) -> None:
    between = "2024-02-02T12:00:00Z"

    now_public = corrected_twice.fact(STORY, FACT, known("2024-02-05", recorded=between))
    on_jan_25 = corrected_twice.fact(STORY, FACT, known("2024-01-25", recorded=between))

    assert (now_public.version, now_public.fields()["role"], now_public.note) == (
        2,
        "mediator",
        None,
    )
    assert (on_jan_25.version, on_jan_25.fields()["role"], on_jan_25.note) == (
        1,
        "participant",
        None,
    )


# ---- 3. a retraction ---------------------------------------------------------------------
def test_a_retraction_changes_status_and_the_picture_only_from_its_date(
    app: Reportedly, read: ReadModels
) -> None:
    retraction = Retraction(source=a_source("2024-02-01", "Reuters"), reason="misidentified")
    app.retract(STORY, FACT, retraction, "analyst", recorded_at=t("2024-02-02T08:00:00Z"))
    read.catch_up()

    def status(as_of: AsOf) -> str:
        return next(f.status for f in read.facts(STORY, as_of).items if f.id == FACT)

    assert status(known("2024-01-31")) == "active"
    assert status(known("2024-02-01")) == "retracted"
    assert status(known("2024-02-05", recorded="2024-02-01")) == "active"
    before, after = read.picture(STORY, known("2024-01-31")), read.picture(STORY)
    assert before.meetings[0].participants_by_role == {"participant": ["openai"]}
    assert (before.retracted, before.counts.participants) == ([], 1)
    assert after.meetings[0].participants == [] and after.retracted == [FACT]
    assert [a.id for a in after.actors] == []


# ---- 4. occurred_until and precision ---------------------------------------------------
@pytest.mark.parametrize(
    ("occurred", "until", "occurred_by"),
    [
        ("2023", "2023-06-30", "possibly"),
        ("2023", "2023-12-31", "surely"),
        ("2023", "2022-12-31", None),
        ("2023-07/2023-10", "2023-10-15", "possibly"),
        ("2023-07/2023-10", "2023-10-31", "surely"),
        ("2023-07/2023-10", "2023-06-30", None),
        ("2023-10~", "2023-10-15", "possibly"),
        ("2023-10~", "2023-09-30", None),
        ("2023-10?", "2023-10-31", "surely"),
        ("2023-07-18", "2023-07-18", "surely"),
        ("2023-07-18", "2023-07-17", None),
    ],
)
def test_occurred_until_honours_each_dates_precision(
    app: Reportedly, read: ReadModels, occurred: str, until: str, occurred_by: str | None
) -> None:
    app.report_fact(STORY, a_meeting("dated", occurred), "analyst")
    read.catch_up()

    found = {f.id: f for f in read.facts(STORY, AsOf(occurred_until=t(until))).items}

    assert (found["dated"].occurred_by if "dated" in found else None) == occurred_by
    if "dated" in found:
        assert found["dated"].occurred == occurred


def test_a_date_time_occurred_until_is_the_instant_itself(
    app: Reportedly, read: ReadModels
) -> None:
    app.report_fact(STORY, a_meeting("dated", "2023-07-18"), "analyst")
    read.catch_up()

    midday = read.facts(STORY, AsOf(occurred_until=t("2023-07-18T12:00:00Z"))).items
    assert [(f.id, f.occurred_by) for f in midday if f.id == "dated"] == [("dated", "possibly")]


# ---- 5. changes on each clock ------------------------------------------------------------
def test_changes_on_the_reported_clock_include_an_old_facts_corroboration_by_its_source_date(
    app: Reportedly, read: ReadModels
) -> None:
    later = Corroboration(source=a_source("2024-03-05", "Le Monde"))
    app.corroborate(STORY, FACT, later, "analyst", recorded_at=t("2024-03-20T08:00:00Z"))
    read.catch_up()

    march = read.changes(STORY, t("2024-03-01"), t("2024-03-10"))
    march_recorded = read.changes(STORY, t("2024-03-01"), t("2024-03-10"), clock="recorded")
    late_march_recorded = read.changes(STORY, t("2024-03-19"), t("2024-03-20"), clock="recorded")

    assert [c.fact_id for c in march.corroborated] == [FACT] and march.added == []
    assert march.corroborated[0].at == t("2024-03-05T00:00:00Z")
    assert march_recorded.corroborated == []
    assert [c.fact_id for c in late_march_recorded.corroborated] == [FACT]
    assert late_march_recorded.corroborated[0].at == t("2024-03-20T08:00:00Z")


def test_an_earlier_corroboration_adds_the_fact_at_its_source_date(
    app: Reportedly, read: ReadModels
) -> None:
    corroborate_early(app)
    read.catch_up()

    early = read.changes(STORY, t("2024-01-04"), t("2024-01-05"))
    on_report = read.changes(STORY, t("2024-01-10"), t("2024-01-11"))

    assert [c.fact_id for c in early.added] == [FACT]
    assert [c.fact_id for c in early.corroborated] == [FACT]
    assert early.added[0].source is not None and early.added[0].source.name == "Le Monde"
    assert [c.fact_id for c in on_report.added] == [MEETING]


# ---- 6. pagination -----------------------------------------------------------------------
def test_pages_of_one_walk_every_fact_once_with_filters_and_as_of(
    app: Reportedly, read: ReadModels
) -> None:
    for actor in ("anthropic", "cohere", "baidu"):
        app.register_actor(an_actor(actor, actor.title()), "analyst")
    app.report_facts(
        STORY,
        [
            a_meeting("geneva-2023-10", "2023-10"),
            joined("anthropic"),
            joined("cohere", occurred="2023-07-18"),
            joined("baidu", "geneva-2023-10", occurred="2023-10"),
            a_fact("topic_discussed", "topic-a", "2023-07", meeting=MEETING, topic="risk"),
        ],
        "analyst",
        recorded_at=t("2024-02-01T08:00:00Z"),
    )
    late = a_fact("claim", "late-claim", "2023-07", subject="s", predicate="p", object="o")
    app.report_fact(STORY, late, "analyst", recorded_at=t("2024-03-01T08:00:00Z"))
    read.catch_up()

    def walk(as_of: AsOf, filters: Filters) -> list[str]:
        seen: list[str] = []
        cursor: str | None = None
        while True:
            page = read.facts(STORY, as_of, filters, limit=1, cursor=cursor)
            seen += [f.id for f in page.items]
            if page.next is None:
                return seen
            cursor = page.next

    cases = [
        (AsOf(), Filters()),
        (AsOf(recorded_at=t("2024-02-15")), Filters()),
        (AsOf(occurred_until=t("2023-07-31")), Filters(kind=("participant_joined",))),
        (AsOf(), Filters(meeting=MEETING)),
    ]
    for as_of, filters in cases:
        whole = [f.id for f in read.facts(STORY, as_of, filters, limit=1000).items]
        walked = walk(as_of, filters)
        assert walked == whole and len(set(walked)) == len(walked)
    assert "late-claim" not in walk(*cases[1])
    assert walk(*cases[2]) == [f"{MEETING}-joined-anthropic", FACT, f"{MEETING}-joined-cohere"]


# ---- 7. disclosure lag -------------------------------------------------------------------
def test_the_disclosure_lag_is_a_range_for_a_month_and_one_value_for_a_day(
    app: Reportedly, read: ReadModels
) -> None:
    app.report_fact(STORY, a_meeting("day-meeting", "2023-10-11"), "analyst")
    read.catch_up()

    lags = {m.id: m.disclosure_lag for m in read.picture(STORY).meetings}

    month, day = lags[MEETING], lags["day-meeting"]
    assert month is not None and day is not None
    # 2023-07-01 .. 2023-07-31 to 2024-01-11
    assert (month.min_days, month.max_days, month.exact) == (164, 194, False)
    assert (day.min_days, day.max_days, day.exact) == (92, 92, True)


def test_a_replayed_correction_valid_only_on_top_of_an_unpublished_one_still_reads(
    app: Reportedly, read: ReadModels
) -> None:
    said = a_fact("statement_made", "said", "2023-07", actor="openai", text="we attended")
    app.report_fact(STORY, said, "analyst", recorded_at=t("2024-01-12T11:00:00Z"))
    aide = Correction(changes={"speaker": "an aide"}, source=a_source("2024-02-01", "Reuters"))
    app.correct(STORY, "said", aide, "analyst", recorded_at=t("2024-02-02T08:00:00Z"))
    unnamed = Correction(changes={"actor": None}, source=a_source("2024-01-20", "AP"))
    app.correct(STORY, "said", unnamed, "analyst", recorded_at=t("2024-02-03T08:00:00Z"))
    read.catch_up()

    on_jan_25 = read.fact(STORY, "said", known("2024-01-25"))
    now = read.fact(STORY, "said")

    assert "speaker" not in on_jan_25.fields() and "actor" not in on_jan_25.fields()
    assert (now.fields()["speaker"], "actor" in now.fields()) == ("an aide", False)
    assert [s.text for s in read.picture(STORY, known("2024-01-25")).statements] == ["we attended"]
