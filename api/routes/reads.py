"""Reads of a story as known at any time, on any of the three clocks."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from api.deps import AsOfDep, FactId, FiltersDep, ServicesDep, StoryId, instant, query_error
from api.schemas import FactsPage, FactWithLifecycle, errors
from domain.clocks import now
from projections.changes import window_start
from projections.views import Changes, Filters, Picture

router = APIRouter(prefix="/stories/{story}", tags=["reads"])
RESPONSES = errors(401, 404, 422)


@router.get("/facts", responses=RESPONSES)
def list_facts(
    story: StoryId,
    as_of: AsOfDep,
    filters: FiltersDep,
    services: ServicesDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000, description="page size")] = 100,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="the previous page's `next`")
    ] = None,
) -> FactsPage:
    """The story's facts as known at the asked time, a page at a time."""
    page = services.read.facts(story, as_of, filters, limit=limit, cursor=cursor)
    next_url = None
    if page.next is not None:
        url = request.url.include_query_params(cursor=page.next)
        next_url = f"{url.path}?{url.query}"
    return FactsPage(items=page.items, next=page.next, next_url=next_url)


@router.get("/facts/{fact_id}", responses=RESPONSES)
def get_fact(
    story: StoryId, fact_id: FactId, as_of: AsOfDep, services: ServicesDep
) -> FactWithLifecycle:
    """One fact as known at the asked time, with its lifecycle."""
    detail = services.read.fact(story, fact_id, as_of)
    return FactWithLifecycle.model_validate(detail.model_dump())


@router.get("/picture", responses=RESPONSES)
def picture(story: StoryId, as_of: AsOfDep, filters: FiltersDep, services: ServicesDep) -> Picture:
    """Meetings with participants by role, absentees, topics, statements, the disclosure."""
    return services.read.picture(story, as_of, filters)


@router.get("/changes", responses=RESPONSES)
def changes(
    story: StoryId,
    services: ServicesDep,
    as_of: AsOfDep,
    filters: FiltersDep,
    start: Annotated[
        str,
        Query(
            alias="from",
            description="from this instant, included; a date alone is the start of that day",
            examples=["2024-01-11"],
        ),
    ],
    end: Annotated[
        str | None,
        Query(
            alias="to",
            description="to this instant, included; a date alone is the end of that day "
            "(default now)",
            examples=["2024-01-12"],
        ),
    ] = None,
    clock: Annotated[
        Literal["reported", "recorded"],
        Query(description="reported: what became public; recorded: what this store appended"),
    ] = "reported",
) -> Changes:
    """What became known from one date through another, both included."""
    instant("from", start)  # a 422 naming `from` if it is no date
    since = window_start(start)
    until = instant("to", end) or now()
    if until < since:
        raise query_error("to", end, "`to` is before `from`")
    found = services.read.changes(story, since, until, clock=clock, as_of=as_of)
    return _filtered(found, filters)


def _filtered(found: Changes, filters: Filters) -> Changes:
    if filters == Filters():
        return found
    kept = {
        name: [c for c in getattr(found, name) if filters.admits(c.fact)]
        for name in ("added", "corroborated", "disputed", "corrected", "retracted")
    }
    return found.model_copy(update=kept)
