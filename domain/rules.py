"""Rules on sources and dates that every write path keeps alike (HTTP, CLI, import)."""

from __future__ import annotations

from datetime import timedelta

from domain.clocks import now, parse_occurred
from domain.errors import RuleBroken
from domain.model import Certainty, FactBase, Source

# A source dated tomorrow may be today somewhere on Earth: one day's grace.
GRACE = timedelta(days=1)


def source_problems(source: Source, field: str) -> list[tuple[str, str]]:
    """A source (and its relay) published after today, UTC, with one day's grace."""
    problems: list[tuple[str, str]] = []
    latest = now() + GRACE
    if source.published_at > latest:
        problems.append(
            (f"{field}.published", "is in the future: a source must already be published")
        )
    if source.via is not None:
        problems += source_problems(source.via, f"{field}.via")
    return problems


def check_published(source: Source, field: str) -> None:
    for where, message in source_problems(source, field):
        raise RuleBroken(message, field=where)


def fact_problems(fact: FactBase) -> list[tuple[str, str]]:
    """Source dates of a new version, and a confirmed fact that starts after its sources."""
    problems: list[tuple[str, str]] = []
    for i, source in enumerate(fact.sources):
        problems += source_problems(source, f"sources.{i}")
    if fact.certainty is Certainty.confirmed:
        starts = parse_occurred(fact.occurred).earliest
        if starts > fact.reported_at:
            problems.append(
                (
                    "occurred",
                    "starts after its sources were published: a confirmed fact must have "
                    "happened by then (or say `reported` or `alleged`)",
                )
            )
    return problems
