"""The desk's pages: the story list with its forms, a fact's page and panel, the script.

Each page reads through the JSON API's own read functions; each form posts to the JSON
API's own write routes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import FactId, ServicesDep, StoryId
from api.desk.forms import ACTOR_KINDS
from api.desk.responses import page_responses
from api.desk.templating import render, static_text
from api.desk.views import fact_form, fact_panel, story_summary
from api.routes.reads import get_fact
from api.routes.signin import viewer
from api.services import Services
from domain.model import Actor
from projections.timeline.data import all_facts
from projections.views import LATEST, FactView, Filters
from projections.words import Names, meeting_titles, what

router = APIRouter(tags=["pages"])

HTML = page_responses(401, 404, 422)
MEETINGS = Filters(kind=("meeting_held",))
# The routes that answer with a page: their errors are pages too (``api.desk.errors``).
PAGES = frozenset({"stories_page", "fact_page", "fact_panel", "timeline_page", "signin_page"})


def desk_js(request: Request) -> str:
    return str(request.url_for("desk_script").path)


@router.get("/", name="stories_page", summary="The stories, as a web page",
            response_class=HTMLResponse, responses=HTML)  # fmt: skip
async def stories_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """Every story with its fact count, dates and last change; forms for a new story
    and a new actor."""

    def build() -> str:
        summaries = [
            story_summary(s, request.url_for("timeline_page", story=s.story.id).path)
            for s in services.read.story_summaries()  # one query for every story
        ]
        return render(
            "home.html.j2",
            viewer(request, services),
            stories=summaries,
            actor_kinds=ACTOR_KINDS,
            home_url=request.url_for("stories_page").path,
            desk_js=desk_js(request),
        )

    return HTMLResponse(await run_in_threadpool(build))


@dataclass(frozen=True)
class _Names:
    """What a story's slugs stand for: its meetings and the registered actors, read once."""

    meetings: list[FactView]
    actors: dict[str, Actor]

    def words(self) -> Names:
        return Names.of(self.meetings, self.actors.values())

    @classmethod
    def of(cls, services: Services, story: str) -> _Names:
        meetings = all_facts(services.read, story, LATEST, MEETINGS)
        return cls(meetings, {a.id: a for a in services.read.actors()})


def _fact(
    services: Services, story: str, fact_id: str, names: _Names
) -> tuple[dict[str, Any], str]:
    """The fact as ``GET /stories/{story}/facts/{id}`` answers it, and a line saying it."""
    detail = get_fact(story, fact_id, LATEST, services)
    line = what(detail, names.actors, meeting_titles(names.meetings))
    return detail.model_dump(mode="json"), line


@router.get(
    "/stories/{story}/facts/{fact_id}/page",
    name="fact_page",
    summary="One fact, as a web page",
    response_class=HTMLResponse,
    responses=HTML,
)
async def fact_page(
    story: StoryId, fact_id: FactId, request: Request, services: ServicesDep
) -> HTMLResponse:
    """The fact's sources, versions and disputes, and forms to corroborate, dispute,
    correct or retract it."""

    def build() -> str:
        found = services.read.story(story)
        names = _Names.of(services, story)
        detail, line = _fact(services, story, fact_id, names)
        return render(
            "fact_page.html.j2",
            viewer(request, services),
            story=found,
            fact=fact_panel(detail, line, names.words()),
            lists=fact_form(names.meetings, names.actors),
            with_forms=True,
            home_url=request.url_for("stories_page").path,
            timeline_url=request.url_for("timeline_page", story=story).path,
            panel_url=request.url_for("fact_panel", story=story, fact_id=fact_id).path,
            desk_js=desk_js(request),
        )

    return HTMLResponse(await run_in_threadpool(build))


@router.get(
    "/stories/{story}/facts/{fact_id}/panel",
    name="fact_panel",
    summary="One fact, as a fragment of HTML for the story page's panel",
    response_class=HTMLResponse,
    responses=HTML,
)
async def fact_panel_fragment(
    story: StoryId, fact_id: FactId, request: Request, services: ServicesDep
) -> HTMLResponse:
    """What the fact page shows, without the page around it."""

    def build() -> str:
        names = _Names.of(services, story)
        detail, line = _fact(services, story, fact_id, names)
        return render(
            "fact_detail.html.j2",
            viewer(request, services),
            fact=fact_panel(detail, line, names.words()),
            with_forms=True,
        )

    return HTMLResponse(await run_in_threadpool(build))


@router.get("/assets/desk.js", name="desk_script", include_in_schema=False)
def desk_script() -> Response:
    """The forms' script: a form becomes the API's JSON body; problems go by their field."""
    return Response(static_text("desk.js"), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})  # fmt: skip
