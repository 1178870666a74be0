"""Applies the event log to the read-model tables: one batch of events per transaction.

The hot path decodes the stored JSON with orjson (no pydantic), converts each clock to
integer microseconds and writes rows with ``executemany``. A batch's rows and its
tracking position are committed together, after claiming the tracked position by
compare-and-set, so an event is applied exactly once or not at all.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import orjson
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from pydantic import BaseModel

from projections.schema import (
    ALWAYS,
    NEVER,
    VERSION_COLUMNS,
    VERSION_MUTABLE,
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


class ProjectionError(RuntimeError):
    """The log holds something the read models cannot take; nothing of the batch is kept."""


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
    def from_values(cls, values: tuple[Any, ...]) -> VersionRow:
        return cls(**dict(zip(VERSION_COLUMNS, values, strict=True)), stored=False)

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

    def __init__(self, view: Store, c: Cursor) -> None:
        self.view = view
        self.c = c
        self.copy = view.copy_events
        self.events: list[tuple[Any, ...]] = []  # copies, where events live elsewhere
        self.lifecycle: list[tuple[Any, ...]] = []
        self.stories: list[tuple[Any, ...]] = []
        self.actors: list[tuple[Any, ...]] = []
        self.facts: dict[tuple[str, str], list[VersionRow]] = {}
        # Facts first reported in this batch and not acted on yet: plain rows, the
        # common case of a rebuild, kept as tuples (no object per fact).
        self.new: dict[tuple[str, str], tuple[Any, ...]] = {}
        self.timestamp = ""
        self.recorded = 0

    def recorded_at(self, state: dict[str, Any]) -> int:
        timestamp: str = state["timestamp"]
        if timestamp != self.timestamp:  # a batch of writes shares one timestamp
            self.timestamp, self.recorded = timestamp, recorded_us(timestamp)
        return self.recorded

    def apply(self, position: int, topic: str, raw: bytes) -> None:
        state: dict[str, Any] = orjson.loads(raw)
        if self.copy:
            self.events.append((position, raw))
        if topic == REPORTED:
            self.reported(position, state)
        elif topic in LIFECYCLE:
            self.acted_on(position, LIFECYCLE[topic], state)
        elif topic == STORY_CREATED:
            story = state["story"]
            recorded = recorded_us(state["timestamp"])
            self.stories.append((story["id"], position, recorded, orjson.dumps(story)))
        elif topic == ACTOR_REGISTERED:
            actor = state["actor"]
            recorded = recorded_us(state["timestamp"])
            self.actors.append((actor["id"], position, recorded, orjson.dumps(actor)))
        else:
            raise ProjectionError(f"event at position {position}: unknown topic {topic!r}")

    def reported(self, position: int, state: dict[str, Any]) -> None:
        story: str = state["story"]
        fact = state["fact"]
        fact_id: str = fact["id"]
        earliest, latest = occurred_us(fact["occurred"])
        sources = fact["sources"]
        if len(sources) == 1:
            published = published_us(sources[0]["published"])
        else:
            published = min(published_us(s["published"]) for s in sources)
        recorded = self.recorded_at(state)
        # fmt: off
        self.new[(story, fact_id)] = (
            story, fact_id, 1, fact["kind"], position, position, recorded, earliest, latest,
            fact.get("meeting"), fact.get("actor"), published, published, ALWAYS, recorded,
            NEVER, NEVER, 0, 0, 0,
        )
        # fmt: on

    def acted_on(self, position: int, event: str, state: dict[str, Any]) -> None:
        story: str = state["story"]
        fact_id: str = state["fact_id"]
        rows = self.versions(position, story, fact_id)
        published = published_us(state["source"]["published"])
        recorded = self.recorded_at(state)
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
            else:
                self.corrected(position, rows, state["fact"], published, recorded)

    @staticmethod
    def corrected(
        position: int, rows: list[VersionRow], fact: dict[str, Any], published: int, recorded: int
    ) -> None:
        last = rows[-1]
        earliest, latest = occurred_us(fact["occurred"])
        # fmt: off
        rows.append(VersionRow(
            last.story, last.fact_id, last.version + 1, last.kind, position,
            last.first_position, last.first_recorded, earliest, latest, fact.get("meeting"),
            fact.get("actor"), last.orig_published, last.first_published, published, recorded,
            NEVER, NEVER, last.corroborations, last.disputes, last.retracted, False,
        ))
        # fmt: on

    def versions(self, position: int, story: str, fact_id: str) -> list[VersionRow]:
        key = (story, fact_id)
        rows = self.facts.get(key)
        if rows is None and key in self.new:
            rows = [VersionRow.from_values(self.new.pop(key))]
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
        new: list[tuple[Any, ...]] = list(self.new.values())
        changed: list[tuple[Any, ...]] = []
        for rows in self.facts.values():
            for row in rows:
                if row.stored:
                    changed.append(row.changes())
                else:
                    new.append(row.values())
        new.sort()  # in key order: B-tree inserts stay local, markedly faster
        view.executemany(c, INSERT_VERSION, new)
        view.executemany(c, UPDATE_VERSION, changed)


class ReadModelProjection(Projection[Store]):
    """eventsourcing's Projection over our view; batches are the fast path."""

    name = "readmodels"

    def apply(self, c: Cursor, records: Sequence[Record]) -> None:
        """Write the read-model changes of ``records`` (in log order) with cursor ``c``."""
        batch = _Batch(self.view, c)
        for position, topic, raw in records:
            batch.apply(position, topic, raw)
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
