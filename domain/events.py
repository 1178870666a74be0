"""Past-tense events and the immutable aggregates they build.

Events are frozen pydantic models that satisfy eventsourcing's domain-event protocol;
each carries only what changed, the writer's name and its ``timestamp`` (the recorded
clock). Aggregates are rebuilt by pure ``project_*`` functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from domain.model import Actor, Fact, Source, Story

NAMESPACE = uuid5(NAMESPACE_URL, "https://reportedly.invalid/")


# Ids are derived with uuid5 (SHA-1) and asked for over and over (every fact names its
# story, meeting and actors): remembered, the few distinct ones cost nothing.
@lru_cache(maxsize=4096)
def story_uuid(story: str) -> UUID:
    return uuid5(NAMESPACE, f"story/{story}")


@lru_cache(maxsize=4096)
def actor_uuid(actor: str) -> UUID:
    return uuid5(NAMESPACE, f"actor/{actor}")


@lru_cache(maxsize=4096)
def fact_uuid(story: str, fact: str) -> UUID:
    return uuid5(NAMESPACE, f"fact/{story}/{fact}")


@lru_cache(maxsize=4096)
def meeting_uuid(story: str, meeting: str) -> UUID:
    return uuid5(NAMESPACE, f"meeting/{story}/{meeting}")


@lru_cache(maxsize=4096)
def series_uuid(story: str, series: str) -> UUID:
    return uuid5(NAMESPACE, f"series/{story}/{series}")


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    writer: str


class StoryCreated(DomainEvent):
    story: Story


class ActorRegistered(DomainEvent):
    actor: Actor


class FactReported(DomainEvent):
    story: str
    fact: Fact


class FactLifecycleEvent(DomainEvent):
    """An event acting on a reported fact, on the word of a source."""

    story: str
    fact_id: str
    source: Source


class FactCorroborated(FactLifecycleEvent):
    pass


class FactDisputed(FactLifecycleEvent):
    note: str


class FactCorrected(FactLifecycleEvent):
    changes: dict[str, Any]
    fact: Fact  # the new version in full, so readers never re-apply changes


class FactRetracted(FactLifecycleEvent):
    reason: str


class MeetingNamed(DomainEvent):
    """The write side's index: meeting id ``meeting`` of ``story`` is fact ``fact_id``.

    Saved with the ``FactReported`` of a ``meeting_held`` whose meeting id is not its
    fact id, so later writes can name the meeting. Read models ignore it.
    """

    story: str
    meeting: str
    fact_id: str


class SeriesNamed(DomainEvent):
    """The write side's index: ``series`` exists in ``story`` (first named by ``fact_id``).

    Read models ignore it.
    """

    story: str
    series: str
    fact_id: str


INDEX_EVENTS = (MeetingNamed, SeriesNamed)

LIFECYCLE_EVENTS = (FactCorroborated, FactDisputed, FactCorrected, FactRetracted)


class Status(StrEnum):
    active = "active"
    corrected = "corrected"
    retracted = "retracted"


class Aggregate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID
    version: int
    created_on: datetime
    modified_on: datetime


class StoryState(Aggregate):
    story: Story


class ActorState(Aggregate):
    actor: Actor


class FactState(Aggregate):
    story: str
    fact: Fact  # the current version
    status: Status
    events: tuple[DomainEvent, ...]  # its whole lifecycle, first report included

    @property
    def fact_id(self) -> str:
        assert self.fact.id is not None
        return self.fact.id

    @property
    def original(self) -> Fact:
        """The fact as first reported, before any correction."""
        first = self.events[0]
        assert isinstance(first, FactReported)
        return first.fact

    @property
    def is_live(self) -> bool:
        return self.status is not Status.retracted

    @property
    def sources(self) -> list[Source]:
        cited = list(self.fact.sources)
        cited += [e.source for e in self.events if isinstance(e, FactCorroborated)]
        return cited


TState = TypeVar("TState", bound=Aggregate)


def _next(state: TState, event: DomainEvent, **changes: Any) -> TState:
    return state.model_copy(
        update={"version": event.originator_version, "modified_on": event.timestamp, **changes}
    )


def _born(event: DomainEvent) -> dict[str, Any]:
    """An aggregate's fields as its first event creates it."""
    return {
        "id": event.originator_id,
        "version": event.originator_version,
        "created_on": event.timestamp,
        "modified_on": event.timestamp,
    }


def project_story(state: StoryState | None, events: Iterable[DomainEvent]) -> StoryState | None:
    for event in events:
        assert isinstance(event, StoryCreated)
        state = StoryState(**_born(event), story=event.story)
    return state


def project_actor(state: ActorState | None, events: Iterable[DomainEvent]) -> ActorState | None:
    for event in events:
        assert isinstance(event, ActorRegistered)
        state = ActorState(**_born(event), actor=event.actor)
    return state


def project_fact(state: FactState | None, events: Iterable[DomainEvent]) -> FactState | None:
    for event in events:
        if isinstance(event, FactReported):
            state = FactState(
                **_born(event),
                story=event.story,
                fact=event.fact,
                status=Status.active,
                events=(event,),
            )
            continue
        assert state is not None, "a lifecycle event needs its reported fact"
        history = (*state.events, event)
        if isinstance(event, FactCorrected):
            state = _next(state, event, fact=event.fact, status=Status.corrected, events=history)
        elif isinstance(event, FactRetracted):
            state = _next(state, event, status=Status.retracted, events=history)
        else:
            state = _next(state, event, events=history)
    return state
