"""A fact's lifecycle: corroborated, disputed, corrected, retracted — each an event."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Response

from api.deps import FactId, ServicesDep, StoryId, Writer
from api.schemas import (
    CORRECTION_EXAMPLE,
    CORROBORATION_EXAMPLE,
    DISPUTE_EXAMPLE,
    RETRACTION_EXAMPLE,
    LifecycleRecorded,
    errors,
)
from api.services import Services
from domain.application import Written
from domain.model import Correction, Corroboration, Dispute, Retraction

router = APIRouter(prefix="/stories/{story}/facts/{fact_id}", tags=["lifecycle"])
RESPONSES = errors(401, 404, 409, 413, 422)

Event = Literal["corroborated", "disputed", "corrected", "retracted"]


def _recorded(services: Services, written: Written, event: Event) -> LifecycleRecorded:
    services.read.wait_for(written.position)
    return LifecycleRecorded(
        id=written.id,
        story=written.story or "",
        event=event,
        position=written.position,
        recorded_at=written.recorded_at,
    )


@router.post("/corroborations", status_code=201, responses=RESPONSES)
def corroborate(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Corroboration, Body(examples=[CORROBORATION_EXAMPLE])],
    writer: Writer,
    services: ServicesDep,
    response: Response,
) -> LifecycleRecorded:
    """Another source reports the fact too; an earlier source moves it earlier.

    A source the fact already cites (same name and date) appends nothing: 200."""
    written = services.app.corroborate(story, fact_id, body, writer)
    if not written.created:
        response.status_code = 200
    return _recorded(services, written, "corroborated")


@router.post("/disputes", status_code=201, responses=RESPONSES)
def dispute(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Dispute, Body(examples=[DISPUTE_EXAMPLE])],
    writer: Writer,
    services: ServicesDep,
) -> LifecycleRecorded:
    """A source contradicts the fact; both stand, with attribution."""
    written = services.app.dispute(story, fact_id, body, writer)
    return _recorded(services, written, "disputed")


@router.post("/corrections", status_code=201, responses=RESPONSES)
def correct(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Correction, Body(examples=[CORRECTION_EXAMPLE])],
    writer: Writer,
    services: ServicesDep,
) -> LifecycleRecorded:
    """A new version supersedes the fact from the correcting source's date."""
    written = services.app.correct(story, fact_id, body, writer)
    return _recorded(services, written, "corrected")


@router.post("/retraction", status_code=201, responses=RESPONSES)
def retract(
    story: StoryId,
    fact_id: FactId,
    body: Annotated[Retraction, Body(examples=[RETRACTION_EXAMPLE])],
    writer: Writer,
    services: ServicesDep,
) -> LifecycleRecorded:
    """The fact is withdrawn from the retracting source's date, with a reason."""
    written = services.app.retract(story, fact_id, body, writer)
    return _recorded(services, written, "retracted")
