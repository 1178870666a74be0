"""Dependencies the routes declare, as ``Annotated`` aliases, in one place.

They are ``async`` (they do no I/O) so resolving them costs no thread-pool hop.

Strings become domain types here: query times go through ``api.clocks``, the one
definition of the clock parameters the CLI uses too (a bad ``known_at`` is a 422 naming
``known_at``); path ids must be slugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, cast
from urllib.parse import quote

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import authenticate, check_same_origin
from api.clocks import CLOCKS, TIME_HELP, ClockError, parse_as_of, parse_clock
from api.services import Services
from domain.model import FactKind
from projections.views import AsOf, Filters

SLUG = r"^[a-z0-9][a-z0-9-]{0,99}$"

bearer = HTTPBearer(
    auto_error=False,
    description="a token from REPORTEDLY_TOKENS; its name is recorded as the writer",
)


async def get_services(request: Request) -> Services:
    return cast(Services, request.app.state.services)


ServicesDep = Annotated[Services, Depends(get_services)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


READ_COOKIE = "reportedly_token"  # set by /signin for browsers (api/routes/signin.py)


@dataclass(frozen=True, slots=True)
class Writing:
    """What a write route needs: who writes (recorded as the events' writer) and the
    services to write with."""

    writer: str
    services: Services


class WriterAuth(HTTPBearer):
    """The writer of a request: the bearer token's name, else the signed-in browser's.

    A write carried by the sign-in cookie must come from this site's own pages (its
    ``Origin``): SameSite keeps the cookie home, the Origin check refuses the rest.

    One dependency that reads only the request and gives a write route all it needs
    (the writer and the services), where FastAPI would otherwise solve three (the
    services, the bearer credentials, then this) on every write; it is still the bearer
    scheme OpenAPI shows on each write."""

    async def __call__(self, request: Request) -> Writing:  # type: ignore[override]
        services = await get_services(request)
        credentials = await super().__call__(request)
        if credentials is None and (secret := request.cookies.get(READ_COOKIE)):
            check_same_origin(request.method, request.headers)
            credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=secret)
        if services.settings.read_only:
            raise HTTPException(
                503,
                "this server is read-only (REPORTEDLY_READ_ONLY, e.g. on a replica): "
                "send writes to a server on the primary database",
            )
        secret = credentials.credentials if credentials else None
        writer = authenticate(secret, services.settings.token_map("tokens"), "writes")
        return Writing(writer, services)


require_writer = WriterAuth(  # the same scheme as ``bearer``, for the docs
    scheme_name=bearer.scheme_name, auto_error=False, description=bearer.model.description
)


async def require_reader(request: Request, services: ServicesDep, credentials: Credentials) -> None:
    """Only installed when read tokens are configured; write tokens may read too.

    A browser signed in through /signin carries the token in a cookie instead; one
    asking for a page without it is sent to the sign-in form."""
    settings = services.settings
    readers = {**settings.token_map("read_tokens"), **settings.token_map("tokens")}
    secret = credentials.credentials if credentials else request.cookies.get(READ_COOKIE)
    if not secret and "text/html" in request.headers.get("accept", ""):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        raise HTTPException(303, "sign in first", headers={"Location": f"/signin?next={target}"})
    authenticate(secret, readers, "reads")


WritingDep = Annotated[Writing, Depends(require_writer)]

StoryId = Annotated[
    str, Path(pattern=SLUG, description="the story's id", examples=["geneva-ai-talks"])
]
FactId = Annotated[
    str, Path(pattern=SLUG, description="the fact's id", examples=["geneva-2023-07"])
]
ActorId = Annotated[str, Path(pattern=SLUG, description="the actor's id", examples=["openai"])]


def query_error(name: str, value: object, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": ("query", name), "msg": message, "input": value}]
    )


def instant(name: str, value: str | None) -> datetime | None:
    """A query time; a date alone means the end of that day, UTC."""
    try:
        return parse_clock(name, value)
    except ClockError as error:
        raise query_error(name, value, error.message) from None


def _help(clock: str) -> str:
    return f"{TIME_HELP} {CLOCKS[clock]}"


async def as_of(
    known_at: Annotated[
        str | None, Query(description=_help("known_at"), examples=["2024-01-11"])
    ] = None,
    recorded_at: Annotated[
        str | None, Query(description=_help("recorded_at"), examples=["2024-02-01T12:00:00Z"])
    ] = None,
    occurred_until: Annotated[
        str | None, Query(description=_help("occurred_until"), examples=["2023-08"])
    ] = None,
) -> AsOf:
    try:
        return parse_as_of(known_at, recorded_at, occurred_until)
    except ClockError as error:
        raise query_error(error.clock, error.value, error.message) from None


async def filters(
    kind: Annotated[
        list[FactKind] | None, Query(description="only facts of these kinds (repeatable)")
    ] = None,
    actor: Annotated[
        str | None,
        Query(pattern=SLUG, description="only facts naming this actor", examples=["openai"]),
    ] = None,
    meeting: Annotated[
        str | None,
        Query(
            pattern=SLUG, description="only facts about this meeting", examples=["geneva-2023-07"]
        ),
    ] = None,
) -> Filters:
    return Filters(kind=tuple(kind or ()), actor=actor, meeting=meeting)


AsOfDep = Annotated[AsOf, Depends(as_of)]
FiltersDep = Annotated[Filters, Depends(filters)]
