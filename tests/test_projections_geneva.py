"""Replaying the Geneva story: what the public could know, and what had happened, when."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.application import Reportedly
from domain.clocks import parse_instant
from domain.storyfile import StoryFile
from projections.readmodels import ReadModels
from projections.views import AsOf, Filters, OccurredBy, Picture

STORY = "geneva-ai-talks"
JULY, OCTOBER = "geneva-july-2023", "geneva-october-2023"  # meeting ids
JULY_FACT, OCTOBER_FACT = "geneva-2023-07", "geneva-2023-10"  # their meeting_held facts
SERIES = "geneva-ai-talks"


def at(day: str) -> AsOf:
    return AsOf(known_at=parse_instant(day))


@pytest.fixture
def read(app: Reportedly, geneva: StoryFile) -> Iterator[ReadModels]:
    app.create_story(geneva.story, "loader")
    for actor in geneva.actors:
        app.register_actor(actor, "loader")
    app.report_facts(STORY, geneva.facts, "loader")
    read_models = ReadModels(app, None)
    read_models.catch_up()
    yield read_models
    read_models.close()


@pytest.fixture
def disclosed(read: ReadModels) -> Picture:
    return read.picture(STORY, at("2024-01-11"))


def test_on_the_eve_of_the_disclosure_nobody_outside_knew_of_any_meeting(
    read: ReadModels,
) -> None:
    picture = read.picture(STORY, at("2023-12-31"))

    assert picture.meetings == []
    assert picture.counts.facts == 0
    assert read.facts(STORY, at("2023-12-31")).items == []


def test_on_the_day_of_the_disclosure_both_rounds_are_known(disclosed: Picture) -> None:
    assert [m.id for m in disclosed.meetings] == [JULY, OCTOBER]
    assert {m.place for m in disclosed.meetings} == {"Geneva, Switzerland"}
    assert disclosed.counts.facts == 25
    assert disclosed.counts.meetings == 2
    assert [(s.id, s.rounds) for s in disclosed.series] == [(SERIES, [JULY, OCTOBER])]


def test_meetings_keep_month_precision_and_never_invent_a_day(disclosed: Picture) -> None:
    july = disclosed.meetings[0]

    assert july.occurred == "2023-07"
    assert july.precision == "month"
    assert july.occurred_earliest.isoformat() == "2023-07-01T00:00:00+00:00"
    assert july.occurred_latest.isoformat() == "2023-08-01T00:00:00+00:00"


def test_participants_are_grouped_by_role_and_by_side(disclosed: Picture) -> None:
    # The article names the participants of the talks, not of a round: the series.
    (talks,) = disclosed.series
    assert sorted(talks.participants_by_role["participant"]) == [
        "anthropic",
        "cohere",
        "openai",
    ]
    assert sorted(talks.participants_by_role["delegate"]) == [
        "chinese-state-backed-entities",
        "tsinghua-university",
    ]
    assert talks.participants_by_role["mediator"] == ["shaikh-group"]
    assert sorted(talks.participants_by_side["CN"]) == [
        "chinese-state-backed-entities",
        "tsinghua-university",
    ]
    # Cohere is Canadian but sat on the US side.
    assert sorted(talks.participants_by_side["US"]) == ["anthropic", "cohere", "openai"]
    assert all(m.participants == [] for m in disclosed.meetings)


def test_absent_firms_and_the_briefed_lab_are_shown_apart_from_participants(
    disclosed: Picture,
) -> None:
    (talks,) = disclosed.series

    assert sorted(a.id for a in talks.absentees) == [
        "baidu",
        "bytedance",
        "google-deepmind",
        "tencent",
    ]
    assert all(a.certainty == "alleged" for a in talks.absentees)
    assert [a.id for a in talks.briefed] == ["google-deepmind"]
    assert "google-deepmind" not in {p.id for p in talks.participants}
    assert all(m.absentees == m.briefed == [] for m in disclosed.meetings)


def test_topics_are_listed_per_meeting(disclosed: Picture) -> None:
    # "Les discussions ont porté sur": the talks as a whole. What they "devraient
    # porter sur" is an expectation, a claim, not a topic.
    assert sorted(disclosed.series[0].topics) == ["Policy proposals", "Technical cooperation"]
    assert all(m.topics == [] for m in disclosed.meetings)


def test_the_disclosure_names_the_outlet_and_a_lag_range_for_a_month_date(
    disclosed: Picture,
) -> None:
    july, october = disclosed.meetings

    assert july.disclosed_by == "Financial Times"
    assert july.disclosed_at is not None and july.disclosed_at.date().isoformat() == "2024-01-11"
    assert july.disclosure_lag is not None
    # From 31 July (164 days) to 1 July (194 days): a month date gives a range.
    assert (july.disclosure_lag.min_days, july.disclosure_lag.max_days) == (164, 194)
    assert not july.disclosure_lag.exact
    assert october.disclosure_lag is not None
    assert (october.disclosure_lag.min_days, october.disclosure_lag.max_days) == (72, 102)


def test_statements_keep_their_speakers_and_quotes(disclosed: Picture) -> None:
    by_id = {s.fact_id: s for s in disclosed.statements}
    # The article ties neither statement to one round: they are said once, at the
    # story's level (or of the series), never copied under each meeting.
    assert all(m.statements == [] for m in disclosed.meetings)
    assert len(by_id) == len(disclosed.statements) == 2

    assert by_id["statement-anonymous-participant"].speaker is not None
    assert by_id["statement-chinese-embassy-uk"].actor == "chinese-embassy-uk"
    assert all(s.quote_language == "fr" for s in disclosed.statements)


def test_actors_carry_their_meetings_and_roles(disclosed: Picture) -> None:
    actors = {a.id: a for a in disclosed.actors}

    assert {(s.series, s.role) for s in actors["shaikh-group"].series} == {(SERIES, "mediator")}
    assert {s.role for s in actors["google-deepmind"].series} == {"absent", "briefed"}
    assert actors["shaikh-group"].meetings == actors["google-deepmind"].meetings == []


def test_every_fact_is_attributed_to_the_financial_times_first(disclosed: Picture) -> None:
    assert len(disclosed.attributions) == 25
    assert {a.first_reported_by.name for a in disclosed.attributions} == {"Financial Times"}
    assert [s.name for s in disclosed.sources] == ["Financial Times"]


def test_by_mid_october_the_july_round_surely_happened_and_october_only_possibly(
    read: ReadModels,
) -> None:
    as_of = AsOf(occurred_until=parse_instant("2023-10-15"))
    facts = {f.id: f for f in read.facts(STORY, as_of, limit=1000).items}

    assert facts[JULY_FACT].occurred_by is OccurredBy.surely
    assert facts[OCTOBER_FACT].occurred_by is OccurredBy.possibly
    assert "ft-discloses-geneva-talks" not in facts


def test_by_august_only_the_first_round_had_begun(read: ReadModels) -> None:
    picture = read.picture(STORY, AsOf(occurred_until=parse_instant("2023-08")))

    assert [m.id for m in picture.meetings] == [JULY]
    assert picture.meetings[0].occurred_by is OccurredBy.surely


def test_the_clocks_combine(read: ReadModels) -> None:
    # "According to what was public on 2024-02-01, what had happened by 2023-08?"
    combined = AsOf(known_at=parse_instant("2024-02-01"), occurred_until=parse_instant("2023-08"))
    before_disclosure = AsOf(
        known_at=parse_instant("2023-12-31"), occurred_until=parse_instant("2023-08")
    )

    assert [m.id for m in read.picture(STORY, combined).meetings] == [JULY]
    assert read.picture(STORY, before_disclosure).meetings == []


def test_filters_narrow_the_picture_to_one_meeting_or_one_actor(read: ReadModels) -> None:
    one_meeting = read.picture(STORY, filters=Filters(meeting=OCTOBER))
    one_actor = read.picture(STORY, filters=Filters(actor="openai"))

    assert [m.id for m in one_meeting.meetings] == [OCTOBER]
    # The article ties nothing but the round's own date and place to one round.
    assert one_meeting.counts.facts == 1
    # OpenAI took part in the talks, round unsaid: one fact, of the series.
    assert one_actor.meetings == []
    assert one_actor.counts.facts == 1
    assert [(s.id, s.participants_by_role) for s in one_actor.series] == [
        (SERIES, {"participant": ["openai"]})
    ]
