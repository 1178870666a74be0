"""A sentence that says something but fits no kind becomes a ``claim``: subject,
predicate, object, from the parse where there is one (French), else "source reports".

Only the words of the sentence are used, trimmed; the person confirming rewrites them.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

SUBJECTS = ("nsubj", "nsubj:pass", "expl:subj")
PREDICATE = ("aux", "aux:tense", "aux:pass", "cop", "advmod", "expl:comp", "expl:pass")
NEGATIONS = {"ne", "n'", "pas", "jamais", "not", "never"}
REPORTS = {"fr": "rapporte", "en": "reports"}


@dataclass(frozen=True)
class Triple:
    subject: str
    predicate: str
    object: str


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(' ,;:.-"«»“”')


def triple(doc: Doc, start: int, end: int, source: str, language: str) -> Triple:
    """What the sentence ``[start, end)`` claims; its own words as the object otherwise."""
    fallback = Triple(source, REPORTS.get(language, "reports"), _clean(doc.text[start:end]))
    if not doc.has_annotation("DEP"):
        return fallback
    sentence = doc.char_span(start, end, alignment_mode="expand")
    if sentence is None:
        return fallback
    root = sentence.root
    if root.pos_ not in ("VERB", "AUX"):
        return fallback
    subjects = [c for c in root.children if c.dep_ in SUBJECTS and c.i < root.i]
    if not subjects:
        return fallback
    subject = subjects[0]
    subject_tokens = list(subject.subtree)
    first = min(t.i for t in subject_tokens)
    last = max(t.i for t in subject_tokens)
    helpers = [
        c
        for c in root.children
        if last < c.i < root.i and (c.dep_ in PREDICATE or c.lower_ in NEGATIONS)
    ]
    predicate_start = min([root.i, *(h.i for h in helpers)])
    after = root.i + 1
    while after < sentence.end and doc[after].lower_ in NEGATIONS:
        after += 1
    subject_text = _clean(doc[first : last + 1].text)
    predicate = _clean(doc[predicate_start:after].text)
    rest = _clean(doc[after : sentence.end].text)
    if not subject_text or not predicate or not rest:
        return fallback
    return Triple(subject_text, predicate, rest)
