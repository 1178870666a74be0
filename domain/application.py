"""The write side: an eventsourcing Application whose methods load, check, and save.

The customer's layout has no separate service package, so the eventsourcing
``Application`` (use cases over the event store; no SQL of its own) lives here, beside
the model it guards. Storage is chosen by environment (see ``store_env``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Recording
from eventsourcing.utils import get_topic
from pydantic import ValidationError

from domain.clocks import now
from domain.errors import Conflict, NotFound, RuleBroken
from domain.events import (
    ActorRegistered,
    ActorState,
    DomainEvent,
    FactCorrected,
    FactCorroborated,
    FactDisputed,
    FactLifecycleEvent,
    FactReported,
    FactRetracted,
    FactState,
    StoryCreated,
    StoryState,
    actor_uuid,
    fact_uuid,
    project_actor,
    project_fact,
    project_story,
    story_uuid,
)
from domain.messages import plain_problems
from domain.model import (
    FACT_KINDS,
    Actor,
    Correction,
    Corroboration,
    Dispute,
    Fact,
    MeetingHeld,
    Retraction,
    Story,
    fact_content,
    parse_fact,
)
from domain.rules import fact_problems, latest_publication, raise_first, source_problems
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
    status: int  # 404 unknown story, 409 conflict, 422 broken rule
    differing: tuple[str, ...] = ()  # with a 409: the fields whose content differs


@dataclass(frozen=True)
class Plan:
    """A checked batch of facts, ready to append."""

    story: str
    timestamp: datetime
    ids: list[str]
    results: list[Written | None]  # already stored (no-op), or None: appended by the plan
    events: list[FactReported]


class Rejected(RuleBroken):
    """A batch of facts with problems; nothing of it was appended."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, field=first.field)
        self.problems = problems


def store_env(database_url: str | None) -> dict[str, str]:
    """eventsourcing's environment for a database URL.

    ``sqlite:///path/file.db`` (the default form), ``postgresql://user:pass@host:port/db``
    or ``memory://`` (tests).
    """
    if not database_url or database_url.startswith("memory:"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc:  # sqlite://relative/path.db; sqlite:///abs/path.db keeps its "/"
            path = parts.netloc + path
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}
    if parts.scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
        }
        return env
    raise ValueError(
        f"REPORTEDLY_DATABASE_URL: unsupported scheme {parts.scheme!r} "
        "(use sqlite:///path.db, postgresql://user:pass@host:port/db or memory://)"
    )


def _generated_id(fact: Fact) -> str:
    return f"{fact.kind.replace('_', '-')}-{uuid.uuid4().hex[:12]}"


def _with_id(fact: Fact, fact_id: str) -> Fact:
    update: dict[str, Any] = {"id": fact_id}
    if fact.kind == "meeting_held" and not fact.meeting:
        update["meeting"] = fact_id
    return fact.model_copy(update=update)


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
        self, story: Story, writer: str, recorded_at: datetime | None = None
    ) -> Written:
        try:
            existing = self.get_story(story.id)
        except NotFound:
            event = StoryCreated(
                originator_id=story_uuid(story.id),
                originator_version=1,
                timestamp=recorded_at or now(),
                writer=writer,
                story=story,
            )
            return self._save_new(story.id, event, lambda: self.create_story(story, writer))
        return _same_or_conflict("story", story.id, existing.story, story, existing.created_on)

    def register_actor(
        self, actor: Actor, writer: str, recorded_at: datetime | None = None
    ) -> Written:
        try:
            existing = self.get_actor(actor.id)
        except NotFound:
            event = ActorRegistered(
                originator_id=actor_uuid(actor.id),
                originator_version=1,
                timestamp=recorded_at or now(),
                writer=writer,
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
    ) -> Plan:
        """Check a batch against the store and itself; append nothing.

        ``actors`` are ids taken as registered (a story file registers them first).
        ``stored``, when given, names the ids that may already be stored (e.g. from the
        read models); only those are looked up, the others are taken as new and saving
        fails with IntegrityError if one is taken after all. Raises ``Rejected`` with
        every problem found.
        """
        problems: list[Problem] = []
        results: list[Written | None] = []
        events: list[FactReported] = []
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
                            409,
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
                            409,
                            tuple(fields),
                        )
                    )
                results[-1] = Written(fact.id, story, None, existing.created_on, False)
                continue
            batch[fact.id] = fact
            new.append((i, fact))
            events.append(
                FactReported(
                    originator_id=fact_uuid(story, fact.id),
                    originator_version=1,
                    timestamp=timestamp,
                    writer=writer,
                    story=story,
                    fact=fact,
                )
            )
        # References are checked once the whole batch is known: an entry may name a
        # meeting reported further down the same batch.
        # A meeting is named by its meeting id (its fact id unless it says otherwise).
        named: dict[str, Fact] = dict(batch)
        named.update(
            (f.meeting, f) for f in batch.values() if isinstance(f, MeetingHeld) and f.meeting
        )
        latest = latest_publication()
        for i, fact in new:
            problems += [Problem(i, f, m, 422) for f, m in fact_problems(fact, latest)]
            problems += [
                Problem(i, f, m, 422) for f, m in self._check_references(story, fact, named, actors)
            ]
        if problems:
            problems.sort(key=lambda p: p.entry)
            raise Rejected(problems)
        return Plan(story, timestamp, ids, results, events)

    def save_plan(
        self, plan: Plan, batch_size: int | None = None, progress: Any = None
    ) -> list[Written]:
        """Append a checked plan, in atomic batches of ``batch_size`` events."""
        positions: dict[str | None, int | None] = {}
        size = batch_size or max(len(plan.events), 1)
        for start in range(0, len(plan.events), size):
            chunk = plan.events[start : start + size]
            recordings = self.save(*chunk)
            positions.update(
                (e.fact.id, _position(r)) for e, r in zip(chunk, recordings, strict=True)
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

    def _check_references(
        self,
        story: str,
        fact: Fact,
        batch: dict[str, Fact],
        actors: frozenset[str] = frozenset(),
    ) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        for field in fact.actor_fields:
            actor = getattr(fact, field, None)
            if actor and actor not in actors and not self._actor_exists(actor):
                problems.append((field, f"actor {actor!r} is not registered"))
        meeting = fact.referenced_meeting()
        if meeting:
            in_batch = batch.get(meeting)
            kind = in_batch.kind if in_batch else self._fact_kind(story, meeting)
            if kind is None:
                problems.append(("meeting", f"meeting {meeting!r} is not in story {story!r}"))
            elif kind != "meeting_held":
                problems.append(("meeting", f"fact {meeting!r} is a {kind}, not a meeting_held"))
        return problems

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

    # ---- the lifecycle -------------------------------------------------------------
    def corroborate(
        self,
        story: str,
        fact_id: str,
        given: Corroboration,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        self._check_live(state, "corroborated")
        raise_first(source_problems(given.source, "source", latest_publication()))
        cited = {(s.name, s.published_at) for s in state.sources}
        if (given.source.name, given.source.published_at) in cited:
            # The fact already cites this source: nothing new to append.
            return Written(state.fact_id, state.story, None, state.modified_on, created=False)
        return self._append(state, FactCorroborated, writer, recorded_at, source=given.source)

    def dispute(
        self,
        story: str,
        fact_id: str,
        given: Dispute,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        self._check_live(state, "disputed")
        raise_first(source_problems(given.source, "source", latest_publication()))
        return self._append(
            state, FactDisputed, writer, recorded_at, source=given.source, note=given.note
        )

    def correct(
        self,
        story: str,
        fact_id: str,
        given: Correction,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        self._check_live(state, "corrected")
        raise_first(source_problems(given.source, "source", latest_publication()))
        touched = state.fact.fixed_fields & given.changes.keys()
        if touched:
            field = sorted(touched)[0]
            raise RuleBroken(f"a correction cannot change {field!r}", field=f"changes.{field}")
        merged = {**fact_content(state.fact), **given.changes}
        merged = {k: v for k, v in merged.items() if v is not None}
        try:
            corrected = parse_fact(merged)
        except ValidationError as error:
            first = plain_problems(error.errors(), tags=FACT_KINDS, subject="a fact")[0]
            loc = ".".join(str(p) for p in first.loc)
            # A rule across fields (a statement's speaker) has no field of its own.
            field = f"changes.{loc}" if loc else "changes"
            raise RuleBroken(first.message, field=field) from None
        raise_first(fact_problems(corrected, latest_publication()), "changes.")
        if fact_content(corrected) == fact_content(state.fact):
            raise RuleBroken(
                "this correction changes nothing: the fact already says all of it",
                field="changes",
            )
        for field, message in self._check_references(story, corrected, {}):
            raise RuleBroken(message, field=f"changes.{field}")
        return self._append(
            state,
            FactCorrected,
            writer,
            recorded_at,
            changes=given.changes,
            source=given.source,
            fact=corrected,
        )

    def retract(
        self,
        story: str,
        fact_id: str,
        given: Retraction,
        writer: str,
        recorded_at: datetime | None = None,
    ) -> Written:
        state = self.get_fact(story, fact_id)
        self._check_live(state, "retracted")
        raise_first(source_problems(given.source, "source", latest_publication()))
        return self._append(
            state, FactRetracted, writer, recorded_at, source=given.source, reason=given.reason
        )

    @staticmethod
    def _check_live(state: FactState, verb: str) -> None:
        if not state.is_live:
            raise Conflict(
                f"fact {state.fact_id!r} was retracted and cannot be {verb}", field="status"
            )

    def _append(
        self,
        state: FactState,
        event_class: type[FactLifecycleEvent],
        writer: str,
        recorded_at: datetime | None,
        **fields: Any,
    ) -> Written:
        event = event_class(
            originator_id=state.id,
            originator_version=state.version + 1,
            timestamp=recorded_at or now(),
            writer=writer,
            story=state.story,
            fact_id=state.fact_id,
            **fields,
        )
        try:
            recordings = self.save(event)
        except IntegrityError:
            raise Conflict(
                f"fact {state.fact_id!r} changed while this was written; try again"
            ) from None
        return Written(state.fact_id, state.story, _position(recordings[0]), event.timestamp, True)


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


def _position(recording: Recording[UUID]) -> int | None:
    return recording.notification.id
