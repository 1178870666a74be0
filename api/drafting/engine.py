"""Drafts from an article: the facts it states, for a person to confirm; nothing appended.

The article is read once (``article``); its dated rounds become meetings first
(``meetings``), then each sentence gives its facts (``sentences``). Here they get their
ids and their sources, and only those that are valid facts of the domain are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from api.drafting.actors import ActorFinder
from api.drafting.article import Article, StoryContext, read_article
from api.drafting.ids import allocate, slug
from api.drafting.meetings import (
    UNDATED,
    MeetingPlan,
    Target,
    plan_meetings,
    ref,
    series_of,
    undated_meeting,
)
from api.drafting.sentences import Pending, facts_of
from api.drafting.units import Span, Unit
from api.drafting.unknown import unknown_actors
from api.drafting.words import meeting_title
from domain.model import Source, fact_content, parse_fact

log = logging.getLogger("reportedly.drafting")


@dataclass(frozen=True)
class Evidence:
    sentence: str
    start: int
    end: int
    marks: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Draft:
    fact: dict[str, Any]
    evidence: Evidence
    confidence: float


@dataclass(frozen=True)
class UnknownActor:
    name: str
    evidence: Evidence
    id: str
    kind: str


@dataclass(frozen=True)
class DraftSet:
    drafts: list[Draft]
    unknown_actors: list[UnknownActor]
    language: str


def draft_article(
    text: str, source: Source, language: str, finder: ActorFinder, story: StoryContext
) -> DraftSet:
    """Every draft the text supports, and the names it gives that are not actors."""
    article = read_article(text, source, language, finder)
    plans = plan_meetings(article, story)
    series, span = series_of(plans, story)
    whole: Target = series if series else (plans[0] if len(plans) == 1 else None)
    pending: list[Pending] = []
    for reading in article.readings:
        pending += facts_of(article, reading, plans, whole, span, finder)
    if any(p.target is UNDATED for p in pending):
        undated = undated_meeting(article, story)
        plans.append(undated)
        for p in pending:
            if p.target is UNDATED:
                p.target, p.occurred = undated, undated.occurred
    drafts = _built(article, plans, pending, story)
    return DraftSet(drafts, _unknowns(article, finder), language)


def _evidence(article: Article, unit: Unit, marks: list[Span]) -> Evidence:
    inside = tuple(
        sorted(
            {m for m in marks if unit.start <= m.start and m.end <= unit.end},
            key=lambda m: (m.start, m.end),
        )
    )
    return Evidence(article.text[unit.start : unit.end], unit.start, unit.end, inside)


def _built(
    article: Article, plans: list[MeetingPlan], pending: list[Pending], story: StoryContext
) -> list[Draft]:
    drafted = [p for p in plans if p.drafted]
    reserved = {m.meeting for m in story.meetings}
    meeting_bases = [
        slug(p.place.split(",")[0] if p.place else "meeting", p.occurred) for p in drafted
    ]
    meeting_ids = allocate(meeting_bases, story.taken, reserved)
    for plan, ident in zip(drafted, meeting_ids, strict=True):
        plan.meeting = ident
    used = reserved | set(meeting_ids)
    fact_ids = allocate([_base(p) for p in pending], story.taken, used)
    drafts: list[Draft] = []
    source = article.source.model_dump(mode="json", exclude_none=True)
    for plan in drafted:
        if not any(p.target is plan for p in pending) and plan.reading is None:
            continue
        fields = {
            "meeting": plan.meeting,
            "title": meeting_title(plan.place, plan.occurred, article.language),
        }
        if plan.place:
            fields["place"] = plan.place
        if plan.series:
            fields["series"] = plan.series
        reading = plan.reading or article.readings[0]
        fact = {
            "id": plan.meeting,
            "kind": "meeting_held",
            "occurred": plan.occurred,
            "sources": [source],
            "certainty": str(plan.certainty),
            **fields,
        }
        if plan.reading is not None:
            fact |= _quoted(article, Span(reading.unit.start, reading.unit.end))
        if plan.note:
            fact["note"] = plan.note
        marks = plan.marks + ([reading.held] if reading.held else [])
        _add(drafts, fact, _evidence(article, reading.unit, marks), plan.confidence)
    for p, ident in zip(pending, fact_ids, strict=True):
        fact = {
            "id": ident,
            "kind": p.kind,
            "occurred": p.occurred,
            "sources": [source],
            "certainty": str(p.certainty or p.reading.certainty),
            **p.fields,
        }
        if isinstance(p.target, MeetingPlan):
            fact["meeting"] = p.target.meeting
        elif isinstance(p.target, str):
            fact["series"] = p.target
        fact |= _quoted(article, p.quote or _clause_of(p))
        if p.note:
            fact["note"] = p.note
        _add(drafts, fact, _evidence(article, p.reading.unit, p.marks), p.confidence)
    return drafts


def _base(p: Pending) -> str:
    """A readable id: what the fact is about, then what it says of it."""
    about = "" if p.kind in ("claim", "statement_made") else ref(p.target)
    label = [part[:40] for part in p.label]
    return slug(about, *label) if about != "story" else slug(*label)


def _clause_of(p: Pending) -> Span:
    return Span(p.reading.unit.start, p.reading.unit.end)


def _quoted(article: Article, span: Span) -> dict[str, str]:
    words = article.text[span.start : span.end].strip()
    if not words or len(words) > 10_000:
        return {}
    return {"quote": words, "quote_language": article.language}


def _add(drafts: list[Draft], fact: dict[str, Any], evidence: Evidence, confidence: float) -> None:
    """Keep a draft only as a valid fact of the domain, in its stored form."""
    try:
        parsed = parse_fact(fact)
    except ValidationError as error:
        log.debug("draft dropped: %s: %s", fact.get("id"), error)
        return
    content = fact_content(parsed)
    ordered = {"id": content.pop("id"), "kind": content.pop("kind"), **content}
    drafts.append(Draft(ordered, evidence, round(confidence, 2)))


def _unknowns(article: Article, finder: ActorFinder) -> list[UnknownActor]:
    found = unknown_actors(
        article.doc, article.text, article.mentions, article.source.name, article.language
    )
    out = []
    for unknown in found:
        unit = next(
            (r.unit for r in article.readings if r.unit.start <= unknown.start < r.unit.end), None
        )
        if unit is None:
            continue
        evidence = _evidence(article, unit, [Span(unknown.start, unknown.end)])
        out.append(
            UnknownActor(unknown.name, evidence, slug(unknown.name, limit=60), str(unknown.kind))
        )
    return out
