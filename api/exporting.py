"""Exports of a story: its replayable log (NDJSON) and a CSV of facts (``api.timelinejs``:
its TimelineJS3 document).

The NDJSON is what ``POST /stories/{story}/import`` takes back: a ``story_created`` line,
one ``actor_registered`` line per actor the story names, then every event of the story
in log order with its ``recorded_at``, lifecycle included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import orjson

from api.services import Services
from domain.events import ActorState, StoryState
from projections.views import AsOf, FactView, Filters, LifecycleEntry, LogEntry, rfc3339

PAGE = 1000
# Keys of a stored event the export replaces by its own (recorded_at, version).
_INTERNAL = {"originator_id", "originator_version", "timestamp", "writer"}


def _line(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data) + b"\n"


def _log(services: Services, story: str) -> Iterator[LogEntry]:
    after = 0
    while True:
        entries = services.read.log(story, after=after, limit=PAGE)
        yield from entries
        if len(entries) < PAGE:
            return
        after = entries[-1].position


def export_line(entry: LogEntry) -> dict[str, Any]:
    """One event as an import line: what the import needs plus position and writer."""
    line: dict[str, Any] = {"event": entry.event, "position": entry.position}
    if entry.fact_id is not None and entry.event != "reported":
        line["fact_id"] = entry.fact_id
    line.update((k, v) for k, v in entry.data.items() if k not in _INTERNAL)
    line["recorded_at"] = rfc3339(entry.recorded_at)
    line["writer"] = entry.writer
    return line


def _actors_named(entries: Iterator[LogEntry]) -> list[str]:
    named: dict[str, None] = {}
    for entry in entries:
        fact = entry.data.get("fact")
        if isinstance(fact, dict):
            for key in ("actor",):
                if isinstance(fact.get(key), str):
                    named.setdefault(fact[key], None)
    return list(named)


def _origin(state: StoryState | ActorState) -> dict[str, Any]:
    """An imported story or actor: when the store it came from first recorded it."""
    origin = state.origin_recorded_at
    return {"origin_recorded_at": rfc3339(origin)} if origin else {}


def jsonl(services: Services, story: str) -> Iterator[bytes]:
    """The story's log as NDJSON lines (raises NotFound before the first line)."""
    app = services.app
    state = app.get_story(story)
    entries = _log(services, story)
    first = next(entries, None)
    if first is not None and first.event == "story_created":
        yield _line(export_line(first))
        first = None
    else:
        story_data = state.story.model_dump(mode="json", exclude_none=True)
        yield _line(
            {"event": "story_created", "story": story_data,
             "recorded_at": rfc3339(state.created_on), **_origin(state)}
        )  # fmt: skip
    for actor_id in _actors_named(_log(services, story)):
        actor = app.get_actor(actor_id)
        yield _line(
            {"event": "actor_registered",
             "actor": actor.actor.model_dump(mode="json", exclude_none=True),
             "recorded_at": rfc3339(actor.created_on), **_origin(actor)}
        )  # fmt: skip
    if first is not None:
        yield _line(export_line(first))
    for entry in entries:
        yield _line(export_line(entry))


# ---- facts as rows and as a timeline ------------------------------------------------------
def facts(services: Services, story: str, as_of: AsOf, filters: Filters) -> Iterator[FactView]:
    services.read.story(story)  # 404 before anything is written
    cursor: str | None = None
    while True:
        page = services.read.facts(story, as_of, filters, limit=PAGE, cursor=cursor)
        yield from page.items
        cursor = page.next
        if cursor is None:
            return


# Worked out from the others, and ignored by the CSV import: a spreadsheet shows them.
COMPUTED_COLUMNS = (
    "status", "precision", "occurred_earliest", "occurred_latest", "occurred_by",
    "reported_at", "recorded_at", "disputed",
)  # fmt: skip
# The fact's own fields, as a story file writes them (the kind's fields among them).
FACT_COLUMNS = (
    "id", "kind", "occurred", "certainty", "title", "place", "meeting", "series", "actor",
    "role", "side", "topic", "speaker", "text", "language", "headline", "subject",
    "predicate", "object", "quote", "quote_language", "note",
)  # fmt: skip
# Each source's fields, one column each, a value per source in order: ``a | b``.
SOURCE_COLUMNS = {
    "sources": "name", "source_published": "published", "source_urls": "url",
    "source_titles": "title", "source_languages": "language",
}  # fmt: skip
VIA_COLUMNS = {
    "via": "name", "via_published": "published", "via_urls": "url", "via_titles": "title",
    "via_languages": "language",
}  # fmt: skip
# A retracted fact's retraction: the retracting source and the reason, so a spreadsheet
# that goes back in keeps the fact withdrawn (from the same date) instead of live again.
RETRACTION_COLUMNS = {
    "retracted_by": "source.name", "retracted_published": "source.published",
    "retraction_reason": "reason",
}  # fmt: skip
CSV_COLUMNS = (
    "id", "kind", "status", "occurred", "precision", "occurred_earliest", "occurred_latest",
    "occurred_by", "reported_at", "recorded_at", "certainty", "disputed",
    *FACT_COLUMNS[4:], *SOURCE_COLUMNS, *VIA_COLUMNS, *RETRACTION_COLUMNS,
)  # fmt: skip
LIST_SEPARATOR = " | "

# A cell starting with one of these is run as a formula by spreadsheet programs; a quote
# in front makes it text (OWASP's advice on CSV injection). Quotes and statements come
# from sources, so they can start with anything. A cell that already starts with a quote
# before one of these (or before another quote) gets one more, so the import can take
# exactly one away (``api.csv_import.unguard``).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    if text.startswith(FORMULA_START) or (text[:1] == "'" and text[1:2] in (*FORMULA_START, "'")):
        return "'" + text
    return text


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return guard(value)
    return value


def _listed(values: list[Any]) -> str:
    """Values of a list cell: ``a | b``; a bar inside a value is written ``\\|``."""
    if not any(v is not None for v in values):
        return ""
    return LIST_SEPARATOR.join("" if v is None else str(v).replace("|", "\\|") for v in values)


def _csv_row(fact: FactView, retraction: LifecycleEntry | None = None) -> dict[str, Any]:
    row: dict[str, Any] = fact.model_dump(mode="json", exclude={"sources"})
    if retraction is not None and retraction.source is not None:
        row["retracted_by"] = retraction.source.name
        row["retracted_published"] = retraction.source.published
        row["retraction_reason"] = retraction.reason
    sources = [s.model_dump(mode="json") for s in fact.sources]
    for column, key in SOURCE_COLUMNS.items():
        row[column] = _listed([s.get(key) for s in sources])
    for column, key in VIA_COLUMNS.items():
        row[column] = _listed([(s.get("via") or {}).get(key) for s in sources])
    return {k: _cell(row.get(k)) for k in CSV_COLUMNS}


def _retraction(
    services: Services, story: str, fact: FactView, as_of: AsOf
) -> LifecycleEntry | None:
    """A retracted fact's retraction as known at ``as_of`` (read for those facts only)."""
    if fact.status != "retracted":
        return None
    lifecycle = services.read.fact(story, fact.id, as_of).lifecycle
    return next((e for e in reversed(lifecycle) if e.event == "retracted"), None)


def csv_text(services: Services, story: str, as_of: AsOf, filters: Filters) -> Iterator[str]:
    """One header row, then one row per fact as known at the asked time."""
    rows = facts(services, story, as_of, filters)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for fact in rows:
        writer.writerow(_csv_row(fact, _retraction(services, story, fact, as_of)))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
