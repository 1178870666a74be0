"""A fact's lifecycle: corroborated, disputed, corrected, retracted — each an event."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Response

from api.deps import FactId, StoryId, Writing, WritingDep
from api.routes import settle
from api.schemas import (
    CORRECTION_EXAMPLE,
    CORROBORATION_EXAMPLE,
    DISPUTE_EXAMPLE,
    RETRACTION_EXAMPLE,
    LifecycleRecorded,
    errors,
)
from domain.application import Reportedly, Written
from domain.model import Correction, Corroboration, Dispute, Retraction

router = APIRouter(prefix="/stories/{story}/facts/{fact_id}", tags=["lifecycle"])
RESPONSES = errors(401, 404, 409, 413, 422)

Event = Literal["corroborated", "disputed", "corrected", "retracted"]


async def _recorded(
    writing: Writing, write: Callable[[Reportedly, str], Written], event: Event, response: Response
) -> LifecycleRecorded:
    """``write``: the application's call, given the application and the writer."""
    services = writing.services
    written = await settle(services, partial(write, services.app, writing.writer), response)
    return LifecycleRecorded(
        id=written.id,
        story=written.story or "",
        event=event,
        position=written.position,
        recorded_at=written.recorded_at,
    )


@router.post("/corroborations", status_code=201, responses=RESPONSES)
async def corroborate(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Corroboration, Body(examples=[CORROBORATION_EXAMPLE])],
    writing: WritingDep,
    response: Response,
) -> LifecycleRecorded:
    """Another source reports the fact too; an earlier source moves it earlier.

    A source the fact already cites (same name and date) appends nothing: 200."""
    return await _recorded(
        writing, lambda app, by: app.corroborate(story, fact_id, body, by), "corroborated", response
    )


@router.post("/disputes", status_code=201, responses=RESPONSES)
async def dispute(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Dispute, Body(examples=[DISPUTE_EXAMPLE])],
    writing: WritingDep,
    response: Response,
) -> LifecycleRecorded:
    """A source contradicts the fact; both stand, with attribution."""
    return await _recorded(
        writing, lambda app, by: app.dispute(story, fact_id, body, by), "disputed", response
    )


@router.post("/corrections", status_code=201, responses=RESPONSES)
async def correct(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Correction, Body(examples=[CORRECTION_EXAMPLE])],
    writing: WritingDep,
    response: Response,
) -> LifecycleRecorded:
    """A new version supersedes the fact from the correcting source's date."""
    return await _recorded(
        writing, lambda app, by: app.correct(story, fact_id, body, by), "corrected", response
    )


@router.post("/retraction", status_code=201, responses=RESPONSES)
async def retract(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Retraction, Body(examples=[RETRACTION_EXAMPLE])],
    writing: WritingDep,
    response: Response,
) -> LifecycleRecorded:
    """The fact is withdrawn from the retracting source's date, with a reason."""
    return await _recorded(
        writing, lambda app, by: app.retract(story, fact_id, body, by), "retracted", response
    )
