"""Text folded for matching: lower case, no accents, one kind of apostrophe and dash.

Matching works on the folded text and answers in the original's offsets, so evidence is
always the article's own characters. Folding may change a string's length ("ß" → "ss"),
hence the map from each folded character back to the original.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_SAME = {
    "\u2019": "'",
    "\u2018": "'",
    "\u02bc": "'",
    "`": "'",
    "\u00b4": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    char = _SAME.get(char, char)
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)) or " "


def fold(text: str) -> str:
    """The folded text alone (for patterns and keys)."""
    return "".join(fold_char(c) for c in text)


@dataclass(frozen=True)
class Folded:
    """A text and its folded form, with offsets both ways."""

    text: str
    folded: str
    to_original: list[int]  # folded index → original index (one past the end included)
    to_folded: list[int]  # original index → folded index (one past the end included)

    @classmethod
    def of(cls, text: str) -> Folded:
        parts: list[str] = []
        back: list[int] = []
        forth: list[int] = []
        for i, char in enumerate(text):
            forth.append(len(back))
            piece = fold_char(char)
            parts.append(piece)
            back.extend([i] * len(piece))
        back.append(len(text))
        forth.append(len(back) - 1)
        return cls(text, "".join(parts), back, forth)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the folded span ``[start, end)``."""
        if end <= start:
            first = self.to_original[start]
            return first, first
        return self.to_original[start], self.to_original[end - 1] + 1

    def folded_span(self, start: int, end: int) -> tuple[int, int]:
        return self.to_folded[start], self.to_folded[end]
