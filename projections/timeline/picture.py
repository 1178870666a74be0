"""The picture as the page shows it: meetings, sides, absentees, statements, each entry
tagged with its fact's dates so the replay slider can hide what was not yet known.

Strings here are plain text; the template escapes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from domain.model import Actor
from projections.timeline.figures import day_number
from projections.timeline.items import Shown, meeting_titles, what
from projections.views import (
    DisclosureLag,
    MeetingPicture,
    Participant,
    Picture,
    SeriesPicture,
    Statement,
)
from projections.words import series_name_of

OTHER_KINDS = ("disclosure_published", "policy_announced", "claim")


@dataclass(frozen=True)
class Replay:
    """When the public first knew the fact, when it stopped being so (a retraction), and
    when it started to happen; all as days since the epoch."""

    known_from: int
    known_until: int | None
    start: int


@dataclass
class Entry:
    text: str
    note: str | None = None
    replay: Replay | None = None


@dataclass
class Side:
    name: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class StatementCard:
    speaker: str
    text: str
    language: str
    note: str
    replay: Replay | None


@dataclass
class MeetingCard:
    title: str
    place: str | None
    occurred: str
    certainty: str
    flags: list[str]
    sides: list[Side]
    absentees: list[Entry]
    briefed: list[Entry]
    topics: list[Entry]
    statements: list[StatementCard]
    disclosure: str | None
    lag: str | None
    replay: Replay | None


@dataclass
class PictureView:
    meetings: list[MeetingCard]
    statements: list[StatementCard]
    others: list[Entry]
    counts: str


def replays(shown: Sequence[Shown]) -> dict[str, Replay]:
    """Per fact: first known, known until retracted, and its occurred start."""
    out: dict[str, Replay] = {}
    for item in sorted(shown, key=lambda s: s.known_from):
        known = out.get(item.view.id)
        until = day_number(item.known_from) if item.began == "retracted" else None
        start = day_number(item.view.occurred_earliest)
        if known is None:
            out[item.view.id] = Replay(day_number(item.known_from), until, start)
        elif until is not None and known.known_until is None:
            out[item.view.id] = Replay(known.known_from, until, known.start)
    return out


def lag_words(lag: DisclosureLag) -> str:
    def months(days: int) -> str:
        return f"{days / 30.44:.1f}"

    if lag.exact or lag.min_days == lag.max_days:
        return f"{lag.max_days} days (about {months(lag.max_days)} months)"
    return (
        f"{lag.min_days} to {lag.max_days} days "
        f"(about {months(lag.min_days)} to {months(lag.max_days)} months)"
    )


def picture_view(
    picture: Picture, shown: Sequence[Shown], actors: Mapping[str, Actor]
) -> PictureView:
    when = replays(shown)
    names = {a.id: a.name for a in picture.actors} | {k: a.name for k, a in actors.items()}
    topics = {
        (_where(s.view.fields()), str(s.view.fields().get("topic"))): s.view.id
        for s in shown
        if s.view.kind == "topic_discussed"
    }
    meetings = [_meeting(m, when, names, topics) for m in picture.meetings]
    meetings += [_series(s, picture.meetings, when, names, topics) for s in picture.series]
    in_meetings = {s.fact_id for m in picture.meetings for s in m.statements}
    in_meetings |= {s.fact_id for series in picture.series for s in series.statements}
    loose = [_statement(s, when, names) for s in picture.statements if s.fact_id not in in_meetings]
    titles = meeting_titles(s.view for s in shown)
    current = {s.view.id: s for s in shown if s.known_until is None}
    others = [
        Entry(
            what(s.view, actors, titles),
            f"{s.view.occurred}, {s.view.certainty.value}",
            when.get(i),
        )
        for i, s in sorted(current.items(), key=lambda p: p[1].view.occurred_earliest)
        if s.view.kind in OTHER_KINDS and s.view.status != "retracted"
    ]
    counts = picture.counts
    summary = (
        f"{counts.facts} fact(s): {counts.meetings} meeting(s), {counts.participants} "
        f"participation(s), {counts.absentees} absence(s), {counts.statements} statement(s), "
        f"{counts.sources} source(s); {counts.corrected} corrected, {counts.retracted} "
        f"retracted, {counts.disputed} disputed."
    )
    return PictureView(meetings, loose, others, summary)


def _meeting(
    meeting: MeetingPicture,
    when: Mapping[str, Replay],
    names: Mapping[str, str],
    topics: Mapping[tuple[str, str], str],
) -> MeetingCard:
    flags = [meeting.status.value] if meeting.status.value != "active" else []
    disclosure = None
    if meeting.disclosed_at:
        by = f"by {meeting.disclosed_by}, " if meeting.disclosed_by else ""
        disclosure = f"{by}{meeting.disclosed_at.date().isoformat()}"
    return MeetingCard(
        title=meeting.title,
        place=meeting.place,
        occurred=f"{meeting.occurred} ({meeting.precision.value})",
        certainty=meeting.certainty.value,
        flags=flags,
        **_said(meeting, when, names, topics),
        disclosure=disclosure,
        lag=lag_words(meeting.disclosure_lag) if meeting.disclosure_lag else None,
        replay=when.get(meeting.fact_id),
    )


def _series(
    series: SeriesPicture,
    meetings: Sequence[MeetingPicture],
    when: Mapping[str, Replay],
    names: Mapping[str, str],
    topics: Mapping[tuple[str, str], str],
) -> MeetingCard:
    """What is said of a set of talks as a whole, without saying which round."""
    rounds = [m for m in meetings if m.id in series.rounds]
    name = series_name_of(series.id, [m.title for m in rounds])
    card = MeetingCard(
        title=f"{name}: the talks as a whole",
        place=None,
        occurred=f"{len(rounds)} round(s): " + ", ".join(m.occurred for m in rounds),
        certainty="",
        flags=[],
        **_said(series, when, names, topics),
        disclosure=None,
        lag=None,
        replay=None,
    )
    # Shown from when the first of its rounds, or of what is said of it, was known.
    entries = [e for side in card.sides for e in side.entries]
    entries += card.absentees + card.briefed + card.topics
    known = [when.get(m.fact_id) for m in rounds] + [e.replay for e in entries]
    known += [s.replay for s in card.statements]
    first = [r for r in known if r is not None]
    if first:
        card.replay = Replay(min(r.known_from for r in first), None, min(r.start for r in first))
    return card


def _said(
    of: MeetingPicture | SeriesPicture,
    when: Mapping[str, Replay],
    names: Mapping[str, str],
    topics: Mapping[tuple[str, str], str],
) -> dict[str, Any]:
    """Who sat on which side, who was absent or briefed, topics and statements: a card's
    entries for a meeting or for a series as a whole."""
    return {
        "sides": _sides(of.participants, when),
        "absentees": [_ref(a.name, a.certainty.value, when.get(a.fact_id)) for a in of.absentees],
        "briefed": [_ref(a.name, a.certainty.value, when.get(a.fact_id)) for a in of.briefed],
        "topics": [
            Entry(topic, None, when.get(topics.get((of.id, topic), ""))) for topic in of.topics
        ],
        "statements": [_statement(s, when, names) for s in of.statements],
    }


def _where(fields: Mapping[str, object]) -> str:
    """The meeting a fact names, or its series."""
    return str(fields.get("meeting") or fields.get("series"))


def _sides(participants: Sequence[Participant], when: Mapping[str, Replay]) -> list[Side]:
    """Participants by the side they sat on (the fact's ``side``, else their country)."""
    sides: dict[str, Side] = {}
    for person in sorted(participants, key=lambda p: (p.side or "~", p.name)):
        side = sides.setdefault(person.side or "", Side(person.side or "side unknown"))
        note = person.role if person.role != "participant" else None
        if person.certainty.value != "reported":
            note = f"{note}, {person.certainty.value}" if note else person.certainty.value
        side.entries.append(Entry(person.name, note, when.get(person.fact_id)))
    return list(sides.values())


def _ref(name: str, certainty: str, replay: Replay | None) -> Entry:
    return Entry(name, certainty if certainty != "reported" else None, replay)


def _statement(
    statement: Statement, when: Mapping[str, Replay], names: Mapping[str, str]
) -> StatementCard:
    speaker = names.get(statement.actor, statement.actor) if statement.actor else None
    return StatementCard(
        speaker=speaker or statement.speaker or "someone",
        text=statement.text,
        language=statement.language or statement.quote_language or "",
        note=f"{statement.occurred} · reported {statement.reported_at.date().isoformat()} · "
        f"{statement.certainty.value}",
        replay=when.get(statement.fact_id),
    )


def empty_picture() -> PictureView:
    return PictureView([], [], [], "")
