"""Actors: registered once, shared across stories."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Body, Response

from api.deps import ActorId, ServicesDep, WritingDep
from api.routes import settle
from api.schemas import ACTOR_EXAMPLE, Ack, errors, example
from domain.model import Actor

router = APIRouter(prefix="/actors", tags=["actors"])


@router.post(
    "",
    status_code=201,
    responses={
        200: {"model": Ack, "description": "already registered with this content"},
        **errors(401, 409, 413, 422),
    },
)
async def register_actor(
    actor: Annotated[Actor, Body(examples=[ACTOR_EXAMPLE])],
    writing: WritingDep,
    response: Response,
) -> Ack:
    """Register an actor (201); the same again is a no-op (200), other content a 409."""
    services = writing.services
    register = partial(services.app.register_actor, actor, writing.writer)
    written = await settle(services, register, response)
    return Ack(id=written.id, position=written.position, recorded_at=written.recorded_at)


@router.get("", responses={**example([ACTOR_EXAMPLE]), **errors(401)})
def list_actors(services: ServicesDep) -> list[Actor]:
    """Every registered actor."""
    return services.read.actors()


@router.get("/{actor_id}", responses={**example(ACTOR_EXAMPLE), **errors(401, 404, 422)})
def get_actor(actor_id: ActorId, services: ServicesDep) -> Actor:
    """One actor by id."""
    return services.read.actor(actor_id)
