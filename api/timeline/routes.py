"""The web pages: the story list, a story's interactive timeline and its plotly figures,
and the scripts they load (plotly.js from the installed plotly package, never a CDN)."""

from __future__ import annotations

import gzip
from typing import Annotated, Literal

import plotly
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import NoMatchFound

from api.deps import AsOfDep, FiltersDep, ServicesDep, StoryId
from api.desk.responses import page_responses
from api.routes.signin import viewer
from api.schemas import errors
from api.services import Services
from api.timeline.page import (
    Assets,
    Link,
    TimelinePage,
    figure_json,
    figures,
    figures_json,
    glue_js,
    plotly_js,
    render_timeline,
)
from projections.timeline.data import StoryData, story_data
from projections.views import AsOf, Filters

router = APIRouter(tags=["timeline"])

GZIP_MIN_BYTES = 1400
SCRIPT_CACHE = "public, max-age=86400"

Lanes = Annotated[
    Literal["meeting", "actor", "kind"],
    Query(description="the timeline's lanes: one per meeting, per actor or per kind"),
]
Color = Annotated[
    Literal["kind", "certainty"], Query(description="colour the facts by kind or by certainty")
]
Chart = Annotated[
    Literal["timeline", "lag", "knowledge", "all"],
    Query(
        description="which figure: the timeline (default), the disclosure lag, knowledge over "
        "time, or all three as {timeline, lag, knowledge}"
    ),
]


def respond(
    request: Request, body: str, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """The body, gzipped when the client accepts it (figures of big stories are large)."""
    data = body.encode()
    extra = {"Vary": "Accept-Encoding", **(headers or {})}
    if len(data) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        data = gzip.compress(data, compresslevel=6)
        extra["Content-Encoding"] = "gzip"
    return Response(data, media_type=media_type, headers=extra)


def _page(
    request: Request,
    services: Services,
    story: str,
    data: StoryData,
    as_of: AsOf,
    filters: Filters,
    lanes: str,
    color: str,
) -> TimelinePage:
    query = request.url.query
    json_url = str(request.url_for("timeline_json", story=story).path)
    export = _path(request, "export", story=story)
    stream = _path(request, "stream", story=story)
    return TimelinePage.of(
        data,
        as_of,
        filters,
        lanes,
        color,
        viewer=viewer(request, services),
        desk_js=request.url_for("desk_script").path,
        home_url=request.url_for("stories_page").path,
        timeline_url=request.url_for("timeline_page", story=story).path,
        json_url=f"{json_url}?{query}&chart=all" if query else f"{json_url}?chart=all",
        stream_url=f"{stream}?after={data.last_position}" if stream else None,
        exports=[
            Link(label, f"{export}?format={fmt}")
            for label, fmt in (("JSON lines (replayable log)", "jsonl"), ("CSV", "csv"),
                               ("TimelineJS", "timelinejs"))
        ] if export else [],
    )  # fmt: skip


def _path(request: Request, name: str, **params: str) -> str | None:
    """The path of another router's route, or None where it is not installed."""
    try:
        return request.url_for(name, **params).path
    except NoMatchFound:
        return None


@router.get(
    "/stories/{story}/timeline",
    name="timeline_page",
    summary="The story's interactive timeline, as a web page",
    response_class=Response,
    responses=page_responses(401, 404, 422),
)  # fmt: skip
async def timeline_page(
    story: StoryId,
    as_of: AsOfDep,
    filters: FiltersDep,
    services: ServicesDep,
    request: Request,
    lanes: Lanes = "meeting",
    color: Color = "kind",
) -> Response:
    """Three charts (when it happened, disclosure lag, knowledge over time), a replay
    slider for what was known on any date, and the picture; updates live."""
    data = await run_in_threadpool(story_data, services.read, story, as_of, filters)
    page = _page(request, services, story, data, as_of, filters, lanes, color)
    assets = Assets(
        inline=False,
        plotly_src=f"{request.url_for('plotly_script').path}?v={plotly.__version__}",
        glue_src=request.url_for("timeline_script").path,
    )
    html = await run_in_threadpool(render_timeline, page, assets)
    return respond(request, html, "text/html")


@router.get(
    "/stories/{story}/timeline.json",
    name="timeline_json",
    summary="The story's timeline as a plotly figure",
    response_class=Response,
    responses={200: {"content": {"application/json": {}},
                     "description": "a plotly figure ({data, layout}); chart=all: "
                                    "{timeline, lag, knowledge}"},
               **errors(401, 404, 422)},
)  # fmt: skip
async def timeline_json(
    story: StoryId,
    as_of: AsOfDep,
    filters: FiltersDep,
    services: ServicesDep,
    request: Request,
    lanes: Lanes = "meeting",
    color: Color = "kind",
    chart: Chart = "timeline",
) -> Response:
    """A plotly figure (render it with ``Plotly.newPlot``); each trace's ``meta.replay``
    gives every item's dates on the reported clock, for replaying offline."""
    data = await run_in_threadpool(story_data, services.read, story, as_of, filters, picture=False)
    page = _page(request, services, story, data, as_of, filters, lanes, color)

    def build() -> str:
        charts = figures(page)
        if chart == "all":
            return figures_json(charts)
        return figure_json(charts[chart])

    return respond(request, await run_in_threadpool(build), "application/json")


@router.get("/assets/plotly.min.js", name="plotly_script", include_in_schema=False)
def plotly_script(request: Request) -> Response:
    """plotly.js from the installed plotly package."""
    headers = {"Cache-Control": SCRIPT_CACHE, "ETag": f'"plotly-{plotly.__version__}"'}
    return respond(request, plotly_js(), "text/javascript", headers)


@router.get("/assets/timeline.js", name="timeline_script", include_in_schema=False)
def timeline_script(request: Request) -> Response:
    """The page's glue: drawing, the replay slider, live updates."""
    return respond(request, glue_js(), "text/javascript", {"Cache-Control": "no-cache"})
