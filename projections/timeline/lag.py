"""Disclosure lag: each fact a segment from when it occurred to when it was reported.

The Geneva rounds stayed secret for about six and three months; a month-precise fact's
lag is a range (its hover says "164 days to 194 days"), never a made-up day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from domain.model import Actor
from projections.timeline import text
from projections.timeline.figures import (
    Figure,
    Marks,
    bands,
    base_layout,
    check_options,
    colour_of,
    groups_for,
    known_range,
    ms,
    rect,
    rows_for,
    x_range,
)
from projections.timeline.items import Places, Shown

LAG_ROW_PX = 11  # thin segments need less room than bars
SEGMENT = 0.3  # half a segment's height, in rows


def lag_figure(
    shown: Sequence[Shown],
    actors: Mapping[str, Actor],
    *,
    title: str = "",
    lanes: str = "meeting",
    color: str = "kind",
) -> Figure:
    """Disclosure lag: each fact a segment from when it occurred to when it was reported."""
    check_options(lanes, color)
    interval = lambda v: (v.occurred_earliest, v.reported_at)  # noqa: E731
    rows = rows_for(shown, actors, lanes, interval, LAG_ROW_PX)
    places = Places.of(s.view for s in shown)
    frame = x_range([s.view.occurred_earliest for s in shown], [s.view.reported_at for s in shown])
    marks = Marks()
    for item in shown:
        view = item.view
        y = rows.y[view.id]
        start, reported = ms(view.occurred_earliest), ms(view.reported_at)
        points = rect(start, reported, y, SEGMENT)
        hover = text.lag_hover(view, actors, places)
        marks.add(item, colour_of(view, color), y, points, (reported, y), hover)
    heading = f"{text.esc(title)} — disclosure lag" if title else "Disclosure lag"
    x_title = "from when it occurred (left end) to when it was reported (right end)"
    layout = base_layout(heading, rows, x_title, frame, row_px=LAG_ROW_PX)
    layout["legend"]["title"] = {"text": f"by {color}"}
    layout["meta"] = {
        "chart": "lag",
        "replay": known_range(shown),
        "lanes": rows.lane_rows,  # so the replay can hide a lane nobody knew of yet
    }
    traces = [bands(rows, frame), *marks.traces(groups_for(shown, color))]
    return Figure(data=traces, layout=layout)
