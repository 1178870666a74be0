"""Drafts as a story file (YAML, as ``domain.storyfile`` reads it) to check, edit and load.

Each draft is an entry of ``facts`` with its sentence above it as a comment; the actors
the drafts name are listed as stored, so the file loads as it is, here or elsewhere.
"""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

from api.drafting.engine import DraftSet
from api.drafting.schemas import MAX_TEXT, ArticleIn
from api.drafting.service import draft_for_story
from api.services import Services
from domain.errors import RuleBroken
from domain.model import Actor, Story

WIDTH = 88


def _comment(text: str, indent: str = "") -> str:
    lines = textwrap.wrap(" ".join(text.split()), WIDTH - len(indent) - 2) or [""]
    return "".join(f"{indent}# {line}\n" for line in lines)


def _entries(items: list[dict[str, Any]], indent: str = "  ") -> str:
    dumped = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=WIDTH)
    return textwrap.indent(dumped, indent)


def story_file_text(
    story: Story, actors: list[Actor], drafts: DraftSet, *, article: str, source: str
) -> str:
    """The whole file: a header saying these are drafts, the story, actors and facts."""
    named = {str(a) for d in drafts.drafts for f in ("actor",) if (a := d.fact.get(f))}
    listed = [a for a in actors if a.id in named]
    header = (
        f"Drafted by `reportedly draft` from {article} ({source}): {len(drafts.drafts)} "
        f"draft(s), read as {'French' if drafts.language == 'fr' else 'English'}. These are "
        "drafts, not facts: check each entry against its sentence (the comment above it), "
        "fix it or delete it, then `reportedly load` this file. Nothing was appended."
    )
    out = [_comment(header)]
    if drafts.unknown_actors:
        out.append("#\n# Names the text gives that are not registered actors (register the ones\n")
        out.append("# that are actors of the story, under actors:, then draft again):\n")
        for unknown in drafts.unknown_actors:
            out.append(f"#   - {unknown.name} (id {unknown.id}?, kind {unknown.kind}?)\n")
    story_fields = yaml.safe_dump(
        story.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False
    )
    out.append("\nstory:\n" + textwrap.indent(story_fields, "  "))
    out.append("\nactors:" + (" []\n" if not listed else "  # as registered in the store\n"))
    if listed:
        out.append(_entries([a.model_dump(mode="json", exclude_none=True) for a in listed]))
    out.append("\nfacts:" + (" []\n" if not drafts.drafts else "\n"))
    for draft in drafts.drafts:
        evidence = draft.evidence
        out.append(
            _comment(
                f"[confidence {draft.confidence:.2f}, characters "
                f"{evidence.start}-{evidence.end}] {evidence.sentence}",
                "  ",
            )
        )
        out.append(_entries([draft.fact]))
    return "".join(out)


def draft_story_file(
    services: Services, story: str, text: str, source: dict[str, Any], article: str
) -> str:
    """Drafts from ``text`` for ``story`` as a story file; raises the API's own errors
    (NotFound, pydantic's ValidationError) for an unknown story or bad input."""
    given = ArticleIn.model_validate({"text": text, "source": source})
    if len(given.text) > MAX_TEXT:
        raise RuleBroken(
            f"the text is {len(given.text):,} characters long; drafts read at most "
            f"{MAX_TEXT:,} at once: draft it in parts",
            field="text",
        )
    drafts = draft_for_story(services, story, given)
    return story_file_text(
        services.read.story(story),
        services.read.actors(),
        drafts,
        article=article,
        source=f"{given.source.name}, {given.source.published.isoformat()}",
    )
