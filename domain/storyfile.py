"""Story files: one story, its actors and its facts, in YAML or JSON.

Every entry is validated on its own, so one bad entry hides nothing after it: each
problem is reported with its entry and field (``facts[3] (id 'x').occurred``) and a whole
file can be fixed in one pass. ``domain.loading`` adds what only the store can tell.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from domain.messages import plain_problems
from domain.model import FACT_KINDS, Actor, Fact, Story, parse_fact

SECTIONS = ("story", "actors", "facts")
T = TypeVar("T")


class StoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    story: Story
    actors: list[Actor] = []
    facts: list[Fact] = []


class _Outline(BaseModel):
    """A story file's top level; its entries are validated one by one."""

    model_config = ConfigDict(extra="forbid")

    story: dict[str, Any]
    actors: list[Any] = []
    facts: list[Any] = []


@dataclass(frozen=True)
class EntryError:
    location: str  # e.g. "facts[3] (id 'geneva-2023-07').occurred"
    message: str
    # Where the entry is in the file (section, index), to list problems in file order.
    place: tuple[int, int] = field(default=(-1, 0), compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class StoryFileError(ValueError):
    def __init__(self, path: str, errors: list[EntryError]) -> None:
        self.path = path
        self.errors = errors
        lines = "\n".join(f"  - {e}" for e in errors)
        super().__init__(f"{path}: {len(errors)} problem(s)\n{lines}")


def in_file_order(errors: Iterable[EntryError]) -> list[EntryError]:
    """Problems by entry, in the file's order, one a location (the first found)."""
    kept: dict[str, EntryError] = {}
    for error in errors:
        kept.setdefault(error.location, error)
    return sorted(kept.values(), key=lambda e: e.place)


@dataclass
class Entries:
    """A story file as read: the entries that validated, by their index in the file, and
    the problems of the others."""

    story: Story | None
    story_id: str  # as written, even on a story entry that did not validate
    actors: dict[int, Actor]
    facts: dict[int, Fact]
    ids: dict[str, list[str | None]]  # the id written on each actor and fact entry
    errors: list[EntryError] = field(default_factory=list)

    @classmethod
    def of(cls, story_file: StoryFile) -> Entries:
        """A story file validated already: every entry, no problem."""
        ids: dict[str, list[str | None]] = {
            "actors": [a.id for a in story_file.actors],
            "facts": [f.id for f in story_file.facts],
        }
        actors, facts = dict(enumerate(story_file.actors)), dict(enumerate(story_file.facts))
        return cls(story_file.story, story_file.story.id, actors, facts, ids)

    def broken_ids(self, section: str) -> frozenset[str]:
        """Ids written on entries that did not validate (their own problems say why)."""
        valid: Mapping[int, Any] = self.actors if section == "actors" else self.facts
        return frozenset(
            ident for i, ident in enumerate(self.ids[section]) if ident and i not in valid
        )

    def error(
        self, section: str, index: int | None, loc: Iterable[Any], message: str
    ) -> EntryError:
        """A problem of one entry (``index`` None: the story) at a field inside it."""
        where = section
        if index is not None:
            where += f"[{index}]"
            ident = self.ids[section][index]
            if ident:
                where += f" (id {ident!r})"
        for part in loc:
            where += f"[{part}]" if isinstance(part, int) else f".{part}"
        return EntryError(where, message, (SECTIONS.index(section), index or 0))

    def story_file(self) -> StoryFile:
        assert self.story is not None and not self.errors
        actors, facts = list(self.actors.values()), list(self.facts.values())
        return StoryFile(story=self.story, actors=actors, facts=facts)


def validate_entries(data: Mapping[str, Any]) -> Entries:
    """Every entry of a story file validated on its own, and every problem found."""
    story = data.get("story")
    ids = {section: _ids(data.get(section)) for section in ("actors", "facts")}
    story_id = str(story.get("id", "")) if isinstance(story, dict) else ""
    entries = Entries(None, story_id, {}, {}, ids, _outline_errors(data))
    if isinstance(story, dict):
        entries.story = _validated(entries, Story.model_validate, story, "story", None)
    for i, entry in _listed(data.get("actors")):
        if (actor := _validated(entries, Actor.model_validate, entry, "actors", i)) is not None:
            entries.actors[i] = actor
    for i, entry in _listed(data.get("facts")):
        if (fact := _validated(entries, parse_fact, _as_written(entry), "facts", i)) is not None:
            entries.facts[i] = fact
    for section in ("actors", "facts"):
        entries.errors += _repeated_ids(entries, section)
    return entries


def _outline_errors(data: Mapping[str, Any]) -> list[EntryError]:
    try:
        _Outline.model_validate(data)
    except ValidationError as error:
        errors = []
        for p in plain_problems(error.errors(), subject="a story file"):
            where = ".".join(str(part) for part in p.loc) or "(file)"
            rank = SECTIONS.index(str(p.loc[0])) if p.loc and p.loc[0] in SECTIONS else -1
            errors.append(EntryError(where, p.message, (rank, -1)))
        return errors
    return []


def _validated(
    entries: Entries, validate: Callable[[Any], T], entry: Any, section: str, index: int | None
) -> T | None:
    """The entry validated, or None and its problems added to ``entries``."""
    try:
        return validate(entry)
    except ValidationError as error:
        subject = {"story": "a story", "actors": "an actor"}.get(section, "a fact")
        for p in plain_problems(error.errors(), tags=FACT_KINDS, subject=subject):
            entries.errors.append(entries.error(section, index, p.loc, p.message))
        return None


def _repeated_ids(entries: Entries, section: str) -> list[EntryError]:
    errors: list[EntryError] = []
    first: dict[str, int] = {}
    for i, ident in enumerate(entries.ids[section]):
        if ident and ident in first:
            message = f"{ident!r} is also {section}[{first[ident]}]"
            errors.append(entries.error(section, i, ["id"], message))
        elif ident:
            first[ident] = i
    return errors


def _listed(entries: Any) -> list[tuple[int, Any]]:
    return list(enumerate(entries)) if isinstance(entries, list) else []


def _ids(entries: Any) -> list[str | None]:
    """The id written on each entry, if it is text."""
    return [
        e.get("id") if isinstance(e, dict) and isinstance(e.get("id"), str) else None
        for _, e in _listed(entries)
    ]


def _as_written(entry: Any) -> Any:
    """An unquoted year (``occurred: 2023``) reads as a number; it means the text."""
    occurred = entry.get("occurred") if isinstance(entry, dict) else None
    if isinstance(occurred, int) and not isinstance(occurred, bool):
        return {**entry, "occurred": str(occurred)}
    return entry


class _TextDatesLoader(yaml.SafeLoader):
    """YAML whose unquoted dates stay text: ``occurred: 2023-07-18`` reads like the quoted
    ``"2023-07-18"`` (YAML would make it a date object), so every date is validated and
    reported the same way, as written."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_raw(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_TextDatesLoader)  # a SafeLoader, minus timestamps
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise StoryFileError(
            str(path), [EntryError("(file)", f"not valid YAML/JSON: {error}")]
        ) from None
    if not isinstance(data, dict):
        raise StoryFileError(
            str(path),
            [EntryError("(file)", "expected a mapping with `story`, `actors` and `facts`")],
        )
    return data


def read_story_file(path: str | Path) -> Entries:
    """A story file's entries; raises StoryFileError only if the file cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise StoryFileError(str(path), [EntryError("(file)", "no such file")])
    return validate_entries(read_raw(path))


def parse_story_file(data: dict[str, Any], name: str = "<story file>") -> StoryFile:
    """Validate a whole story file, collecting every entry's problems."""
    entries = validate_entries(data)
    if entries.errors:
        raise StoryFileError(name, in_file_order(entries.errors))
    return entries.story_file()


def load_story_file(path: str | Path) -> StoryFile:
    entries = read_story_file(path)
    if entries.errors:
        raise StoryFileError(str(path), in_file_order(entries.errors))
    return entries.story_file()


__all__ = [
    "Entries",
    "EntryError",
    "StoryFile",
    "StoryFileError",
    "load_story_file",
    "parse_fact",
    "read_story_file",
    "validate_entries",
]
