"""The write side: an eventsourcing Application whose methods load, check, and save.

The customer's layout has no separate service package, so the eventsourcing
``Application`` (use cases over the event store; no SQL of its own) lives here, beside
the model it guards. Storage is chosen by eventsourcing's environment, which the edge
builds from a store URL (``projections.store.store_env``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Notification, Recording, StoredEvent
from eventsourcing.utils import get_topic

from domain.clocks import now
from domain.errors import Conflict, DomainError, NotFound, RuleBroken
from domain.events import (
    ActorRegistered,
    ActorState,
    DomainEvent,
    FactLifecycleEvent,
    FactReported,
    FactState,
    MeetingNamed,
    SeriesNamed,
    Stamp,
    StoryCreated,
    StoryState,
    actor_uuid,
    fact_uuid,
    meeting_uuid,
    project_actor,
    project_fact,
    project_story,
    series_uuid,
    story_uuid,
)
from domain.model import (
    Actor,
    Correction,
    Corroboration,
    Dispute,
    Fact,
    MeetingHeld,
    Retraction,
    Story,
    fact_content,
)
from domain.rules import fact_problems, latest_publication
from domain.transcoding import OrjsonTranscoder, PydanticMapper


@dataclass(frozen=True)
class Written:
    """What a write did: the event's position in the log, or nothing if it was a no-op."""

    id: str
    story: str | None
    position: int | None
    recorded_at: datetime
    created: bool


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one entry of a batch of facts."""

    entry: int
    field: str | None
    message: str
    error: type[DomainError] = RuleBroken  # its kind: NotFound, Conflict or RuleBroken
    differing: tuple[str, ...] = ()  # with a Conflict: the fields whose content differs


@dataclass(frozen=True)
class Plan:
    """A checked batch of facts, ready to append.

    Its events are built a batch at a time (``events_for``), as they are saved: an
    import's 100,000 ``FactReported`` built up front were a fifth of its memory."""

    story: str
    timestamp: datetime
    writer: str
    ids: list[str]
    results: list[Written | None]  # already stored (no-op), or None: appended by the plan
    new: list[Fact]  # the facts to report, in order
    new_series: dict[str, str]  # series first named by this plan: series id -> fact id
    origins: dict[str, datetime]  # facts first recorded by another store: when

    def events_for(self, facts: Sequence[Fact]) -> list[DomainEvent]:
        """Each fact's ``FactReported``, followed by the index events its ids need."""
        out: list[DomainEvent] = []
        for fact in facts:
            assert fact.id is not None
            origin = self.origins.get(fact.id)
            event = FactReported.first(self.story, fact, self.writer, self.timestamp, origin)
            out.append(event)
            if not isinstance(fact, MeetingHeld) or fact.meeting is None:
                continue
            index = {"originator_version": 1, "timestamp": self.timestamp,
                     "writer": self.writer, "origin_recorded_at": origin,
                     "story": self.story, "fact_id": fact.id}  # fmt: skip
            if fact.meeting != fact.id:
                out.append(MeetingNamed(
                    originator_id=meeting_uuid(self.story, fact.meeting), meeting=fact.meeting,
                    **index,
                ))  # fmt: skip
            if fact.series and self.new_series.get(fact.series) == fact.id:
                out.append(SeriesNamed(
                    originator_id=series_uuid(self.story, fact.series), series=fact.series,
                    **index,
                ))  # fmt: skip
        return out


class Rejected(RuleBroken):
    """A batch of facts with problems; nothing of it was appended."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field)
        self.problems = problems


def _generated_id(fact: Fact) -> str:
    return f"{fact.kind.replace('_', '-')}-{uuid.uuid4().hex[:12]}"


def _with_id(fact: Fact, fact_id: str) -> Fact:
    update: dict[str, Any] = {"id": fact_id}
    if fact.kind == "meeting_held" and not fact.meeting:
        update["meeting"] = fact_id
    return fact.model_copy(update=update)


InsertEvents = Callable[[Sequence[StoredEvent]], Sequence[int]]
"""Stores a write's events and returns their positions, or raises IntegrityError."""


def differing_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The fields in which two stored contents differ, sorted (for a 409's message)."""
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


class Reportedly(Application[UUID]):
    """Stories, actors and facts, appended as immutable events."""

    name = "reportedly"
    env: ClassVar[dict[str, str]] = {
        "TRANSCODER_TOPIC": get_topic(OrjsonTranscoder),
        "MAPPER_TOPIC": get_topic(PydanticMapper),
    }

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self._seen: set[UUID] = set()
        self._kinds: dict[UUID, str] = {}
        self._holders: dict[UUID, str] = {}
        self._insert_events: InsertEvents | None = None

    def insert_events_with(self, insert: InsertEvents | None) -> None:
        """Let the storage side store this application's events its own way.

        The edge hands in ``projections.appending``'s group commit on SQLite: a write's
        events, its read-model rows and the tracking position in one transaction, shared
        with the writes that arrive with it. ``None``: the library's recorder again.
        """
        self._insert_events = insert

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, minus its per-object protocol check for our events.

        eventsourcing's ``ProcessingEvent.collect_events`` asks ``isinstance(obj,
        DomainEventProtocol)`` of every object; on Python 3.11 a runtime-checkable
        protocol costs about 80 µs a check, which was most of a 20,000-fact import.
        Our own events are known to be events: they take the library's steps directly
        (record, snapshots, notify); anything else goes through the library's path.
        """
        if not objs or not all(isinstance(o, DomainEvent) for o in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        processing_event.events.extend(objs)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """The library's ``_record``, through ``insert_events_with``'s hook when given."""
        insert = self._insert_events
        if insert is None or processing_event.tracking is not None:
            return super()._record(processing_event)
        events = processing_event.events
        stored = [self.mapper.to_stored_event(e) for e in events]
        positions = insert(stored)
        recordings = [
            Recording(
                event,
                Notification(
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                    id=position,
                ),
            )
            for event, s, position in zip(events, stored, positions, strict=True)
        ]
        if self.repository.cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                self.repository.cache.put(aggregate_id, aggregate)
        return recordings

    # ---- reads of the write model -------------------------------------------------
    def get_story(self, story: str) -> StoryState:
        try:
            state: StoryState = self.repository.get(story_uuid(story), projector_func=project_story)
        except AggregateNotFoundError:
            raise NotFound(f"story {story!r} not found", field="story") from None
        return state

    def get_actor(self, actor: str) -> ActorState:
        try:
            state: ActorState = self.repository.get(actor_uuid(actor), projector_func=project_actor)
        except AggregateNotFoundError:
            raise NotFound(f"actor {actor!r} not found", field="actor") from None
        return state

    def get_fact(self, story: str, fact_id: str) -> FactState:
        try:
            state: FactState = self.repository.get(
                fact_uuid(story, fact_id), projector_func=project_fact
            )
        except AggregateNotFoundError:
            raise NotFound(f"fact {fact_id!r} not found in story {story!r}", field="fact") from None
        return state

    def _find_fact(self, story: str, fact_id: str) -> FactState | None:
        try:
            return self.get_fact(story, fact_id)
        except NotFound:
            return None

    # ---- stories and actors --------------------------------------------------------
    def create_story(
        self,
        story: Story,
        writer: str,
        recorded_at: datetime | None = None,
        origin_recorded_at: datetime | None = None,
    ) -> Written:
        try:
            existing = self.get_story(story.id)
        except NotFound:
            event = StoryCreated(
                originator_id=story_uuid(story.id),
                originator_version=1,
                timestamp=recorded_at or now(),
                writer=writer,
                origin_recorded_at=origin_recorded_at,
                story=story,
            )
            return self._save_new(story.id, event, lambda: self.create_story(story, writer))
        return _same_or_conflict("story", story.id, existing.story, story, existing.created_on)

    def register_actor(
        self,
        actor: Actor,
        writer: str,
        recorded_at: datetime | None = None,
        origin_recorded_at: datetime | None = None,
    ) -> Written:
        try:
            existing = self.get_actor(actor.id)
        except NotFound:
            event = ActorRegistered(
                originator_id=actor_uuid(actor.id),
                originator_version=1,
                timestamp=recorded_at or now(),
                writer=writer,
                origin_recorded_at=origin_recorded_at,
                actor=actor,
            )
            return self._save_new(actor.id, event, lambda: self.register_actor(actor, writer))
        return _same_or_conflict("actor", actor.id, existing.actor, actor, existing.created_on)

    def _save_new(self, ident: str, event: DomainEvent, retry: Callable[[], Written]) -> Written:
        try:
            recordings = self.save(event)
        except IntegrityError:
            # Someone else appended the same id first: answer as if we came second.
            return retry()
        return Written(ident, None, _position(recordings[0]), event.timestamp, created=True)

    # ---- facts ---------------------------------------------------------------------
    def report_fact(
        self, story: str, fact: Fact, writer: str, recorded_at: datetime | None = None
    ) -> Written:
        return self.report_facts(story, [fact], writer, recorded_at)[0]

    def report_facts(
        self,
        story: str,
        facts: Sequence[Fact],
        writer: str,
        recorded_at: datetime | None = None,
    ) -> list[Written]:
        """Append a batch of facts atomically: all of it, or nothing and every problem."""
        self._check_story_exists(story)
        # Optimistic: most appends are new facts, so skip reading each id first and let
        # the store refuse a taken one; then check against what is stored.
        try:
            return self.save_plan(
                self.plan_facts(story, facts, writer, recorded_at, stored=frozenset())
            )
        except IntegrityError:
            return self.save_plan(self.plan_facts(story, facts, writer, recorded_at))

    def plan_facts(
        self,
        story: str,
        facts: Sequence[Fact],
        writer: str,
        recorded_at: datetime | None = None,
        actors: frozenset[str] = frozenset(),
        *,
        stored: Collection[str] | None = None,
        origins: Sequence[datetime | None] = (),
    ) -> Plan:
        """Check a batch against the store and itself; append nothing.

        ``actors`` are ids taken as registered (a story file registers them first).
        ``origins``, beside ``facts`` (an import): when the store each came from first
        recorded it, kept on its events.
        ``stored``, when given, names the ids that may already be stored (e.g. from the
        read models); only those are looked up, the others are taken as new and saving
        fails with IntegrityError if one is taken after all. Raises ``Rejected`` with
        every problem found.
        """
        problems: list[Problem] = []
        results: list[Written | None] = []
        first_recorded: dict[str, datetime] = {}
        batch: dict[str, Fact] = {}
        new: list[tuple[int, Fact]] = []
        ids: list[str] = []
        timestamp = recorded_at or now()
        for i, given in enumerate(facts):
            fact = given if given.id else _with_id(given, _generated_id(given))
            assert fact.id is not None
            ids.append(fact.id)
            results.append(None)
            previous = batch.get(fact.id)
            if previous is not None:
                if fact_content(previous) != fact_content(fact):
                    problems.append(
                        Problem(
                            i,
                            "id",
                            f"id {fact.id!r} appears twice in this batch with different content",
                            Conflict,
                        )
                    )
                continue
            looked_up = stored is None or fact.id in stored
            existing = self._find_fact(story, fact.id) if looked_up else None
            if existing is not None:
                original = fact_content(existing.original)
                if original != fact_content(fact):
                    fields = differing_fields(original, fact_content(fact))
                    problems.append(
                        Problem(
                            i,
                            "id",
                            f"fact {fact.id!r} already exists with "
                            f"other content (differs in: {', '.join(fields)})",
                            Conflict,
                            tuple(fields),
                        )
                    )
                results[-1] = Written(fact.id, story, None, existing.created_on, False)
                continue
            batch[fact.id] = fact
            new.append((i, fact))
            if i < len(origins) and (origin := origins[i]) is not None:
                first_recorded[fact.id] = origin
        # References are checked once the whole batch is known: an entry may name a
        # meeting reported further down the same batch.
        named = self._named_in_batch(story, new, problems)
        latest = latest_publication()
        for i, fact in new:
            problems += [Problem(i, f, m) for f, m in fact_problems(fact, latest)]
            problems += [
                Problem(i, f, m) for f, m in self.reference_problems(story, fact, named, actors)
            ]
        if problems:
            problems.sort(key=lambda p: p.entry)
            raise Rejected(problems)
        reported = [fact for _, fact in new]
        return Plan(story, timestamp, writer, ids, results, reported,
                    self._new_series(story, named), first_recorded)  # fmt: skip

    def save_plan(
        self, plan: Plan, batch_size: int | None = None, progress: Any = None
    ) -> list[Written]:
        """Append a checked plan, in atomic batches of ``batch_size`` facts (each with
        the index events it needs)."""
        positions: dict[str | None, int | None] = {}
        size = batch_size or max(len(plan.new), 1)
        for start in range(0, len(plan.new), size):
            chunk = plan.new[start : start + size]
            events = plan.events_for(chunk)
            recordings = self.save(*events)
            positions.update(
                (e.fact.id, _position(r))
                for e, r in zip(events, recordings, strict=True)
                if isinstance(e, FactReported)
            )
            if progress is not None:
                progress(len(chunk))
        out: list[Written] = []
        for result, fact_id in zip(plan.results, plan.ids, strict=True):
            if result is None:
                position = positions.pop(fact_id, None)  # None: a repeat inside the batch
                result = Written(
                    fact_id, plan.story, position, plan.timestamp, position is not None
                )
            out.append(result)
        return out

    def _named_in_batch(
        self, story: str, new: list[tuple[int, Fact]], problems: list[Problem]
    ) -> dict[str, Fact]:
        """The batch's meetings by meeting id, and its series by series id.

        A meeting id names one meeting: taken twice (in the batch or already in the
        store by another fact) is a problem at ``meeting``."""
        named = names_in(fact for _, fact in new)
        for i, fact in new:
            if not isinstance(fact, MeetingHeld) or fact.meeting is None:
                continue
            taken = named[f"meeting/{fact.meeting}"]  # the first to name it in the batch
            holder = taken.id if taken is not fact else self._meeting_holder(story, fact.meeting)
            if holder is not None and holder != fact.id:
                problems.append(
                    Problem(i, "meeting", f"meeting {fact.meeting!r} is already the id of "
                            f"meeting_held {holder!r}", Conflict)
                )  # fmt: skip
        return named

    def _new_series(self, story: str, named: dict[str, Fact]) -> dict[str, str]:
        """The series a batch names that the story does not hold yet: id -> first fact."""
        return {
            key.removeprefix("series/"): fact.id
            for key, fact in named.items()
            if key.startswith("series/")
            and fact.id is not None
            and not self._exists(series_uuid(story, key.removeprefix("series/")))
        }

    def reference_problems(
        self,
        story: str,
        fact: Fact,
        named: dict[str, Fact] | None = None,
        actors: frozenset[str] = frozenset(),
    ) -> list[tuple[str, str]]:
        """Actors that are not registered, meetings and series the story does not hold.

        ``named``: facts, meetings and series of the batch being written (``fact/<id>``,
        ``meeting/<id>``, ``series/<id>``); ``actors``: actor ids taken as registered."""
        named = named or {}
        problems: list[tuple[str, str]] = []
        for field in fact.actor_fields:
            actor = getattr(fact, field, None)
            if actor and actor not in actors and not self._actor_exists(actor):
                problems.append((field, f"actor {actor!r} is not registered"))
        meeting = fact.referenced_meeting()
        if (
            meeting
            and f"meeting/{meeting}" not in named
            and self._meeting_holder(story, meeting) is None
        ):
            in_batch = named.get(f"fact/{meeting}")
            kind = in_batch.kind if in_batch else self._fact_kind(story, meeting)
            problems.append(
                ("meeting", f"fact {meeting!r} is a {kind}, not a meeting_held")
                if kind not in (None, "meeting_held")
                else ("meeting", f"meeting {meeting!r} is not in story {story!r}")
            )
        series = fact.referenced_series()
        if (
            series
            and f"series/{series}" not in named
            and not self._exists(series_uuid(story, series))
        ):
            problems.append(
                ("series", f"series {series!r} is not in story {story!r}: a meeting_held "
                 "must name it first")
            )  # fmt: skip
        return problems

    def _meeting_holder(self, story: str, meeting: str) -> str | None:
        """The fact id of the meeting_held whose meeting id is ``meeting``, if stored."""
        key = meeting_uuid(story, meeting)
        if key in self._holders:
            return self._holders[key]
        events = self.recorder.select_events(key, limit=1)
        holder: str | None = None
        if events:
            named = self.mapper.to_domain_event(events[0])
            assert isinstance(named, MeetingNamed)
            holder = named.fact_id
        else:  # a meeting whose id is its fact's id has no index event
            state = self._find_fact(story, meeting)
            if state is not None and isinstance(state.original, MeetingHeld):
                holder = meeting if state.original.meeting == meeting else None
        if holder is not None:  # meeting ids are never given up, so remember them
            self._holders[key] = holder
        return holder

    # Stories and actors are never removed, so once seen they are remembered: a hot
    # append path then reads only the fact it writes.
    def _exists(self, originator_id: UUID) -> bool:
        if originator_id in self._seen:
            return True
        found = self.recorder.select_events(originator_id, limit=1) != []
        if found:
            self._seen.add(originator_id)
        return found

    def _fact_kind(self, story: str, fact_id: str) -> str | None:
        # A fact's kind never changes, so it is remembered once read.
        key = fact_uuid(story, fact_id)
        if key not in self._kinds:
            state = self._find_fact(story, fact_id)
            if state is None:
                return None
            self._kinds[key] = state.fact.kind
        return self._kinds[key]

    def _actor_exists(self, actor: str) -> bool:
        return self._exists(actor_uuid(actor))

    def _check_story_exists(self, story: str) -> None:
        if not self._exists(story_uuid(story)):
            raise NotFound(f"story {story!r} not found", field="story")

    # ---- the lifecycle: load, call the fact's command, save ---------------------
    def corroborate(
        self,
        story: str,
        fact_id: str,
        given: Corroboration,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        event = state.corroborate(given.source, self._stamp(writer, recorded_at))
        if event is None:  # the fact already cites this source: nothing to append
            return Written(state.fact_id, state.story, None, state.modified_on, created=False)
        return self._save_acting(event)

    def dispute(
        self,
        story: str,
        fact_id: str,
        given: Dispute,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        stamp = self._stamp(writer, recorded_at)
        return self._save_acting(state.dispute(given.source, given.note, stamp))

    def correct(
        self,
        story: str,
        fact_id: str,
        given: Correction,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        event = state.correct(given.changes, given.source, self._stamp(writer, recorded_at))
        for field, message in self.reference_problems(story, event.fact):
            raise RuleBroken(message, field=f"changes.{field}")
        return self._save_acting(event)

    def retract(
        self,
        story: str,
        fact_id: str,
        given: Retraction,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        stamp = self._stamp(writer, recorded_at)
        return self._save_acting(state.retract(given.source, given.reason, stamp))

    @staticmethod
    def _stamp(writer: str, recorded_at: datetime | None) -> Stamp:
        return Stamp(writer, recorded_at) if recorded_at else Stamp(writer)

    def _save_acting(self, event: FactLifecycleEvent) -> Written:
        try:
            recordings = self.save(event)
        except IntegrityError:
            raise Conflict(
                f"fact {event.fact_id!r} changed while this was written; try again"
            ) from None
        return Written(event.fact_id, event.story, _position(recordings[0]), event.timestamp, True)


def _same_or_conflict(
    what: str, ident: str, stored: Story | Actor, given: Story | Actor, created_on: datetime
) -> Written:
    """A story or actor registered again: a no-op with the same content, else a 409."""
    if stored != given:
        fields = differing_fields(stored.model_dump(), given.model_dump())
        raise Conflict(
            f"{what} {ident!r} already exists with other content (differs in: {', '.join(fields)})",
            differing=fields,
        )
    return Written(ident, None, None, created_on, created=False)


def names_in(facts: Iterable[Fact]) -> dict[str, Fact]:
    """A batch's facts by id, its meetings by meeting id and its series by series id, as
    ``reference_problems`` reads them (``fact/<id>``, ``meeting/<id>``, ``series/<id>``);
    the first fact to name one keeps it."""
    named: dict[str, Fact] = {}
    for fact in facts:
        named.setdefault(f"fact/{fact.id}", fact)
        if isinstance(fact, MeetingHeld) and fact.meeting is not None:
            named.setdefault(f"meeting/{fact.meeting}", fact)
            if fact.series:
                named.setdefault(f"series/{fact.series}", fact)
    return named


def _position(recording: Recording[UUID]) -> int | None:
    return recording.notification.id
