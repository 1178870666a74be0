"""Appending facts: one immutable event each, idempotent by id."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Body, Response

from api.deps import StoryId, WritingDep
from api.routes import settle
from api.schemas import FACT_EXAMPLES, FactCreated, errors
from api.services import Services
from domain.application import Written
from domain.errors import NotFound
from domain.model import Fact

router = APIRouter(prefix="/stories/{story}/facts", tags=["facts"])


@router.post(
    "",
    status_code=201,
    responses={
        200: {
            "model": FactCreated,
            "description": "already stored with this content; nothing appended",
        },
        **errors(401, 404, 409, 413, 422),
    },
)
async def report_fact(
    story: StoryId,
    fact: Annotated[Fact, Body(openapi_examples=FACT_EXAMPLES)],
    writing: WritingDep,
    response: Response,
) -> FactCreated:
    """Append a fact (201); the same id and content again is a no-op (200), else 409."""
    services = writing.services
    write = partial(append, services, story, fact, writing.writer)
    written = await settle(services, write, response)
    return created(story, written)


def append(services: Services, story: str, fact: Fact, writer: str) -> Written:
    """The append of one fact, on a write thread: this route's and ``api.fast_append``'s."""
    written = services.app.report_fact(story, fact, writer)
    if written.position is None:  # a repeat: answer with the stored fact's position
        try:
            return replace(written, position=services.read.fact(story, written.id).position)
        except NotFound:
            pass
    return written


def created(story: str, written: Written) -> FactCreated:
    """The answer to an append: this route's and ``api.fast_append``'s."""
    return FactCreated(
        id=written.id, story=story, position=written.position, recorded_at=written.recorded_at
    )
