"""Live server-sent events per story: one message per new event, resumable."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep, StoryId
from api.schemas import errors
from api.services import Services
from projections.readmodels import MAX_POSITION
from projections.views import LogEntry

router = APIRouter(prefix="/stories/{story}", tags=["stream"])
log = logging.getLogger("reportedly.api")

POLL_SECONDS = 0.25
PING_SECONDS = 15
PAGE = 500


def message(entry: LogEntry) -> ServerSentEvent:
    """``id:`` is the log position, so ``Last-Event-ID`` resumes right after it."""
    fact = entry.data.get("fact")
    data: dict[str, Any] = {
        "position": entry.position,
        "event": entry.event,
        "fact_id": entry.fact_id,
        "kind": entry.kind,
        "occurred": fact.get("occurred") if isinstance(fact, dict) else None,
        **entry.model_dump(mode="json", include={"reported_at", "recorded_at"}),  # RFC 3339, Z
        "writer": entry.writer,
    }
    return ServerSentEvent(data=orjson.dumps(data).decode(), id=str(entry.position))


class LogWatch:
    """One poller per process: catches the read models up and wakes every open stream.

    Catching up here (not only after this process's writes) lets streams see events
    that other processes appended, e.g. a ``reportedly load``.
    """

    def __init__(self, services: Services) -> None:
        self.services = services
        self.position = services.read.last_position()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.waiting = 0  # streams waiting for news; the poller stops when none are

    async def wait_past(self, position: int) -> None:
        """Return once the read models hold an event after ``position``."""
        self.waiting += 1
        try:
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._follow())
            while self.position <= position:
                changed = self._changed
                await changed.wait()
        finally:
            self.waiting -= 1

    async def _follow(self) -> None:
        while self.waiting:
            try:
                position = await run_in_threadpool(self._catch_up)
            except Exception:  # the store is down or busy: say so, keep streams open
                log.exception("the event stream could not follow the log")
                position = self.position
            if position != self.position:
                self.position = position
                self._changed.set()
                self._changed = asyncio.Event()
            await asyncio.sleep(POLL_SECONDS)

    def _catch_up(self) -> int:
        self.services.read.catch_up()
        return self.services.read.last_position()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()


def log_watch(request: Request) -> LogWatch:
    watch: LogWatch | None = getattr(request.app.state, "log_watch", None)
    if watch is None or watch.services is not request.app.state.services:
        watch = request.app.state.log_watch = LogWatch(request.app.state.services)
    return watch


async def messages(
    services: Services, story: str, after: int, watch: LogWatch | None
) -> AsyncIterator[ServerSentEvent]:
    """The story's events after ``after``; then, with a ``watch``, each new one."""
    while True:
        seen = watch.position if watch else 0
        entries = await run_in_threadpool(services.read.log, story, after, PAGE)
        for entry in entries:
            yield message(entry)
            after = entry.position
        if len(entries) == PAGE:
            continue
        if watch is None:
            return
        await watch.wait_past(seen)


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
    request: Request,
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
    watch = log_watch(request) if follow else None
    return EventSourceResponse(messages(services, story, start, watch), ping=PING_SECONDS)
