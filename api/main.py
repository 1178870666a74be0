"""The FastAPI app: routers per resource, errors mapped in one place, body limits.

``create_app(settings)`` is the factory; ``create_served_app`` is the one a server
process runs (``reportedly serve``, or ``uvicorn api.main:create_served_app --factory``):
the same app, with the process's threads kept on one CPU (``api.affinity``). Each worker
process opens its own services on the shared store.
"""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from starlette.types import Receive, Scope, Send

from api import errors
from api.affinity import pin_to_one_cpu
from api.deps import require_reader
from api.desk import errors as desk_errors
from api.desk import routes as desk
from api.fast_append import FastAppend
from api.limits import BodyLimit
from api.routes import (
    actors,
    drafts,
    exchange,
    facts,
    feed,
    health,
    lifecycle,
    reads,
    signin,
    stories,
    stream,
)
from api.services import open_services
from api.settings import Settings, get_settings

DESCRIPTION = """
Reported facts, one immutable event each, with three clocks: when a fact **occurred**
(EDTF, with its precision), when it was **reported** (its sources' earliest publication)
and when this store **recorded** it. Every read can be asked as of each clock:
`known_at`, `recorded_at`, `occurred_until`.

Writes need `Authorization: Bearer <token>` (tokens from `REPORTEDLY_TOKENS`); the
token's name is recorded as the event's writer. A browser signs in at `/signin` instead
and writes from this site's own pages (the desk), its token kept in an HttpOnly cookie.
Errors are JSON naming the offending field and why.
"""

TAGS = [
    {"name": "actors", "description": "People, companies, governments: registered once."},
    {"name": "stories", "description": "Named groups of facts."},
    {"name": "facts", "description": "Appending facts, idempotent by id."},
    {"name": "lifecycle", "description": "Corroborations, disputes, corrections, retraction."},
    {"name": "reads", "description": "The story as known at any time, on any clock."},
    {"name": "exchange", "description": "Export and import."},
    {"name": "stream", "description": "Live server-sent events."},
    {"name": "health", "description": "Liveness."},
]


def _routers() -> list[APIRouter]:
    # Appends first: routes are matched in order, about 3 us each, on every request.
    routers = [
        facts.router, lifecycle.router, desk.router, actors.router, stories.router, reads.router,
        exchange.router, stream.router, feed.router,
    ]  # fmt: skip
    # The timeline (HTML page and plotly figure) is its own package, when installed.
    if importlib.util.find_spec("api.timeline.routes") is not None:
        timeline = importlib.import_module("api.timeline.routes")
        routers.append(timeline.router)
    return routers


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on these settings (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Open at creation so the app serves without a lifespan too; a server that runs
        # the lifespan again after a shutdown gets a fresh connection to the store.
        if app.state.services is None:
            app.state.services = open_services(settings)
        yield
        if app.state.log_watch is not None:
            app.state.log_watch.stop()
            app.state.log_watch = None
        if app.state.services is not None:
            app.state.services.close()
            app.state.services = None

    # The docs pages load Swagger UI and ReDoc from the installed package, not a CDN.
    app = FastAPIOffline(
        title="reportedly",
        version="0.1.0",
        summary="An event-sourced timeline of reported facts, with three clocks per fact.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.services = open_services(settings)
    app.state.log_watch = None  # follows the log for the live streams, once one opens
    errors.install(app)
    desk_errors.install(app, desk.PAGES)  # after: the pages' errors as pages
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
    )
    # Reads are open unless read tokens are configured.
    guarded = [Depends(require_reader)] if settings.read_tokens.strip() else []
    for router in _routers():
        app.include_router(router, dependencies=guarded)
    app.include_router(drafts.router, dependencies=guarded)  # reads an article, appends nothing
    app.include_router(health.router)
    # Browsers sign in to write, or to read where reads are private; a signed-in
    # browser's cookie then authenticates its writes as a bearer token would
    # (``api.deps.require_writer``).
    app.include_router(signin.router)
    _summaries_from_docstrings(app)
    if settings.fast_append:
        app.__class__ = App  # fastapi_offline builds a FastAPI; App adds only the way in
        assert isinstance(app, App)
        app.fast_path = FastAppend(app)
    return app


def create_served_app(settings: Settings | None = None) -> FastAPI:
    """The app as a server process serves it (``reportedly serve``, each of its
    ``--workers``): ``create_app``, with this process's threads kept on one CPU of its
    own unless ``REPORTEDLY_PIN_CPU=false`` (``api.affinity``). Apps made in a process
    that does other work (tests, scripts) come from ``create_app`` and stay put."""
    settings = settings or get_settings()
    if settings.pin_cpu:
        pin_to_one_cpu()
    return create_app(settings)


class App(FastAPI):
    """The FastAPI app with ``api.fast_append`` in front of it: the fast path serves the
    plain append of a fact and hands every other request to ``framework``. Without the
    fast path (``REPORTEDLY_FAST_APPEND=false``) the app stays a plain FastAPI."""

    fast_path: FastAppend  # set by create_app as it gives the app this class

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.fast_path(scope, receive, send)

    async def framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI's own way in: its middleware, routing, and the routes."""
        await super().__call__(scope, receive, send)


def _summaries_from_docstrings(app: FastAPI) -> None:
    """Each route's one-line docstring is its OpenAPI summary."""
    for route in app.routes:
        if isinstance(route, APIRoute) and route.summary is None and route.description:
            route.summary = route.description.strip().splitlines()[0]
