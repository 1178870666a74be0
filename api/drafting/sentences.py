"""The facts one sentence states: actors' parts, topics, statements, a disclosure, or
else a claim in its own words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from api.drafting.actors import ActorFinder
from api.drafting.article import Article
from api.drafting.claims import triple
from api.drafting.dates import span_of
from api.drafting.folding import fold
from api.drafting.meetings import UNDATED, MeetingPlan, Target, targets_of
from api.drafting.reading import UnitReading
from api.drafting.units import Span
from api.drafting.words import unnamed_speaker
from domain.model import Certainty


@dataclass(eq=False)
class Pending:
    """A draft before ids are known (the meetings it names get theirs first)."""

    label: tuple[str, ...]  # the id after the target's ("joined", "openai")
    kind: str
    fields: dict[str, Any]
    target: Target
    occurred: str
    reading: UnitReading
    marks: list[Span]
    confidence: float
    quote: Span | None = None
    note: str | None = None
    certainty: Certainty | None = None


def facts_of(
    article: Article,
    reading: UnitReading,
    plans: list[MeetingPlan],
    whole: Target,
    span: str | None,
    finder: ActorFinder,
) -> list[Pending]:
    found: list[Pending] = []
    targets = targets_of(reading, plans, whole, span)
    for actor in reading.actors:
        for target, occurred in targets:
            fields: dict[str, Any] = {"actor": actor.actor}
            if actor.kind == "participant_joined":
                fields["role"] = str(actor.role or "participant")
                if actor.side:
                    fields["side"] = actor.side
            word = {
                "participant_joined": "joined",
                "participant_absent": "absent",
                "actor_briefed": "briefed",
            }[actor.kind]
            found.append(
                Pending(
                    label=(word, actor.actor),
                    kind=actor.kind,
                    fields=fields,
                    target=target,
                    occurred=occurred,
                    reading=reading,
                    marks=[actor.mention, actor.cue],
                    confidence=0.6 if actor.inherited else 0.8,
                )
            )
    for topic in reading.topics:
        for target, occurred in targets:
            found.append(
                Pending(
                    label=("topic", topic.topic),
                    kind="topic_discussed",
                    fields={"topic": topic.topic},
                    target=target,
                    occurred=occurred,
                    reading=reading,
                    marks=[topic.span, topic.cue],
                    confidence=0.65,
                )
            )
    found += _statements(article, reading, plans, whole, span)
    found += _disclosure(article, reading, plans, whole, span, finder)
    if not found and not reading.held and _claimable(article, reading):
        found.append(_claim(article, reading, span))
    return found


def _statements(
    article: Article,
    reading: UnitReading,
    plans: list[MeetingPlan],
    whole: Target,
    span: str | None,
) -> list[Pending]:
    unit, text = reading.unit, article.text
    speech = article.cues.speech
    found = []
    for quote in unit.quotes:
        words = text[quote.words.start : quote.words.end]
        lead_in = text[unit.start : quote.marks.start]
        said = speech.search(fold(lead_in)) or speech.search(fold(text[quote.marks.end : unit.end]))
        if len(words.split()) < (3 if said else 6):
            continue  # a quoted term, not a statement
        outside = [m for m in reading.mentions if not unit.inside_quote(m.start, m.end)]
        before = [m for m in outside if m.end <= quote.marks.start]
        after = [m for m in outside if m.start >= quote.marks.end]
        speaker = before[-1] if before else (after[0] if after else None)
        fields: dict[str, Any] = {"text": words, "language": article.language}
        if speaker is not None:
            fields["actor"] = speaker.actor
        else:
            trailing = text[quote.marks.end : unit.end]
            fields["speaker"] = _described_speaker(article, lead_in, trailing)
        target: Target = None
        occurred = article.published
        if reading.dates:
            target, occurred = targets_of(reading, plans, whole, span)[0]
        elif reading.about_talks and whole is not None:
            target = whole
            start = (span or "").split("/")[0] if isinstance(whole, str) else whole.occurred
            occurred = f"{start.split('/')[0]}/{article.published}" if start else article.published
        if target is UNDATED:
            target, occurred = None, article.published
        who = fields.get("actor") or fields["speaker"]
        marks = [quote.words] + ([Span(speaker.start, speaker.end)] if speaker else [])
        found.append(
            Pending(
                label=("statement", str(who)),
                kind="statement_made",
                fields=fields,
                target=target,
                occurred=occurred,
                reading=reading,
                marks=marks,
                confidence=0.8 if speaker else 0.6,
                quote=quote.words,
                note=None if reading.dates else UNDATED_STATEMENT,
            )
        )
    return found


UNDATED_STATEMENT = "The text does not date this statement: dated up to the report. Check it."


def _described_speaker(article: Article, lead_in: str, after: str) -> str:
    """Who speaks, in the text's words: the phrase before "a déclaré" / "said", or after
    the quote ('…," said one person present')."""
    speech = article.cues.speech
    before = fold(lead_in)
    if (cue := speech.search(before)) and len(before) == len(lead_in):
        words = re.split(r"[,;:]\s", lead_in[: cue.start()])[-1].strip(' ,:;"«“')
        if 0 < len(words.split()) <= 12:
            return words
    folded = fold(after)
    if (cue := speech.match(folded.lstrip(' ,"»”'), 0)) and len(folded) == len(after):
        start = len(folded) - len(folded.lstrip(' ,"»”')) + cue.end()
        words = re.split(r"[.;:!?]", after[start:])[0].strip(" ,")
        if 0 < len(words.split()) <= 12:
            return words
    return unnamed_speaker(article.language)


def _disclosure(
    article: Article,
    reading: UnitReading,
    plans: list[MeetingPlan],
    whole: Target,
    span: str | None,
    finder: ActorFinder,
) -> list[Pending]:
    if reading.disclosed is None:
        return []
    source_actor = finder.named(article.source.name)
    outlets = [m.actor for m in reading.mentions if finder.actors[m.actor].kind == "media"]
    actor = outlets[0] if outlets else source_actor
    if actor is None:
        return []
    targets = [t for t, _ in targets_of(reading, plans, whole, span) if t is not UNDATED]
    meetings = {t for t in targets if isinstance(t, MeetingPlan)}
    target: Target = None
    if len(meetings) > 1 and isinstance(whole, str):
        target = whole
    elif targets:
        target = targets[0]
    headline = article.source.title or _headline(article)
    certainty = Certainty.confirmed if actor == source_actor else reading.certainty
    return [
        Pending(
            label=(actor, "discloses"),
            kind="disclosure_published",
            fields={"actor": actor, "headline": headline},
            target=target,
            occurred=article.published,
            reading=reading,
            marks=[reading.disclosed],
            confidence=0.6,
            certainty=certainty,
            note="The disclosure is dated by the source's publication.",
        )
    ]


def _headline(article: Article) -> str:
    first = article.readings[0].unit if article.readings else None
    words = article.text[first.start : first.end] if first else article.source.name
    return words if len(words) <= 300 else words[:297].rsplit(" ", 1)[0] + "…"


def _claimable(article: Article, reading: UnitReading) -> bool:
    words = article.text[reading.unit.start : reading.unit.end].split()
    return len(words) >= 4 and not reading.first_person and not reading.unit.quotes


def _claim(article: Article, reading: UnitReading, span: str | None) -> Pending:
    unit = reading.unit
    said = triple(article.doc, unit.start, unit.end, article.source.name, article.language)
    occurred = span_of([d.edtf for d in reading.dates]) or article.published
    return Pending(
        label=("claim", said.subject),
        kind="claim",
        fields={
            "subject": said.subject[:500],
            "predicate": said.predicate[:500],
            "object": said.object,
        },
        target=None,
        occurred=occurred,
        reading=reading,
        marks=[],
        confidence=0.3,
        quote=Span(unit.start, unit.end),
        note=None if reading.dates else "Dated by the report: the sentence gives no date.",
    )
