"""An article as read once: its units, their readings, the actors it names.

One pass of the language pipeline, then plain matching on the folded text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc

from api.drafting.actors import ActorFinder, Mention
from api.drafting.cues import CUES, Cues
from api.drafting.dates import MONTHS
from api.drafting.folding import Folded, fold
from api.drafting.pipelines import pipeline
from api.drafting.reading import UnitReading, read_unit
from api.drafting.units import Span, units_of
from domain.model import Source

PLACE_BEFORE = re.compile(r"(?:^|\s)(?:a|en|au|aux|in|at|near|pres de)\s*$")
PLACE_GAP = re.compile(r"^\s*,?\s*(?:en|au|aux|in)?\s*$")
EN_PLACE = re.compile(r"\b(?:in|at)\s+((?:[A-Z][\w'-]+)(?:\s+[A-Z][\w'-]+){0,2})")


@dataclass(frozen=True)
class KnownMeeting:
    """A meeting the story holds already."""

    meeting: str
    occurred: str
    place: str | None = None
    series: str | None = None


@dataclass(frozen=True)
class StoryContext:
    story: str
    meetings: tuple[KnownMeeting, ...] = ()
    taken: Callable[[list[str]], set[str]] = lambda ids: set()  # fact ids the story holds


@dataclass
class Article:
    text: str
    source: Source
    language: str
    folded: Folded
    cues: Cues
    doc: Doc
    readings: list[UnitReading]
    mentions: list[Mention]

    @property
    def published(self) -> str:
        return self.source.published.isoformat()[:10]


def read_article(text: str, source: Source, language: str, finder: ActorFinder) -> Article:
    doc = pipeline(language).run(text)
    folded = Folded.of(text)
    cues = CUES[language]
    units = units_of(doc, folded, cues)
    mentions = finder.find(folded)
    teller = finder.named(source.name)  # the source itself is never a participant
    places = places_in(doc, folded, language, mentions)
    readings = [
        read_unit(u, folded, cues, language, mentions, finder.actors, places, teller) for u in units
    ]
    return Article(text, source, language, folded, cues, doc, readings, mentions)


def places_in(doc: Doc, folded: Folded, language: str, mentions: list[Mention]) -> list[Span]:
    """Places a meeting may be at: names after "à", "en", "in", "at"."""
    found: list[Span] = []
    if doc.has_annotation("ENT_IOB"):
        for entity in doc.ents:
            if entity.label_ != "LOC":
                continue
            at = folded.to_folded[entity.start_char]
            if PLACE_BEFORE.search(folded.folded[max(0, at - 12) : at]):
                found.append(Span(entity.start_char, entity.end_char))
    elif language == "en":
        for match in EN_PLACE.finditer(folded.text):
            if fold(match.group(1)).split()[0] not in MONTHS:
                found.append(Span(*match.span(1)))
    taken = [(m.start, m.end) for m in mentions]
    return [p for p in found if not any(s < p.end and p.start < e for s, e in taken)]
