"""What became known about a story between two instants, on the reported or recorded clock.

On the reported clock a fact is *added* when its earliest source was published, and a
lifecycle event counts when its source was published; on the recorded clock, when this
store appended them. Each change carries its fact as known at the window's end.

A window covers ``from`` through ``to``, both included: a date alone as ``from`` is the
start of that day (``window_start``), as ``to`` its end (``parse_instant``), so
``from=2024-01-12&to=2024-01-12`` is the whole of that day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import orjson

from domain.clocks import parse_instant, published_instant
from domain.errors import RuleBroken
from projections.queries import act_of, lifecycle_entry
from projections.schema import PLAIN_DATE, bound, from_us, occurred_of
from projections.store import Cursor, Store
from projections.views import LATEST, AsOf, Change, Changes, ClockName, FactView

# The window on one clock, capped on both clocks by the read's known_at and recorded_at.
ADDED_SELECT = (
    "SELECT v.fact_id, v.first_position, v.first_recorded, v.first_published, {data} AS data "
    "FROM rm_versions v "
    "WHERE v.story = ? AND v.version = 1 AND v.{column} >= ? AND v.{column} <= ? "
    "AND v.first_published <= ? AND v.first_recorded <= ? "
    "ORDER BY v.{column}, v.first_position"
)
ACTED_SELECT = (
    "SELECT c.fact_id, c.event, c.position, c.published, c.recorded, {data} AS data "
    "FROM rm_lifecycle c "
    "WHERE c.story = ? AND c.{column} >= ? AND c.{column} <= ? "
    "AND c.published <= ? AND c.recorded <= ? ORDER BY c.{column}, c.position"
)


def window_start(value: str) -> datetime:
    """A window's ``from``: a date alone (``2024-01-12``, ``2024-01``, ``2024``) is the
    first instant of that period, UTC; a date-time is that instant.

    Raises the domain's ``InvalidDate`` (a ValueError) as ``parse_instant`` does."""
    moment = parse_instant(value)  # checks the value, whatever its form
    text = value.strip()
    return occurred_of(text).earliest if PLAIN_DATE.match(text) else moment


def check_window(start: datetime, end: datetime, clock: str) -> ClockName:
    if clock not in ClockName.__members__:
        raise RuleBroken(f"clock must be 'reported' or 'recorded', not {clock!r}", field="clock")
    if bound(end) < bound(start):
        raise RuleBroken("`to` must not be before `from`", field="to")
    return ClockName(clock)


def changes(
    store: Store,
    c: Cursor,
    story: str,
    start: datetime,
    end: datetime,
    clock: ClockName,
    views_at: Callable[[AsOf], dict[str, FactView]],
    as_of: AsOf = LATEST,
) -> Changes:
    """``views_at(as_of)`` gives the story's facts by id as known at ``as_of``.

    ``as_of`` narrows the question like every other read: only what this store held by
    its ``recorded_at`` and what was public by its ``known_at`` counts, and only facts
    that had (possibly) happened by its ``occurred_until``."""
    low, high = bound(start), bound(end)
    known, recorded = bound(as_of.known_at), bound(as_of.recorded_at)
    reported = clock is ClockName.reported
    window_end = (
        AsOf(known_at=min(end, as_of.known_at or end), recorded_at=as_of.recorded_at)
        if reported
        else AsOf(recorded_at=min(end, as_of.recorded_at or end), known_at=as_of.known_at)
    )
    at_end = views_at(window_end.model_copy(update={"occurred_until": as_of.occurred_until}))
    later: dict[str, FactView] | None = None

    def fact(fact_id: str) -> FactView | None:
        nonlocal later
        if fact_id in at_end:
            return at_end[fact_id]
        if later is None:  # acted on before it was known: show it as known by now
            later = views_at(as_of.model_copy(update={"known_at": None}))
        return later.get(fact_id)  # None: outside occurred_until or the recorded clock

    result = Changes(story=story, clock=clock, start=start, end=end)
    added = ADDED_SELECT.format(
        column="first_published" if reported else "first_recorded",
        data=store.data_of("v.first_position"),
    )
    for row in store.execute(c, added, (story, low, high, known, recorded)).fetchall():
        view = fact(row["fact_id"])
        if view is None:
            continue
        result.added.append(
            Change(
                event="reported",
                position=row["first_position"],
                recorded_at=from_us(row["first_recorded"]),
                reported_at=from_us(row["first_published"]),
                writer=orjson.loads(row["data"])["writer"],
                source=min(view.sources, key=lambda s: published_instant(s.published)),
                fact_id=row["fact_id"],
                at=from_us(row["first_published" if reported else "first_recorded"]),
                fact=view,
            )
        )
    acted = ACTED_SELECT.format(
        column="published" if reported else "recorded", data=store.data_of("c.position")
    )
    for row in store.execute(c, acted, (story, low, high, known, recorded)).fetchall():
        act = act_of(row)
        view = fact(act.fact_id)
        if view is None:
            continue
        entry = lifecycle_entry(act)
        change = Change(
            **entry.model_dump(),
            fact_id=act.fact_id,
            at=from_us(act.published if reported else act.recorded),
            fact=view,
        )
        getattr(result, act.event).append(change)
    return result
