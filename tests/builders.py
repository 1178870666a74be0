"""Data builders for tests: small, valid facts with only what a test cares about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.application import Reportedly
from domain.clocks import parse_instant
from domain.model import Actor, ActorKind, Fact, Source, Story, parse_fact
from projections.views import AsOf

FT = {"name": "Financial Times", "published": "2024-01-11", "language": "en"}


def a_source(published: str = "2024-01-11", name: str = "Financial Times") -> Source:
    return Source(name=name, published=published)


def a_story(story_id: str = "geneva-ai-talks", title: str = "Geneva AI-safety talks") -> Story:
    return Story(id=story_id, title=title)


def an_actor(actor_id: str = "openai", name: str = "OpenAI", **fields: Any) -> Actor:
    return Actor(id=actor_id, name=name, kind=fields.pop("kind", ActorKind.company), **fields)


def a_meeting(fact_id: str = "geneva-2023-07", occurred: str = "2023-07", **fields: Any) -> Fact:
    return a_fact("meeting_held", fact_id, occurred, title="Geneva talks", **fields)


def a_fact(kind: str, fact_id: str | None = None, occurred: str = "2023-07", **fields: Any) -> Fact:
    data: dict[str, Any] = {"kind": kind, "occurred": occurred, "sources": [FT], **fields}
    if fact_id:
        data["id"] = fact_id
    return parse_fact(data)


def joined(actor: str = "openai", meeting: str = "geneva-2023-07", **fields: Any) -> Fact:
    fact_id = fields.pop("fact_id", f"{meeting}-joined-{actor}")
    return a_fact("participant_joined", fact_id, meeting=meeting, actor=actor, **fields)


def when(moment: str) -> datetime:
    """A query time as users write it (a date means the end of that day, UTC)."""
    return parse_instant(moment)


def known(day: str, recorded: str | None = None) -> AsOf:
    return AsOf(known_at=when(day), recorded_at=when(recorded) if recorded else None)


def write_meeting(app: Reportedly) -> None:
    """The July meeting and OpenAI joining it, published 2024-01-11, recorded on the 12th."""
    app.create_story(a_story(), "analyst", recorded_at=when("2024-01-12T09:00:00Z"))
    app.register_actor(an_actor(), "analyst", recorded_at=when("2024-01-12T09:00:00Z"))
    app.report_facts(
        "geneva-ai-talks", [a_meeting(), joined()], "analyst",
        recorded_at=when("2024-01-12T10:00:00Z"),
    )  # fmt: skip
