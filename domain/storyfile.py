"""Story files: one story, its actors and its facts, in YAML or JSON.

Every entry is validated before anything is appended, and each problem is reported
with its location (``facts[3].occurred``) so a whole file can be fixed in one pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from domain.model import Actor, Fact, Story, parse_fact


class StoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    story: Story
    actors: list[Actor] = []
    facts: list[Fact] = []


@dataclass(frozen=True)
class EntryError:
    location: str  # e.g. "facts[3] (id 'geneva-2023-07').occurred"
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class StoryFileError(ValueError):
    def __init__(self, path: str, errors: list[EntryError]) -> None:
        self.path = path
        self.errors = errors
        lines = "\n".join(f"  - {e}" for e in errors)
        super().__init__(f"{path}: {len(errors)} problem(s)\n{lines}")


def _location(loc: tuple[Any, ...], raw: dict[str, Any], kind: str | None = None) -> str:
    parts: list[str] = []
    items = list(loc)
    # Drop pydantic's union tag ("meeting_held") after a fact index.
    if len(items) >= 3 and items[0] == "facts" and isinstance(items[1], int) and items[2] == kind:
        items.pop(2)
    for i, part in enumerate(items):
        if isinstance(part, int):
            label = f"[{part}]"
            if i == 1 and items[0] in ("facts", "actors"):
                entry = (raw.get(items[0]) or [None] * (part + 1))[part]
                if isinstance(entry, dict) and entry.get("id"):
                    label += f" (id {entry['id']!r})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(file)"


def read_raw(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
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


def parse_story_file(data: dict[str, Any], name: str = "<story file>") -> StoryFile:
    """Validate a whole story file, collecting every entry's problems."""
    errors: list[EntryError] = []
    try:
        parsed = StoryFile.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            loc = tuple(item["loc"])
            kind = None
            if len(loc) > 1 and loc[0] == "facts" and isinstance(loc[1], int):
                entry = (data.get("facts") or [])[loc[1]]
                kind = entry.get("kind") if isinstance(entry, dict) else None
            errors.append(EntryError(_location(loc, data, kind), item["msg"]))
        raise StoryFileError(name, errors) from None
    seen: dict[str, int] = {}
    for i, fact in enumerate(parsed.facts):
        if fact.id is None:
            continue
        if fact.id in seen:
            errors.append(
                EntryError(f"facts[{i}].id", f"{fact.id!r} is also facts[{seen[fact.id]}]")
            )
        seen[fact.id] = i
    if errors:
        raise StoryFileError(name, errors)
    return parsed


def load_story_file(path: str | Path) -> StoryFile:
    path = Path(path)
    if not path.is_file():
        raise StoryFileError(str(path), [EntryError("(file)", "no such file")])
    return parse_story_file(read_raw(path), str(path))


__all__ = ["EntryError", "StoryFile", "StoryFileError", "load_story_file", "parse_fact"]
