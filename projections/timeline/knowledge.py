"""Knowledge over time: how many facts the public could know by each reported date.

A step line of facts known (cumulative, by the reported clock), with corrections,
retractions and disputes marked on the day their source was published. A dashed line
marks the replay date; the page moves it with the slider.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from domain.model import Actor
from projections.timeline import text
from projections.timeline.figures import (
    FONT,
    NO_TEMPLATE,
    Figure,
    Trace,
    known_range,
    plot_date,
    scatter,
)
from projections.timeline.items import Places, Shown

LISTED = 6  # facts listed in one day's hover label
MARKS = {
    "corrected": ("diamond", "#ff7f0e"),
    "retracted": ("x", "#444444"),
    "disputed": ("triangle-up", "#d62728"),
}


def knowledge_figure(
    shown: Sequence[Shown],
    actors: Mapping[str, Actor],
    *,
    title: str = "",
    until: datetime | None = None,
) -> Figure:
    """Facts known by reported date; ``until`` is the last date drawn (the page's known-at)."""
    places = Places.of(s.view for s in shown)
    first_known: dict[str, Shown] = {}
    for item in shown:
        known = first_known.get(item.view.id)
        if known is None or item.known_from < known.known_from:
            first_known[item.view.id] = item
    per_day: dict[date, list[str]] = defaultdict(list)
    for item in sorted(first_known.values(), key=lambda s: s.known_from):
        per_day[item.known_from.date()].append(places.said(item.view, actors))
    days = sorted(per_day)
    totals: dict[date, int] = {}
    running = 0
    for day in days:
        running += len(per_day[day])
        totals[day] = running
    x: list[str] = []
    y: list[int] = []
    hover: list[str] = []
    if days:
        x.append((days[0] - timedelta(days=31)).isoformat())
        y.append(0)
        hover.append("nothing known yet")
    for day in days:
        x.append(day.isoformat())
        y.append(totals[day])
        hover.append(_day_hover(day, per_day[day], totals[day]))
    last = until.date() if until else (days[-1] + timedelta(days=1) if days else None)
    if last and days and last > days[-1]:
        x.append(last.isoformat())
        y.append(running)
        hover.append(f"<b>{last.isoformat()}</b><br>{running} fact(s) known")
    traces: list[Trace] = [
        scatter(
            name="facts known",
            mode="lines+markers",
            x=x,
            y=y,
            line={"shape": "hv", "color": "#2166ac", "width": 2},
            marker={"size": 5},
            hovertext=hover,
            hoverinfo="text",
        )
    ]
    traces += _lifecycle_traces(shown, totals, actors, places)
    heading = f"{text.esc(title)} — what was known, when" if title else "What was known, when"
    # At the slider's last day (the page's date, else the last day something became known),
    # so the page need not move it before anything is replayed.
    cursor = until or (datetime.combine(days[-1], datetime.min.time()) if days else None)
    xaxis: dict[str, Any] = {
        "type": "date",
        "title": {"text": "reported (when the public could know)"},
    }
    frame = _frame(days, last)
    if frame:
        xaxis["range"] = frame
    layout: dict[str, Any] = {
        "title": {"text": heading, "x": 0.01, "font": {"size": 15}},
        "height": 340,
        "margin": {"l": 60, "r": 10, "t": 50, "b": 50},
        "font": {"family": FONT, "size": 12},
        "hovermode": "closest",
        "hoverlabel": {"align": "left"},
        "plot_bgcolor": "#fbfbfd",
        "xaxis": xaxis,
        "yaxis": {"title": {"text": "facts known"}, "rangemode": "tozero"},
        "meta": {"chart": "knowledge", "replay": known_range(shown)},
        "uirevision": "keep",
        "template": copy.deepcopy(NO_TEMPLATE),
    }
    if cursor:  # (plotly leaves out an empty list of shapes)
        layout["shapes"] = [_cursor(cursor)]
    return Figure(data=traces, layout=layout)


def _frame(days: Sequence[date], last: date | None) -> list[str] | None:
    """From a month before anything was known to the page's date: the replay slider's span."""
    if not days or last is None:
        return None
    return [(days[0] - timedelta(days=31)).isoformat(), (last + timedelta(days=3)).isoformat()]


def _day_hover(day: date, whats: list[str], total: int) -> str:
    lines = [f"<b>{day.isoformat()}</b>: {len(whats)} newly known, {total} in all"]
    lines += [f"· {text.esc(text.shortened(w, 80))}" for w in whats[:LISTED]]
    if len(whats) > LISTED:
        lines.append(f"and {len(whats) - LISTED} more")
    return "<br>".join(lines)


def _lifecycle_traces(
    shown: Sequence[Shown],
    totals: Mapping[date, int],
    actors: Mapping[str, Actor],
    places: Places,
) -> list[Trace]:
    traces: list[Trace] = []
    ordered = sorted(totals)
    for event, (symbol, colour) in MARKS.items():
        items = sorted((s for s in shown if s.began == event), key=lambda s: s.known_from)
        if not items:
            continue
        xs: list[str] = []
        ys: list[int] = []
        hover: list[str] = []
        for item in items:
            day = item.known_from.date()
            xs.append(day.isoformat())
            ys.append(max((totals[d] for d in ordered if d <= day), default=0))
            hover.append(
                f"<b>{event}</b> {plot_date(item.known_from)}<br>"
                + text.wrapped(places.said(item.view, actors))
            )
        traces.append(
            scatter(
                name=event,
                mode="markers",
                x=xs,
                y=ys,
                marker={"symbol": symbol, "size": 12, "color": colour, "line": {"width": 1}},
                hovertext=hover,
                hoverinfo="text",
            )
        )
    return traces


def _cursor(at: datetime) -> dict[str, object]:
    day = plot_date(at.replace(hour=0, minute=0, second=0, microsecond=0))
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": day,
        "x1": day,
        "y0": 0,
        "y1": 1,
        "line": {"color": "#d62728", "width": 1.5, "dash": "dash"},
    }
