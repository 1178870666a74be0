"""What the desk's pages show, read from the JSON API's own answers.

A fact's panel is built from ``GET /stories/{story}/facts/{id}`` as that route answers
it (its ``sources``, ``versions`` and ``lifecycle``), so the page never says what the API
would not. Strings here are plain text; the templates escape them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from api.desk.forms import Choice, FactFormContext, FormField, correctable
from domain.model import Actor
from projections.views import FactView, rfc3339
from projections.views import StorySummary as StoryListed
from projections.words import Names

HIDDEN = frozenset(
    {"id", "story", "kind", "occurred", "occurred_earliest", "occurred_latest", "precision",
     "reported_at", "recorded_at", "status", "certainty", "sources", "disputed", "quote",
     "quote_language", "note", "occurred_by", "version", "position", "lifecycle", "versions"}
)  # fmt: skip


def day(instant: Any) -> str:
    """An RFC 3339 instant (or a date) as its day, ``2024-01-11``."""
    return str(instant or "")[:10]


@dataclass(frozen=True)
class SourceLine:
    name: str
    published: str
    url: str | None = None
    title: str | None = None
    language: str | None = None
    via: SourceLine | None = None

    @classmethod
    def of(cls, source: Mapping[str, Any] | None) -> SourceLine | None:
        if not source:
            return None
        return cls(
            name=str(source.get("name", "")),
            published=day(source.get("published")),
            url=source.get("url"),
            title=source.get("title"),
            language=source.get("language"),
            via=cls.of(source.get("via")),
        )


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: not known (the version's content is not in the answer)
    after: str | None  # None: removed


@dataclass(frozen=True)
class VersionLine:
    version: int
    reported: str  # from when this version was public
    recorded: str
    source: SourceLine | None
    writer: str | None
    changes: list[Change]
    current: bool = False


@dataclass(frozen=True)
class ActLine:
    """A dispute, corroboration or retraction: who, when, what they say."""

    event: str
    source: SourceLine | None
    reported: str
    recorded: str
    writer: str
    text: str | None = None  # a dispute's note, a retraction's reason


@dataclass
class FactPanel:
    story: str
    id: str
    kind: str
    what: str
    occurred: str
    status: str
    disputed: bool
    certainty: str
    reported: str
    recorded: str
    fields: list[tuple[str, str]]
    quote: str | None
    quote_language: str | None
    note: str | None
    sources: list[SourceLine]
    versions: list[VersionLine]
    disputes: list[ActLine]
    corroborations: list[ActLine]
    retraction: ActLine | None
    corrections: list[FormField] = field(default_factory=list)

    @property
    def marks(self) -> list[str]:
        return marks(self.status, self.disputed)


def marks(status: str, disputed: bool) -> list[str]:
    """The status marks a card shows: disputed, corrected, retracted."""
    shown = ["disputed"] if disputed else []
    return shown + ([status] if status in ("corrected", "retracted") else [])


def _text(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _named(field: str, value: Any, names: Names | None) -> str:
    """A field's value in words: a meeting by its title, a series by its name, an actor
    by their name, each with the id that the API and the forms use beside it."""
    words = {"meeting": Names.meeting, "series": Names.series_name, "actor": Names.actor}
    if names is None or field not in words or not isinstance(value, str):
        return _text(value)
    said = words[field](names, value)
    return value if said == value else f"{said} ({value})"


def _changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Change]:
    if before is None:
        return []
    names = [n for n in after if n not in ("id", "kind", "sources")]
    names += [n for n in before if n not in after and n not in ("id", "kind", "sources")]
    return [
        Change(n, None if before.get(n) is None else _text(before[n]),
               None if after.get(n) is None else _text(after[n]))
        for n in names
        if before.get(n) != after.get(n)
    ]  # fmt: skip


def versions(detail: Mapping[str, Any]) -> list[VersionLine]:
    """Each version, oldest first: what changed, from when, on whose word.

    From the answer's ``versions`` (each with its whole content); the writer is the
    lifecycle's, the n-th report or correction being the n-th version."""
    acts = [e for e in detail.get("lifecycle", []) if e["event"] in ("reported", "corrected")]
    listed = detail.get("versions") or []
    lines: list[VersionLine] = []
    if listed:
        previous: Mapping[str, Any] | None = None
        for i, entry in enumerate(listed):
            content = entry.get("content") or {}
            writer = acts[i]["writer"] if i < len(acts) else None
            lines.append(
                VersionLine(
                    version=int(entry["version"]),
                    reported=day(entry.get("reported_at")),
                    recorded=str(entry.get("recorded_at", "")),
                    source=SourceLine.of(entry.get("source")),
                    writer=writer,
                    changes=_changes(previous, content),
                )
            )
            previous = content
    else:  # an answer without versions: the lifecycle still says what each changed
        for i, act in enumerate(acts, start=1):
            changed = act.get("changes") or {}
            lines.append(
                VersionLine(
                    version=i,
                    reported=day(act["reported_at"]),
                    recorded=str(act["recorded_at"]),
                    source=SourceLine.of(act.get("source")),
                    writer=act["writer"],
                    changes=[Change(k, None, _text(v)) for k, v in changed.items()],
                )
            )
    if lines:
        last = lines[-1]
        lines[-1] = VersionLine(**{**last.__dict__, "current": True})
    return lines


def _acts(detail: Mapping[str, Any], event: str) -> list[ActLine]:
    return [
        ActLine(
            event=event,
            source=SourceLine.of(e.get("source")),
            reported=day(e["reported_at"]),
            recorded=str(e["recorded_at"]),
            writer=str(e["writer"]),
            text=e.get("note") or e.get("reason"),
        )
        for e in detail.get("lifecycle", [])
        if e["event"] == event
    ]


def fact_panel(detail: Mapping[str, Any], what: str, names: Names | None = None) -> FactPanel:
    """The panel of one fact, from the API's JSON answer for it (its meeting, series and
    actor in words where ``names`` says them)."""
    content = {k: v for k, v in detail.items() if k not in HIDDEN and v is not None}
    retractions = _acts(detail, "retracted")
    return FactPanel(
        story=str(detail["story"]),
        id=str(detail["id"]),
        kind=str(detail["kind"]),
        what=what,
        occurred=str(detail["occurred"]),
        status=str(detail["status"]),
        disputed=bool(detail.get("disputed")),
        certainty=str(detail["certainty"]),
        reported=day(detail["reported_at"]),
        recorded=str(detail["recorded_at"]),
        fields=[(k.replace("_", " "), _named(k, v, names)) for k, v in content.items()],
        quote=detail.get("quote"),
        quote_language=detail.get("quote_language"),
        note=detail.get("note"),
        sources=[s for s in map(SourceLine.of, detail.get("sources", [])) if s],
        versions=versions(detail),
        disputes=_acts(detail, "disputed"),
        corroborations=_acts(detail, "corroborated"),
        retraction=retractions[-1] if retractions else None,
        corrections=correctable(str(detail["kind"]), {**detail, **content}),
    )


# ---- a fact in words ------------------------------------------------------------------


# ---- a story's names, for the fact form ------------------------------------------------


def fact_form(views: Iterable[FactView], actors: Mapping[str, Actor]) -> FactFormContext:
    """The fact form of a story: its actors, meetings and series offered by name."""
    meetings: dict[str, str] = {}
    series: set[str] = set()
    for view in views:
        extra = view.fields()
        if view.kind == "meeting_held":
            meetings[str(extra.get("meeting") or view.id)] = str(extra.get("title") or view.id)
        if extra.get("series"):
            series.add(str(extra["series"]))
    return FactFormContext(
        actors=[Choice(a.id, a.name) for a in sorted(actors.values(), key=lambda a: a.name)],
        meetings=[Choice(k, v) for k, v in meetings.items()],
        series=[Choice(s, s) for s in sorted(series)],
    )


# ---- the story list ---------------------------------------------------------------------


@dataclass(frozen=True)
class StorySummary:
    id: str
    title: str
    description: str | None
    url: str
    facts: int
    retracted: int
    first: str | None  # the earliest fact's occurred date, as written
    last: str | None  # the latest
    changed: str | None  # when this store last recorded something of it (RFC 3339)


def story_summary(summary: StoryListed, url: str) -> StorySummary:
    story = summary.story
    return StorySummary(
        id=story.id,
        title=story.title,
        description=story.description,
        url=url,
        facts=summary.facts,
        retracted=summary.retracted,
        first=summary.first,
        last=summary.last,
        changed=rfc3339(summary.changed),
    )


# ---- a story's facts, as cards on its page ----------------------------------------------

MAX_CARDS = 500  # beyond this, the page lists the first ones and says how to narrow down


@dataclass(frozen=True)
class FactCard:
    id: str
    occurred: str
    kind: str
    what: str
    certainty: str
    marks: list[str]
    sources: list[SourceLine]
    reported: str
    known_from: int  # replay: the day it became known (days since 1970-01-01)
    start: int  # and the day it started to happen


def fact_cards(
    views: Sequence[FactView],
    whats: Mapping[str, str],
    known_from: Mapping[str, int],
    starts: Mapping[str, int],
) -> list[FactCard]:
    """One card a fact, in the order things happened."""
    ordered = sorted(views, key=lambda v: (v.occurred_earliest, v.id))
    return [
        FactCard(
            id=v.id,
            occurred=v.occurred,
            kind=v.kind,
            what=whats.get(v.id, v.id),
            certainty=v.certainty.value,
            marks=marks(v.status.value, v.disputed),
            sources=[s for s in (SourceLine.of(x.model_dump(mode="json")) for x in v.sources) if s],
            reported=day(v.reported_at.date().isoformat()),
            known_from=known_from.get(v.id, 0),
            start=starts.get(v.id, 0),
        )
        for v in ordered[:MAX_CARDS]
    ]
