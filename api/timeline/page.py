"""The story page: a story's timeline, its facts and the desk's fact form, with Jinja2.

Autoescaping is on for every template, so each user string is escaped in text and in
attribute values; the only unescaped inserts are JSON and JavaScript, made safe for a
``<script>`` element here (``<`` never appears raw in them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib.resources import files
from typing import Any

import orjson
import plotly.offline
from markupsafe import Markup

from api.desk.templating import ENV, OFFLINE, Viewer
from api.desk.views import MAX_CARDS, FactCard, fact_cards, fact_form
from domain.model import FACT_KINDS, Actor, Story
from projections.timeline.data import StoryData
from projections.timeline.figures import (
    COLOR_OPTIONS,
    Figure,
    day_number,
    known_range,
    timeline_figure,
)
from projections.timeline.items import LANE_OPTIONS, Shown
from projections.timeline.knowledge import knowledge_figure
from projections.timeline.lag import lag_figure
from projections.timeline.picture import PictureView, empty_picture, picture_view, replays
from projections.views import LATEST, NO_FILTERS, AsOf, Filters, Picture
from projections.words import meeting_titles, what

MAX_TICKS = 400  # slider tick marks (one per day on which knowledge changed)


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js as shipped inside the installed plotly package (never a CDN)."""
    return str(plotly.offline.get_plotlyjs())


@lru_cache(maxsize=1)
def glue_js() -> str:
    return files("api.timeline").joinpath("static/timeline.js").read_text(encoding="utf-8")


def script_safe(code: str) -> Markup:
    """JavaScript or JSON that cannot close its ``<script>`` element early."""
    return Markup(re.sub(r"<(/?script|!--)", r"<\\\1", code, flags=re.IGNORECASE))


def json_for_script(value: Any) -> Markup:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@dataclass(frozen=True)
class Assets:
    """Where the page gets its scripts: URLs on the server, inlined in an offline file."""

    inline: bool
    plotly_src: str = ""
    glue_src: str = ""

    def context(self) -> dict[str, Any]:
        if not self.inline:
            return {"inline": False, "plotly_src": self.plotly_src, "glue_src": self.glue_src}
        return {
            "inline": True,
            "plotly_js": script_safe(plotly_js()),
            "glue_js": script_safe(glue_js()),
        }


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass
class TimelinePage:
    """Everything one timeline page shows."""

    story: Story
    shown: Sequence[Shown]
    actors: Mapping[str, Actor]
    picture: Picture | None = None
    as_of: AsOf = LATEST
    filters: Filters = NO_FILTERS
    lanes: str = "meeting"
    color: str = "kind"
    viewer: Viewer = OFFLINE  # who reads it; a standalone file has no desk
    desk_js: str = ""
    home_url: str = "/"
    timeline_url: str = ""
    json_url: str | None = None  # None offline: no live refresh
    stream_url: str | None = None
    exports: list[Link] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        data: StoryData,
        as_of: AsOf,
        filters: Filters,
        lanes: str,
        color: str,
        **links: Any,
    ) -> TimelinePage:
        """A page of a story's data; ``links`` are the URLs (none for an offline file)."""
        return cls(
            story=data.story,
            shown=data.shown,
            actors=data.actors,
            picture=data.picture,
            as_of=as_of,
            filters=filters,
            lanes=lanes,
            color=color,
            **links,
        )


def figures(page: TimelinePage) -> dict[str, Figure]:
    title = page.story.title
    return {
        "timeline": timeline_figure(
            page.shown, page.actors, title=title, lanes=page.lanes, color=page.color
        ),
        "lag": lag_figure(page.shown, page.actors, title=title, lanes=page.lanes, color=page.color),
        "knowledge": knowledge_figure(
            page.shown, page.actors, title=title, until=page.as_of.known_at
        ),
    }


def figure_json(figure: Figure) -> str:
    """A figure as compact JSON (orjson; ``<`` stays as is: escape it with ``in_script``)."""
    return orjson.dumps(figure).decode()


def figures_json(charts: Mapping[str, Figure]) -> str:
    """Several figures as one JSON object keyed by chart name."""
    return orjson.dumps(dict(charts)).decode()


def in_script(json_text: str) -> Markup:
    """JSON that cannot end its ``<script>`` element: ``<`` occurs only inside JSON strings,
    where ``<\\/`` and ``\\u003c!--`` are valid escapes."""
    return Markup(json_text.replace("</", "<\\/").replace("<!--", "\\u003c!--"))


def _iso(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day)).isoformat()


def replay_range(shown: Sequence[Shown], known_at: datetime | None) -> dict[str, Any]:
    """The slider's days: from a month before anything was known to the page's date."""
    days: list[int] = known_range(shown)["days"]
    latest = days[-1] if days else day_number(datetime.now(UTC))
    last = day_number(known_at) if known_at else latest
    first = (days[0] if days else last) - 31
    return {
        "first": first,
        "last": last,
        "first_day": _iso(first),
        "last_day": _iso(last),
        "days": days if len(days) <= MAX_TICKS else [],
        "facts": len({s.view.id for s in shown if s.known_until is None}),
    }


COUNTED_KINDS = {"meeting_held": "m", "participant_joined": "p", "participant_absent": "a"}


def counts_table(shown: Sequence[Shown]) -> dict[str, Any]:
    """What the page counts at a replayed date, per fact state: when it was shown (day
    numbers: known from, replaced on, begun on), what it counts as (m meeting, p
    participation, a absence, s statement; C corrected, R retracted, D disputed) and its
    sources (by number: a source is counted once, however many facts it reports)."""
    sources: dict[tuple[str, str], int] = {}
    states: list[list[Any]] = []
    for item in shown:
        view = item.view
        tags = "" if view.status == "retracted" else COUNTED_KINDS.get(view.kind, "")
        tags += "s" if view.kind == "statement_made" else ""
        tags += {"corrected": "C", "retracted": "R"}.get(view.status.value, "")
        tags += "D" if view.disputed else ""
        cited = [
            sources.setdefault((c.name, c.published_at.date().isoformat()), len(sources))
            for c in view.sources
        ]
        until = day_number(item.known_until) if item.known_until else None
        states.append(
            [day_number(item.known_from), until, day_number(view.occurred_earliest), tags, cited]
        )
    return {"states": states}


def _recorded_text(as_of: AsOf) -> str:
    if as_of.recorded_at is None:
        return ""
    return f"as recorded here by {as_of.recorded_at.isoformat(timespec='seconds')}"


def _as_of_text(as_of: AsOf) -> str:
    parts = [f"as known on {as_of.known_at.date()}" if as_of.known_at else "everything known now"]
    if as_of.recorded_at:
        parts.append(f"as recorded here by {as_of.recorded_at.isoformat(timespec='seconds')}")
    if as_of.occurred_until:
        parts.append(f"what had happened by {as_of.occurred_until.date()}")
    return "Showing " + ", ".join(parts)


def _filters_text(filters: Filters) -> str:
    parts = [f"kind: {', '.join(filters.kind)}"] if filters.kind else []
    parts += [f"actor: {filters.actor}"] if filters.actor else []
    parts += [f"meeting: {filters.meeting}"] if filters.meeting else []
    return "; ".join(parts)


def _query(page: TimelinePage) -> dict[str, Any]:
    def day(moment: datetime | None) -> str:
        return moment.date().isoformat() if moment else ""

    return {
        "known_at": day(page.as_of.known_at),
        "recorded_at": day(page.as_of.recorded_at),
        "occurred_until": day(page.as_of.occurred_until),
        "kind": page.filters.kind,
        "actor": page.filters.actor or "",
        "meeting": page.filters.meeting or "",
        "lanes": page.lanes,
        "color": page.color,
    }


def render_timeline(page: TimelinePage, assets: Assets) -> str:
    charts = figures(page)
    replay = replay_range(page.shown, page.as_of.known_at)
    occurred_until = page.as_of.occurred_until
    config = {
        "json_url": page.json_url,
        "stream_url": page.stream_url,
        "occurred_until": day_number(occurred_until) if occurred_until else None,
        "recorded_text": _recorded_text(page.as_of),
    }
    picture = (
        picture_view(page.picture, page.shown, page.actors) if page.picture else empty_picture()
    )
    _mark_disputed(picture, page)
    current = [s.view for s in page.shown if s.known_until is None]
    return ENV.get_template("timeline.html.j2").render(
        story=page.story,
        as_of_text=_as_of_text(page.as_of),
        filters_text=_filters_text(page.filters),
        replay=replay,
        occurred_until_day=occurred_until.date().isoformat() if occurred_until else "",
        query=_query(page),
        kinds=FACT_KINDS,
        lane_options=LANE_OPTIONS,
        color_options=COLOR_OPTIONS,
        picture=picture,
        cards=_cards(page),
        facts_total=len(current),
        max_cards=MAX_CARDS,
        desk=fact_form(current, page.actors),
        viewer=page.viewer,
        desk_js=page.desk_js,
        story_url=f"/stories/{page.story.id}",
        exports=page.exports,
        home_url=page.home_url,
        timeline_url=page.timeline_url,
        figures_json=in_script(figures_json(charts)),
        config_json=json_for_script(config),
        counts_json=json_for_script(counts_table(page.shown)),
        assets=assets.context(),
    )


def _cards(page: TimelinePage) -> list[FactCard]:
    """The story's facts as cards, each with the day it became known and began."""
    current = [s.view for s in page.shown if s.known_until is None]
    names = meeting_titles(current)
    whats = {v.id: what(v, page.actors, names) for v in current}
    when = replays(page.shown)
    known = {k: r.known_from for k, r in when.items()}
    starts = {k: r.start for k, r in when.items()}
    return fact_cards(current, whats, known, starts)


def _mark_disputed(picture: PictureView, page: TimelinePage) -> None:
    """A disputed meeting says so on its card, beside corrected and retracted."""
    if page.picture is None:
        return
    disputed = {
        s.view.meeting_named() or s.view.id
        for s in page.shown
        if s.known_until is None and s.view.disputed and s.view.kind == "meeting_held"
    }
    for card, meeting in zip(picture.meetings, page.picture.meetings, strict=False):
        if meeting.id in disputed and "disputed" not in card.flags:
            card.flags.insert(0, "disputed")
