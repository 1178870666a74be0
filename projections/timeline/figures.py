"""The three charts, as plotly figures built from fact states.

1. ``timeline_figure``: each fact at its occurred time, in lanes by meeting, actor or
   kind; a day-precise fact is a marker, a month, year or interval a span over its whole
   period (never a made-up day).
2. ``lag_figure`` (in ``lag.py``): each fact a segment from occurred to reported.
3. ``knowledge_figure`` (in ``knowledge.py``): facts known by each reported date.

Traces are one per colour group (never one per fact) and WebGL, so a story of 10,000
facts stays small and smooth. Each item trace carries, in ``meta.replay``, every item's
interval on the reported clock and its occurred start: the page's replay slider shows or
hides items from these, offline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import plotly.graph_objects as go

from domain.model import Actor
from projections.timeline import text
from projections.timeline.items import (
    LANE_OPTIONS,
    Layout,
    Shown,
    kind_label,
    lane_of,
    meeting_titles,
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
RETRACTED = "#b0b0b0"
DISPUTED = "#d62728"
ROW_BUDGET = 200  # rows in all lanes together, so a huge story keeps a readable height
ROW_PX = 17
# A WebGL canvas much taller than a screen makes every redraw slow (the replay redraws),
# so a big story's rows are squeezed rather than the chart grown.
MAX_HEIGHT = 1400
MAX_BANDS = 400
TICK_CHAR_PX = 6.4  # an average character of the 11px tick font
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_MS = 86_400_000


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


def replay_meta(
    items: Sequence[Shown], rows: Sequence[float], stride: int, counted: bool = False
) -> dict[str, Any]:
    """Per item, as day numbers: when it became known, when a later state replaced it
    (omitted when none was), when it started to happen; and its row.

    The trace's own ``y`` already hides states superseded by the page's date (a fact's
    state before its retraction, say), so the page draws once without replaying.
    """
    replay: dict[str, Any] = {
        "stride": stride,  # points per item in x and y
        "counted": counted,  # the trace draws facts (not hover handles or flags)
        "from": [day_number(s.known_from) for s in items],
        "start": [day_number(s.view.occurred_earliest) for s in items],
        "row": [int(r) if float(r).is_integer() else r for r in rows],
    }
    if any(s.known_until for s in items):
        replay["until"] = [day_number(s.known_until) if s.known_until else None for s in items]
    return {"replay": replay}


@dataclass
class Group:
    """One colour group's items, gathered into parallel arrays for a few traces."""

    name: str
    colour: str
    lines_x: list[str | None] = field(default_factory=list)
    lines_y: list[float | None] = field(default_factory=list)
    lines_rows: list[float] = field(default_factory=list)
    lined: list[Shown] = field(default_factory=list)
    marks_x: list[str] = field(default_factory=list)
    marks_y: list[float | None] = field(default_factory=list)
    marks_rows: list[float] = field(default_factory=list)
    marks_text: list[str] = field(default_factory=list)
    marked: list[Shown] = field(default_factory=list)

    def line(self, item: Shown, start: datetime, end: datetime, y: float) -> None:
        shown = y if item.known_until is None else None
        self.lines_x += [plot_date(start), plot_date(end), None]
        self.lines_y += [shown, shown, None]
        self.lines_rows.append(y)
        self.lined.append(item)

    def mark(self, item: Shown, at: datetime, y: float, hover: str) -> None:
        self.marks_x.append(plot_date(at))
        self.marks_y.append(y if item.known_until is None else None)
        self.marks_rows.append(y)
        self.marks_text.append(hover)
        self.marked.append(item)


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


def groups_for(shown: Sequence[Shown], color: str) -> dict[str, Group]:
    """Empty groups in legend order: the palette's order, retracted last."""
    order = [kind_label(k) for k in KIND_COLOURS] + list(CERTAINTY_COLOURS) + ["retracted"]
    found = {colour_of(s.view, color) for s in shown}
    ranked = sorted(found, key=lambda g: (order.index(g[0]) if g[0] in order else 50, g[0]))
    return {name: Group(name, colour) for name, colour in ranked}


def rows_for(
    shown: Sequence[Shown],
    actors: Mapping[str, Actor],
    lanes: str,
    interval: Callable[[FactView], tuple[datetime, datetime]],
) -> Layout:
    """Lanes and rows; a fact's states share one row (the union of their intervals)."""
    meetings = meeting_titles(s.view for s in shown)
    spans: dict[str, tuple[float, float]] = {}
    lane: dict[str, str] = {}
    for item in shown:
        start, end = (ms(t) / DAY_MS for t in interval(item.view))
        known = spans.get(item.view.id)
        spans[item.view.id] = (min(start, known[0]), max(end, known[1])) if known else (start, end)
        lane[item.view.id] = lane_of(item.view, lanes, actors, meetings)
    if not spans:
        return Layout({}, [], [], 1)
    width = max(e for _, e in spans.values()) - min(s for s, _ in spans.values())
    max_rows = max(1, min(16, ROW_BUDGET // len(set(lane.values()))))
    return pack(spans, lane, min_width=max(width * 0.02, 1.0), max_rows=max_rows)


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
    bands = [
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "y0": first - 0.5,
            "y1": last + 0.5,
            "fillcolor": "#eef1f7",
            "line": {"width": 0},
            "layer": "below",
        }
        for i, (first, last) in enumerate(rows.lane_rows[:MAX_BANDS])
        if i % 2 == 0
    ]
    ticks = [text.tick(label) for label in rows.lane_labels]
    # A margin sized to the lane labels: plotly's automargin redraws the whole figure
    # again, which costs seconds with 10,000 WebGL points.
    longest = max((len(line) for t in ticks for line in t.split("<br>")), default=0)
    left = min(int(longest * TICK_CHAR_PX) + 16, 260)
    xaxis: dict[str, Any] = {"type": "date", "title": {"text": x_title}, "gridcolor": "#dde1ea"}
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
        "shapes": bands,
        "uirevision": "keep",  # live updates keep the reader's zoom
        "template": "none",  # no default template in every figure: smaller JSON
    }


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
) -> go.Figure:
    """When each thing happened: markers for days, spans for months, years and intervals."""
    check_options(lanes, color)
    rows = rows_for(shown, actors, lanes, lambda v: (v.occurred_earliest, v.occurred_latest))
    meetings = meeting_titles(s.view for s in shown)
    spans, days = groups_for(shown, color), groups_for(shown, color)
    flagged = Group("disputed", DISPUTED)
    for item in shown:
        view = item.view
        name = colour_of(view, color)[0]
        y = rows.y[view.id]
        hover = text.hover(view, actors, meetings)
        if view.precision.value == "day":
            at = view.occurred_earliest
            days[name].mark(item, at, y, hover)
        else:  # the whole period, with an invisible hover handle in its middle
            at = view.occurred_earliest + (view.occurred_latest - view.occurred_earliest) / 2
            at = at.replace(hour=0, minute=0, second=0, microsecond=0)
            spans[name].line(item, view.occurred_earliest, view.occurred_latest, y)
            spans[name].mark(item, at, y, hover)
        if view.disputed:
            flagged.mark(item, at, y - 0.45, hover)
    traces: list[go.Scattergl] = []
    for name, group in spans.items():
        traces += _span_traces(group, legend=bool(group.lined))
        traces += _day_traces(days[name], legend=not group.lined)
    if flagged.marked:
        traces.append(markers(flagged, "x", 9, legend=True))
    heading = f"{text.esc(title)} — when it happened" if title else "When it happened"
    frame = x_range(
        [s.view.occurred_earliest for s in shown], [s.view.occurred_latest for s in shown]
    )
    layout = base_layout(
        heading, rows, "occurred (spans: the whole month, year or interval)", frame
    )
    layout["legend"]["title"] = {"text": f"by {color}"}
    layout["meta"] = {
        "chart": "timeline",
        "replay": known_range(shown),
        "lanes": rows.lane_rows,  # so the replay can hide a lane nobody knew of yet
    }
    return go.Figure(data=traces, layout=layout)


def _span_traces(group: Group, *, legend: bool) -> list[go.Scattergl]:
    if not group.lined:
        return []
    retracted = group.name == "retracted"
    lines = go.Scattergl(
        name=group.name,
        legendgroup=group.name,
        showlegend=legend,
        mode="lines",
        x=group.lines_x,
        y=group.lines_y,
        hoverinfo="skip",
        line={"color": group.colour, "width": 7, "dash": "dot" if retracted else "solid"},
        meta=replay_meta(group.lined, group.lines_rows, 3, counted=True),
    )
    return [lines, markers(group, "circle", 9, legend=False, opacity=0.0)]


def _day_traces(group: Group, *, legend: bool) -> list[go.Scattergl]:
    if not group.marked:
        return []
    symbol = "circle-open" if group.name == "retracted" else "circle"
    return [markers(group, symbol, 11, legend=legend, counted=True)]


def markers(
    group: Group,
    symbol: str,
    size: int,
    *,
    legend: bool,
    opacity: float = 1.0,
    counted: bool = False,
) -> go.Scattergl:
    return go.Scattergl(
        name=group.name,
        legendgroup=group.name,
        showlegend=legend,
        mode="markers",
        x=group.marks_x,
        y=group.marks_y,
        hovertext=group.marks_text,
        hoverinfo="text",
        marker={"color": group.colour, "size": size, "symbol": symbol, "opacity": opacity},
        meta=replay_meta(group.marked, group.marks_rows, 1, counted),
    )
