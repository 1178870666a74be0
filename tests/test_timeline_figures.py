"""The charts' figures, built from fact views without a store."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import plotly.graph_objects as go
import plotly.io
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.model import Actor, ActorKind
from domain.storyfile import StoryFile
from projections.timeline.figures import NO_TEMPLATE, Figure, day_number, timeline_figure
from projections.timeline.items import states
from projections.timeline.knowledge import knowledge_figure
from projections.timeline.lag import lag_figure
from projections.timeline.text import lines_of
from tests.builders import a_fact, a_meeting, joined
from tests.timeline_data import actors_of, big_story, geneva_views, lived, view_of

INJECTION = "<img src=x onerror=alert(1)>"
TALKS = "US\N{EN DASH}China AI-safety talks in Geneva"


def items(fig: Figure, *, counted: bool = True) -> list[tuple[str, str, tuple[str, ...]]]:
    """(trace name, shape, dates) of every drawn fact: a "bar" from its start to its end,
    a "diamond" on its day (no flags or hover handles unless ``counted`` is False)."""
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for trace in fig["data"]:
        replay = trace.get("meta", {}).get("replay")
        if not replay or replay.get("handles") or (counted and not replay["counted"]):
            continue
        stride = replay["stride"]
        for i in range(len(replay["start"])):
            x = trace["x"][i * stride : i * stride + 4]
            y = trace["y"][i * stride : i * stride + 4]
            if y[0] == y[1]:  # a bar: its corners, from its start to its end
                found.append((trace["name"], "bar", (_date(x[0]), _date(x[1]))))
            else:  # a diamond: its top and bottom on its day
                found.append((trace["name"], "diamond", (_date(x[1]),)))
    return found


def _date(epoch_ms: float) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.date().isoformat() if moment.hour == 0 else moment.isoformat()


def hover_texts(fig: Figure) -> list[str]:
    return [t for trace in fig["data"] for t in trace.get("hovertext", ())]


def replays(fig: Figure) -> list[dict[str, Any]]:
    return [t["meta"]["replay"] for t in fig["data"] if "replay" in t.get("meta", {})]


def ticks(fig: Figure) -> list[str]:
    return list(fig["layout"]["yaxis"]["ticktext"])


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.fixture
def geneva_figure(geneva: StoryFile) -> Figure:
    return timeline_figure(states(geneva_views(geneva)), actors_of(geneva), title="Geneva")


def test_month_precise_facts_are_spans_over_the_whole_month(
    geneva: StoryFile, geneva_figure: Figure
) -> None:
    spans = [x for _, shape, x in items(geneva_figure) if shape == "bar"]
    in_july = sum(f.occurred == "2023-07" for f in geneva.facts)
    in_october = sum(f.occurred == "2023-10" for f in geneva.facts)
    assert in_july and spans.count(("2023-07-01", "2023-08-01")) == in_july
    assert in_october and spans.count(("2023-10-01", "2023-11-01")) == in_october
    assert ("2023-07-01", "2023-11-01") in spans  # "2023-07/2023-10": the whole interval
    assert ("2023-01-01", "2024-01-12") in spans  # "2023/2024-01-11": year to day


def test_only_day_precise_facts_are_drawn_as_diamonds_on_their_day(
    geneva_figure: Figure,
) -> None:
    diamonds = [i for i in items(geneva_figure) if i[1] == "diamond"]
    # The disclosure, and three claims of what held on the report's day.
    assert sorted((name, x) for name, _, x in diamonds) == [
        ("claim", ("2024-01-11",)),
        ("claim", ("2024-01-11",)),
        ("claim", ("2024-01-11",)),
        ("disclosure published", ("2024-01-11",)),
    ]


def test_every_geneva_fact_is_drawn_once(geneva: StoryFile, geneva_figure: Figure) -> None:
    assert len(items(geneva_figure)) == len(geneva.facts) == 25


def test_lanes_by_meeting_name_both_rounds_and_the_series(geneva_figure: Figure) -> None:
    lanes = [t.replace("<br>", " ") for t in ticks(geneva_figure)]
    assert f"{TALKS}, first round (July 2023)" in lanes  # wrapped, whole
    assert f"{TALKS}, second round (October 2023)" in lanes
    assert f"{TALKS} (round not said)" in lanes  # said of the talks
    assert "Not tied to a meeting" in lanes  # the statements and claims
    assert not any("…" in t for t in lanes)


def test_a_long_lane_label_is_wrapped_on_words_never_cut() -> None:
    title = "The very long title of a meeting that no margin could ever hold on one line"
    fig = timeline_figure(states([view_of(a_fact("meeting_held", "m", title=title))]), {})
    (tick,) = ticks(fig)
    assert tick.replace("<br>", " ") == title and "<br>" in tick


def test_facts_said_of_a_series_name_it_in_their_hover_not_none(
    geneva: StoryFile, geneva_figure: Figure
) -> None:
    openai = next(t for t in hover_texts(geneva_figure) if t.startswith("<b>OpenAI took part"))
    assert f"{TALKS} (round not said)" in openai
    assert "None" not in " ".join(hover_texts(geneva_figure))
    lag = lag_figure(states(geneva_views(geneva)), actors_of(geneva))
    assert "None" not in " ".join(hover_texts(lag))


def test_every_mark_carries_a_short_label_in_words(geneva_figure: Figure) -> None:
    labels = geneva_figure["layout"]["meta"]["labels"]
    assert len(labels["text"]) == 25
    assert {"OpenAI", "Anthropic", "Baidu", "Financial Times"} <= set(labels["text"])
    assert all(0 < len(t) <= 32 for t in labels["text"])


def test_lanes_by_actor_and_by_kind(geneva: StoryFile) -> None:
    shown = states(geneva_views(geneva))
    by_actor = ticks(timeline_figure(shown, actors_of(geneva), lanes="actor"))
    assert {"OpenAI", "Tencent", "The Shaikh Group"} <= {t.replace("<br>", " ") for t in by_actor}
    by_kind = ticks(timeline_figure(shown, actors_of(geneva), lanes="kind"))
    assert {"meeting held", "participant joined", "claim"} <= set(by_kind)


def test_colour_by_certainty_names_the_certainties(geneva: StoryFile) -> None:
    fig = timeline_figure(states(geneva_views(geneva)), actors_of(geneva), color="certainty")
    assert {t["name"] for t in fig["data"] if t["name"]} == {"confirmed", "reported", "alleged"}


def test_unknown_lane_or_colour_option_is_refused_by_name(geneva: StoryFile) -> None:
    with pytest.raises(ValueError, match="lanes must be one of"):
        timeline_figure([], {}, lanes="weather")
    with pytest.raises(ValueError, match="color must be one of"):
        timeline_figure([], {}, color="mood")


def test_hover_shows_the_fact_its_sources_with_dates_and_the_french_quote(
    geneva_figure: Figure,
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
    drawn = {t["name"]: t["meta"]["replay"] for t in fig["data"] if t["meta"]["replay"]["counted"]}
    opacity = {t["name"]: t.get("opacity") for t in fig["data"] if t["meta"]["replay"]["counted"]}
    assert set(drawn) == {"meeting held", "retracted"}
    february = day_number(at("2024-02-01"))
    assert drawn["meeting held"]["until"] == february  # active until retracted
    assert opacity["meeting held"] == 0  # the page's date is after: drawn invisible
    assert drawn["retracted"]["from"] == february and opacity["retracted"] is None
    assert "until" not in drawn["retracted"]  # retracted from then on


def test_disputed_fact_is_flagged(geneva: StoryFile) -> None:
    fact = view_of(joined(), disputed=True)
    fig = timeline_figure(states([view_of(a_meeting()), fact]), actors_of(geneva))
    flags = [t for t in fig["data"] if t["name"] == "disputed" and t["meta"]["replay"]["start"]]
    assert len(flags) == 1 and len(flags[0]["meta"]["replay"]["start"]) == 1  # and the legend's
    assert sum("DISPUTED" in t for t in hover_texts(fig)) == 1


def test_disclosure_lag_runs_from_occurred_to_reported(geneva: StoryFile) -> None:
    fig = lag_figure(states(geneva_views(geneva)), actors_of(geneva))
    segments = {x for _, shape, x in items(fig) if shape == "bar"}
    assert ("2023-07-01", "2024-01-11") in segments
    assert ("2023-10-01", "2024-01-11") in segments
    july = next(t for t in hover_texts(fig) if "first round (July 2023) (Geneva" in t)
    assert "disclosure lag: 164 days (~5.4 months) to 194 days (~6.4 months)" in july


def test_knowledge_over_time_jumps_to_every_fact_on_the_disclosure(geneva: StoryFile) -> None:
    fig = knowledge_figure(states(geneva_views(geneva)), actors_of(geneva))
    known = fig["data"][0]
    assert list(zip(known["x"], known["y"], strict=True))[:2] == [
        ("2023-12-11", 0),
        ("2024-01-11", 25),
    ]


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
    marks = {t["name"]: t["x"] for t in fig["data"][1:]}
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
        text = json.dumps(fig, ensure_ascii=False)
        assert "<img" not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "&amp; more" in text
    lag = json.dumps(lag_figure(shown, {"evil": actor}, title=INJECTION))
    known = json.dumps(knowledge_figure(shown, {"evil": actor}, title=INJECTION))
    assert "<img" not in lag and "<img" not in known


def test_each_chart_is_a_figure_plotly_accepts_and_would_send_as_it_is(
    geneva: StoryFile,
) -> None:
    """Pages are built of plain data, never checked by plotly: here its own validation
    (``go.Figure`` refuses a property it does not know, a value it does not take) checks
    each chart, and that its JSON of the figure is ours, value for value."""
    shown, actors = states(geneva_views(geneva)), actors_of(geneva)
    retracted = view_of(a_meeting(), status="retracted")
    lifecycle = states(
        [retracted, view_of(joined(), disputed=True)],
        {retracted.id: lived(a_meeting(), ("retracted", "2024-02-01"))},
    )
    figures = [
        timeline_figure(shown, actors, title="Geneva"),
        timeline_figure(shown, actors, lanes="actor", color="certainty"),
        lag_figure(shown, actors, title="Geneva"),
        knowledge_figure(shown, actors, title="Geneva"),
        knowledge_figure(shown, actors, until=at("2024-02-01")),
        timeline_figure(lifecycle, actors),  # faded, flagged and retracted marks
        knowledge_figure(lifecycle, actors),
    ]
    for fig in figures:
        plotly_json = go.Figure(fig).to_plotly_json()
        sort = orjson.OPT_SORT_KEYS
        assert orjson.dumps(plotly_json, option=sort) == orjson.dumps(fig, option=sort)
    assert plotly.io.templates["none"].to_plotly_json() == NO_TEMPLATE
    wrong = timeline_figure(shown, actors)
    wrong["data"][0]["fillcolour"] = "red"
    with pytest.raises(ValueError, match="fillcolour"):
        go.Figure(wrong)


def test_a_ten_thousand_fact_story_is_a_trace_per_colour_and_epoch_never_one_per_fact() -> None:
    views, actors = big_story(10_000)
    shown = states(views)
    fig = timeline_figure(shown, actors)
    epochs = {day_number(s.known_from) for s in shown}
    kinds = {s.view.kind for s in shown}
    # polygons per kind and epoch, the legend's, the lane bands and the hover handles
    assert len(fig["data"]) <= len(epochs) * len(kinds) + len(kinds) + 2
    assert all(t["type"] == "scatter" and t["mode"] in ("none", "lines") for t in fig["data"])
    assert len(items(fig)) == 10_000
    assert len(fig["layout"]["meta"]["labels"]["text"]) == 10_000
    assert fig["layout"]["height"] <= 1400


def test_each_trace_names_the_epoch_its_items_are_known_in() -> None:
    views, actors = big_story(1000)
    shown = states(views)
    fig = timeline_figure(shown, actors)
    known = {s.view.id: day_number(s.known_from) for s in shown}
    per_epoch: dict[int, int] = {}
    for replay in replays(fig):
        if replay["counted"]:
            per_epoch[replay["from"]] = per_epoch.get(replay["from"], 0) + len(replay["start"])
    expected: dict[int, int] = {}
    for day in known.values():
        expected[day] = expected.get(day, 0) + 1
    assert per_epoch == expected


@given(st.text(alphabet=st.sampled_from("ab -\N{EN DASH}é\n"), max_size=300), st.integers(5, 80))
def test_hover_lines_keep_every_word_in_order_and_fit_their_width(text: str, width: int) -> None:
    lines = lines_of(text, width)
    assert " ".join(lines).split() == text.split()  # nothing lost, nothing reordered
    for line in lines:
        assert len(line) <= width or " " not in line  # only a single long word runs over
