"""Data builders for the timeline tests: fact views without a store, and big stories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.clocks import parse_occurred
from domain.events import (
    DomainEvent,
    FactCorrected,
    FactDisputed,
    FactReported,
    FactRetracted,
    Status,
    fact_uuid,
)
from domain.model import Actor, ActorKind, Fact, Source, apply_changes, fact_content, parse_fact
from domain.storyfile import StoryFile
from projections.views import FactView

COMMON = {"id", "kind", "occurred", "sources", "certainty", "quote", "quote_language", "note"}
RECORDED = datetime(2024, 3, 1, tzinfo=UTC)


def view_of(
    fact: Fact, story: str = "geneva-ai-talks", position: int = 1, **changes: Any
) -> FactView:
    """A fact as the read models would show it now (active, undisputed unless changed)."""
    content = fact.model_dump(mode="json", exclude_none=True)
    occurred = parse_occurred(fact.occurred)
    data: dict[str, Any] = {
        "id": fact.id,
        "story": story,
        "kind": fact.kind,
        "occurred": fact.occurred,
        "occurred_earliest": occurred.earliest,
        "occurred_latest": occurred.latest,
        "precision": occurred.precision,
        "reported_at": fact.reported_at,
        "recorded_at": RECORDED,
        "status": Status.active,
        "certainty": fact.certainty,
        "sources": fact.sources,
        "quote": fact.quote,
        "quote_language": fact.quote_language,
        "note": fact.note,
        "position": position,
        **{k: v for k, v in content.items() if k not in COMMON},
    }
    data.update(changes)
    return FactView.model_validate(data)


def geneva_views(geneva: StoryFile) -> list[FactView]:
    return [view_of(f, position=i + 1) for i, f in enumerate(geneva.facts)]


def actors_of(geneva: StoryFile) -> dict[str, Actor]:
    return {a.id: a for a in geneva.actors}


SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "di", "pa", "que", "tion", "ment")


def _word(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(SYLLABLES) for _ in range(1 + seed % 4))


VOCABULARY = [_word(i) for i in range(600)]


def _sentence(rng: random.Random, words: int) -> str:
    """Text that compresses about as well as prose (not as well as a repeated string)."""
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)).capitalize() + "."


def big_story(facts: int, meetings: int = 100) -> tuple[list[FactView], dict[str, Actor]]:
    """A synthetic story: meetings over four years, each with participants and topics,
    reported over the following months; months and days mixed, quotes of a realistic size."""
    rng = random.Random(facts)
    actors = {
        f"actor-{i}": Actor(
            id=f"actor-{i}",
            name=f"Actor {i}",
            kind=ActorKind.company,
            country=("US", "CN", "GB", "FR")[i % 4],
        )
        for i in range(60)
    }
    views: list[FactView] = []
    for m in range(meetings):
        year, month = 2020 + m * 48 // meetings // 12, m * 48 // meetings % 12 + 1
        occurred = f"{year}-{month:02d}" if m % 3 else f"{year}-{month:02d}-{m % 27 + 1:02d}"
        views.append(
            _built(
                "meeting_held",
                f"meeting-{m}",
                occurred,
                m,
                len(views),
                _sentence(rng, 20),
                title=f"Round {m} of the talks",
                place="Geneva",
            )
        )
    i = 0
    while len(views) < facts:
        m = i % meetings
        meeting = views[m]
        kind = ("participant_joined", "topic_discussed", "statement_made")[i % 3]
        fields: dict[str, Any] = {"meeting": meeting.id}
        if kind == "participant_joined":
            fields["actor"] = f"actor-{i % 60}"
        elif kind == "topic_discussed":
            fields["topic"] = _sentence(rng, 8)
        else:
            fields |= {"actor": f"actor-{i % 60}", "text": _sentence(rng, 25)}
        quote = _sentence(rng, rng.randint(12, 40))
        views.append(
            _built(kind, f"fact-{i}", meeting.occurred, m + i % 7, len(views), quote, **fields)
        )
        i += 1
    return views, actors


def _built(
    kind: str, fact_id: str, occurred: str, lag: int, position: int, quote: str, **fields: Any
) -> FactView:
    earliest = parse_occurred(occurred).earliest
    published = (
        (
            earliest.replace(
                day=1, month=(earliest.month + lag % 11) % 12 + 1, year=earliest.year + 1
            )
        )
        .date()
        .isoformat()
    )
    fact = parse_fact(
        {
            "kind": kind,
            "id": fact_id,
            "occurred": occurred,
            "sources": [{"name": "Wire service", "published": published, "language": "en"}],
            "quote": quote,
            "quote_language": "fr",
            **fields,
        }
    )
    return view_of(fact, story="big", position=position + 1)


def lived(
    fact: Fact, *acts: tuple[str, str], story: str = "geneva-ai-talks", **changes: Any
) -> list[DomainEvent]:
    """A fact's stored events: its report, then each (event, published) act by Le Monde,
    recorded a minute apart; a ``corrected`` act makes ``changes``."""
    assert fact.id is not None
    envelope: dict[str, Any] = {"originator_id": fact_uuid(story, fact.id), "writer": "test"}
    events: list[DomainEvent] = [FactReported.first(story, fact, "test", RECORDED)]
    current = fact
    for version, (event, published) in enumerate(acts, start=2):
        fields: dict[str, Any] = {
            **envelope,
            "originator_version": version,
            "timestamp": RECORDED + timedelta(minutes=version),
            "story": story,
            "fact_id": fact.id,
            "source": Source.model_validate({"name": "Le Monde", "published": published}),
        }
        if event == "corrected":
            current = parse_fact(apply_changes(fact_content(current), changes))
            events.append(FactCorrected(**fields, changes=changes, fact=current))
        elif event == "disputed":
            events.append(FactDisputed(**fields, note="not so"))
        else:
            events.append(FactRetracted(**fields, reason="never happened"))
    return events
