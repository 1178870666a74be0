"""Registered actors found in a text by name, alias and label, in any language.

Matching is insensitive to case and accents and runs through elisions and articles: the
label "université de Tsinghua" is found in "l'université de Tsinghua", "OpenAI" in
"d'OpenAI", "le Financial Times" in "selon le Financial Times". Short all-capital aliases
("FT") match only as written, so "ft" in a word or a sentence never does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from api.drafting.folding import Folded, fold
from domain.model import Actor

LEADING = re.compile(r"^(?:(?:the|le|la|les|l'|d'|der|die|das|el|los|las|il|lo)\s*)+")


@dataclass(frozen=True)
class Mention:
    """An actor named in the text (original offsets)."""

    actor: str
    start: int
    end: int


def _key(name: str) -> str:
    """A name as matched: folded, spaces collapsed, leading articles dropped."""
    folded = re.sub(r"\s+", " ", fold(name)).strip(" .,;:")
    return LEADING.sub("", folded).strip()


def _is_acronym(name: str) -> bool:
    return len(name) <= 4 and name.isupper() and name.isalpha()


class ActorFinder:
    """Every registered actor's names, compiled once into one pattern."""

    def __init__(self, actors: Iterable[Actor]) -> None:
        self.actors = {actor.id: actor for actor in actors}
        self._by_key: dict[str, str] = {}
        acronyms: dict[str, str] = {}
        for actor in self.actors.values():
            for name in [actor.name, *actor.aliases, *actor.labels.values()]:
                if _is_acronym(name.strip()):
                    acronyms.setdefault(name.strip(), actor.id)
                elif len(key := _key(name)) >= 2:
                    self._by_key.setdefault(key, actor.id)
        self._acronyms = acronyms
        self._pattern = self._compile(self._by_key)
        self._acronym_pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, acronyms)) + r")(?!\w)")
            if acronyms
            else None
        )

    @staticmethod
    def _compile(keys: Iterable[str]) -> re.Pattern[str] | None:
        ordered = sorted(keys, key=len, reverse=True)  # the longest name wins at a place
        if not ordered:
            return None
        names = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in ordered)
        return re.compile(rf"(?<!\w)(?:{names})(?!\w)")

    def find(self, text: Folded) -> list[Mention]:
        """Each mention of a registered actor, in the text's order, none overlapping."""
        found: list[Mention] = []
        if self._pattern is not None:
            for match in self._pattern.finditer(text.folded):
                key = re.sub(r"\s+", " ", match.group(0))
                start, end = text.original_span(*match.span())
                found.append(Mention(self._by_key[key], start, end))
        if self._acronym_pattern is not None:
            taken = [(m.start, m.end) for m in found]
            for match in self._acronym_pattern.finditer(text.text):
                if not any(s < match.end() and match.start() < e for s, e in taken):
                    found.append(Mention(self._acronyms[match.group(0)], *match.span()))
        return sorted(found, key=lambda m: m.start)

    def named(self, name: str) -> str | None:
        """The actor a name alone denotes (a source's name, say), if any."""
        stripped = name.strip()
        if stripped in self._acronyms:
            return self._acronyms[stripped]
        return self._by_key.get(_key(stripped))
