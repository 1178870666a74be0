"""Applies the event log to the read-model tables: one batch of events per transaction.

The hot path decodes only the fields it needs from the stored JSON (msgspec structs, no
pydantic), converts each clock to integer microseconds, and on SQLite inserts new facts
a few dozen rows per statement. A batch's rows and its tracking position are committed
together, after claiming the tracked position by compare-and-set, so an event is applied
exactly once or not at all.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import Any, Final

import msgspec
import orjson
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from pydantic import BaseModel

from projections.schema import (
    ALWAYS,
    NEVER,
    OCCURRED_US,
    PUBLISHED_US,
    VERSION_COLUMNS,
    VERSION_MUTABLE,
    moment_us,
    occurred_us,
    published_us,
    recorded_us,
)
from projections.store import Cursor, Store

Record = tuple[int, str, bytes]
"""One stored event: its position (notification id), topic and plain JSON state."""

TOPIC = "domain.events:"
REPORTED = f"{TOPIC}FactReported"
STORY_CREATED = f"{TOPIC}StoryCreated"
ACTOR_REGISTERED = f"{TOPIC}ActorRegistered"
LIFECYCLE = {
    f"{TOPIC}FactCorroborated": "corroborated",
    f"{TOPIC}FactDisputed": "disputed",
    f"{TOPIC}FactCorrected": "corrected",
    f"{TOPIC}FactRetracted": "retracted",
}
MEETING_HELD = "meeting_held"
# The write side's own index of meeting and series ids: nothing for a reader.
INDEX = frozenset({f"{TOPIC}MeetingNamed", f"{TOPIC}SeriesNamed"})


class ProjectionError(RuntimeError):
    """The log holds something the read models cannot take; nothing of the batch is kept."""


# What the read models take from a stored fact event; msgspec skips every other field
# without building it, which makes decoding several times cheaper than a whole document.
class _Source(msgspec.Struct, gc=False):
    published: str


class _Fact(msgspec.Struct, gc=False):
    id: str
    kind: str
    occurred: str
    sources: list[_Source]
    meeting: str | None = None
    series: str | None = None
    actor: str | None = None

    def meeting_named(self) -> str | None:
        """The meeting the fact names; a ``meeting_held``'s own id defaults to the fact's
        (events stored before meetings had ids carry none)."""
        if self.meeting is None and self.kind == MEETING_HELD:
            return self.id
        return self.meeting


class _Reported(msgspec.Struct, gc=False):
    story: str
    timestamp: datetime  # msgspec parses it in C: markedly cheaper than in Python
    fact: _Fact


class _Acted(msgspec.Struct, gc=False):
    story: str
    fact_id: str
    timestamp: datetime
    source: _Source
    fact: _Fact | None = None  # a correction's whole corrected fact


_DECODE_REPORTED = msgspec.json.Decoder(_Reported).decode
_DECODE_ACTED = msgspec.json.Decoder(_Acted).decode


@dataclass(slots=True)
class VersionRow:
    story: str
    fact_id: str
    version: int
    kind: str
    position: int
    first_position: int
    first_recorded: int
    occurred_earliest: int
    occurred_latest: int
    meeting: str | None
    series: str | None
    actor: str | None
    orig_published: int
    first_published: int
    reported_from: int
    recorded_from: int
    reported_until: int
    recorded_until: int
    corroborations: int
    disputes: int
    retracted: int
    stored: bool  # already in rm_versions (then only VERSION_MUTABLE columns change)

    @classmethod
    def reported(cls, new: NewRow) -> VersionRow:
        """The first version of a fact from its report's ``NewRow``."""
        return cls(**dict(zip(VERSION_COLUMNS, full_row(new), strict=True)), stored=False)

    @classmethod
    def stored_row(cls, row: Any) -> VersionRow:
        return cls(**{c: row[c] for c in VERSION_COLUMNS}, stored=True)

    def values(self) -> tuple[Any, ...]:
        return _VALUES(self)

    def changes(self) -> tuple[Any, ...]:
        return (
            self.first_published,
            self.reported_until,
            self.recorded_until,
            self.corroborations,
            self.disputes,
            self.retracted,
            self.story,
            self.fact_id,
            self.version,
        )


NewRow = tuple[str, str, str, int, int, int, int, str | None, str | None, str | None, int]
"""A fact's first version, just reported, as the few values it does not share with every
other first version: story, fact_id, kind, position, recorded, occurred earliest and
latest, meeting, series, actor, published. A rebuild makes one per fact: the fewer values, the
less Python builds and binds."""


def full_row(new: NewRow) -> tuple[Any, ...]:
    """A ``NewRow`` with every column of ``rm_versions``, in ``VERSION_COLUMNS`` order."""
    (story, fact_id, kind, position, recorded, earliest, latest, meeting, series, actor,
     published) = new  # fmt: skip
    # fmt: off
    return (
        story, fact_id, 1, kind, position, position, recorded, earliest, latest, meeting,
        series, actor, published, published, ALWAYS, recorded, NEVER, NEVER, 0, 0, 0,
    )
    # fmt: on


# The same, with SQLite's numbered parameters: each value bound once, constants inline.
_NEW_VALUES = (
    "(?{1}, ?{2}, 1, ?{3}, ?{4}, ?{4}, ?{5}, ?{6}, ?{7}, ?{8}, ?{9}, ?{10}, ?{11}, ?{11}, "
    f"{ALWAYS}, ?{{5}}, {NEVER}, {NEVER}, 0, 0, 0)"
)
NEW_ROW_WIDTH = 11
NEW_POSITION: Final = 3  # where a NewRow holds its log position


@cache
def insert_new_sqlite(rows_per_statement: int) -> str:
    """One INSERT of ``rows_per_statement`` ``NewRow``s, for SQLite."""
    values = []
    for k in range(rows_per_statement):
        base = k * NEW_ROW_WIDTH
        values.append(_NEW_VALUES.format(*range(base, base + NEW_ROW_WIDTH + 1)))
    return f"INSERT INTO rm_versions ({', '.join(VERSION_COLUMNS)}) VALUES {', '.join(values)}"


_VALUES = attrgetter(*VERSION_COLUMNS)
_COLUMNS = ", ".join(VERSION_COLUMNS)
INSERT_VERSION = (
    f"INSERT INTO rm_versions ({_COLUMNS}) VALUES ({', '.join('?' * len(VERSION_COLUMNS))})"
)
UPDATE_VERSION = (
    f"UPDATE rm_versions SET {', '.join(f'{c} = ?' for c in VERSION_MUTABLE)} "
    "WHERE story = ? AND fact_id = ? AND version = ?"
)
SELECT_VERSIONS = (
    f"SELECT {_COLUMNS} FROM rm_versions WHERE story = ? AND fact_id = ? ORDER BY version"
)
INSERT_EVENT = "INSERT INTO rm_events VALUES (?, ?)"
INSERT_LIFECYCLE = "INSERT INTO rm_lifecycle VALUES (?, ?, ?, ?, ?, ?, ?)"
INSERT_STORY = "INSERT INTO rm_stories VALUES (?, ?, ?, ?)"
INSERT_ACTOR = "INSERT INTO rm_actors VALUES (?, ?, ?, ?)"


class _Batch:
    """The rows one batch of events adds or changes, written at the end in bulk."""

    def __init__(self, view: Store, c: Cursor | None) -> None:
        """``c`` may come later (``finish``): a batch can be decoded before its turn to
        write."""
        self.view = view
        self._c = c
        self.copy = view.copy_events
        self.deferred: list[Record] = []  # events other than reports, held for ``finish``
        self.events: list[tuple[Any, ...]] = []  # copies, where events live elsewhere
        self.lifecycle: list[tuple[Any, ...]] = []
        self.stories: list[tuple[Any, ...]] = []
        self.actors: list[tuple[Any, ...]] = []
        self.facts: dict[tuple[str, str], list[VersionRow]] = {}
        # Facts first reported in this batch and not acted on yet: plain rows, the
        # common case of a rebuild, kept as tuples (no object per fact).
        self.new: dict[tuple[str, str], NewRow] = {}
        self.timestamp: datetime | None = None
        self.recorded = 0

    @property
    def c(self) -> Cursor:
        if self._c is None:
            raise RuntimeError("this batch has no transaction yet: call finish(c)")
        return self._c

    def recorded_at(self, timestamp: datetime) -> int:
        if timestamp != self.timestamp:  # a batch of writes shares one timestamp
            self.timestamp, self.recorded = timestamp, moment_us(timestamp)
        return self.recorded

    def apply_all(self, records: Sequence[Record], *, defer: bool = False) -> None:
        """Apply ``records`` in log order.

        Fact reports, nearly all of a log, take the inlined path below: a rebuild runs it
        hundreds of thousands of times, and each call saved shows in its throughput.
        ``defer``: only decode the reports (no database needed) and hold every other
        event for ``finish``; the result is the same, as an event acting on a fact only
        ever follows that fact's report.
        """
        new, copy, events, decode = self.new, self.copy, self.events, _DECODE_REPORTED
        occurred_cache, published_cache = OCCURRED_US, PUBLISHED_US
        timestamp: datetime | None = None
        recorded = 0
        position = 0
        try:
            for position, topic, raw in records:
                if topic != REPORTED:
                    if defer:
                        self.deferred.append((position, topic, raw))
                    else:
                        self.apply_other(position, topic, raw)
                    continue
                if copy:
                    events.append((position, raw))
                state = decode(raw)
                fact = state.fact
                if state.timestamp != timestamp:  # a batch of writes shares one timestamp
                    timestamp = state.timestamp
                    recorded = moment_us(timestamp)
                span = occurred_cache.get(fact.occurred) or occurred_us(fact.occurred)
                sources = fact.sources
                if len(sources) == 1:
                    when = sources[0].published
                    published = published_cache.get(when) or published_us(when)
                else:
                    published = min(published_us(s.published) for s in sources)
                new[(state.story, fact.id)] = (
                    state.story, fact.id, fact.kind, position, recorded, span[0], span[1],
                    fact.meeting_named(), fact.series, fact.actor, published,
                )  # fmt: skip
        except msgspec.MsgspecError as error:
            raise ProjectionError(
                f"event at position {position} ({REPORTED}) cannot be read: {error}"
            ) from error

    def finish(self, c: Cursor) -> None:
        """Apply the held events in the transaction of ``c``, then write everything."""
        self._c = c
        for record in self.deferred:
            self.apply_other(*record)
        self.deferred.clear()
        self.write()

    def apply_other(self, position: int, topic: str, raw: bytes) -> None:
        """Apply an event other than a fact report."""
        if topic in INDEX:
            return
        if self.copy:
            self.events.append((position, raw))
        try:
            if (event := LIFECYCLE.get(topic)) is not None:
                self.acted_on(position, event, _DECODE_ACTED(raw))
            elif topic == STORY_CREATED:
                state = orjson.loads(raw)
                story = state["story"]
                recorded = recorded_us(state["timestamp"])
                self.stories.append((story["id"], position, recorded, orjson.dumps(story)))
            elif topic == ACTOR_REGISTERED:
                state = orjson.loads(raw)
                actor = state["actor"]
                recorded = recorded_us(state["timestamp"])
                self.actors.append((actor["id"], position, recorded, orjson.dumps(actor)))
            else:
                raise ProjectionError(f"event at position {position}: unknown topic {topic!r}")
        except (msgspec.MsgspecError, orjson.JSONDecodeError, KeyError, TypeError) as error:
            raise ProjectionError(
                f"event at position {position} ({topic}) cannot be read: {error}"
            ) from error

    def acted_on(self, position: int, event: str, state: _Acted) -> None:
        story = state.story
        fact_id = state.fact_id
        rows = self.versions(position, story, fact_id)
        published = published_us(state.source.published)
        recorded = self.recorded_at(state.timestamp)
        self.lifecycle.append((story, fact_id, position, event, rows[0].kind, published, recorded))
        if event == "corroborated":
            for row in rows:
                row.corroborations += 1
                row.first_published = min(row.first_published, published)
        elif event == "disputed":
            for row in rows:
                row.disputes += 1
        else:  # corrected or retracted: ends the live interval of every earlier version
            for row in rows:
                row.reported_until = min(row.reported_until, published)
                row.recorded_until = min(row.recorded_until, recorded)
            if event == "retracted":
                for row in rows:
                    row.retracted = 1
            elif state.fact is None:
                raise ProjectionError(
                    f"event at position {position}: a correction without its fact"
                )
            else:
                self.corrected(position, rows, state.fact, published, recorded)

    @staticmethod
    def corrected(
        position: int, rows: list[VersionRow], fact: _Fact, published: int, recorded: int
    ) -> None:
        last = rows[-1]
        earliest, latest = occurred_us(fact.occurred)
        # fmt: off
        rows.append(VersionRow(
            last.story, last.fact_id, last.version + 1, last.kind, position,
            last.first_position, last.first_recorded, earliest, latest, fact.meeting_named(),
            fact.series, fact.actor, last.orig_published, last.first_published, published, recorded,
            NEVER, NEVER, last.corroborations, last.disputes, last.retracted, False,
        ))
        # fmt: on

    def versions(self, position: int, story: str, fact_id: str) -> list[VersionRow]:
        key = (story, fact_id)
        rows = self.facts.get(key)
        reported = self.new.get(key)
        # Reported in this batch, and before this event (a log acting first is broken).
        if rows is None and reported is not None and reported[NEW_POSITION] < position:
            rows = [VersionRow.reported(self.new.pop(key))]
            self.facts[key] = rows
        if rows is None:
            found = self.view.execute(self.c, SELECT_VERSIONS, (story, fact_id)).fetchall()
            if not found:
                raise ProjectionError(
                    f"event at position {position}: fact {fact_id!r} of story {story!r} "
                    "was never reported"
                )
            rows = [VersionRow.stored_row(r) for r in found]
            self.facts[(story, fact_id)] = rows
        return rows

    def write(self) -> None:
        view, c = self.view, self.c
        view.executemany(c, INSERT_STORY, self.stories)
        view.executemany(c, INSERT_ACTOR, self.actors)
        view.executemany(c, INSERT_EVENT, self.events)
        view.executemany(c, INSERT_LIFECYCLE, self.lifecycle)
        versions: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []
        for rows in self.facts.values():
            for row in rows:
                if row.stored:
                    changed.append(row.changes())
                else:
                    versions.append(row.values())
        view.executemany(c, INSERT_VERSION, versions)
        view.executemany(c, UPDATE_VERSION, changed)
        reported = list(self.new.values())
        reported.sort()  # in key order: B-tree inserts stay local, markedly faster
        if view.dialect == "sqlite":
            insert_new_rows(view, c, reported)
        else:
            view.executemany(c, INSERT_VERSION, [full_row(r) for r in reported])


def insert_new_rows(view: Store, c: Cursor, rows: list[NewRow]) -> None:
    """Insert first versions on SQLite, ``ROWS_PER_INSERT`` rows per statement.

    Each statement is one step of SQLite's engine; row by row, the per-row overhead of
    the driver is a large part of a rebuild.
    """
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    view.executemany(
        c,
        insert_new_sqlite(ROWS_PER_INSERT),
        [
            tuple(chain.from_iterable(rows[i : i + ROWS_PER_INSERT]))
            for i in range(0, whole, ROWS_PER_INSERT)
        ],
    )
    view.executemany(c, insert_new_sqlite(1), rows[whole:])


# 32 rows of 11 values: 352 parameters, under the 999 every SQLite build allows by default.
ROWS_PER_INSERT = 32


class ReadModelProjection(Projection[Store]):
    """eventsourcing's Projection over our view; batches are the fast path."""

    name = "readmodels"

    def apply(self, c: Cursor, records: Sequence[Record]) -> None:
        """Write the read-model changes of ``records`` (in log order) with cursor ``c``."""
        batch = _Batch(self.view, c)
        batch.apply_all(records)
        batch.write()

    def project(self, records: Sequence[Record], expected: int) -> bool:
        """Apply a batch that follows tracked position ``expected``, in one transaction.

        False (nothing written) if the tracked position is no longer ``expected``: another
        projector applied these events first.
        """
        if not records:
            return True
        # A big batch allocates many short-lived objects; the cyclic collector's passes
        # over them would cost more than the batch itself (refcounting still frees them).
        collecting = gc.isenabled() and len(records) > 1000
        if collecting:
            gc.disable()
        try:
            with self.view.transaction(commit=True, bulk=collecting) as c:
                if not self.view.claim(c, expected, records[-1][0]):
                    return False
                self.apply(c, records)
        finally:
            if collecting:
                gc.enable()
        return True

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Apply one domain event (the library's protocol), tracked exactly once."""
        assert isinstance(domain_event, BaseModel)
        raw = orjson.dumps(domain_event.model_dump(mode="json", exclude_none=True))
        record = (tracking.notification_id, get_topic(type(domain_event)), raw)
        expected = self.view.max_tracking_id(self.view.application_name) or 0
        if tracking.notification_id <= expected or not self.project([record], expected):
            raise IntegrityError(
                f"notification {tracking.notification_id} is already tracked "
                f"for {tracking.application_name!r}"
            )
