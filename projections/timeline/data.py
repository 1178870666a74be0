"""Reading what the timeline draws from the read models: every fact page, the events of
the facts acted on, actors and the picture. Used by the HTTP routes and the CLI."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from domain.events import (
    DomainEvent,
    FactCorrected,
    FactCorroborated,
    FactDisputed,
    FactReported,
    FactRetracted,
    fact_uuid,
)
from domain.model import Actor, Story
from projections.readmodels import ReadModels
from projections.timeline.items import Shown, states
from projections.views import AsOf, FactView, Filters, LogEntry, Picture

FACT_EVENTS: dict[str, type[DomainEvent]] = {
    "reported": FactReported,
    "corroborated": FactCorroborated,
    "disputed": FactDisputed,
    "corrected": FactCorrected,
    "retracted": FactRetracted,
}

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
    shown = states(views, lives_of(story, log), as_of)
    actors = {a.id: a for a in read.actors()}
    seen = (
        read.picture(story, as_of, filters)
        if picture
        else Picture(story=story, title=found.title, as_of=as_of, filters=filters)
    )
    return StoryData(found, shown, actors, seen, position)


def lives_of(story: str, log: Iterable[LogEntry]) -> dict[str, list[DomainEvent]]:
    """The events of each fact acted on after its report, as stored, from the story's log
    (a fact only reported has one state: its view)."""
    entries: dict[str, list[LogEntry]] = defaultdict(list)
    for entry in log:
        if entry.fact_id is not None and entry.event in FACT_EVENTS:
            entries[entry.fact_id].append(entry)
    return {
        fact_id: [_event(story, entry, n) for n, entry in enumerate(acted, start=1)]
        for fact_id, acted in entries.items()
        if len(acted) > 1
    }


def _event(story: str, entry: LogEntry, version: int) -> DomainEvent:
    """A fact's stored event again, from its log entry (the log leaves out the envelope)."""
    assert entry.fact_id is not None
    event_class = FACT_EVENTS[entry.event]
    fields = {
        **entry.data,
        "originator_id": fact_uuid(story, entry.fact_id),
        "originator_version": version,
        "timestamp": entry.recorded_at,
        "writer": entry.writer,
        "story": story,
    }
    if event_class is not FactReported:
        fields["fact_id"] = entry.fact_id
    return event_class.model_validate(fields)
