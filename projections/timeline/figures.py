"""The three charts, as plotly figures built from fact states.

1. ``timeline_figure``: each fact at its occurred time, in lanes by meeting, actor or
   kind; a day-precise fact is a diamond on its day, a month, year or interval a bar over
   its whole period (never a made-up day).
2. ``lag_figure`` (in ``lag.py``): each fact a segment from occurred to reported.
3. ``knowledge_figure`` (in ``knowledge.py``): facts known by each reported date.

Marks are filled SVG polygons, gathered into one trace per colour group and *epoch* (the
day a state became known and the day a later state replaced it): one path element per
trace, never one per fact, so a story of 10,000 facts draws fast without WebGL (which a
browser without a GPU renders in software, slowly). The page's replay slider then shows
or hides whole traces by their opacity, a style change that redraws nothing; each trace
names its epoch in ``meta.replay``. One trace of invisible hover handles carries the
hover text, each point shown or not by its own ``hoverinfo``.

A figure is plain data (``Figure``: the JSON ``Plotly.newPlot`` takes, as plotly's
``to_plotly_json()`` gives it), never plotly's graph objects, which validate and deep-copy
every element of every array (a third of a big story's page build). The tests check that
plotly's own validation accepts each chart's figure.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from domain.model import Actor
from projections.timeline import text
from projections.timeline.items import (
    LANE_OPTIONS,
    Layout,
    Places,
    Shown,
    kind_label,
    lane_of,
    pack,
)
from projections.views import FactView

COLOR_OPTIONS = ("kind", "certainty")
KIND_COLOURS = {
    "meeting_held": "#1f77b4",
    "participant_joined": "#2ca02c",
    "participant_absent": "#ff7f0e",
    "actor_briefed": "#9467bd",
    "topic_discussed": "#17becf",
    "statement_made": "#8c564b",
    "disclosure_published": "#e377c2",
    "policy_announced": "#bcbd22",
    "claim": "#393b79",
}
CERTAINTY_COLOURS = {"confirmed": "#1b7837", "reported": "#2166ac", "alleged": "#e08214"}
OTHER_COLOUR = "#637939"
RETRACTED = "rgba(150,150,150,0.55)"
DISPUTED = "#d62728"
ROW_BUDGET = 200  # rows in all lanes together, so a huge story keeps a readable height
ROW_PX = 17
LINE_PX = 13  # a line of a lane label
MAX_HEIGHT = 1400  # a big story's rows are squeezed rather than the page made endless
TICK_CHAR_PX = 6.4  # an average character of the 11px tick font
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000
BAR = 0.32  # half a bar's height, in rows
DIAMOND = 0.42
DAY_WIDTH = 0.004  # half a day-mark's width, as a share of the chart's time frame
STRIDE = 5  # points per polygon: four corners and the gap that ends it

Point = tuple[float | None, float | None]
# The hover handles are invisible lines: their labels get the page's colours, not theirs.
HOVER_LABEL = {"bgcolor": "#ffffff", "bordercolor": "#5b6475", "font": {"color": "#1d2330"}}
# plotly's "none" template as a figure carries it (``plotly.io.templates["none"]``): no
# default template in every figure, so smaller JSON.
NO_TEMPLATE = {"data": {"scatter": [{"type": "scatter"}]}}

Trace = dict[str, Any]  # a plotly trace as JSON: its "type" and the properties set


class Figure(TypedDict):
    """A plotly figure as JSON-ready data, what ``Plotly.newPlot`` takes (serialise it as
    it is: it holds only dicts, lists, strings, numbers, booleans and None)."""

    data: list[Trace]
    layout: dict[str, Any]


def scatter(**properties: Any) -> Trace:
    """A scatter trace of the properties given (plotly.js gives the others their defaults).
    The values are used as they are: no copy, no validation."""
    return {"type": "scatter", **properties}


def ms(moment: datetime) -> int:
    """Milliseconds since the epoch."""
    return int((moment - EPOCH) / timedelta(milliseconds=1))


def day_number(moment: datetime) -> int:
    """Days since the epoch (UTC): what the browser's replay compares. Replay dates are
    whole days ("known on 2024-01-11" means by the end of that day), so a fact known at
    any time of a day is known on that day."""
    return (moment - EPOCH) // timedelta(days=1)


def plot_date(moment: datetime) -> str:
    if moment.hour == moment.minute == moment.second == 0:
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def rect(x0: float, x1: float, y: float, half: float = BAR) -> list[Point]:
    return [(x0, y - half), (x1, y - half), (x1, y + half), (x0, y + half), (None, None)]


def diamond(x: float, half_width: float, y: float, half: float = DIAMOND) -> list[Point]:
    return [(x - half_width, y), (x, y - half), (x + half_width, y), (x, y + half), (None, None)]


def flag(x: float, half_width: float, y: float) -> list[Point]:
    """A small red triangle above a mark, pointing at it: disputed."""
    tip = (x, y - BAR - 0.04)
    return [(x - half_width, y - 0.72), (x + half_width, y - 0.72), tip, tip, (None, None)]


Epoch = tuple[int, int | None]  # the day a state became known; the day it was replaced


def epoch_of(item: Shown) -> Epoch:
    return day_number(item.known_from), day_number(item.known_until) if item.known_until else None


@dataclass
class Shapes:
    """One trace's polygons: the items of one colour group (or the flags) in one epoch."""

    x: list[float | None] = field(default_factory=list)
    y: list[float | None] = field(default_factory=list)
    rows: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)

    def add(self, item: Shown, row: float, points: list[Point]) -> None:
        self.x += [p[0] for p in points]
        self.y += [None if p[1] is None else round(p[1], 3) for p in points]
        self.rows.append(row)
        self.starts.append(day_number(item.view.occurred_earliest))


@dataclass
class Handles(Shapes):
    """A chart's hover handles: a point per item, with its text."""

    text: list[str] = field(default_factory=list)


def _row(row: float) -> float:
    return int(row) if float(row).is_integer() else row


def _replay(epoch: Epoch, drawn: Shapes, stride: int, counted: bool) -> dict[str, Any]:
    """What the page's replay needs of a trace: its epoch as day numbers (``until``
    omitted when no later state replaced it), each item's occurred start and row, and the
    points per item."""
    replay: dict[str, Any] = {
        "from": epoch[0],
        "stride": stride,
        "counted": counted,  # the trace draws facts (not flags or hover handles)
        "start": drawn.starts,
        "row": [_row(r) for r in drawn.rows],
    }
    if epoch[1] is not None:
        replay["until"] = epoch[1]
    return {"replay": replay}


@dataclass
class Marks:
    """A chart's marks, by epoch: polygons per colour group, flags, hover handles."""

    stride: int = STRIDE
    shapes: dict[tuple[Epoch, str], Shapes] = field(default_factory=dict)
    flags: dict[Epoch, Shapes] = field(default_factory=dict)
    handles: Handles = field(default_factory=Handles)
    handle_epochs: list[Epoch] = field(default_factory=list)

    def add(
        self, item: Shown, group: tuple[str, str], row: float, points: list[Point], at: Point,
        hover: str,
    ) -> None:  # fmt: skip
        """An item: its polygon in its group's trace, its hover handle at ``at``."""
        epoch = epoch_of(item)
        self.shapes.setdefault((epoch, group[0]), Shapes()).add(item, row, points)
        self.handles.add(item, row, [at])
        self.handles.text.append(hover)
        self.handle_epochs.append(epoch)

    def flag(self, item: Shown, row: float, points: list[Point]) -> None:
        self.flags.setdefault(epoch_of(item), Shapes()).add(item, row, points)

    def traces(self, colours: Mapping[str, str]) -> list[Trace]:
        """Polygons in legend order within each epoch, then flags, then hover handles;
        each group in the legend once, and all of its traces toggled together."""
        order = list(colours)
        drawn_groups = {g for _, g in self.shapes}
        traces = [
            _polygons(g, colours[g], Shapes(x=[None], y=[None]), True, i)
            for i, g in enumerate(order)
            if g in drawn_groups
        ]
        if self.flags:
            traces.append(_polygons("disputed", DISPUTED, Shapes([None], [None]), True, len(order)))
        ranked = sorted(
            self.shapes.items(), key=lambda e: (_sortable(e[0][0]), order.index(e[0][1]))
        )
        for (epoch, group), drawn in ranked:
            trace = _polygons(group, colours[group], drawn, False, order.index(group))
            traces.append(_epoch(trace, epoch, drawn, self.stride, counted=True))
        for epoch, drawn in sorted(self.flags.items(), key=lambda e: _sortable(e[0])):
            trace = _polygons("disputed", DISPUTED, drawn, False, len(order))
            traces.append(_epoch(trace, epoch, drawn, STRIDE, counted=False))
        traces.append(self.hover_trace())
        return traces

    def hover_trace(self) -> Trace:
        """The hover handles, one trace for the chart: an invisible line through a point
        per item, each with its own ``hoverinfo`` ("none" for a state replaced by the
        page's date) and its epoch in ``meta.replay`` (``from``, ``until`` per point)."""
        handles = self.handles
        replay = _replay((0, None), handles, 1, counted=False)["replay"]
        replay["from"] = [e[0] for e in self.handle_epochs]
        replay["until"] = [e[1] for e in self.handle_epochs]
        replay["handles"] = True
        return scatter(
            name="",
            showlegend=False,
            mode="lines",
            x=handles.x,
            y=handles.y,
            line={"width": 0, "color": "rgba(0,0,0,0)"},
            hovertext=handles.text,
            hoverinfo=["none" if e[1] is not None else "text" for e in self.handle_epochs],
            hoverlabel=copy.deepcopy(HOVER_LABEL),
            meta={"replay": replay},
        )


def _epoch(trace: Trace, epoch: Epoch, drawn: Shapes, stride: int, counted: bool) -> Trace:
    """The trace with its epoch; a state replaced by the page's date is drawn invisible
    (its replaced day is the page's date or before), so the figure reads right alone."""
    trace["meta"] = _replay(epoch, drawn, stride, counted)
    if epoch[1] is not None:
        trace["opacity"] = 0.0
    return trace


def _sortable(epoch: Epoch) -> tuple[int, float]:
    return epoch[0], math.inf if epoch[1] is None else epoch[1]


# What a trace of no items (the legend's, the lane bands) tells the replay: always shown.
NO_ITEMS = {"replay": {"from": 0, "stride": STRIDE, "counted": False, "start": [], "row": []}}


def _polygons(name: str, colour: str, drawn: Shapes, legend: bool, rank: int) -> Trace:
    return scatter(
        meta=copy.deepcopy(NO_ITEMS),
        name=name,
        legendgroup=name,
        legendrank=rank + 1,
        showlegend=legend,
        mode="none",
        fill="toself",
        fillcolor=colour,
        x=drawn.x,
        y=drawn.y,
        hoverinfo="skip",
    )


def check_options(lanes: str, color: str) -> None:
    if lanes not in LANE_OPTIONS:
        raise ValueError(f"lanes must be one of {', '.join(LANE_OPTIONS)}, not {lanes!r}")
    if color not in COLOR_OPTIONS:
        raise ValueError(f"color must be one of {', '.join(COLOR_OPTIONS)}, not {color!r}")


def colour_of(view: FactView, color: str) -> tuple[str, str]:
    """The item's colour group name and colour; retracted facts are greyed out."""
    if view.status == "retracted":
        return "retracted", RETRACTED
    if color == "certainty":
        return view.certainty.value, CERTAINTY_COLOURS[view.certainty.value]
    return kind_label(view.kind), KIND_COLOURS.get(view.kind, OTHER_COLOUR)


def groups_for(shown: Sequence[Shown], color: str) -> dict[str, str]:
    """The colour groups drawn, in legend order (the palette's, retracted last)."""
    order = [kind_label(k) for k in KIND_COLOURS] + list(CERTAINTY_COLOURS) + ["retracted"]
    found = {colour_of(s.view, color) for s in shown}
    ranked = sorted(found, key=lambda g: (order.index(g[0]) if g[0] in order else 50, g[0]))
    return dict(ranked)


def rows_for(
    shown: Sequence[Shown],
    actors: Mapping[str, Actor],
    lanes: str,
    interval: Callable[[FactView], tuple[datetime, datetime]],
    row_px: int = ROW_PX,
) -> Layout:
    """Lanes and rows; a fact's states share one row (the union of their intervals), and
    a lane has rows enough for its label's wrapped lines."""
    places = Places.of(s.view for s in shown)
    spans: dict[str, tuple[float, float]] = {}
    lane: dict[str, str] = {}
    for item in shown:
        start, end = (ms(t) / DAY_MS for t in interval(item.view))
        known = spans.get(item.view.id)
        spans[item.view.id] = (min(start, known[0]), max(end, known[1])) if known else (start, end)
        lane[item.view.id] = lane_of(item.view, lanes, actors, places)
    if not spans:
        return Layout({}, [], [], 1)
    width = max(e for _, e in spans.values()) - min(s for s, _ in spans.values())
    labels = set(lane.values())
    max_rows = max(1, min(16, ROW_BUDGET // len(labels)))
    min_rows = {k: math.ceil(text.tick_lines(k) * LINE_PX / row_px) for k in labels}
    if sum(min_rows.values()) > ROW_BUDGET:  # a huge story: labels thinned out instead
        min_rows = {}
    return pack(spans, lane, max(width * 0.02, 1.0), max_rows, min_rows)


def x_range(starts: Sequence[datetime], ends: Sequence[datetime]) -> list[str]:
    """A fixed frame, padded a little, so the replay hides items without rescaling."""
    if not starts:
        return []
    first, last = min(starts), max(ends)
    pad = max((last - first) * 0.03, timedelta(days=3))
    return [plot_date(first - pad), plot_date(last + pad)]


def base_layout(
    title: str, rows: Layout, x_title: str, frame: list[str], row_px: int = ROW_PX
) -> dict[str, Any]:
    ticks = [text.tick(label) for label in rows.lane_labels]
    # A margin sized to the lane labels: plotly's automargin would draw the figure twice.
    longest = max((len(line) for t in ticks for line in t.split("<br>")), default=0)
    left = min(int(longest * TICK_CHAR_PX) + 16, 260)
    xaxis: dict[str, Any] = {
        "type": "date",
        "title": {"text": x_title},
        "gridcolor": "#dde1ea",
        "hoverformat": "%Y-%m-%d",
    }
    if frame:
        xaxis["range"] = frame
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "height": min(max(rows.rows * row_px + 150, 320), MAX_HEIGHT),
        "margin": {"l": left, "r": 10, "t": 50, "b": 50},
        "font": {"family": FONT, "size": 12},
        "hovermode": "closest",
        "hoverlabel": {"align": "left", "namelength": 0},
        "legend": {"tracegroupgap": 2},
        "plot_bgcolor": "#fbfbfd",
        "xaxis": xaxis,
        "yaxis": {
            "tickmode": "array",
            "tickvals": rows.lane_centres,
            "ticktext": ticks,
            "tickfont": {"size": 11},
            "range": [rows.rows + 0.2, -1.0],  # reversed: the first lane on top
            "zeroline": False,
            "showgrid": False,
        },
        "uirevision": "keep",  # live updates keep the reader's zoom
        "template": copy.deepcopy(NO_TEMPLATE),
    }


def bands(rows: Layout, frame: list[str]) -> Trace:
    """Every other lane on a tinted band, all in one path (as many shapes would each be
    drawn apart, slowly), across the chart's frame; drawn first, under the marks."""
    x0, x1 = (
        ms(datetime.fromisoformat(f).replace(tzinfo=UTC)) for f in frame or [EPOCH.isoformat()] * 2
    )
    drawn = Shapes()
    for first, last in rows.lane_rows[::2]:
        drawn.x += [x0, x1, x1, x0, None]
        drawn.y += [first - 0.5, first - 0.5, last + 0.5, last + 0.5, None]
    return scatter(
        name="",
        showlegend=False,
        mode="none",
        fill="toself",
        fillcolor="#eef1f7",
        x=drawn.x,
        y=drawn.y,
        hoverinfo="skip",
        meta=copy.deepcopy(NO_ITEMS),
    )


def known_range(shown: Sequence[Shown]) -> dict[str, Any]:
    """The days on which what was known changed, and how many facts there are."""
    days = {day_number(s.known_from) for s in shown}
    days |= {day_number(s.known_until) for s in shown if s.known_until}
    return {"days": sorted(days), "facts": len({s.view.id for s in shown})}


def timeline_figure(
    shown: Sequence[Shown],
    actors: Mapping[str, Actor],
    *,
    title: str = "",
    lanes: str = "meeting",
    color: str = "kind",
) -> Figure:
    """When each thing happened: diamonds for days, bars for months, years and intervals,
    each labelled (``meta.labels``: the page draws as many as fit)."""
    check_options(lanes, color)
    rows = rows_for(shown, actors, lanes, lambda v: (v.occurred_earliest, v.occurred_latest))
    places = Places.of(s.view for s in shown)
    frame = x_range(
        [s.view.occurred_earliest for s in shown], [s.view.occurred_latest for s in shown]
    )
    half_day = frame_ms(frame) * DAY_WIDTH
    marks = Marks()
    labels = Labels()
    for item in shown:
        view = item.view
        y = rows.y[view.id]
        start, end = ms(view.occurred_earliest), ms(view.occurred_latest)
        if view.precision.value == "day":
            at, points = start, diamond(start, half_day, y)
        else:  # the whole period, its hover handle in its middle
            at, points = (start + end) // 2, rect(start, end, y)
        hover = text.hover(view, actors, places)
        marks.add(item, colour_of(view, color), y, points, (at, y), hover)
        if view.disputed:
            marks.flag(item, y, flag(at, half_day, y))
        labels.add(item, y, start, end, text.esc(text.mark_label(view, actors, places)))
    heading = f"{text.esc(title)} — when it happened" if title else "When it happened"
    layout = base_layout(
        heading, rows, "occurred (bars: the whole month, year or interval; ◆ a day)", frame
    )
    layout["legend"]["title"] = {"text": f"by {color}"}
    layout["meta"] = {
        "chart": "timeline",
        "replay": known_range(shown),
        "lanes": rows.lane_rows,  # so the replay can hide a lane nobody knew of yet
        "labels": labels.meta(),
    }
    traces = [bands(rows, frame), *marks.traces(groups_for(shown, color))]
    return Figure(data=traces, layout=layout)


def frame_ms(frame: list[str]) -> float:
    if not frame:
        return float(DAY_MS)
    first, last = (datetime.fromisoformat(f).replace(tzinfo=UTC) for f in frame)
    return float(ms(last) - ms(first))


@dataclass
class Labels:
    """Per item, what the page needs to label its mark: where it is (days since the
    epoch, row), its words, and when it is shown (day numbers)."""

    x0: list[float] = field(default_factory=list)
    x1: list[float] = field(default_factory=list)
    row: list[float] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    known: list[Epoch] = field(default_factory=list)
    start: list[int] = field(default_factory=list)

    def add(self, item: Shown, row: float, x0: int, x1: int, words: str) -> None:
        self.x0.append(_row(round(x0 / DAY_MS, 3)))
        self.x1.append(_row(round(x1 / DAY_MS, 3)))
        self.row.append(_row(row))
        self.text.append(words)
        self.known.append(epoch_of(item))
        self.start.append(day_number(item.view.occurred_earliest))

    def meta(self) -> dict[str, Any]:
        return {
            "x0": self.x0,
            "x1": self.x1,
            "row": self.row,
            "text": self.text,
            "from": [k[0] for k in self.known],
            "until": [k[1] for k in self.known],
            "start": self.start,
        }
