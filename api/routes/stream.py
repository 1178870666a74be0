"""Live server-sent events per story: one message per new event, resumable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, StoryId
from api.schemas import errors
from api.services import Services
from projections.views import LogEntry

router = APIRouter(prefix="/stories/{story}", tags=["stream"])

POLL_SECONDS = 0.25
PING_SECONDS = 15
PAGE = 500
MAX_POSITION = 2**62  # positions are 64-bit integers in the store


def message(entry: LogEntry) -> ServerSentEvent:
    """``id:`` is the log position, so ``Last-Event-ID`` resumes right after it."""
    fact = entry.data.get("fact")
    data: dict[str, Any] = {
        "position": entry.position,
        "event": entry.event,
        "fact_id": entry.fact_id,
        "kind": entry.kind,
        "occurred": fact.get("occurred") if isinstance(fact, dict) else None,
        "reported_at": entry.reported_at,
        "recorded_at": entry.recorded_at,
        "writer": entry.writer,
    }
    return ServerSentEvent(data=orjson.dumps(data).decode(), id=str(entry.position))


async def messages(
    services: Services, story: str, after: int, follow: bool
) -> AsyncIterator[ServerSentEvent]:
    read = services.read
    while True:
        entries = await run_in_threadpool(read.log, story, after, PAGE)
        for entry in entries:
            yield message(entry)
            after = entry.position
        if len(entries) == PAGE:
            continue
        if not follow:
            return
        seen = await run_in_threadpool(read.last_position)
        while await run_in_threadpool(read.last_position) == seen:
            await asyncio.sleep(POLL_SECONDS)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "text/event-stream; each message's data is a JSON object "
            "{position, event, fact_id, kind, occurred, reported_at, recorded_at, writer}",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **errors(401, 404, 422),
    },
)
async def stream(
    story: StoryId,
    services: ServicesDep,
    last_event_id: Annotated[
        int | None,
        Header(
            ge=0,
            le=MAX_POSITION,
            description="resume after this log position (set by EventSource on reconnect)",
        ),
    ] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_POSITION, description="start after this log position")
    ] = 0,
    follow: Annotated[
        bool,
        Query(
            description="keep the stream open for new events (false: end after the events so far)"
        ),
    ] = True,
) -> EventSourceResponse:
    """The story's events as server-sent events, live; reconnecting resumes."""
    await run_in_threadpool(services.read.story, story)  # 404 before the stream starts
    start = last_event_id if last_event_id is not None else after
    return EventSourceResponse(messages(services, story, start, follow), ping=PING_SECONDS)
