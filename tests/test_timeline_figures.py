"""The charts' figures, built from fact views without a store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
import pytest

from domain.model import Actor, ActorKind
from domain.storyfile import StoryFile
from projections.timeline.figures import day_number, timeline_figure
from projections.timeline.items import states
from projections.timeline.knowledge import knowledge_figure
from projections.timeline.lag import lag_figure
from tests.builders import a_fact, a_meeting, joined
from tests.timeline_data import actors_of, big_story, geneva_views, lived, view_of

INJECTION = "<img src=x onerror=alert(1)>"


def items(fig: go.Figure, *, counted: bool = True) -> list[tuple[str, str, Any, Any]]:
    """(trace name, mode, x, y) of every drawn fact (spans and day markers; no hover handles)."""
    found = []
    for trace in fig.data:
        replay = trace.meta["replay"]
        if counted and not replay["counted"]:
            continue
        stride = replay["stride"]
        for i in range(len(replay["from"])):
            x = trace.x[i * stride : i * stride + stride]
            y = trace.y[i * stride : i * stride + stride]
            found.append((trace.name, trace.mode, x, y))
    return found


def hover_texts(fig: go.Figure) -> list[str]:
    return [t for trace in fig.data for t in (trace.hovertext or ())]


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture
def geneva_figure(geneva: StoryFile) -> go.Figure:
    return timeline_figure(states(geneva_views(geneva)), actors_of(geneva), title="Geneva")


def test_month_precise_facts_are_spans_over_the_whole_month(
    geneva: StoryFile, geneva_figure: go.Figure
) -> None:
    spans = [tuple(x) for _, mode, x, _ in items(geneva_figure) if mode == "lines"]
    in_july = sum(f.occurred == "2023-07" for f in geneva.facts)
    in_october = sum(f.occurred == "2023-10" for f in geneva.facts)
    assert in_july and spans.count(("2023-07-01", "2023-08-01", None)) == in_july
    assert in_october and spans.count(("2023-10-01", "2023-11-01", None)) == in_october
    assert ("2023-07-01", "2023-11-01", None) in spans  # "2023-07/2023-10": the whole interval
    assert ("2023-01-01", "2024-01-12", None) in spans  # "2023/2024-01-11": year to day


def test_only_day_precise_facts_are_drawn_as_markers_on_their_day(
    geneva_figure: go.Figure,
) -> None:
    markers = [i for i in items(geneva_figure) if i[1] == "markers"]
    # The disclosure, and three claims of what held on the report's day.
    assert sorted((name, tuple(x)) for name, _, x, _ in markers) == [
        ("claim", ("2024-01-11",)),
        ("claim", ("2024-01-11",)),
        ("claim", ("2024-01-11",)),
        ("disclosure published", ("2024-01-11",)),
    ]


def test_every_geneva_fact_is_drawn_once(geneva: StoryFile, geneva_figure: go.Figure) -> None:
    assert len(items(geneva_figure)) == len(geneva.facts) == 25


def test_lanes_by_meeting_name_both_rounds(geneva_figure: go.Figure) -> None:
    ticks = geneva_figure.layout.yaxis.ticktext
    assert any("first round" in t for t in ticks)
    assert any("second round" in t for t in ticks)
    assert "Not tied to a meeting" in ticks


def test_lanes_by_actor_and_by_kind(geneva: StoryFile) -> None:
    shown = states(geneva_views(geneva))
    by_actor = timeline_figure(shown, actors_of(geneva), lanes="actor").layout.yaxis.ticktext
    assert {"OpenAI", "Tencent", "The Shaikh Group"} <= {t.replace("<br>", " ") for t in by_actor}
    by_kind = timeline_figure(shown, actors_of(geneva), lanes="kind").layout.yaxis.ticktext
    assert {"meeting held", "participant joined", "claim"} <= set(by_kind)


def test_colour_by_certainty_names_the_certainties(geneva: StoryFile) -> None:
    fig = timeline_figure(states(geneva_views(geneva)), actors_of(geneva), color="certainty")
    assert {t.name for t in fig.data} == {"confirmed", "reported", "alleged"}


def test_unknown_lane_or_colour_option_is_refused_by_name(geneva: StoryFile) -> None:
    with pytest.raises(ValueError, match="lanes must be one of"):
        timeline_figure([], {}, lanes="weather")
    with pytest.raises(ValueError, match="color must be one of"):
        timeline_figure([], {}, color="mood")


def test_hover_shows_the_fact_its_sources_with_dates_and_the_french_quote(
    geneva_figure: go.Figure,
) -> None:
    deepmind = next(t for t in hover_texts(geneva_figure) if "Google DeepMind briefed" in t)
    assert "source: Financial Times, 2024-01-11, en" in deepmind
    assert "a été informée, mais n'a pas participé" in deepmind
    assert "[fr]" in deepmind
    assert "occurred 2023-07/2023-10 (" in deepmind  # of the talks, round unsaid
    assert "certainty: alleged" in deepmind


def test_retracted_fact_is_greyed_from_its_retraction_and_normal_before(geneva: StoryFile) -> None:
    meeting = view_of(a_meeting(), status="retracted")
    retraction = lived(a_meeting(), ("retracted", "2024-02-01"))
    fig = timeline_figure(states([meeting], {meeting.id: retraction}), {})
    drawn = {t.name: t.meta["replay"] for t in fig.data if t.meta["replay"]["counted"]}
    assert set(drawn) == {"meeting held", "retracted"}
    february = day_number(at("2024-02-01"))
    assert drawn["meeting held"]["until"] == [february]  # active until the retraction
    assert drawn["retracted"]["from"] == [february]
    assert "until" not in drawn["retracted"]  # retracted from then on


def test_disputed_fact_is_flagged(geneva: StoryFile) -> None:
    fact = view_of(joined(), disputed=True)
    fig = timeline_figure(states([view_of(a_meeting()), fact]), actors_of(geneva))
    flags = [t for t in fig.data if t.name == "disputed"]
    assert len(flags) == 1 and len(flags[0].x) == 1
    assert "DISPUTED" in flags[0].hovertext[0]


def test_disclosure_lag_runs_from_occurred_to_reported(geneva: StoryFile) -> None:
    fig = lag_figure(states(geneva_views(geneva)), actors_of(geneva))
    segments = {tuple(x[:2]) for name, mode, x, _ in items(fig, counted=False) if mode == "lines"}
    assert ("2023-07-01", "2024-01-11") in segments
    assert ("2023-10-01", "2024-01-11") in segments
    july = next(t for t in hover_texts(fig) if "first round (July 2023) (Geneva" in t)
    assert "disclosure lag: 164 days (~5.4 months) to 194 days (~6.4 months)" in july


def test_knowledge_over_time_jumps_to_every_fact_on_the_disclosure(geneva: StoryFile) -> None:
    fig = knowledge_figure(states(geneva_views(geneva)), actors_of(geneva))
    known = fig.data[0]
    assert list(zip(known.x, known.y, strict=True))[:2] == [("2023-12-11", 0), ("2024-01-11", 25)]


def test_knowledge_over_time_marks_corrections_and_retractions() -> None:
    meeting, other = view_of(a_meeting(), status="corrected"), view_of(a_meeting("m-2"))
    changes = {
        meeting.id: lived(
            a_meeting(), ("corrected", "2024-02-01"), title="Geneva talks, round one"
        ),
        other.id: lived(a_meeting("m-2"), ("retracted", "2024-03-01")),
    }
    fig = knowledge_figure(
        states([meeting, view_of(a_meeting("m-2"), status="retracted")], changes), {}
    )
    marks = {t.name: list(t.x) for t in fig.data[1:]}
    assert marks == {"corrected": ["2024-02-01"], "retracted": ["2024-03-01"]}


def test_user_strings_are_escaped_in_hover_text_lanes_and_titles() -> None:
    actor = Actor(id="evil", name=INJECTION, kind=ActorKind.person)
    meeting = a_fact("meeting_held", "m", title=INJECTION, place=INJECTION)
    statement = a_fact(
        "statement_made", "said", actor="evil", meeting="m", text=f"{INJECTION} & more"
    )
    shown = states([view_of(meeting), view_of(statement, quote=INJECTION)])
    for lanes in ("meeting", "actor", "kind"):
        fig = timeline_figure(shown, {"evil": actor}, title=INJECTION, lanes=lanes)
        text = json.dumps(fig.to_plotly_json(), ensure_ascii=False)
        assert "<img" not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "&amp; more" in text
    lag = json.dumps(lag_figure(shown, {"evil": actor}, title=INJECTION).to_plotly_json())
    known = json.dumps(knowledge_figure(shown, {"evil": actor}, title=INJECTION).to_plotly_json())
    assert "<img" not in lag and "<img" not in known


def test_a_ten_thousand_fact_story_stays_a_few_traces() -> None:
    views, actors = big_story(10_000)
    fig = timeline_figure(states(views), actors)
    assert len(fig.data) <= 3 * 4  # three traces per colour group at most, never one per fact
    assert all(trace.type == "scattergl" for trace in fig.data)
    assert len(items(fig)) == 10_000
    assert fig.layout.height <= 1400  # a taller WebGL canvas makes every redraw slow
