"""Disclosure lag: each fact a segment from when it occurred to when it was reported.

The Geneva rounds stayed secret for about six and three months; a month-precise fact's
lag is a range (its hover says "164 days to 194 days"), never a made-up day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from domain.model import Actor
from projections.timeline import text
from projections.timeline.figures import (
    base_layout,
    check_options,
    colour_of,
    groups_for,
    known_range,
    markers,
    replay_meta,
    rows_for,
    x_range,
)
from projections.timeline.items import Shown, meeting_titles

LAG_ROW_PX = 11  # thin segments need less room than spans


def lag_figure(
    shown: Sequence[Shown],
    actors: Mapping[str, Actor],
    *,
    title: str = "",
    lanes: str = "meeting",
    color: str = "kind",
) -> go.Figure:
    """Disclosure lag: each fact a segment from when it occurred to when it was reported."""
    check_options(lanes, color)
    rows = rows_for(shown, actors, lanes, lambda v: (v.occurred_earliest, v.reported_at))
    meetings = meeting_titles(s.view for s in shown)
    groups = groups_for(shown, color)
    for item in shown:
        view = item.view
        group = groups[colour_of(view, color)[0]]
        y = rows.y[view.id]
        group.line(item, view.occurred_earliest, view.reported_at, y)
        group.mark(item, view.reported_at, y, text.lag_hover(view, actors, meetings))
    traces: list[go.Scattergl] = []
    for group in groups.values():
        traces.append(
            go.Scattergl(
                name=group.name,
                legendgroup=group.name,
                mode="lines",
                x=group.lines_x,
                y=group.lines_y,
                hoverinfo="skip",
                line={"color": group.colour, "width": 2},
                opacity=0.6,
                meta=replay_meta(group.lined, group.lines_rows, 3),
            )
        )
        traces.append(markers(group, "diamond", 9, legend=False))
    heading = f"{text.esc(title)} — disclosure lag" if title else "Disclosure lag"
    frame = x_range([s.view.occurred_earliest for s in shown], [s.view.reported_at for s in shown])
    x_title = "from when it occurred (start) to when it was reported (◆)"
    layout = base_layout(heading, rows, x_title, frame, row_px=LAG_ROW_PX)
    layout["legend"]["title"] = {"text": f"by {color}"}
    layout["meta"] = {
        "chart": "lag",
        "replay": known_range(shown),
        "lanes": rows.lane_rows,  # so the replay can hide a lane nobody knew of yet
    }
    return go.Figure(data=traces, layout=layout)
