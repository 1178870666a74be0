"""Appending a whole story file: check everything first, then append in batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.application import Rejected, Reportedly, Written
from domain.errors import Conflict, NotFound
from domain.storyfile import EntryError, StoryFile, StoryFileError


@dataclass(frozen=True)
class LoadResult:
    story_created: bool
    actors_registered: int
    facts: list[Written]

    @property
    def appended(self) -> int:
        return sum(w.created for w in self.facts)


def _conflicts(app: Reportedly, sf: StoryFile) -> list[EntryError]:
    errors: list[EntryError] = []
    try:
        stored = app.get_story(sf.story.id).story
        if stored != sf.story:
            errors.append(EntryError("story", f"story {sf.story.id!r} exists with other content"))
    except NotFound:
        pass
    for i, actor in enumerate(sf.actors):
        try:
            if app.get_actor(actor.id).actor != actor:
                errors.append(
                    EntryError(f"actors[{i}] (id {actor.id!r})", "actor exists with other content")
                )
        except NotFound:
            pass
    return errors


def load_story(
    app: Reportedly,
    sf: StoryFile,
    writer: str,
    *,
    name: str = "<story file>",
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Append a validated story file; raises StoryFileError and appends nothing if any
    entry breaks a rule. Loading the same file again appends nothing."""
    errors = _conflicts(app, sf)
    try:
        plan = app.plan_facts(
            sf.story.id, sf.facts, writer, actors=frozenset(a.id for a in sf.actors)
        )
    except Rejected as rejected:
        for p in rejected.problems:
            fact = sf.facts[p.entry]
            where = f"facts[{p.entry}] (id {fact.id!r})" if fact.id else f"facts[{p.entry}]"
            errors.append(EntryError(f"{where}.{p.field}" if p.field else where, p.message))
    if errors:
        raise StoryFileError(name, errors)
    try:
        story_created = app.create_story(sf.story, writer).created
        registered = sum(app.register_actor(a, writer).created for a in sf.actors)
    except Conflict as conflict:  # someone wrote the same id since we checked
        raise StoryFileError(name, [EntryError("(file)", conflict.message)]) from None
    facts = app.save_plan(plan, batch_size=batch_size, progress=progress)
    return LoadResult(story_created, registered, facts)
