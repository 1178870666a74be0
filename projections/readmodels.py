"""The read side: read models kept from the event log, and the "as of" questions they answer.

``ReadModels`` follows the application's log with tracking (``catch_up``; ``wait_for``
a write's position for read-your-writes), can drop and rebuild everything from the log
(``rebuild``), and answers reads on the three clocks. Catch-up is serialised per process
by a lock and across processes by the tracking compare-and-set, so it is safe from
FastAPI's thread pool and from several processes sharing one store.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from eventsourcing.persistence import Notification, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteApplicationRecorder

from domain.application import Reportedly
from domain.errors import NotFound, RuleBroken
from domain.model import Actor, Story
from projections import changes as changes_module
from projections.parallel import rebuild_in_parallel
from projections.picture import build_picture
from projections.projector import ReadModelProjection, Record
from projections.queries import (
    Clocks,
    as_known,
    check_limit,
    decode_cursor,
    encode_cursor,
    fact_view,
    fact_views,
    known_content,
    lifecycle,
    select_acts,
    select_facts,
    story_summaries,
    versions,
)
from projections.schema import from_us
from projections.store import (
    Cursor,
    PostgresReadStore,
    ReadModelsMissing,
    SQLiteReadStore,
    open_read_store,
)
from projections.views import (
    LATEST,
    NO_FILTERS,
    AsOf,
    Changes,
    FactDetail,
    FactPage,
    FactView,
    Filters,
    LogEntry,
    Picture,
    StorySummary,
)

Progress = Callable[[int, int], None]
ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "writer"})
FACT_ENVELOPE = ENVELOPE | {"story", "fact_id"}
MAX_LOG_LIMIT = 10_000
# Beyond every log position (64-bit integers in the store): ``log(before=MAX_POSITION)``
# reads the log from its end.
MAX_POSITION = 2**62
# A page of a story's log: its creation, its facts' first reports and their lifecycle
# events, each read from its own (story, position) index, at most ``limit`` of each, then
# merged; after a position in log order, or before one newest first ({beyond} is > or <,
# {order} empty or DESC).
LOG_SELECT = (
    "SELECT position, event, fact_id, kind, recorded, published, data FROM ("
    "SELECT s.position AS position, 'story_created' AS event, NULL AS fact_id, NULL AS kind, "
    "s.recorded AS recorded, NULL AS published, {story} AS data "
    "FROM rm_stories s WHERE s.story = ? AND s.position {beyond} ? "
    "UNION ALL SELECT * FROM (SELECT v.first_position, 'reported', v.fact_id, v.kind, "
    "v.first_recorded, v.orig_published, {reported} FROM rm_versions v "
    "WHERE v.story = ? AND v.version = 1 AND v.first_position {beyond} ? "
    "ORDER BY v.first_position {order} LIMIT ?) r "
    "UNION ALL SELECT * FROM (SELECT a.position, a.event, a.fact_id, a.kind, a.recorded, "
    "a.published, {acted} FROM rm_lifecycle a WHERE a.story = ? AND a.position {beyond} ? "
    "ORDER BY a.position {order} LIMIT ?) l"
    ") log ORDER BY position {order} LIMIT ?"
)


class ReadModels:
    """Read models of one ``Reportedly`` application, stored beside its events."""

    batch_size = 1_000  # events per transaction while following the log
    rebuild_batch_size = 20_000  # events per transaction while rebuilding
    lock_retries = 20  # attempts when another writer holds the database for long
    # Processes decoding and writing in turn (SQLite files): two keep two cores busy.
    rebuild_workers = min(2, os.cpu_count() or 1)
    parallel_rebuild_from = 50_000  # events: below this, starting workers costs more
    parallel_batch_size = 10_000  # events per turn: measured best of 5k/10k/20k here

    def __init__(
        self, app: Reportedly, database_url: str | None, *, read_only: bool = False
    ) -> None:
        """``read_only``: never write (a PostgreSQL hot standby): the primary's processes
        project, replication brings the result, and waiting means polling the tracking
        position."""
        self.app = app
        self.read_only = read_only
        shared = getattr(app.factory, "datastore", None)  # PostgreSQL: one pool per process
        self.store = open_read_store(
            database_url,
            app.name,
            shared if isinstance(shared, PostgresDatastore) else None,
            read_only=read_only,
        )
        self._attach_events()
        self.projection = ReadModelProjection(self.store)
        self._lock = threading.RLock()
        self._tracked = 0  # the highest position this process knows the read models hold

    def close(self) -> None:
        self.store.close()

    def _attach_events(self) -> None:
        """Read the events' own table when it is in the read store's database."""
        recorder = self.app.recorder
        mapper = self.app.mapper
        if mapper.cipher is not None or mapper.compressor is not None:
            return  # stored bytes are not JSON: keep decoded copies
        if isinstance(self.store, SQLiteReadStore) and isinstance(
            recorder, SQLiteApplicationRecorder
        ):
            if recorder.datastore.pool.db_name == self.store.datastore.pool.db_name:
                self.store.attach_events(recorder.events_table_name)
        elif isinstance(self.store, PostgresReadStore) and isinstance(
            recorder, PostgresApplicationRecorder
        ):
            self.store.attach_events(recorder.events_table_name)

    # ---- following the log -----------------------------------------------------------
    def last_position(self) -> int:
        """The position (notification id) of the last event the read models hold."""
        self._tracked = max(self._tracked, self.store.max_tracking_id(self.app.name) or 0)
        return self._tracked

    def tracked_to(self, position: int) -> None:
        """Told that the read models hold every event up to ``position`` (a write
        committed with its projection, ``projections.appending``)."""
        self._tracked = max(self._tracked, position)

    def catch_up(self, progress: Progress | None = None) -> int:
        """Apply every event not yet applied; returns how many this call applied.

        Read-only read models apply nothing: they only learn how far they have come."""
        if self.read_only:
            self.last_position()
            return 0
        with self._lock:
            return self._catch_up(progress, self.batch_size)

    def wait_for(self, position: int | None, timeout: float = 5.0) -> None:
        """Block until the read models hold the event at ``position`` (read-your-writes)."""
        # Tracking only moves forward, so what this process saw tracked is a lower bound.
        if position is None or self._tracked >= position:
            return
        deadline = time.monotonic() + timeout
        while True:
            self.catch_up()  # reads the tracking position once, applies what is missing
            # What catch-up applied moved ``_tracked``: ask the store only otherwise.
            if self._tracked >= position or self.last_position() >= position:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"the read models did not reach position {position} within {timeout}s"
                )
            time.sleep(0.01)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop every read model and build it again from the whole log."""
        if self.read_only:
            raise ReadModelsMissing("read-only read models cannot be rebuilt here")
        with self._lock:
            with self.store.transaction(commit=True) as c:
                self.store.reset(c)
                self._tracked = 0
                self.store.drop_indexes(c)  # built once at the end: faster than row by row
            try:
                applied = self._rebuild_in_parallel(progress)
                # The rest: everything (one process), or what was appended meanwhile.
                return applied + self._catch_up(progress, self.rebuild_batch_size)
            finally:
                with self.store.transaction(commit=True) as c:
                    self.store.create_indexes(c)

    def _rebuild_in_parallel(self, progress: Progress | None) -> int:
        """Worker processes taking turns (``projections.parallel``), where that pays:
        SQLite in a file, the events in the same file, a long enough log, and cores."""
        recorder = self.app.recorder
        workers = self.rebuild_workers
        if not (
            workers > 1
            and isinstance(self.store, SQLiteReadStore)
            and isinstance(recorder, SQLiteApplicationRecorder)
            and not self.store.copy_events
            and not self.store.datastore.pool.is_sqlite_memory_mode
        ):
            return 0
        last = recorder.max_notification_id() or 0
        if last < self.parallel_rebuild_from:
            return 0

        outcome = rebuild_in_parallel(
            self.store,
            recorder.events_table_name,
            last,
            batch_size=self.parallel_batch_size,
            workers=workers,
            progress=None
            if progress is None
            else lambda done: progress(min(done, last), max(last, 1)),
        )
        self._tracked = max(self._tracked, outcome.tracked)
        return outcome.applied

    def _catch_up(self, progress: Progress | None, batch_size: int) -> int:
        applied = 0
        start: int | None = None
        total = 0
        failures = 0
        recorder = self.app.recorder
        while True:
            tracked = self.last_position()
            records = self.store.read_log(tracked, batch_size)
            if records is None:
                records = self._records(
                    recorder.select_notifications(
                        start=tracked + 1, limit=batch_size, inclusive_of_start=True
                    )
                )
            if not records:
                return applied
            if start is None:
                start = tracked
                if progress is not None:  # a round trip only worth it for a progress bar
                    total = max((recorder.max_notification_id() or 0) - start, 1)
            try:
                claimed = self.projection.project(records, tracked)
            except OperationalError:
                # Another writer held the database past the lock timeout: try again.
                failures += 1
                if failures >= self.lock_retries:
                    raise
                time.sleep(0.05 * failures)
                continue
            failures = 0
            if claimed:
                applied += len(records)
                self._tracked = max(self._tracked, records[-1][0])
            if progress is not None:
                progress(min(records[-1][0] - start, total), total)
            if claimed and len(records) < batch_size:
                return applied  # the log held no more than this when it was read
            if len(records) == batch_size:  # a backlog: bigger batches go faster
                batch_size = min(batch_size * 4, self.rebuild_batch_size)

    def _records(self, notifications: Sequence[Notification]) -> list[Record]:
        mapper = self.app.mapper
        if mapper.cipher is None and mapper.compressor is None:
            return [(n.id, n.topic, n.state) for n in notifications]
        records = []
        for n in notifications:
            state = n.state
            if mapper.cipher:
                state = mapper.cipher.decrypt(state)
            if mapper.compressor:
                state = mapper.compressor.decompress(state)
            records.append((n.id, n.topic, state))
        return records

    # ---- stories and actors ----------------------------------------------------------
    def stories(self) -> list[Story]:
        with self.store.transaction(commit=False) as c:
            rows = self.store.execute(c, "SELECT data FROM rm_stories ORDER BY story").fetchall()
        return [Story.model_validate_json(bytes(r["data"])) for r in rows]

    def story(self, story_id: str) -> Story:
        with self.store.transaction(commit=False) as c:
            return self._story(c, story_id)

    def story_summaries(self) -> list[StorySummary]:
        """Every story with its fact count, date span and last change (the story list)."""
        with self.store.transaction(commit=False) as c:
            return story_summaries(self.store, c)

    def actors(self) -> list[Actor]:
        with self.store.transaction(commit=False) as c:
            rows = self.store.execute(c, "SELECT data FROM rm_actors ORDER BY actor").fetchall()
        return [Actor.model_validate_json(bytes(r["data"])) for r in rows]

    def actor(self, actor_id: str) -> Actor:
        with self.store.transaction(commit=False) as c:
            row = self.store.execute(
                c, "SELECT data FROM rm_actors WHERE actor = ?", (actor_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"actor {actor_id!r} not found", field="actor")
        return Actor.model_validate_json(bytes(row["data"]))

    def _story(self, c: Cursor, story_id: str) -> Story:
        row = self.store.execute(
            c, "SELECT data FROM rm_stories WHERE story = ?", (story_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"story {story_id!r} not found", field="story")
        return Story.model_validate_json(bytes(row["data"]))

    def _actors_named(self, c: Cursor, ids: set[str]) -> dict[str, Actor]:
        found: dict[str, Actor] = {}
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):
            chunk = ordered[i : i + 500]
            statement = f"SELECT data FROM rm_actors WHERE actor IN ({', '.join('?' * len(chunk))})"
            for row in self.store.execute(c, statement, chunk).fetchall():
                actor = Actor.model_validate_json(bytes(row["data"]))
                found[actor.id] = actor
        return found

    def stored_fact_ids(self, story: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` the read models hold in ``story`` (one query per 500 ids).

        A write the read models have not caught up with is missed: callers use this to
        skip looking up ids that are surely new, and let the store refuse the rest."""
        found: set[str] = set()
        ordered = sorted(set(ids))
        with self.store.transaction(commit=False) as c:
            for i in range(0, len(ordered), 500):
                chunk = ordered[i : i + 500]
                statement = (
                    "SELECT DISTINCT fact_id FROM rm_versions WHERE story = ? "
                    f"AND fact_id IN ({', '.join('?' * len(chunk))})"
                )
                rows = self.store.execute(c, statement, [story, *chunk]).fetchall()
                found.update(row["fact_id"] for row in rows)
        return found

    # ---- facts on the three clocks ---------------------------------------------------
    def facts(
        self,
        story: str,
        as_of: AsOf = LATEST,
        filters: Filters = NO_FILTERS,
        limit: int = 100,
        cursor: str | None = None,
    ) -> FactPage:
        """The story's facts as known at ``as_of``, by occurred date then id, a page at a time."""
        check_limit(limit)
        after = decode_cursor(cursor) if cursor else None
        clocks = Clocks.of(as_of)
        with self.store.transaction(commit=False) as c:
            self._story(c, story)
            rows = select_facts(self.store, c, story, clocks, filters, after=after, limit=limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            items = as_known(fact_views(self.store, c, story, clocks, rows), clocks)
        # The cursor follows the stored rows' order, so pages never skip nor repeat a fact.
        last = rows[-1] if more else None
        next_cursor = encode_cursor(last["occurred_earliest"], last["fact_id"]) if last else None
        return FactPage(items=items, next=next_cursor)

    def fact(self, story: str, fact_id: str, as_of: AsOf = LATEST) -> FactDetail:
        """One fact as known at ``as_of``, with the lifecycle events visible then."""
        clocks = Clocks.of(as_of)
        with self.store.transaction(commit=False) as c:
            self._story(c, story)
            rows = select_facts(self.store, c, story, clocks, fact_id=fact_id)
            acts = select_acts(self.store, c, story, clocks, [fact_id]).get(fact_id, [])
            if rows:
                content = known_content(self.store, c, rows[0], acts)
                view = fact_view(story, rows[0], acts, clocks, content)
                rows = rows if as_known([view], clocks) else []
            if not rows:
                exists = self.store.execute(
                    c,
                    "SELECT 1 FROM rm_versions WHERE story = ? AND fact_id = ?",
                    (story, fact_id),
                ).fetchone()
                when = " as of the asked time" if exists else ""
                raise NotFound(f"fact {fact_id!r} not found in story {story!r}{when}", field="fact")
            row = rows[0]
            entries = lifecycle(self.store, c, row, clocks, acts)
            shown = versions(self.store, c, story, row, acts)
        return FactDetail(**view.model_dump(), lifecycle=entries, versions=shown)

    def _views(self, c: Cursor, story: str, clocks: Clocks) -> tuple[list[FactView], Any]:
        rows = select_facts(self.store, c, story, clocks)
        acts = select_acts(self.store, c, story, clocks, None)
        views = []
        for row in rows:
            counted = acts.get(row["fact_id"], ())
            content = known_content(self.store, c, row, counted)
            views.append(fact_view(story, row, counted, clocks, content))
        return as_known(views, clocks), acts

    def picture(self, story: str, as_of: AsOf = LATEST, filters: Filters = NO_FILTERS) -> Picture:
        """Meetings, participants, actors, statements, disclosures, sources and counts."""
        clocks = Clocks.of(as_of)
        with self.store.transaction(commit=False) as c:
            found = self._story(c, story)
            views, acts = self._views(c, story, clocks)
            named = {str(a) for v in views if (a := v.fields().get("actor"))}
            actors = self._actors_named(c, named)
        return build_picture(found, views, acts, actors, as_of, filters)

    def changes(
        self,
        story: str,
        start: datetime,
        end: datetime,
        clock: str = "reported",
        as_of: AsOf = LATEST,
    ) -> Changes:
        """What became known from start through end, both included, on the reported (or
        the recorded) clock, counting only what ``as_of`` admits on the other clocks."""
        clock_name = changes_module.check_window(start, end, clock)
        with self.store.transaction(commit=False) as c:
            self._story(c, story)

            def views_at(as_of: AsOf) -> dict[str, FactView]:
                return {v.id: v for v in self._views(c, story, Clocks.of(as_of))[0]}

            return changes_module.changes(
                self.store, c, story, start, end, clock_name, views_at, as_of
            )

    def log(
        self, story: str, after: int = 0, limit: int = 1000, *, before: int | None = None
    ) -> list[LogEntry]:
        """The story's events after position ``after``, in log order; or, given
        ``before``, the events before that position, newest first (a feed reads the
        newest without walking the rest)."""
        if not 1 <= limit <= MAX_LOG_LIMIT:
            raise RuleBroken(f"limit must be between 1 and {MAX_LOG_LIMIT}", field="limit")
        newest_first = before is not None
        with self.store.transaction(commit=False) as c:
            self._story(c, story)
            statement = LOG_SELECT.format(
                story=self.store.data_of("s.position"),
                reported=self.store.data_of("v.first_position"),
                acted=self.store.data_of("a.position"),
                beyond="<" if newest_first else ">",
                order="DESC" if newest_first else "",
            )
            at = before if before is not None else after
            params = (story, at, story, at, limit, story, at, limit, limit)
            rows = self.store.execute(c, statement, params).fetchall()
        return [_log_entry(story, row) for row in rows]


def _log_entry(story: str, row: Any) -> LogEntry:
    state: dict[str, Any] = orjson.loads(row["data"])
    envelope = ENVELOPE if row["event"] == "story_created" else FACT_ENVELOPE
    return LogEntry(
        position=row["position"],
        story=story,
        event=row["event"],
        fact_id=row["fact_id"],
        kind=row["kind"],
        recorded_at=from_us(row["recorded"]),
        reported_at=None if row["published"] is None else from_us(row["published"]),
        writer=state["writer"],
        data={k: v for k, v in state.items() if k not in envelope},
    )
