"""Reading what the timeline draws from the read models: every fact page, the log's
lifecycle events, actors and the picture. Used by the HTTP routes and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from domain.model import Actor, Story
from projections.readmodels import ReadModels
from projections.timeline.items import Shown, changes_from_log, states
from projections.views import AsOf, FactView, Filters, LogEntry, Picture

PAGE = 1000
LOG_PAGE = 10_000


@dataclass(frozen=True)
class StoryData:
    story: Story
    shown: list[Shown]
    actors: dict[str, Actor]
    picture: Picture
    last_position: int  # the log position the page reflects; its live stream resumes after it


def all_facts(read: ReadModels, story: str, as_of: AsOf, filters: Filters) -> list[FactView]:
    views: list[FactView] = []
    cursor: str | None = None
    while True:
        page = read.facts(story, as_of, filters, limit=PAGE, cursor=cursor)
        views += page.items
        if page.next is None:
            return views
        cursor = page.next


def whole_log(read: ReadModels, story: str) -> list[LogEntry]:
    entries: list[LogEntry] = []
    after = 0
    while True:
        batch = read.log(story, after, LOG_PAGE)
        entries += batch
        if len(batch) < LOG_PAGE:
            return entries
        after = batch[-1].position


def story_data(
    read: ReadModels, story: str, as_of: AsOf, filters: Filters, *, picture: bool = True
) -> StoryData:
    """Everything the charts and the page need, as of the asked dates."""
    position = read.last_position()
    found = read.story(story)
    views = all_facts(read, story, as_of, filters)
    log = whole_log(read, story)
    shown = states(views, changes_from_log(log, as_of.known_at, as_of.recorded_at))
    actors = {a.id: a for a in read.actors()}
    seen = (
        read.picture(story, as_of, filters)
        if picture
        else Picture(story=story, title=found.title, as_of=as_of, filters=filters)
    )
    return StoryData(found, shown, actors, seen, position)
