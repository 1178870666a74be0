"""The pieces of an article that drafts point at: sentences, their clauses and quotes.

A unit is one of spaCy's sentences, trimmed, except that a quotation is never cut: a
sentence that opens a quote runs on to the sentence that closes it (within its
paragraph), and a stray closing mark split off by the tagger goes back to its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from api.drafting.cues import Cues
from api.drafting.folding import Folded

QUOTES = re.compile(
    r"«\s*(?P<guillemets>[^«»]+?)\s*»|“\s*(?P<curly>[^“”]+?)\s*”|\"\s*(?P<straight>[^\"]+?)\s*\""
)
LETTER = re.compile(r"\w")
ENDED = re.compile(r"[.!?…:;»\"”)\]]\s*$")


@dataclass(frozen=True)
class Span:
    start: int  # original offsets
    end: int


@dataclass(frozen=True)
class Quote:
    """Quoted words: ``words`` is the inside, without its marks or outer spaces."""

    words: Span
    marks: Span  # the quote with its marks


@dataclass(frozen=True)
class Unit:
    """A sentence (original offsets) and its clauses (folded offsets)."""

    index: int
    start: int
    end: int
    clauses: tuple[tuple[int, int], ...]
    quotes: tuple[Quote, ...]

    def text(self, article: str) -> str:
        return article[self.start : self.end]

    def inside_quote(self, start: int, end: int) -> bool:
        return any(q.marks.start <= start and end <= q.marks.end for q in self.quotes)


def _open_quotes(text: str) -> bool:
    return (
        text.count("«") > text.count("»")
        or text.count("“") > text.count("”")
        or text.count('"') % 2 == 1
    )


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(doc: Doc, text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for sentence in doc.sents:
        start, end = _trimmed(text, sentence.start_char, sentence.end_char)
        if start >= end:
            continue
        piece = text[start:end]
        same_line = bool(spans) and "\n" not in text[spans[-1][1] : start]
        if same_line and (not LETTER.search(piece) or not ENDED.search(text[: spans[-1][1]])):
            # A stray mark ('"', '»') goes back, and so does a sentence cut where no
            # punctuation ends one (the tagger splits "BYTEDANCE et ..." after the name).
            spans[-1] = (spans[-1][0], end)
            continue
        spans.append((start, end))
    # An opening mark left at a sentence's end belongs to the next sentence.
    for i in range(len(spans) - 1):
        start, end = spans[i]
        opening = end - start > 1 and text[end - 1] in '"«“' and text[end - 2].isspace()
        if opening and _open_quotes(text[start:end]):
            spans[i] = _trimmed(text, start, end - 1)
            spans[i + 1] = (end - 1, spans[i + 1][1])
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        last = merged[-1] if merged else None
        if last and _open_quotes(text[last[0] : last[1]]) and "\n" not in text[last[1] : start]:
            merged[-1] = (last[0], end)
            continue
        merged.append((start, end))
    return merged


def _quotes(text: str, start: int, end: int) -> tuple[Quote, ...]:
    found = []
    for match in QUOTES.finditer(text, start, end):
        group = next(g for g in ("guillemets", "curly", "straight") if match.group(g))
        found.append(Quote(Span(*match.span(group)), Span(*match.span())))
    return tuple(found)


def _clauses(folded: Folded, start: int, end: int, cues: Cues) -> tuple[tuple[int, int], ...]:
    first, last = folded.folded_span(start, end)
    pieces: list[tuple[int, int]] = []
    at = first
    for match in cues.clause_breaks.finditer(folded.folded, first, last):
        if match.start() > at:
            pieces.append((at, match.start()))
        at = match.end()
    if at < last:
        pieces.append((at, last))
    return tuple(pieces) or ((first, last),)


def units_of(doc: Doc, folded: Folded, cues: Cues) -> list[Unit]:
    text = folded.text
    return [
        Unit(i, start, end, _clauses(folded, start, end, cues), _quotes(text, start, end))
        for i, (start, end) in enumerate(sentence_spans(doc, text))
    ]
