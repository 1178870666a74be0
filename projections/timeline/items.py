"""What the charts draw: each fact's states along the knowledge clock, its lane and row.

A page is rendered once, at its own "known at" date; the replay slider then moves back
in time in the browser, offline. So every fact is drawn as one or more *states*, each
live on the reported clock from ``known_from`` until ``known_until`` (a retraction, a
dispute or a correction published later starts a new state). The browser shows a state
when the chosen date falls inside its interval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.clocks import InvalidDate, parse_occurred
from domain.events import Status
from domain.model import Actor
from projections.views import FactView, LogEntry

LIFECYCLE = ("disputed", "corrected", "retracted")


@dataclass(frozen=True)
class Change:
    """A lifecycle event of one fact, dated on the reported clock."""

    fact_id: str
    event: str  # disputed | corrected | retracted
    known_at: datetime  # the acting source's publication instant
    fact: Mapping[str, Any] | None = None  # a correction's new version, when the log has it


@dataclass(frozen=True)
class Shown:
    """One state of a fact as drawn, live on the reported clock in [known_from, known_until)."""

    view: FactView
    known_from: datetime
    known_until: datetime | None  # None: still so
    began: str  # reported | disputed | corrected | retracted: what started this state


def changes_from_log(
    entries: Iterable[LogEntry],
    known_at: datetime | None = None,
    recorded_at: datetime | None = None,
) -> list[Change]:
    """The lifecycle events of a story's log, as known and recorded by the given dates.

    A ``reported`` change is kept too, for the fact's first version: a correction's
    earlier state is drawn with the content it had then.
    """
    changes: list[Change] = []
    for entry in entries:
        if entry.event not in ("reported", *LIFECYCLE) or entry.fact_id is None:
            continue
        if entry.reported_at is None:
            continue
        if known_at is not None and entry.reported_at > known_at:
            continue
        if recorded_at is not None and entry.recorded_at > recorded_at:
            continue
        fact = entry.data.get("fact")
        content = fact if isinstance(fact, Mapping) else None
        changes.append(Change(entry.fact_id, entry.event, entry.reported_at, content))
    return changes


def states(views: Sequence[FactView], changes: Sequence[Change] = ()) -> list[Shown]:
    """Every fact's states: as first reported, then after each later lifecycle event."""
    by_fact: dict[str, list[Change]] = {}
    for change in changes:
        by_fact.setdefault(change.fact_id, []).append(change)
    shown: list[Shown] = []
    for view in views:
        shown += _fact_states(view, by_fact.get(view.id, []))
    return shown


def _fact_states(view: FactView, changes: list[Change]) -> list[Shown]:
    lifecycle = sorted((c for c in changes if c.event in LIFECYCLE), key=lambda c: c.known_at)
    later = [c for c in lifecycle if c.known_at > view.reported_at]
    if not later:
        return [Shown(view, view.reported_at, None, "reported")]
    first = next((c.fact for c in changes if c.event == "reported"), None)
    current = _with(view, status=Status.active, disputed=False, content=first)
    for change in lifecycle:
        if change.known_at <= view.reported_at:  # already so when the fact became known
            current = _apply(current, change)
    result: list[Shown] = []
    start, began = view.reported_at, "reported"
    for change in later:
        result.append(Shown(current, start, change.known_at, began))
        current = _apply(current, change)
        start, began = change.known_at, change.event
    result.append(Shown(view, start, None, began))  # the view itself is the last word
    return result


def _apply(view: FactView, change: Change) -> FactView:
    if change.event == "retracted":
        return _with(view, status=Status.retracted)
    if change.event == "disputed":
        return _with(view, disputed=True)
    return _with(view, status=Status.corrected, content=change.fact)


def _with(
    view: FactView,
    *,
    status: Status | None = None,
    disputed: bool | None = None,
    content: Mapping[str, Any] | None = None,
) -> FactView:
    data = view.model_dump()
    if status is not None:
        data["status"] = status
    if disputed is not None:
        data["disputed"] = disputed
    if content is not None:
        # The version's own fields replace the view's wholesale (a correction may drop
        # one); sources stay the view's, corroborations included.
        for key in (*view.fields(), "quote", "quote_language", "note"):
            data.pop(key, None)
        data.update({k: v for k, v in content.items() if k not in ("id", "kind", "sources")})
        try:
            occurred = parse_occurred(str(data["occurred"]))
        except InvalidDate:
            pass  # a stored version always parses; keep the view's own dates if not
        else:
            data.update(
                occurred_earliest=occurred.earliest,
                occurred_latest=occurred.latest,
                precision=occurred.precision,
            )
    return FactView.model_validate(data)


# ---- lanes ---------------------------------------------------------------------------

LANE_OPTIONS = ("meeting", "actor", "kind")
NO_MEETING = "Not tied to a meeting"
NO_ACTOR = "No registered actor"


def kind_label(kind: str) -> str:
    return kind.replace("_", " ")


def meeting_titles(views: Iterable[FactView]) -> dict[str, str]:
    return {v.id: str(v.fields().get("title") or v.id) for v in views if v.kind == "meeting_held"}


def actor_name(actor_id: str, actors: Mapping[str, Actor]) -> str:
    actor = actors.get(actor_id)
    return actor.name if actor else actor_id


def lane_of(
    view: FactView, lanes: str, actors: Mapping[str, Actor], meetings: Mapping[str, str]
) -> str:
    fields = view.fields()
    if lanes == "kind":
        return kind_label(view.kind)
    if lanes == "actor":
        if fields.get("actor"):
            return actor_name(str(fields["actor"]), actors)
        return str(fields.get("speaker") or NO_ACTOR)
    meeting = view.id if view.kind == "meeting_held" else fields.get("meeting")
    if meeting:
        return meetings.get(str(meeting), str(meeting))
    return NO_MEETING


def what(view: FactView, actors: Mapping[str, Actor], meetings: Mapping[str, str]) -> str:
    """A one-line description of the fact in words (plain text, not yet escaped)."""
    f = view.fields()
    actor = actor_name(str(f["actor"]), actors) if f.get("actor") else None
    meeting = (
        meetings.get(str(f.get("meeting")), str(f.get("meeting"))) if f.get("meeting") else None
    )
    match view.kind:
        case "meeting_held":
            place = f" ({f['place']})" if f.get("place") else ""
            return f"{f.get('title', view.id)}{place}"
        case "participant_joined":
            return f"{actor} took part in {meeting} as {f.get('role', 'participant')}"
        case "participant_absent":
            return f"{actor} absent from {meeting}"
        case "actor_briefed":
            return f"{actor} briefed on {meeting}"
        case "topic_discussed":
            return f"{meeting} discussed: {f.get('topic')}"
        case "statement_made":
            return f"{actor or f.get('speaker')}: “{_shorten(str(f.get('text', '')), 120)}”"
        case "disclosure_published":
            return f"{actor} disclosed: {f.get('headline')}"
        case "policy_announced":
            return f"{actor} announced: {f.get('title')}"
        case "claim":
            return f"{f.get('subject')} {f.get('predicate')} {f.get('object')}"
    return view.id


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---- rows inside a lane ----------------------------------------------------------------

MAX_ROWS = 16  # beyond this, overlapping facts share rows rather than grow the chart


@dataclass(frozen=True)
class Layout:
    """Where each fact sits: a numeric y per fact, and each lane's label and centre."""

    y: dict[str, float]
    lane_labels: list[str]
    lane_centres: list[float]
    rows: int
    lane_rows: list[tuple[float, float]] = field(default_factory=list)  # first and last row


def pack(
    intervals: Mapping[str, tuple[float, float]],
    lane: Mapping[str, str],
    min_width: float,
    max_rows: int = MAX_ROWS,
) -> Layout:
    """Stack overlapping intervals of each lane into rows (greedy, by start)."""
    lanes: dict[str, list[str]] = {}
    for fact_id in sorted(intervals, key=lambda f: intervals[f]):
        lanes.setdefault(lane[fact_id], []).append(fact_id)
    y: dict[str, float] = {}
    labels: list[str] = []
    centres: list[float] = []
    spans: list[tuple[float, float]] = []
    base = 0.0
    for label, members in lanes.items():
        ends: list[float] = []
        for i, fact_id in enumerate(members):
            start, end = intervals[fact_id]
            end = max(end, start + min_width)
            row = next((r for r, last in enumerate(ends) if last <= start), None)
            if row is None:
                if len(ends) < max_rows:
                    ends.append(end)
                    row = len(ends) - 1
                else:
                    row = i % max_rows
            ends[row] = max(ends[row], end)
            y[fact_id] = base + row
        labels.append(label)
        centres.append(base + (len(ends) - 1) / 2)
        spans.append((base, base + len(ends) - 1))
        base += len(ends) + 1  # one empty row between lanes
    return Layout(y, labels, centres, max(int(base) - 1, 1), spans)
