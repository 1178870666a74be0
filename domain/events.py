"""Past-tense events and the immutable aggregates they build.

Events are frozen pydantic models that satisfy eventsourcing's domain-event protocol;
each carries only what changed, the writer's name and its ``timestamp`` (the recorded
clock). Aggregates are rebuilt by pure ``project_*`` functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from hashlib import sha1
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, ValidationError

from domain.clocks import now
from domain.errors import Conflict, RuleBroken
from domain.messages import plain_problems
from domain.model import (
    FACT_KINDS,
    Actor,
    Fact,
    Source,
    Story,
    apply_changes,
    fact_content,
    parse_fact,
)
from domain.rules import fact_problems, latest_publication, raise_first, source_problems

NAMESPACE = uuid5(NAMESPACE_URL, "https://reportedly.invalid/")
_NAMESPACE_HASHED = sha1(NAMESPACE.bytes, usedforsecurity=False)  # as uuid5 hashes


def named_uuid(name: str) -> UUID:
    """``uuid5(NAMESPACE, name)``, from the namespace's hash state kept once: half the
    time of ``uuid5``, which hashes the namespace again for every id (every new fact of
    an import asks for its own)."""
    digest = _NAMESPACE_HASHED.copy()
    digest.update(name.encode())
    return UUID(bytes=digest.digest()[:16], version=5)


# Ids are derived with uuid5 (SHA-1) and asked for over and over (every fact names its
# story, meeting and actors): remembered, the few distinct ones cost nothing.
@lru_cache(maxsize=4096)
def story_uuid(story: str) -> UUID:
    return named_uuid(f"story/{story}")


@lru_cache(maxsize=4096)
def actor_uuid(actor: str) -> UUID:
    return named_uuid(f"actor/{actor}")


@lru_cache(maxsize=4096)
def fact_uuid(story: str, fact: str) -> UUID:
    return named_uuid(f"fact/{story}/{fact}")


@lru_cache(maxsize=4096)
def meeting_uuid(story: str, meeting: str) -> UUID:
    return named_uuid(f"meeting/{story}/{meeting}")


@lru_cache(maxsize=4096)
def series_uuid(story: str, series: str) -> UUID:
    return named_uuid(f"series/{story}/{series}")


class DomainEvent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime  # the recorded clock: when this store appended the event
    writer: str
    # An imported event: when the store it came from first recorded it.
    origin_recorded_at: datetime | None = None


class StoryCreated(DomainEvent):
    story: Story


class ActorRegistered(DomainEvent):
    actor: Actor


class FactReported(DomainEvent):
    story: str
    fact: Fact

    @classmethod
    def first(
        cls,
        story: str,
        fact: Fact,
        writer: str,
        timestamp: datetime,
        origin_recorded_at: datetime | None = None,
    ) -> FactReported:
        """The event that reports ``fact``: version 1 of its aggregate in ``story``
        (``origin_recorded_at``: when the store it came from first recorded it)."""
        return cls(
            originator_id=fact_uuid(story, fact.id),
            originator_version=1,
            timestamp=timestamp,
            writer=writer,
            origin_recorded_at=origin_recorded_at,
            story=story,
            fact=fact,
        )


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
    origin_recorded_at: datetime | None = None  # imported: when its first store recorded it


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

    # ---- commands: each keeps the rules and returns the event to save (or None) ----
    # Every write path (HTTP, CLI, story files, imports, the desk) goes through these.
    def cites(self, source: Source) -> bool:
        """Whether the fact already cites this source (same name, same publication)."""
        key = (source.name, source.published_at)
        return any((s.name, s.published_at) == key for s in self.sources)

    def check_live(self, verb: str) -> None:
        if not self.is_live:
            raise Conflict(
                f"fact {self.fact_id!r} was retracted and cannot be {verb}", field="status"
            )

    def corroborate(self, source: Source, stamp: Stamp) -> FactCorroborated | None:
        """Another source reports it too; None when the fact already cites that source."""
        self.check_live("corroborated")
        raise_first(source_problems(source, "source", stamp.latest))
        if self.cites(source):
            return None
        return FactCorroborated(**self._acting(stamp), source=source)

    def dispute(self, source: Source, note: str, stamp: Stamp) -> FactDisputed:
        """A source contradicts it; both stand, with attribution."""
        self.check_live("disputed")
        raise_first(source_problems(source, "source", stamp.latest))
        return FactDisputed(**self._acting(stamp), source=source, note=note)

    def correct(self, changes: Mapping[str, Any], source: Source, stamp: Stamp) -> FactCorrected:
        """A new version, from the correcting source's date; refused if it changes nothing."""
        self.check_live("corrected")
        raise_first(source_problems(source, "source", stamp.latest))
        touched = self.fact.fixed_fields & changes.keys()
        if touched:
            name = sorted(touched)[0]
            raise RuleBroken(f"a correction cannot change {name!r}", field=f"changes.{name}")
        try:
            corrected = parse_fact(apply_changes(fact_content(self.fact), changes))
        except ValidationError as error:
            first = plain_problems(error.errors(), tags=FACT_KINDS, subject="a fact")[0]
            loc = ".".join(str(p) for p in first.loc)
            # A rule across fields (a statement's speaker) has no field of its own.
            raise RuleBroken(first.message, field=f"changes.{loc}" if loc else "changes") from None
        raise_first(fact_problems(corrected, stamp.latest), "changes.")
        if fact_content(corrected) == fact_content(self.fact):
            raise RuleBroken(
                "this correction changes nothing: the fact already says all of it",
                field="changes",
            )
        return FactCorrected(
            **self._acting(stamp), changes=dict(changes), source=source, fact=corrected
        )

    def retract(self, source: Source, reason: str, stamp: Stamp) -> FactRetracted:
        """Withdrawn from the retracting source's date, with a reason."""
        self.check_live("retracted")
        raise_first(source_problems(source, "source", stamp.latest))
        return FactRetracted(**self._acting(stamp), source=source, reason=reason)

    def then(self, event: DomainEvent) -> FactState:
        """The state once ``event`` (made by a command above) is applied."""
        state = project_fact(self, [event])
        assert state is not None
        return state

    def _acting(self, stamp: Stamp) -> dict[str, Any]:
        return {
            "originator_id": self.id,
            "originator_version": self.version + 1,
            "timestamp": stamp.at,
            "writer": stamp.writer,
            "origin_recorded_at": stamp.origin,
            "story": self.story,
            "fact_id": self.fact_id,
        }


@dataclass(frozen=True)
class Stamp:
    """Who writes, when this store records it, and the last publication date allowed."""

    writer: str
    at: datetime = field(default_factory=now)
    origin: datetime | None = None  # an import: when the first store recorded it
    latest: date = field(default_factory=latest_publication)


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
        "origin_recorded_at": event.origin_recorded_at,
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
