"""The text's language when the source does not say: French or English, by their
commonest words."""

from __future__ import annotations

import re

from api.drafting.folding import fold

FRENCH_WORDS = "le la les des du de et est une un que qui pour dans sur au aux ont été selon avec"
ENGLISH_WORDS = "the of and to in is was were that for on with by from has have said not are"
FRENCH = frozenset(fold(FRENCH_WORDS).split())
ENGLISH = frozenset(ENGLISH_WORDS.split())


def guess_language(text: str) -> str:
    words = re.findall(r"[a-z']+", fold(text[:20_000]))
    french = sum(w in FRENCH for w in words)
    english = sum(w in ENGLISH for w in words)
    return "fr" if french > english else "en"
