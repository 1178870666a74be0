"""What one sentence says: who, doing what, when, where, how surely.

Each clause is read on its own ("ByteDance était absente, tandis que DeepMind a été
informée"), its kind from its cue words; a clause that names nobody ("mais n'a pas
participé") speaks of the actors of the clause before it. An actor named only as the
teller ("selon le Financial Times", "Le FT indique que") is not a participant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from api.drafting.actors import Mention
from api.drafting.cues import Cues, country_in
from api.drafting.dates import DateSaid, dates_in
from api.drafting.folding import Folded
from api.drafting.units import Span, Unit
from domain.model import Actor, Certainty, Role

ACTOR_KINDS = ("absent", "briefed", "joined")  # in the order a clause is tried


@dataclass(frozen=True)
class ActorReading:
    """An actor a clause says took part, was absent or was briefed."""

    kind: str  # participant_joined | participant_absent | actor_briefed
    actor: str
    role: Role | None
    side: str | None
    mention: Span
    cue: Span
    inherited: bool  # named in an earlier clause of the sentence


@dataclass(frozen=True)
class TopicReading:
    topic: str
    span: Span
    cue: Span


@dataclass
class UnitReading:
    unit: Unit
    certainty: Certainty
    hedge: Span | None
    dates: list[DateSaid]
    held: Span | None  # a "took place" cue
    places: list[Span]
    about_talks: bool
    disclosed: Span | None
    first_person: bool
    actors: list[ActorReading] = field(default_factory=list)
    topics: list[TopicReading] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    tellers: list[Mention] = field(default_factory=list)  # "selon X", "X indique que"


def _outside_quotes(unit: Unit, folded: Folded, pattern: re.Pattern[str]) -> re.Match[str] | None:
    first, last = folded.folded_span(unit.start, unit.end)
    for match in pattern.finditer(folded.folded, first, last):
        start, end = folded.original_span(*match.span())
        if not unit.inside_quote(start, end):
            return match
    return None


def _span(folded: Folded, match: re.Match[str] | None) -> Span | None:
    return Span(*folded.original_span(*match.span())) if match else None


def _tellers(
    unit_mentions: list[Mention], folded: Folded, cues: Cues, source: str | None
) -> list[Mention]:
    """Mentions that only say who tells it: "selon X", "X indique que", the source."""
    found = []
    for mention in unit_mentions:
        if mention.actor == source:
            found.append(mention)
            continue
        start, end = folded.folded_span(mention.start, mention.end)
        before = folded.folded[max(0, start - 30) : start]
        after = folded.folded[end : end + 30]
        if re.search(
            cues.attribution_before.pattern + r"\s*(?:(?:le|la|les|l'|the)\s*)?$", before
        ) or cues.attribution_after.match(after.lstrip()):
            found.append(mention)
    return found


def read_unit(
    unit: Unit,
    folded: Folded,
    cues: Cues,
    language: str,
    mentions: list[Mention],
    actors: dict[str, Actor],
    places: list[Span],
    source: str | None = None,
) -> UnitReading:
    """One unit read: its certainty, dates, place, and the actors' and topics' readings."""
    alleged = _outside_quotes(unit, folded, cues.alleged)
    reported = _outside_quotes(unit, folded, cues.reported)
    certainty = Certainty.alleged if alleged else Certainty.reported
    first, last = folded.folded_span(unit.start, unit.end)
    unit_mentions = [m for m in mentions if unit.start <= m.start and m.end <= unit.end]
    tellers = _tellers(unit_mentions, folded, cues, source)
    reading = UnitReading(
        unit=unit,
        certainty=certainty,
        hedge=_span(folded, alleged or reported),
        dates=dates_in(folded, first, last, language),
        held=_span(folded, _outside_quotes(unit, folded, cues.held)),
        places=[p for p in places if unit.start <= p.start and p.end <= unit.end],
        about_talks=_outside_quotes(unit, folded, cues.talks) is not None,
        disclosed=_span(folded, _outside_quotes(unit, folded, cues.disclosed)),
        first_person=_outside_quotes(unit, folded, cues.first_person) is not None,
        mentions=unit_mentions,
        tellers=tellers,
    )
    speakers = [
        m for m in unit_mentions if m not in tellers and not unit.inside_quote(m.start, m.end)
    ]
    previous: list[Mention] = []
    for start, end in unit.clauses:
        named = [m for m in speakers if start <= folded.to_folded[m.start] < end]
        reading.actors += _actor_readings(
            folded, cues, start, end, named or previous, inherited=not named, actors=actors
        )
        reading.topics += _topics(folded, cues, start, end)
        previous = named or previous
    return reading


def _actor_readings(
    folded: Folded,
    cues: Cues,
    start: int,
    end: int,
    named: list[Mention],
    *,
    inherited: bool,
    actors: dict[str, Actor],
) -> list[ActorReading]:
    text = folded.folded
    for kind in ACTOR_KINDS:
        cue = getattr(cues, kind).search(text, start, end)
        if cue is None:
            continue
        if kind == "joined" and cues.absent.search(text, start, end):
            continue
        side = _side(folded, cues, start, end)
        readings = []
        for mention in named:
            at = folded.to_folded[mention.start]
            role = _role(folded, cues, start, at) if kind == "joined" else None
            own = actors[mention.actor].country if mention.actor in actors else None
            said_side = side[1] if side and at < side[0] and side[1] != own else None
            readings.append(
                ActorReading(
                    kind={
                        "absent": "participant_absent",
                        "briefed": "actor_briefed",
                        "joined": "participant_joined",
                    }[kind],
                    actor=mention.actor,
                    role=role,
                    side=said_side if kind == "joined" else None,
                    mention=Span(mention.start, mention.end),
                    cue=Span(*folded.original_span(*cue.span())),
                    inherited=inherited,
                )
            )
        return readings
    return []


def _role(folded: Folded, cues: Cues, start: int, at: int) -> Role:
    """Mediator or delegate when the clause says so before the actor is named."""
    before = folded.folded[start:at]
    if cues.mediator.search(before):
        return Role.mediator
    if cues.delegate.search(before[-60:]):
        return Role.delegate
    return Role.participant


def _side(folded: Folded, cues: Cues, start: int, end: int) -> tuple[int, str] | None:
    """Where a clause says whom its actors represent ("qui représentent les États-Unis")."""
    match = cues.representing.search(folded.folded, start, end)
    if match is None:
        return None
    code = country_in(match.group(1))
    return (match.start(), code) if code else None


def _topics(folded: Folded, cues: Cues, start: int, end: int) -> list[TopicReading]:
    text = folded.folded
    cue = cues.topic.search(text, start, end)
    if cue is None:
        return []
    stop = re.compile(r"[.;:!?()\[\]«»\"“”]")
    tail_end = next((m.start() for m in stop.finditer(text, cue.end(), end)), end)
    found: list[TopicReading] = []
    at = cue.end()
    splitter = re.compile(r",\s*|\s+(?:" + cues.list_joins.pattern + r")\s+")
    pieces: list[tuple[int, int]] = []
    for match in splitter.finditer(text, at, tail_end):
        pieces.append((at, match.start()))
        at = match.end()
    pieces.append((at, tail_end))
    for piece_start, piece_end in pieces:
        piece = text[piece_start:piece_end].strip()
        words = piece.split()
        if not words or words[0] in cues.topic_stops or len(words) > 10:
            break
        lead = cues.articles.match(piece)
        skip = lead.end() if lead else 0
        offset = piece_start + (
            len(text[piece_start:piece_end]) - len(text[piece_start:piece_end].lstrip())
        )
        first, last = folded.original_span(offset + skip, offset + len(piece))
        topic = folded.text[first:last].strip()
        if len(topic) < 3:
            continue
        topic = topic[0].upper() + topic[1:]
        found.append(
            TopicReading(topic, Span(first, last), Span(*folded.original_span(*cue.span())))
        )
    return found
