"""The as-of rule: what one fact shows when asked on the three clocks, from its events alone.

Given a fact's events (its ``FactReported``, then the lifecycle events acting on it, in
the order they were stored) and the clocks ``known_at`` K, ``recorded_at`` R and
``occurred_until`` U (each None for "now"):

- R counts only the events this store had recorded by R (their ``timestamp``);
- of those, K counts the lifecycle events whose source was published by K;
- the fact is known from its *reported time*: the earliest ``published`` among its own
  first sources and the corroborating sources counted at K (one dated earlier moves it
  earlier);
- it shows the highest version whose correction is counted, with the content its
  counted corrections give it (a correction recorded later but published earlier is
  shown before the ones published after it); it is retracted from the retracting
  source's date, disputed from the disputing source's;
- U keeps it when the version shown started by U, and says whether it ``surely`` (its
  whole EDTF interval ends by U) or only ``possibly`` had happened by then.

A date without a time means the end of that day, UTC: the callers' instants come from
``domain.clocks.parse_instant``; a source's date is the start of its day
(``Source.published_at``). This module is the reference the read models' SQL is tested
against (``tests/test_asof_property.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import ValidationError

from domain.clocks import Occurred, parse_occurred
from domain.events import (
    DomainEvent,
    FactCorrected,
    FactCorroborated,
    FactDisputed,
    FactLifecycleEvent,
    FactReported,
    FactRetracted,
    Status,
)
from domain.model import Source, apply_changes, fact_content, parse_fact

_MICROSECOND = timedelta(microseconds=1)


class AsOfClocks(Protocol):
    """The clocks a read is asked on; None means "now" on that clock."""

    @property
    def known_at(self) -> datetime | None: ...

    @property
    def recorded_at(self) -> datetime | None: ...

    @property
    def occurred_until(self) -> datetime | None: ...


@dataclass(frozen=True)
class Clocks:
    """A plain ``AsOfClocks`` (the read models' ``AsOf`` is another)."""

    known_at: datetime | None = None
    recorded_at: datetime | None = None
    occurred_until: datetime | None = None


class OccurredBy(StrEnum):
    surely = "surely"  # its whole interval ends by occurred_until
    possibly = "possibly"  # it starts by then but may end later


@dataclass(frozen=True)
class KnownFact:
    """One fact as known at the asked clocks."""

    content: dict[str, Any]  # the fact's fields as then known (``fact_content`` form)
    version: int  # 1: as first reported; n: after the (n-1)th correction stored
    status: Status
    disputed: bool
    sources: tuple[Source, ...]  # its own sources public by then, then corroborating ones
    reported_at: datetime
    recorded_at: datetime  # when this store recorded its first report
    occurred: Occurred
    occurred_by: OccurredBy | None  # only when asked with occurred_until
    acts: tuple[FactLifecycleEvent, ...]  # the lifecycle events counted, in stored order

    @property
    def fact_id(self) -> str:
        return str(self.content["id"])


def occurred_by(occurred: Occurred, until: datetime) -> OccurredBy | None:
    """Whether a fact dated ``occurred`` had happened by ``until``; None: not even begun.

    ``occurred`` is half-open (its ``latest`` is the instant after it ends), so it surely
    had happened when its last instant, one microsecond before ``latest``, is by then.
    """
    until = _utc(until)
    if occurred.earliest > until:
        return None
    return OccurredBy.surely if occurred.latest - _MICROSECOND <= until else OccurredBy.possibly


def known_fact(events: Sequence[DomainEvent], clocks: AsOfClocks) -> KnownFact | None:
    """The fact of ``events`` as known at ``clocks``; None when it is not known then."""
    report = events[0]
    if not isinstance(report, FactReported):
        raise ValueError("a fact's events begin with its FactReported")
    known = None if clocks.known_at is None else _utc(clocks.known_at)
    recorded = None if clocks.recorded_at is None else _utc(clocks.recorded_at)
    if recorded is not None and report.timestamp > recorded:
        return None
    acts = tuple(
        e
        for e in events[1:]
        if isinstance(e, FactLifecycleEvent)
        and (recorded is None or e.timestamp <= recorded)
        and (known is None or e.source.published_at <= known)
    )
    reported_at = min(
        [report.fact.reported_at]
        + [e.source.published_at for e in acts if isinstance(e, FactCorroborated)]
    )
    if known is not None and reported_at > known:
        return None

    version, content = _version_shown(events, acts)
    occurred = parse_occurred(str(content["occurred"]))
    by = None
    if clocks.occurred_until is not None:
        by = occurred_by(occurred, clocks.occurred_until)
        if by is None:
            return None
    retracted = any(isinstance(e, FactRetracted) for e in acts)
    status = Status.retracted if retracted else Status.corrected if version > 1 else Status.active
    return KnownFact(
        content=content,
        version=version,
        status=status,
        disputed=any(isinstance(e, FactDisputed) for e in acts),
        sources=_sources(content, acts, known),
        reported_at=reported_at,
        recorded_at=report.timestamp,
        occurred=occurred,
        occurred_by=by,
        acts=acts,
    )


def _version_shown(
    events: Sequence[DomainEvent], acts: Sequence[FactLifecycleEvent]
) -> tuple[int, dict[str, Any]]:
    """The highest counted version, with the content its counted corrections give it.

    Versions are numbered in stored order. A stored correction's ``fact`` holds every
    correction stored before it; when one of those is not counted (published later), the
    first report is replayed with the counted corrections' changes only.
    """
    report = events[0]
    assert isinstance(report, FactReported)
    corrections = [e for e in events if isinstance(e, FactCorrected)]
    counted_ids = {id(e) for e in acts}
    counted = [e for e in corrections if id(e) in counted_ids]
    if not counted:
        return 1, fact_content(report.fact)
    version = 1 + max(corrections.index(e) + 1 for e in counted)
    if len(counted) == version - 1:  # every correction stored before it counts
        return version, fact_content(counted[-1].fact)
    content = fact_content(report.fact)
    for correction in counted:
        content = apply_changes(content, correction.changes)
    try:
        return version, fact_content(parse_fact(content))
    except ValidationError:
        # These changes were only ever checked on top of the others: show them as the
        # sources gave them rather than a change not yet published.
        return version, content


def _sources(
    content: dict[str, Any], acts: Sequence[FactLifecycleEvent], known: datetime | None
) -> tuple[Source, ...]:
    """The version's own sources public by ``known``, then the corroborating sources.

    When none of them is (a correction may have replaced the sources with ones dated
    later), the version's sources as its correction gave them."""
    own = [Source.model_validate(s) for s in content["sources"]]
    public = [s for s in own if known is None or s.published_at <= known]
    public += [e.source for e in acts if isinstance(e, FactCorroborated)]
    return tuple(public or own)


def _utc(moment: datetime) -> datetime:
    """A query instant; a naive one is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
