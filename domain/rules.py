"""Rules on sources and dates that every write path keeps alike (HTTP, CLI, import)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.clocks import now, parse_occurred
from domain.errors import RuleBroken
from domain.model import Certainty, FactBase, Source

# A source dated tomorrow may be today somewhere on Earth: one day's grace.
GRACE = timedelta(days=1)


Problems = list[tuple[str, str]]  # (field, why)


def latest_publication() -> date:
    """The last day a source may be dated: today, UTC, with one day's grace."""
    return now().date() + GRACE


def source_problems(source: Source, field: str, latest: date) -> Problems:
    """A source (and its relay) dated after ``latest``."""
    problems: Problems = []
    if source.published_at.date() > latest:
        problems.append(
            (f"{field}.published", "is in the future: a source must already be published")
        )
    if source.via is not None:
        problems += source_problems(source.via, f"{field}.via", latest)
    return problems


def fact_problems(fact: FactBase, latest: date) -> Problems:
    """Source dates of a new version, and a confirmed fact that starts after its sources."""
    problems: Problems = []
    for i, source in enumerate(fact.sources):
        problems += source_problems(source, f"sources.{i}", latest)
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


def raise_first(problems: Problems, prefix: str = "") -> None:
    """A single write's problems as the domain's error (the first one: one field)."""
    if problems:
        field, message = problems[0]
        raise RuleBroken(message, field=prefix + field)
