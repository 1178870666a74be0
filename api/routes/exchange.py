"""Moving a story in and out: NDJSON log export and import, CSV, TimelineJS3."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from itertools import chain
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import exporting, timelinejs
from api.csv_import import import_csv
from api.deps import AsOfDep, FiltersDep, ServicesDep, StoryId, WritingDep
from api.importing import (
    ImportResult,
    LineSplitter,
    Parsed,
    collector_paused,
    give_memory_back,
    import_lines,
    stored_ids_from,
)
from api.schemas import ImportReport, errors
from domain.errors import Conflict

router = APIRouter(prefix="/stories/{story}", tags=["exchange"])

NDJSON = "application/x-ndjson"
EXPORT_CONTENT = {
    NDJSON: {"schema": {"type": "string"}, "example": '{"event": "reported", "fact": {...}}'},
    "text/csv": {"schema": {"type": "string"}},
    "application/json": {
        "schema": {"type": "object"},
        "example": {"title": {"text": {"headline": "..."}}, "events": []},
    },
}


@router.get(
    "/export",
    response_class=StreamingResponse,
    response_model=None,
    responses={
        200: {"description": "the export", "content": EXPORT_CONTENT},
        **errors(401, 404, 422),
    },
)
def export(
    story: StoryId,
    services: ServicesDep,
    as_of: AsOfDep,
    filters: FiltersDep,
    format: Annotated[
        Literal["jsonl", "csv", "timelinejs"],
        Query(
            description="jsonl: the replayable log (takes no clocks or filters); csv: one "
            "row per fact; timelinejs: a TimelineJS3 document"
        ),
    ] = "jsonl",
) -> StreamingResponse | JSONResponse:
    """Export the story: its event log as NDJSON, its facts as CSV, or a TimelineJS3 file."""
    name = f"{story}.{ {'jsonl': 'jsonl', 'csv': 'csv', 'timelinejs': 'timeline.json'}[format] }"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "timelinejs":
        document = timelinejs.timelinejs(services, story, as_of, filters)
        return JSONResponse(document, headers=disposition)
    if format == "csv":
        rows = exporting.csv_text(services, story, as_of, filters)
        first = next(rows)  # raises NotFound while a 404 can still be sent
        return StreamingResponse(
            chain([first], rows), media_type="text/csv; charset=utf-8", headers=disposition
        )
    lines = exporting.jsonl(services, story)
    head = next(lines)
    return StreamingResponse(chain([head], lines), media_type=NDJSON, headers=disposition)


IMPORT_EXAMPLE = (
    '{"event": "story_created", "story": {"id": "geneva-ai-talks", "title": "Geneva talks"}}\n'
    '{"id": "geneva-2023-07", "kind": "meeting_held", "occurred": "2023-07", '
    '"title": "First round", "sources": [{"name": "Financial Times", "published": "2024-01-11"}]}\n'
)


CSV_EXAMPLE = (
    "id,kind,occurred,title,place,sources,source_published\r\n"
    "geneva-2023-07,meeting_held,2023-07,First round,Geneva,Financial Times,2024-01-11\r\n"
)
CSV_TYPES = ("text/csv", "application/csv")


@router.post(
    "/import",
    responses=errors(401, 404, 409, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "NDJSON: one fact, or one event as export?format=jsonl writes it, "
            "a line; or CSV (text/csv) in the columns export?format=csv writes, a row per "
            "fact (its computed columns, such as status and reported_at, are ignored)",
            "content": {
                NDJSON: {"schema": {"type": "string"}, "example": IMPORT_EXAMPLE},
                "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
            },
        }
    },
)
async def import_story(
    story: StoryId, request: Request, writing: WritingDep, after: BackgroundTasks
) -> ImportReport:
    """Import NDJSON facts or an export, or a CSV; every line is checked before any is appended."""
    after.add_task(give_memory_back)  # once answered, when the import's objects are freed
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    read = _import_csv if media_type in CSV_TYPES else _import_ndjson
    # The collector pauses from the body's first chunk to the answer: each of its passes
    # would walk every line received so far (half a parse's time, measured), while
    # reference counting frees all an import holds once the read's frame has ended.
    with collector_paused():
        return await read(story, request, writing.writer, writing.services)


async def _import_ndjson(
    story: str, request: Request, writer: str, services: ServicesDep
) -> ImportReport:
    """The lines, parsed as their chunks arrive, then imported."""
    parsed, splitter = Parsed(), LineSplitter()
    async for chunk in request.stream():
        numbered = splitter.feed(chunk)
        if numbered:
            await run_in_threadpool(parsed.add, numbered)
    parsed.add(splitter.close())
    return await _imported(
        story, services, partial(import_lines, services.app, story, writer, parsed)
    )


async def _imported(
    story: str, services: ServicesDep, run: Callable[..., ImportResult]
) -> ImportReport:
    """Check and append on the writes' threads (``run`` is told which ids may be stored
    already), then answer once the read models hold the import (``Services.write``)."""

    def imported() -> ImportResult:
        try:
            return run(stored=stored_ids_from(services.read, story))
        except Conflict:  # stopped after whole batches: those are readable at once too
            services.read.catch_up()
            raise

    result = await services.write(imported, lambda r: r.last_position)
    return ImportReport(
        story=story,
        lines=result.lines,
        appended=result.appended,
        unchanged=result.unchanged,
        last_position=result.last_position,
    )


async def _import_csv(
    story: str, request: Request, writer: str, services: ServicesDep
) -> ImportReport:
    """A spreadsheet's rows, read whole (the import's body limit applies), then imported."""
    body = await request.body()
    return await _imported(story, services, partial(import_csv, services.app, story, writer, body))
