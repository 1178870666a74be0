"""Errors of the pages as pages: a missing story or fact is an HTML 404, not JSON.

The JSON API's handlers (``api.errors``) still decide every status and message; a
request for a page only gets that answer dressed as a page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from http import HTTPStatus
from typing import cast

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from api.desk.templating import render
from api.routes.signin import viewer
from domain.errors import DomainError

Handler = Callable[[Request, Exception], Awaitable[Response]]
TITLES = {404: "Not found", 401: "Sign in to read", 403: "Not allowed"}


def wants_page(request: Request, pages: Collection[str]) -> bool:
    """A page route, or no route at all asked for by a browser."""
    route = request.scope.get("route")
    name = getattr(route, "name", None)
    if name is not None:
        return name in pages
    return "text/html" in request.headers.get("accept", "") and request.method == "GET"


def _page(request: Request, answer: Response) -> HTMLResponse:
    status = answer.status_code
    try:
        body = orjson.loads(bytes(answer.body))
    except orjson.JSONDecodeError:
        body = {}
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    problems = [
        (str(p.get("field") or ""), str(p.get("message", "")))
        for p in (body.get("problems") or [] if isinstance(body, dict) else [])
    ]
    title = TITLES.get(status, HTTPStatus(status).phrase)
    services = request.app.state.services
    html = render(
        "error.html.j2",
        viewer(request, services),
        status=status,
        title=title,
        message=message or title,
        problems=problems if len(problems) > 1 or status == 422 else [],
        home_url="/",
    )
    headers = {k: v for k, v in answer.headers.items() if k.lower() in ("location", "allow")}
    return HTMLResponse(html, status_code=status, headers=headers)


def install(app: FastAPI, pages: Collection[str]) -> None:
    """Wrap the JSON handlers ``api.errors`` installed: pages' errors become pages."""
    for kind in (HTTPException, RequestValidationError, DomainError):
        json_handler = cast(Handler, app.exception_handlers[kind])

        async def handler(request: Request, exc: Exception, json_handler: Handler = json_handler,
                          ) -> Response:  # fmt: skip
            answer = await json_handler(request, exc)
            if answer.status_code < 400 or not wants_page(request, pages):
                return answer
            return _page(request, answer)

        app.add_exception_handler(kind, handler)
