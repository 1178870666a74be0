"""A standalone timeline page: plotly.js, the glue and the data inlined in one HTML file
that opens offline (``reportedly timeline STORY -o file.html``)."""

from __future__ import annotations

from pathlib import Path

from api.timeline.page import Assets, TimelinePage, render_timeline
from projections.readmodels import ReadModels
from projections.timeline.data import story_data
from projections.views import LATEST, NO_FILTERS, AsOf, Filters


def offline_page(
    read: ReadModels,
    story: str,
    as_of: AsOf = LATEST,
    filters: Filters = NO_FILTERS,
    *,
    lanes: str = "meeting",
    color: str = "kind",
) -> str:
    data = story_data(read, story, as_of, filters)
    page = TimelinePage.of(data, as_of, filters, lanes, color, home_url="#")
    return render_timeline(page, Assets(inline=True))


def write_offline_page(html: str, path: Path) -> int:
    """Write the page; returns its size in bytes."""
    data = html.encode()
    path.write_bytes(data)
    return len(data)
