"""Appending a whole story file: check everything first, then append in batches.

The check reports every problem of a file at once: each entry's own (from
``domain.storyfile``), then what only the store can tell — ids taken with other content,
actors not registered, meetings not in the story — for the entries that validated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.application import Plan, Rejected, Reportedly, Written, differing_fields
from domain.errors import Conflict, NotFound
from domain.model import Actor, Story
from domain.storyfile import Entries, EntryError, StoryFile, StoryFileError, in_file_order


@dataclass(frozen=True)
class LoadResult:
    story_created: bool
    actors_registered: int
    facts: list[Written]

    @property
    def appended(self) -> int:
        return sum(w.created for w in self.facts)


@dataclass(frozen=True)
class CheckedStory:
    """A story file with no problem, ready to append."""

    story: Story
    actors: list[Actor]
    plan: Plan


def _stored_story(app: Reportedly, story_id: str) -> Story | None:
    try:
        return app.get_story(story_id).story
    except NotFound:
        return None


def _stored_actor(app: Reportedly, actor_id: str) -> Actor | None:
    try:
        return app.get_actor(actor_id).actor
    except NotFound:
        return None


def _conflicts(app: Reportedly, entries: Entries) -> list[EntryError]:
    """The story and actors stored already with other content."""
    found: list[tuple[str, int | None, Story | Actor | None, Story | Actor]] = []
    if entries.story is not None:
        found.append(("story", None, _stored_story(app, entries.story.id), entries.story))
    found += [("actors", i, _stored_actor(app, a.id), a) for i, a in entries.actors.items()]
    errors = []
    for section, index, stored, given in found:
        if stored is not None and stored != given:
            fields = ", ".join(differing_fields(stored.model_dump(), given.model_dump()))
            message = f"is stored already with other content (differs in: {fields})"
            errors.append(entries.error(section, index, [], message))
    return errors


def _plan(app: Reportedly, entries: Entries, writer: str) -> tuple[Plan | None, list[EntryError]]:
    """The facts that validated, checked against the store and each other."""
    indexes = list(entries.facts)  # each checked fact's index in the file
    facts = [entries.facts[i] for i in indexes]
    # An actor entry that did not validate is reported on its own; the facts naming it
    # are not reported again for it, nor those naming a meeting entry that did not.
    actors = frozenset(a.id for a in entries.actors.values()) | entries.broken_ids("actors")
    broken_meetings = entries.broken_ids("facts")
    try:
        return app.plan_facts(entries.story_id, facts, writer, actors=actors), []
    except Rejected as rejected:
        errors = [
            entries.error("facts", indexes[p.entry], [p.field] if p.field else [], p.message)
            for p in rejected.problems
            if not (p.field == "meeting" and facts[p.entry].referenced_meeting() in broken_meetings)
        ]
        return None, errors


def check_story(
    app: Reportedly, story_file: StoryFile | Entries, writer: str, *, name: str = "<story file>"
) -> CheckedStory:
    """Every problem of a story file at once, as one StoryFileError; appends nothing."""
    entries = story_file if isinstance(story_file, Entries) else Entries.of(story_file)
    plan, fact_errors = _plan(app, entries, writer)
    errors = in_file_order([*entries.errors, *_conflicts(app, entries), *fact_errors])
    if errors or plan is None or entries.story is None:
        raise StoryFileError(name, errors)
    return CheckedStory(entries.story, list(entries.actors.values()), plan)


def append_story(
    app: Reportedly,
    checked: CheckedStory,
    writer: str,
    *,
    name: str = "<story file>",
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Append a checked story file: the story, its actors, then its facts in batches."""
    try:
        story_created = app.create_story(checked.story, writer).created
        registered = sum(app.register_actor(a, writer).created for a in checked.actors)
    except Conflict as conflict:  # someone wrote the same id since we checked
        raise StoryFileError(name, [EntryError("(file)", conflict.message)]) from None
    facts = app.save_plan(checked.plan, batch_size=batch_size, progress=progress)
    return LoadResult(story_created, registered, facts)


def load_story(
    app: Reportedly,
    story_file: StoryFile | Entries,
    writer: str,
    *,
    name: str = "<story file>",
    batch_size: int = 500,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Check a story file, then append it; raises StoryFileError with every problem and
    appends nothing if any entry has one. Loading the same file again appends nothing."""
    checked = check_story(app, story_file, writer, name=name)
    return append_story(app, checked, writer, name=name, batch_size=batch_size, progress=progress)
