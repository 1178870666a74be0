"""The rounds an article dates, and what each sentence's facts are about.

Meetings come first, since the other facts name them: a round the text dates ("en
juillet et en octobre 2023") is a meeting, the story's own when it holds one of that
date, else a drafted ``meeting_held``; what a sentence says of the talks without a date
is said of the series (several rounds) or of the one meeting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

from api.drafting.article import PLACE_GAP, Article, StoryContext
from api.drafting.dates import DateSaid, span_of
from api.drafting.folding import fold
from api.drafting.ids import slug
from api.drafting.reading import UnitReading
from api.drafting.units import Span
from domain.model import Certainty


@dataclass(eq=False)
class MeetingPlan:
    occurred: str
    place: str | None
    series: str | None = None
    meeting: str | None = None  # the story's id for it, or the one allocated
    drafted: bool = True
    reading: UnitReading | None = None
    marks: list[Span] = field(default_factory=list)
    certainty: Certainty = Certainty.reported
    confidence: float = 0.85
    note: str | None = None


Target = MeetingPlan | str | None  # a meeting, a series, or the story as a whole


def place_name(article: Article, places: list[Span]) -> str | None:
    """The first place a sentence names, with the next when it only narrows it
    ("à Genève, en Suisse" → "Genève, Suisse")."""
    if not places:
        return None
    text = article.text
    names = [text[places[0].start : places[0].end]]
    for before, after in pairwise(places):
        if not PLACE_GAP.match(fold(text[before.end : after.start])):
            break
        names.append(text[after.start : after.end])
    return ", ".join(names)


def plan_meetings(article: Article, story: StoryContext) -> list[MeetingPlan]:
    """The rounds the text dates, matched to the story's meetings by date."""
    held = [r for r in article.readings if r.held]
    place = next((p for r in held if (p := place_name(article, r.places))), None)
    plans: dict[str, MeetingPlan] = {}
    dated = [r for r in article.readings if r.dates and (r.held or r.actors or r.topics)]
    for reading in dated:
        for date in reading.dates:
            if date.edtf in plans:
                continue
            here = place_name(article, reading.places) or place
            plans[date.edtf] = MeetingPlan(
                occurred=date.edtf,
                place=here,
                reading=reading,
                marks=[_date_span(article, date)],
                certainty=reading.certainty,
                confidence=0.85 if reading.held else 0.6,
            )
    for plan in plans.values():
        known = next((m for m in story.meetings if m.occurred == plan.occurred), None)
        if known is not None:
            plan.meeting, plan.drafted, plan.series = known.meeting, False, known.series
    return list(plans.values())


def _date_span(article: Article, date: DateSaid) -> Span:
    return Span(*article.folded.original_span(date.start, date.end))


def series_of(plans: list[MeetingPlan], story: StoryContext) -> tuple[str | None, str | None]:
    """The series the rounds belong to (the story's, else a new one for several), and
    the span of all its rounds."""
    existing = next((m.series for m in story.meetings if m.series), None)
    series = existing
    if series is None and len(plans) + len(story.meetings) >= 2:
        place = next((p.place for p in plans if p.place), None)
        series = slug(place.split(",")[0] if place else story.story, "talks")
    if series is None:
        return None, None
    for plan in plans:
        if plan.drafted:
            plan.series = series
    rounds = [p.occurred for p in plans] + [
        m.occurred for m in story.meetings if m.series == series
    ]
    return series, span_of(rounds)


UNDATED = MeetingPlan(occurred="", place=None)  # a placeholder: the text dates no round


def undated_meeting(article: Article, story: StoryContext) -> MeetingPlan:
    held = [r for r in article.readings if r.held]
    place = next((p for r in held if (p := place_name(article, r.places))), None)
    return MeetingPlan(
        occurred=article.published,
        place=place,
        reading=held[0] if held else None,
        confidence=0.3,
        note="The text dates no meeting: dated by the report that tells of it. Correct it.",
    )


def targets_of(
    reading: UnitReading, plans: list[MeetingPlan], whole: Target, span: str | None
) -> list[tuple[Target, str]]:
    """What a sentence's facts are about, each with its date: the rounds its dates name,
    else the series or the one meeting."""
    if reading.dates:
        found: list[tuple[Target, str]] = []
        for date in reading.dates:
            plan = next((p for p in plans if p.occurred == date.edtf), None)
            if plan is not None:
                found.append((plan, plan.occurred))
            elif isinstance(whole, str) and date.edtf == span:
                found.append((whole, date.edtf))
        if found:
            return found
    if isinstance(whole, str):
        return [(whole, span or "")]
    if isinstance(whole, MeetingPlan):
        return [(whole, whole.occurred)]
    return [(UNDATED, "")]


def ref(target: Target) -> str:
    """The meeting's id (allocated by then) or the series; "story" for neither."""
    if isinstance(target, MeetingPlan):
        return target.meeting or "meeting"
    return target or "story"
