"""NDJSON import: every line checked first, then appended in atomic batches.

A line is one event of a story's log, as ``export?format=jsonl`` writes it
(``{"event": "reported", "fact": {...}, "recorded_at": ...}``, ``corroborated``,
``disputed``, ``corrected``, ``retracted``, ``story_created``, ``actor_registered``), or a
bare fact (``{"id": ..., "kind": ..., ...}``). The recorded clock belongs to this store:
every event is appended at this store's time, and the time its first store recorded it
(a line's ``origin_recorded_at``, else its ``recorded_at``) is kept as the event's
``origin_recorded_at``. Importing an export into an empty story so reproduces every
replay on the reported and occurred clocks. Lifecycle lines go through the same commands
of the fact (``FactState.corroborate`` …) as every other write, in file order. Re-running
an import appends nothing: facts are idempotent by id and content, and a lifecycle line
already in the store (same event, same source and content) is skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache, partial
from typing import Annotated, Any, Literal

import orjson
from eventsourcing.persistence import IntegrityError
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api.errors import LineProblem, LinesRejected, error_loc
from domain.application import Plan, Rejected, Reportedly, Written, names_in
from domain.clocks import now
from domain.errors import Conflict, DomainError, NotFound
from domain.events import (
    FactCorrected,
    FactCorroborated,
    FactDisputed,
    FactLifecycleEvent,
    FactReported,
    FactRetracted,
    FactState,
    Stamp,
    project_fact,
)
from domain.messages import plain_problems
from domain.model import (
    FACT_ADAPTER,
    FACT_KINDS,
    Actor,
    Fact,
    FactBase,
    Slug,
    Source,
    Story,
)
from domain.transcoding import json_bytes
from projections.readmodels import ReadModels

# Facts (each with its index events) or lifecycle events a transaction of an import holds.
# Larger batches write fewer pages per line (the events' key index takes each batch's ids
# at random places: 500 of them dirty about as many pages as 5,000), measured 20-30% less
# time a line once a store holds 100,000+ events; a single append that arrives meanwhile
# waits for the batch, about 0.2 s.
BATCH_SIZE = 5_000


class _CollectorPause:
    """Pauses Python's cyclic garbage collector while any import runs.

    An import keeps hundreds of thousands of objects alive until it ends (lines, facts,
    events); each full pass of the cyclic collector walks all of them, which measured
    here as a third of a 100,000-line import's CPU (110 -> 80 us a line). Reference
    counting still frees everything; the collector resumes when the last import ends.
    The server holds it from a body's first chunk to the answer (``import_story``):
    collections between chunks walked the lines parsed so far (54 -> 45 us a line).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._was_enabled:
                    gc.enable()


collector_paused = _CollectorPause()


def give_memory_back() -> None:
    """Hand the memory a finished import freed back to the system.

    An import holds every line, fact and event until it ends (about 5 KB a line at its
    peak, measured on 100,000 lines). Freed, much of it stays with the process: the C
    library's allocator keeps it for reuse, and a server that started at 146 MB held 287
    MB after one such import. glibc's ``malloc_trim`` returns it (about 220 MB there).
    Elsewhere (no such call) this does nothing; the memory is reused by the next import.
    """
    trim = _malloc_trim()  # ctypes releases the GIL for the call: the server goes on
    if trim is not None:
        trim(0)  # returns whether there was any to release: either way, nothing is left


@lru_cache(maxsize=1)
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None where the C library has no such call."""
    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


class LineBase(BaseModel):
    # position, writer, story, kind, version and reported_at are what an export adds
    # for readers; an import takes them but keeps only when the event was first recorded.
    model_config = ConfigDict(extra="forbid", frozen=True)

    recorded_at: datetime | None = None
    origin_recorded_at: datetime | None = None
    position: int | None = None
    writer: str | None = None
    story: Any = None
    kind: str | None = None
    version: int | None = None
    reported_at: datetime | None = None


def _origin(line: Entry) -> datetime | None:
    """When the event was first recorded, by whichever store recorded it first (a bare
    fact: by this one)."""
    if isinstance(line, LineBase):
        return line.origin_recorded_at or line.recorded_at
    return None


def _reported(line: Entry) -> Fact | None:
    """The fact a line reports: a bare fact, or a reported event's."""
    if isinstance(line, FactBase):
        return line
    return line.fact if isinstance(line, ReportedLine) else None


class StoryLine(LineBase):
    event: Literal["story_created"]
    story: Story


class ActorLine(LineBase):
    event: Literal["actor_registered"]
    actor: Actor


class ReportedLine(LineBase):
    event: Literal["reported"]
    fact: Fact
    fact_id: str | None = None


class ActsOnFact(LineBase):
    fact_id: Slug
    source: Source


class CorroboratedLine(ActsOnFact):
    event: Literal["corroborated"]


class DisputedLine(ActsOnFact):
    event: Literal["disputed"]
    note: str


class CorrectedLine(ActsOnFact):
    event: Literal["corrected"]
    changes: dict[str, Any] = Field(min_length=1)
    fact: Any = None  # the new version in full, as exported; rebuilt from changes


class RetractedLine(ActsOnFact):
    event: Literal["retracted"]
    reason: str


LifecycleLine = CorroboratedLine | DisputedLine | CorrectedLine | RetractedLine
Line = Annotated[StoryLine | ActorLine | ReportedLine | LifecycleLine, Field(discriminator="event")]
LINE: TypeAdapter[Line] = TypeAdapter(Line)
# A line as parsed. A bare fact (most imports' lines) is kept as the fact itself: wrapped
# as a reported line it took 700 more bytes a line until the import ended.
Entry = Line | Fact
EVENT_NAMES = {
    FactCorroborated: "corroborated",
    FactDisputed: "disputed",
    FactCorrected: "corrected",
    FactRetracted: "retracted",
}


EVENTS = ("story_created", "actor_registered", "reported", *EVENT_NAMES.values())


LINE_TAGS = {**{k: f"a {k} fact" for k in FACT_KINDS}, **{e: f"a {e} line" for e in EVENTS}}


def _field(loc: Any, bare: bool) -> str | None:
    """A line's field, dotted: ``fact.occurred`` (or ``occurred`` on a bare fact line)."""
    kept = [str(p) for p in loc]
    if kept[:1] and kept[0] in EVENTS:
        kept = kept[1:]
    if bare and kept[:1] == ["fact"]:
        kept = kept[1:]
    return ".".join(kept) or None


def _loc(error: Any, bare: bool) -> str | None:
    """The dotted field of one pydantic error on a line."""
    return _field(error_loc(error), bare)


def parse_line(number: int, text: bytes) -> Entry | list[LineProblem]:
    """One line (a bare fact: the fact), or its problems (field and why)."""
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        return [LineProblem(number, None, f"not valid JSON: {error}")]
    if not isinstance(data, dict):
        return [LineProblem(number, None, "expected a JSON object (one fact or event a line)")]
    bare = "event" not in data
    if bare:
        try:  # the common case, a valid fact: validated as one, without the line's union
            fact: Fact = FACT_ADAPTER.validate_python(data)
            return fact
        except ValidationError:
            pass  # validated as a line below, for the line's own words about each field
        data = {"event": "reported", "fact": data}
    try:
        return LINE.validate_python(data)
    except ValidationError as error:
        found = plain_problems(error.errors(), tags=LINE_TAGS, subject="a line")
        return [LineProblem(number, _field(p.loc, bare), p.message) for p in found]


class LineSplitter:
    """Numbered non-empty lines (from 1) of a body that arrives in chunks."""

    def __init__(self) -> None:
        self.number = 0
        self.rest = b""

    def feed(self, chunk: bytes) -> list[tuple[int, bytes]]:
        *complete, self.rest = (self.rest + chunk).split(b"\n")
        return self._numbered(complete)

    def close(self) -> list[tuple[int, bytes]]:
        last, self.rest = self.rest, b""
        return self._numbered([last])

    def _numbered(self, lines: list[bytes]) -> list[tuple[int, bytes]]:
        out = []
        for line in lines:
            self.number += 1
            if line.strip():
                out.append((self.number, line))
        return out


@dataclass
class Parsed:
    """Lines read so far, and every problem found in them."""

    lines: list[tuple[int, Entry]] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)

    def add(self, numbered: Iterable[tuple[int, bytes]]) -> None:
        with collector_paused():
            self._add(numbered)

    def _add(self, numbered: Iterable[tuple[int, bytes]]) -> None:
        for number, text in numbered:
            result = parse_line(number, text)
            if isinstance(result, list):
                self.problems += result
            else:
                self.lines.append((number, result))

    @classmethod
    def of(cls, body: bytes) -> Parsed:
        parsed = cls()
        splitter = LineSplitter()
        parsed.add(splitter.feed(body))
        parsed.add(splitter.close())
        return parsed


@dataclass
class ImportResult:
    lines: int
    appended: int
    unchanged: int
    last_position: int | None


def _signature(event: str, line_or_event: Any) -> tuple[str, bytes]:
    """What tells a lifecycle line from another: its event, source and content (kept
    for every lifecycle event an import follows, so at its own size)."""
    payload: dict[str, Any] = {
        "source": line_or_event.source.model_dump(mode="json", exclude_none=True)
    }
    for name in ("note", "reason", "changes"):
        if hasattr(line_or_event, name):
            payload[name] = getattr(line_or_event, name)
    return event, json_bytes(payload, option=orjson.OPT_SORT_KEYS)


@dataclass
class _Followed:
    """One fact as the import's lifecycle lines act on it, in file order."""

    state: FactState  # as stored, or as reported by this import, then each new line applied
    stored: Counter[tuple[str, bytes]]  # lifecycle events already in the store
    seen: Counter[tuple[str, bytes]]


StoredIds = Callable[[list[str]], Collection[str]]


class Importer:
    """Checks a whole import against the store and itself, then appends it."""

    def __init__(
        self, app: Reportedly, story: str, writer: str, *, stored: StoredIds | None = None
    ) -> None:
        self.app = app
        self.story = story
        self.writer = writer
        # Tells which of a list of ids may be stored, so only those are looked up one by one.
        self.stored = stored
        self.started = now()
        self.problems: list[LineProblem] = []
        self.followed: dict[str, _Followed] = {}
        self.acting: list[FactLifecycleEvent] = []  # checked lifecycle events, in order
        self.file_facts: dict[str, Fact] = {}
        self.maybe_stored: Collection[str] | None = None  # of the file's ids, per ``stored``
        self.file_actors: set[str] = set()
        self.plan: Plan | None = None
        self.named: dict[str, Fact] = {}
        self.saved = 0  # lines appended so far, batch by batch: what the import appended

    # ---- checking ------------------------------------------------------------------
    def check(self, parsed: Parsed) -> tuple[StoryLine | None, list[ActorLine]]:
        """Every problem of every line, or the story and actors to append besides the
        plan's facts and the lifecycle events (what is stored already is dropped)."""
        self.problems = list(parsed.problems)
        lines = sorted(parsed.lines, key=lambda pair: pair[0])
        story_line = next((ln for _, ln in lines if isinstance(ln, StoryLine)), None)
        story_exists = self._story_exists()
        if not story_exists and story_line is None and not self.problems:
            raise NotFound(
                f"story {self.story!r} not found (create it first, or start the import "
                "with a story_created line)",
                field="story",
            )
        reported: list[tuple[int, Entry, Fact]] = []
        for number, line in lines:
            if isinstance(line, LineBase) and (origin := _origin(line)) and origin > self.started:
                name = "origin_recorded_at" if line.origin_recorded_at else "recorded_at"
                self._problem(number, name, "is in the future")
            if isinstance(line, ActorLine):
                self._check_actor(number, line)
            elif (fact := _reported(line)) is not None:
                reported.append((number, line, fact))
                if fact.id:
                    self.file_facts.setdefault(fact.id, fact)
        self._check_facts(reported)
        actors = [ln for _, ln in lines if isinstance(ln, ActorLine)]
        self.named = names_in(self.file_facts.values())  # what corrections may name
        for number, line in lines:
            if isinstance(line, LifecycleLine):
                self._check_lifecycle(number, line)
        if self.problems:
            raise LinesRejected(sorted(self.problems, key=lambda p: p.line))
        return (None if story_exists else story_line), actors

    def _problem(self, line: int, field_name: str | None, message: str) -> None:
        self.problems.append(LineProblem(line, field_name, message))

    def _story_exists(self) -> bool:
        try:
            self.app.get_story(self.story)
        except NotFound:
            return False
        return True

    def _check_actor(self, number: int, line: ActorLine) -> None:
        self.file_actors.add(line.actor.id)
        try:
            stored = self.app.get_actor(line.actor.id).actor
        except NotFound:
            return
        if stored != line.actor:
            self._problem(number, "actor", f"actor {line.actor.id!r} exists with other content")

    def _check_facts(self, reported: list[tuple[int, Entry, Fact]]) -> None:
        """Every fact reported, through the rules of any write (``plan_facts``)."""
        facts = [fact for _, _, fact in reported]
        if self.stored is not None:
            self.maybe_stored = self.stored(list(self.file_facts))
        try:
            self.plan = self.app.plan_facts(
                self.story,
                facts,
                self.writer,
                self.started,
                actors=frozenset(self.file_actors),
                stored=self.maybe_stored,
                origins=[_origin(line) for _, line, _ in reported],
            )
        except Rejected as rejected:
            for p in rejected.problems:
                number, line, _ = reported[p.entry]
                bare = isinstance(line, FactBase)
                where = p.field if bare or not p.field else f"fact.{p.field}"
                self._problem(number, where, p.message)

    def _follow(self, fact_id: str) -> _Followed | None:
        if fact_id not in self.followed:
            state = None if self._only_here(fact_id) else self._stored_state(fact_id)
            if state is None:
                state = self._reported_here(fact_id)
            if state is None:
                return None
            stored = Counter(
                _signature(EVENT_NAMES[type(e)], e) for e in state.events if type(e) in EVENT_NAMES
            )
            self.followed[fact_id] = _Followed(state, stored, Counter())
        return self.followed[fact_id]

    def _stored_state(self, fact_id: str) -> FactState | None:
        try:
            return self.app.get_fact(self.story, fact_id)
        except NotFound:
            return None

    def _only_here(self, fact_id: str) -> bool:
        """Whether a fact is reported by this import and not stored: no need to look."""
        return (
            self.maybe_stored is not None
            and fact_id in self.file_facts
            and fact_id not in self.maybe_stored
        )

    def _reported_here(self, fact_id: str) -> FactState | None:
        """The state of a fact this import reports, as its report will make it."""
        fact = self.file_facts.get(fact_id)
        if fact is None:
            return None
        reported = FactReported.first(self.story, fact, self.writer, self.started)
        return project_fact(None, [reported])

    def _check_lifecycle(self, number: int, line: LifecycleLine) -> None:
        """Check a line through the fact's own command; keep the event if it is new."""
        followed = self._follow(line.fact_id)
        if followed is None:
            self._problem(
                number,
                "fact_id",
                f"fact {line.fact_id!r} is neither in story "
                f"{self.story!r} nor reported in this import",
            )
            return
        signature = _signature(line.event, line)
        followed.seen[signature] += 1
        if followed.seen[signature] <= followed.stored[signature]:
            return  # already in the store: a re-run
        stamp = Stamp(self.writer, self.started, _origin(line))
        state = followed.state
        try:
            event = _command(state, line, stamp)
        except DomainError as error:
            self._problem(number, error.field, error.message)
            return
        if event is None:
            return  # a corroboration by a source the fact already cites
        if isinstance(event, FactCorrected):
            problems = self.app.reference_problems(
                self.story, event.fact, self.named, frozenset(self.file_actors)
            )
            for name, message in problems:
                self._problem(number, f"changes.{name}", message)
            if problems:
                return
        followed.state = state.then(event)
        self.acting.append(event)

    # ---- appending -----------------------------------------------------------------
    def apply(
        self, story_line: StoryLine | None, actors: list[ActorLine], total: int
    ) -> ImportResult:
        """Append checked lines: story, actors, facts in atomic batches, then lifecycle."""
        try:
            return self._apply(story_line, actors, total)
        except IntegrityError:
            raise Conflict(
                "another writer appended to this story during the import, so it stopped: "
                f"{self.saved:,} of its {total:,} lines had been appended, in whole batches. "
                "Run it again to append the rest (an import never appends the same event twice)"
            ) from None

    def _apply(
        self, story_line: StoryLine | None, actors: list[ActorLine], total: int
    ) -> ImportResult:
        app, last = self.app, None
        written: list[Written] = []
        at = self.started  # this store's recorded clock, for every event of the import
        if story_line is not None:
            story = story_line.story.model_copy(update={"id": self.story})
            written.append(app.create_story(story, self.writer, at, _origin(story_line)))
            self.saved += written[-1].created
        for line in actors:
            written.append(app.register_actor(line.actor, self.writer, at, _origin(line)))
            self.saved += written[-1].created
        if self.plan is not None:
            written += app.save_plan(self.plan, batch_size=BATCH_SIZE, progress=self._batch_saved)
        for start in range(0, len(self.acting), BATCH_SIZE):
            chunk = self.acting[start : start + BATCH_SIZE]
            recordings = app.save(*chunk)
            last = recordings[-1].notification.id
            self._batch_saved(len(chunk))
        for w in written:
            if w.position is not None and (last is None or w.position > last):
                last = w.position
        return ImportResult(total, self.saved, total - self.saved, last)

    def _batch_saved(self, lines: int) -> None:
        self.saved += lines


def _command(state: FactState, line: LifecycleLine, stamp: Stamp) -> FactLifecycleEvent | None:
    """The fact's own command for a lifecycle line: its rules, its event."""
    if isinstance(line, CorroboratedLine):
        return state.corroborate(line.source, stamp)
    if isinstance(line, DisputedLine):
        return state.dispute(line.source, line.note, stamp)
    if isinstance(line, CorrectedLine):
        return state.correct(line.changes, line.source, stamp)
    return state.retract(line.source, line.reason, stamp)


def import_lines(
    app: Reportedly, story: str, writer: str, parsed: Parsed, *, stored: StoredIds | None = None
) -> ImportResult:
    """Check everything (raising ``LinesRejected`` with every bad line), then append.

    ``stored`` tells which of a list of fact ids may already be stored (see
    ``stored_ids_from``); without it every id is looked up in the store one by one.
    """
    importer = Importer(app, story, writer, stored=stored)
    with collector_paused():
        story_line, actors = importer.check(parsed)
        return importer.apply(story_line, actors, total=len(parsed.lines))


def stored_ids_from(read: ReadModels, story: str) -> StoredIds:
    """The read models' answer to "which of these ids may be stored", caught up first.

    An id written after this catch-up is missed; the store then refuses the save."""
    read.catch_up()
    return partial(read.stored_fact_ids, story)
