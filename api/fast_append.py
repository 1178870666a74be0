"""The fast path for appending one fact: the same append, without the framework's round.

``POST /stories/{story}/facts`` is the write that arrives most, one request a fact, from
tools and the desk alike. Through FastAPI, its middleware, routing, dependency solving,
body and response handling cost about 0.3 ms of server CPU an append: as much as the
append itself, checks, transaction and projection (docs/writes.md). ``FastAppend`` sits
in front of the app (``api.main.App``), serves the plain, well-formed case of that one
route, and hands every other request to the app untouched:

- it takes a request only if it carries a bearer token and a JSON body of declared
  length within the limit, to a story id that is a slug, on a server that writes;
- it reads the body, decodes and validates it as FastAPI does (``json.loads``, then the
  route's own ``Fact`` model), and checks the token with the same ``authenticate``;
- anything it does not take, or that fails one of those steps, goes to the app with its
  body replayed, so every refusal before the write (a 401, a 413, a 422 naming a field)
  is the route's own answer, worded in one place;
- the write is the route's (``api.routes.facts.append`` on ``Services.write``), and so is
  its answer (``created``, 201 or 200); an error the write raises (404, 409, 422, 503) is
  answered by the app's own exception handlers (``api.errors.install``).

So the fast path changes what an append costs, never what it answers:
``tests/test_fast_append.py`` sends the same requests, valid and not, to a server with it
and one without, and compares every answer.
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fastapi.security.utils import get_authorization_scheme_param
from pydantic import TypeAdapter
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from api.auth import authenticate
from api.deps import SLUG
from api.limits import over
from api.routes import facts, status_of
from domain.model import Fact

if TYPE_CHECKING:
    from api.main import App
    from api.services import Services

PATH = re.compile(r"^/stories/(" + SLUG.strip("^$") + r")/facts$")
FACT: TypeAdapter[Any] = TypeAdapter(Fact)


class FastAppend:
    """In front of the app (``api.main.App``), whose ``framework`` — its own way in,
    middleware and all — takes every request the fast path does not serve."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.framework = app.framework

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        candidate = _candidate(scope, self.app.state.services)
        if candidate is None:
            await self.framework(scope, receive, send)
            return
        body, complete = await _body(receive)
        if not complete:  # the client went away while sending
            return
        taken = _take(candidate, body)
        if taken is None:
            await self.framework(scope, _replay(body, receive), send)
            return
        writer, fact = taken
        services, story = candidate.services, candidate.story
        try:
            written = await services.write(
                lambda: facts.append(services, story, fact, writer), lambda w: w.position
            )
        except Exception as error:
            await self._answer_error(scope, receive, send, error)
            return
        answer = facts.created(story, written).model_dump_json().encode()
        response = Response(answer, status_of(written), media_type="application/json")
        await response(scope, receive, send)

    async def _answer_error(
        self, scope: Scope, receive: Receive, send: Send, error: Exception
    ) -> None:
        """The app's own answer to an error a write raised (its exception handlers)."""
        handlers = self.app.exception_handlers
        handler = next((handlers[k] for k in type(error).__mro__ if k in handlers), None)
        if handler is None:
            raise error  # as from the route: the server answers 500
        scope["app"] = self.app
        response = handler(Request(scope, receive), error)
        if inspect.isawaitable(response):  # ours are all async; Starlette allows either
            response = await response
        await response(scope, receive, send)


@dataclass(frozen=True, slots=True)
class _Candidate:
    services: Services
    story: str
    secret: str


def _candidate(scope: Scope, services: Services) -> _Candidate | None:
    """What a request the fast path may take brings before its body: a POST to a story's
    facts, with a JSON body of declared length within the limit (``api.limits``) and a
    bearer token, to a server that writes. None for any other request."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    match = PATH.match(scope["path"])
    if match is None:
        return None
    headers = Headers(scope=scope)  # as the route reads them: of a repeated one, the first
    kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    declared = headers.get("content-length")
    if kind != "application/json" or declared is None:
        return None
    if over(declared.encode("latin-1"), services.settings.max_body_bytes):
        return None  # BodyLimit answers it
    scheme, secret = get_authorization_scheme_param(headers.get("authorization"))
    if scheme.lower() != "bearer" or not secret or services.settings.read_only:
        return None
    return _Candidate(services, match.group(1), secret)


async def _body(receive: Receive) -> tuple[bytes, bool]:
    """The whole body, and whether it arrived whole."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _take(candidate: _Candidate, body: bytes) -> tuple[str, Any] | None:
    """The writer and the fact of a request the fast path serves, else None: the app
    answers it, and words whatever is wrong with it."""
    services = candidate.services
    try:
        writer = authenticate(candidate.secret, services.settings.token_map("tokens"), "writes")
        fact = FACT.validate_python(json.loads(body))
    except Exception:  # not dropped: the route meets it again, and answers it
        # A bad token, JSON that does not decode (or nests past Python's recursion
        # limit), a fact that does not validate, or a value out of range.
        return None
    return writer, fact


def _replay(body: bytes, receive: Receive) -> Receive:
    """The request's messages again: its body, then whatever the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
