"""What the charts draw: each fact's states along the knowledge clock, its lane and row.

A page is rendered once, at its own "known at" date; the replay slider then moves back
in time in the browser, offline. So every fact is drawn as one or more *states*, each
live on the reported clock from ``known_from`` until ``known_until`` (a retraction, a
dispute or a correction published later starts a new state). The browser shows a state
when the chosen date falls inside its interval. What a fact shows in each state is the
as-of rule's answer on that state's first day (``domain.asof``), never a copy of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from domain.asof import AsOfClocks, Clocks, KnownFact, known_fact
from domain.events import (
    DomainEvent,
    FactCorrected,
    FactDisputed,
    FactLifecycleEvent,
    FactRetracted,
)
from domain.model import Actor
from projections.views import FactView
from projections.words import (
    ROUND_NOT_SAID,
    actor_name,
    meeting_titles,
    series_name_of,
    series_names,
    what,
)

__all__ = ["actor_name", "meeting_titles", "what"]  # the words live in projections.words

# The lifecycle events that start a new state of a fact (a corroboration adds a source).
CHANGES: dict[type[FactLifecycleEvent], str] = {
    FactDisputed: "disputed",
    FactCorrected: "corrected",
    FactRetracted: "retracted",
}
NOW = Clocks()


@dataclass(frozen=True)
class Shown:
    """One state of a fact as drawn, live on the reported clock in [known_from, known_until)."""

    view: FactView
    known_from: datetime
    known_until: datetime | None  # None: still so
    began: str  # reported | disputed | corrected | retracted: what started this state


def states(
    views: Sequence[FactView],
    lives: Mapping[str, Sequence[DomainEvent]] | None = None,
    as_of: AsOfClocks = NOW,
) -> list[Shown]:
    """Every fact's states: as first known, then from each later dispute, correction or
    retraction counted at ``as_of``, each as the as-of rule shows the fact then.

    ``views``: the facts as the read models show them at ``as_of`` (the last state of
    each); ``lives``: the events of the facts that have lifecycle events, by fact id.
    """
    shown: list[Shown] = []
    for view in views:
        events = (lives or {}).get(view.id)
        shown += _fact_states(view, events, as_of) if events else [_first(view)]
    return shown


def _first(view: FactView) -> Shown:
    return Shown(view, view.reported_at, None, "reported")


def _fact_states(view: FactView, events: Sequence[DomainEvent], as_of: AsOfClocks) -> list[Shown]:
    counted = known_fact(events, as_of)
    if counted is None:  # the read models moved on since the views were read
        return [_first(view)]
    starts: dict[datetime, str] = {}  # a later event of the same date names the state
    for act in counted.acts:
        when = act.source.published_at
        if type(act) in CHANGES and when > view.reported_at:
            starts[when] = CHANGES[type(act)]
    if not starts:
        return [_first(view)]
    edges = [(view.reported_at, "reported"), *sorted(starts.items())]
    result: list[Shown] = []
    for (start, began), (end, _) in pairwise(edges):
        then = Clocks(start, as_of.recorded_at, as_of.occurred_until)
        known = known_fact(events, then)
        if known is not None:  # an earlier version may not have begun by occurred_until
            result.append(Shown(view_as(view, known), start, end, began))
    start, began = edges[-1]
    result.append(Shown(view, start, None, began))  # the read models' view: the last word
    return result


def view_as(view: FactView, known: KnownFact) -> FactView:
    """The read models' view of a fact, showing what the as-of rule says of it then."""
    data = view.model_dump()
    # The version's own fields replace the view's wholesale (a correction may drop one).
    for key in (*view.fields(), "quote", "quote_language", "note"):
        data.pop(key, None)
    data.update({k: v for k, v in known.content.items() if k not in ("id", "kind", "sources")})
    data.update(
        sources=list(known.sources),
        status=known.status,
        disputed=known.disputed,
        version=known.version,
        reported_at=known.reported_at,
        occurred_earliest=known.occurred.earliest,
        occurred_latest=known.occurred.latest,
        precision=known.occurred.precision,
        occurred_by=known.occurred_by,
    )
    return FactView.model_validate(data)


# ---- lanes and places -----------------------------------------------------------------

LANE_OPTIONS = ("meeting", "actor", "kind")
NO_MEETING = "Not tied to a meeting"
NO_ACTOR = "No registered actor"


def kind_label(kind: str) -> str:
    return kind.replace("_", " ")


@dataclass(frozen=True)
class Places:
    """Where the story's facts happened, in words: each meeting's title by its meeting id
    (what other facts name) and its fact id, and each series by its name; a lane of a
    series says "… (round not said)", since a fact that names one does not say which."""

    meetings: Mapping[str, str]
    series: Mapping[str, str]

    @classmethod
    def of(cls, views: Iterable[FactView]) -> Places:
        listed = list(views)
        named = series_names(listed)
        series = {
            str(s): named.get(str(s)) or series_name_of(str(s), [])
            for s in (v.series_named() for v in listed)
            if s
        }
        return cls(meeting_titles(listed), series)

    def said(self, view: FactView, actors: Mapping[str, Actor]) -> str:
        """The fact in words (plain text), its meeting or series by name."""
        return what(view, actors, self.meetings, self.series)

    def where(self, view: FactView) -> str | None:
        """The title of the meeting the fact is (or names), else its series, else None."""
        fields = view.fields()
        meeting = view.meeting_named() or view.id if view.kind == "meeting_held" else None
        meeting = meeting or fields.get("meeting")
        if meeting:
            return self.meetings.get(str(meeting), str(meeting))
        if fields.get("series"):
            series = str(fields["series"])
            return (self.series.get(series) or series_name_of(series, [])) + ROUND_NOT_SAID
        return None


def lane_of(view: FactView, lanes: str, actors: Mapping[str, Actor], places: Places) -> str:
    fields = view.fields()
    if lanes == "kind":
        return kind_label(view.kind)
    if lanes == "actor":
        if fields.get("actor"):
            return actor_name(str(fields["actor"]), actors)
        return str(fields.get("speaker") or NO_ACTOR)
    return places.where(view) or NO_MEETING


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
    min_rows: Mapping[str, int] | None = None,
) -> Layout:
    """Stack overlapping intervals of each lane into rows (greedy, by start); a lane has
    at least ``min_rows`` rows (room for its label's lines)."""
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
        rows = max(len(ends), (min_rows or {}).get(label, 1))
        labels.append(label)
        centres.append(base + (rows - 1) / 2)
        spans.append((base, base + rows - 1))
        base += rows + 1  # one empty row between lanes
    return Layout(y, labels, centres, max(int(base) - 1, 1), spans)
