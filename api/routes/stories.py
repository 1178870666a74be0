"""Stories: named groups of facts."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Body, Response

from api.deps import ServicesDep, StoryId, WritingDep
from api.routes import settle
from api.schemas import STORY_EXAMPLE, Ack, errors, example
from domain.model import Story

router = APIRouter(prefix="/stories", tags=["stories"])


@router.post(
    "",
    status_code=201,
    responses={
        200: {"model": Ack, "description": "already created with this content"},
        **errors(401, 409, 413, 422),
    },
)
async def create_story(
    story: Annotated[Story, Body(examples=[STORY_EXAMPLE])],
    writing: WritingDep,
    response: Response,
) -> Ack:
    """Create a story (201); the same again is a no-op (200), other content a 409."""
    services = writing.services
    create = partial(services.app.create_story, story, writing.writer)
    written = await settle(services, create, response)
    return Ack(id=written.id, position=written.position, recorded_at=written.recorded_at)


@router.get("", responses={**example([STORY_EXAMPLE]), **errors(401)})
def list_stories(services: ServicesDep) -> list[Story]:
    """Every story."""
    return services.read.stories()


@router.get("/{story}", responses={**example(STORY_EXAMPLE), **errors(401, 404, 422)})
def get_story(story: StoryId, services: ServicesDep) -> Story:
    """One story by id."""
    return services.read.story(story)
