"""The desk's drafts page: paste an article, review its drafts, append the accepted ones.

Plain HTML from the desk's own base template and one small script (``drafts.js``): the
``draft`` form posts to ``POST /stories/{story}/drafts``; the accepted drafts go as one
NDJSON batch to ``POST /stories/{story}/import`` (all or nothing, the same rules as any
write), with the signed-in browser's cookie; unknown names go to ``POST /actors``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from functools import lru_cache
from http import HTTPStatus
from importlib.resources import files
from typing import Any, cast

import orjson
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.deps import ServicesDep, StoryId
from api.desk.templating import ENV as DESK_ENV
from api.routes.signin import viewer
from api.schemas import errors
from domain.errors import DomainError
from domain.model import ActorKind, Certainty, Role

Handler = Callable[[Request, Exception], Awaitable[Response]]


class PageRoute(APIRoute):
    """A page whose errors are pages too: the app's own handlers decide the status and
    the words (as for every route), the answer is dressed as the desk's error page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page_or_error_page(request: Request) -> Response:
            try:
                return await handle(request)
            except (HTTPException, RequestValidationError, DomainError) as error:
                answer = await _json_answer(request, error)
                return answer if answer.status_code < 400 else _error_page(request, answer)

        return page_or_error_page


async def _json_answer(request: Request, error: Exception) -> Response:
    handlers = request.app.exception_handlers
    kind = next(k for k in type(error).__mro__ if k in handlers)
    return await cast(Handler, handlers[kind])(request, error)


def _error_page(request: Request, answer: Response) -> HTMLResponse:
    status = answer.status_code
    try:
        body: Any = orjson.loads(bytes(answer.body))
    except orjson.JSONDecodeError:
        body = {}
    title = {404: "Not found", 401: "Sign in to read"}.get(status, HTTPStatus(status).phrase)
    problems = (
        [(str(p.get("field") or ""), str(p.get("message", ""))) for p in body.get("problems") or []]
        if isinstance(body, dict)
        else []
    )
    html = ENV.get_template("error.html.j2").render(
        viewer=viewer(request, request.app.state.services),
        status=status,
        title=title,
        message=str(body.get("message") or title) if isinstance(body, dict) else title,
        problems=problems if status == 422 else [],
        home_url="/",
    )
    return HTMLResponse(html, status_code=status)


router = APIRouter(route_class=PageRoute)

ENV = Environment(
    loader=ChoiceLoader(
        [
            PackageLoader("api.drafting", "templates"),
            PackageLoader("api.desk", "templates"),
            PackageLoader("api.timeline", "templates"),
        ]
    ),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.globals.update(DESK_ENV.globals)  # the desk's style sheet


@lru_cache(maxsize=2)
def static_text(name: str) -> str:
    return files("api.drafting").joinpath(f"static/{name}").read_text(encoding="utf-8")


@router.get(
    "/drafts/page",
    name="drafts_page",
    summary="Drafts from an article, as a web page",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "an HTML page"},
        **errors(401, 404, 422),
    },
)
async def drafts_page(story: StoryId, request: Request, services: ServicesDep) -> HTMLResponse:
    """Paste an article; accept, edit or drop each draft; append the accepted ones."""

    def build() -> str:
        found = services.read.story(story)
        return ENV.get_template("drafts.html.j2").render(
            viewer=viewer(request, services),
            story=found,
            actors=services.read.actors(),
            home_url=request.url_for("stories_page").path,
            timeline_url=request.url_for("timeline_page", story=story).path,
            drafts_url=request.url_for("draft_facts", story=story).path,
            import_url=f"/stories/{story}/import",
            actors_url="/actors",
            drafts_js=request.url_for("drafts_script", story=story).path,
            actor_kinds=[k.value for k in ActorKind],
            certainties=[c.value for c in Certainty],
            roles=[r.value for r in Role],
        )

    return HTMLResponse(await run_in_threadpool(build))


@router.get("/drafts/page.js", name="drafts_script", include_in_schema=False)
def drafts_script(story: StoryId) -> Response:
    """The drafts page's script."""
    return Response(
        static_text("drafts.js"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )
