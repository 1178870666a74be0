"""A fact, and a change to what is known of it, in words: actors by name, meetings by title,
series by name, never a slug. The one home for these words: the timeline's charts, the
TimelineJS export, the Atom feed and the command line all say a fact the same way.

Plain text, not escaped: each caller escapes for where it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from domain.model import Actor
from projections.views import FactView

QUOTE_SHOWN = 120  # characters of a statement's text in its one-line description
# A fact that names a series speaks of the talks as a whole, not of one round.
ROUND_NOT_SAID = " (round not said)"


def actor_name(actor_id: str, actors: Mapping[str, Actor]) -> str:
    actor = actors.get(actor_id)
    return actor.name if actor else actor_id


def meeting_titles(views: Iterable[FactView]) -> dict[str, str]:
    """Each meeting's title by its meeting id (which other facts name) and its fact id,
    then each series' name by the series (where no meeting id is the same)."""
    listed = list(views)
    titles: dict[str, str] = {}
    for view in listed:
        if view.kind == "meeting_held":
            title = str(view.fields().get("title") or view.id)
            titles.setdefault(view.meeting_named() or view.id, title)
            titles.setdefault(view.id, title)
    for series, name in series_names(listed).items():
        titles.setdefault(series, name)
    return titles


def series_names(views: Iterable[FactView]) -> dict[str, str]:
    """A name for each series: what its rounds' titles share ("Talks in Geneva" from
    "Talks in Geneva, first round (July 2023)" and "…, second round (October 2023)")."""
    rounds: dict[str, list[str]] = {}
    for view in views:
        series = view.series_named()
        if view.kind == "meeting_held" and series:
            rounds.setdefault(series, []).append(str(view.fields().get("title") or ""))
    return {series: series_name_of(series, titles) for series, titles in rounds.items()}


_BREAKS = " ,;:(-\N{EN DASH}"


def series_name_of(series: str, titles: list[str]) -> str:
    """A series' name from its rounds' titles (the slug in words when they share none)."""
    if not titles:
        return series.replace("-", " ")
    if len(titles) == 1:
        shared = titles[0].split(",")[0]
    else:
        shared = _whole_words(_common_prefix(titles), titles)
    shared = shared.rstrip(_BREAKS)
    return shared if len(shared) >= 3 else series.replace("-", " ")


def _common_prefix(titles: list[str]) -> str:
    first, last = min(titles), max(titles)
    size = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), None)
    return first[: len(first) if size is None else size]


def _whole_words(prefix: str, titles: list[str]) -> str:
    """The prefix, cut back so that it ends where a word of every title ends."""
    if not prefix or prefix[-1] in _BREAKS:
        return prefix
    if all(len(t) == len(prefix) or t[len(prefix)] in _BREAKS for t in titles):
        return prefix
    return prefix.rsplit(" ", 1)[0] if " " in prefix else ""


@dataclass(frozen=True)
class Names:
    """What a story's slugs stand for in words."""

    actors: Mapping[str, Actor] = field(default_factory=dict)
    meetings: Mapping[str, str] = field(default_factory=dict)  # meeting id -> title
    series: Mapping[str, str] = field(default_factory=dict)  # series -> name

    @classmethod
    def of(cls, views: Iterable[FactView], actors: Iterable[Actor]) -> Names:
        listed = list(views)
        return cls({a.id: a for a in actors}, meeting_titles(listed), series_names(listed))

    def actor(self, actor_id: str) -> str:
        return actor_name(actor_id, self.actors)

    def meeting(self, meeting_id: str) -> str:
        return self.meetings.get(meeting_id, meeting_id)

    def series_name(self, series: str) -> str:
        return self.series.get(series, series)

    def where(self, fields: Mapping[str, Any]) -> str | None:
        """The meeting a fact names by its title, or the series it names by its name."""
        if fields.get("meeting"):
            return self.meeting(str(fields["meeting"]))
        if fields.get("series"):
            return self.series_name(str(fields["series"]))
        return None


def fact_words(
    kind: str,
    fields: Mapping[str, Any],
    names: Names,
    fallback: str = "",
    *,
    quote_shown: int | None = QUOTE_SHOWN,
) -> str:
    """A one-line description of a fact from its kind and its kind's fields.

    ``quote_shown``: characters of a statement's text kept (None: all of it)."""
    f = fields
    actor = names.actor(str(f["actor"])) if f.get("actor") else None
    at = names.where(f) or "the talks"
    if not f.get("meeting") and f.get("series"):
        at += ROUND_NOT_SAID  # said of the talks as a whole
    match kind:
        case "meeting_held":
            place = f" ({f['place']})" if f.get("place") else ""
            return f"{f.get('title', fallback)}{place}"
        case "participant_joined":
            side = f" for {f['side']}" if f.get("side") else ""
            return f"{actor} took part in {at} as {f.get('role', 'participant')}{side}"
        case "participant_absent":
            return f"{actor} absent from {at}"
        case "actor_briefed":
            return f"{actor} briefed on {at}"
        case "topic_discussed":
            return f"{at} discussed: {f.get('topic')}"
        case "statement_made":
            text = str(f.get("text", ""))
            text = text if quote_shown is None else shorten(text, quote_shown)
            return f"{actor or f.get('speaker')}: “{text}”"
        case "disclosure_published":
            return f"{actor} disclosed: {f.get('headline')}"
        case "policy_announced":
            return f"{actor} announced: {f.get('title')}"
        case "claim":
            return f"{f.get('subject')} {f.get('predicate')} {f.get('object')}"
    return fallback


def what(
    view: FactView,
    actors: Mapping[str, Actor],
    meetings: Mapping[str, str],
    series: Mapping[str, str] | None = None,
) -> str:
    """A one-line description of the fact in words (plain text, not yet escaped).

    ``meetings`` as ``meeting_titles`` gives them, which names the series too."""
    names = Names(actors, meetings, meetings if series is None else series)
    return fact_words(view.kind, view.fields(), names, fallback=view.id)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


CHANGE_VERBS = {
    "reported": "reported",
    "corroborated": "corroborated",
    "disputed": "disputed",
    "corrected": "corrected",
    "retracted": "retracted",
}


def change_words(
    event: str,
    source: str | None,
    fact: str,
    *,
    note: str | None = None,
    reason: str | None = None,
    was: str | None = None,
) -> str:
    """A change of what is known, in words: who did what to which fact, and why.

    ``fact``: the fact in words (for a correction, as corrected); ``was``: a corrected
    fact's earlier words.
    """
    who = source or "a source"
    verb = CHANGE_VERBS.get(event, event)
    said = f"{who} {verb}: {fact}"
    if event == "disputed" and note:
        said += f" — “{note}”"
    elif event == "corrected" and was and was != fact:
        said += f" (it said: {was})"
    elif event == "retracted" and reason:
        said += f" — reason: {reason}"
    return said
