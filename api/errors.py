"""Every error a request can meet, mapped to one HTTP status and one JSON shape, here.

The body is always ``{"error", "message", "problems": [{"field", "loc", "message", ...}]}``:
``field`` names the offending field (``occurred``, ``sources.0.published``, ``known_at``)
and ``message`` says why in plain words, one problem a field (pydantic's errors are
worded by ``domain.messages``, shared with story files). Domain errors map as: not found
→ 404, id conflict → 409, broken rule → 422.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from eventsourcing.persistence import IntegrityError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.schemas import ErrorBody, ProblemOut
from domain.application import Rejected
from domain.errors import Conflict, DomainError, NotFound, RuleBroken
from domain.messages import clean_loc, plain_problems
from domain.model import FACT_KINDS

log = logging.getLogger("reportedly.api")

ERROR_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    503: "unavailable",
}


@dataclass(frozen=True)
class LineProblem:
    """One thing wrong with one line of an NDJSON import (lines count from 1)."""

    line: int
    field: str | None
    message: str


class LinesRejected(RuleBroken):
    """An import with bad lines; nothing of it was appended."""

    SHOWN = 1000  # problems listed in a response; the message gives the total

    def __init__(self, problems: Sequence[LineProblem]) -> None:
        first = problems[0]
        super().__init__(f"line {first.line}: {first.message}", field=first.field)
        self.total = len(problems)
        self.problems = list(problems[: self.SHOWN])


def _json(status: int, message: str, problems: list[ProblemOut], **headers: str) -> JSONResponse:
    body = ErrorBody(error=ERROR_NAMES.get(status, "error"), message=message, problems=problems)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers or None)


def error_response(exc: HTTPException) -> JSONResponse:
    """An HTTPException (401, 404 route, 405, 413) as our JSON error body."""
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return _json(exc.status_code, message, [], **(exc.headers or {}))


def error_loc(error: Any) -> list[str | int]:
    """Pydantic's location without union tags, ending at the discriminator it missed."""
    return list(clean_loc(error, FACT_KINDS))


def _field(loc: Sequence[str | int]) -> str | None:
    """``["body", "sources", 0, "name"]`` → ``sources.0.name``."""
    return ".".join(str(p) for p in loc[1:]) or None


def _validation_problems(errors: Sequence[Any], subject: str) -> list[ProblemOut]:
    """One plain problem a field (the words live in ``domain.messages``)."""
    return [
        ProblemOut(field=_field(p.loc), loc=list(p.loc), message=p.message)
        for p in plain_problems(errors, tags=FACT_KINDS, subject=subject)
    ]


def _body_subject(request: Request | None) -> str:
    """The request body's model in words ("an actor"), for "is not a field of ..."."""
    route = request.scope.get("route") if request is not None else None
    body = getattr(getattr(route, "body_field", None), "field_info", None)
    model = getattr(body, "annotation", None)
    if not isinstance(model, type):  # a union (a fact) names itself by its kind
        return "the request body"
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", model.__name__).lower()
    return f"{'an' if words[:1] in 'aeiou' else 'a'} {words}"


def validation_response(
    exc: RequestValidationError, request: Request | None = None
) -> JSONResponse:
    errors = exc.errors()
    malformed = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if malformed is not None:
        reason = (malformed.get("ctx") or {}).get("error", "JSON decode error")
        position = malformed["loc"][-1]
        problem = ProblemOut(
            field=None, loc=["body"], message=f"{reason} (at character {position})"
        )
        return _json(422, "the request body is not valid JSON", [problem])
    problems = _validation_problems(errors, _body_subject(request))
    summary = "; ".join(f"{p.field or p.loc[0]}: {p.message}" for p in problems[:3])
    return _json(422, f"invalid request: {summary}", problems)


# The one place where the domain's kinds of error become HTTP status codes.
STATUS: dict[type[DomainError], int] = {NotFound: 404, Conflict: 409, RuleBroken: 422}


def status_of(kind: type[DomainError]) -> int:
    """The status for a kind of domain error (a subclass takes its base's)."""
    return next((STATUS[k] for k in kind.__mro__ if k in STATUS), 422)


def domain_response(exc: DomainError) -> JSONResponse:
    if isinstance(exc, LinesRejected):
        problems = [
            ProblemOut(field=p.field, loc=["body", p.line], line=p.line, message=p.message)
            for p in exc.problems
        ]
        shown = "" if exc.total == len(problems) else f" (the first {len(problems)} listed)"
        return _json(422, f"{exc.total} problem(s){shown}; nothing was imported", problems)
    if isinstance(exc, Rejected):
        statuses = {status_of(p.error) for p in exc.problems}
        status = statuses.pop() if len(statuses) == 1 else 422
        problems = []
        for p in exc.problems:
            loc: list[str | int] = ["body", p.entry, *([p.field] if p.field else [])]
            problems.append(ProblemOut(field=p.field, loc=loc, entry=p.entry, message=p.message))
            # An id conflict also names each field that differs from the stored fact.
            for name in p.differing:
                problems.append(
                    ProblemOut(field=name, loc=["body", p.entry, name], entry=p.entry,
                               message="differs from the stored version")
                )  # fmt: skip
        return _json(status, exc.message, problems)
    status = status_of(type(exc))
    if isinstance(exc, Conflict) and exc.differing:  # an id conflict: each differing field
        problems = [
            ProblemOut(field=f, loc=["body", f], message="differs from the stored version")
            for f in exc.differing
        ]
    else:
        where = [exc.field] if exc.field else []
        problems = [ProblemOut(field=exc.field, loc=where, message=exc.message)] if where else []
    return _json(status, exc.message, problems)


def _allowed(request: Request) -> str:
    """Every method of every route at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    """Register the handlers: the one place where errors become status codes."""

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            exc.headers = {"Allow": _allowed(request)}
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode
            problem = ProblemOut(field=None, loc=["body"], message=str(exc.detail))
            return _json(422, "the request body is not valid UTF-8 JSON", [problem])
        return error_response(exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_response(exc, request)

    async def on_domain(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return domain_response(exc)

    async def on_store(_: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, IntegrityError):  # a concurrent writer took the same id first
            return _json(409, "a concurrent write conflicted with this one; try again", [])
        log.error("store unavailable: %s", exc)
        return _json(503, "the store is unavailable; try again later", [], **{"Retry-After": "5"})

    async def on_overflow(_: Request, exc: Exception) -> JSONResponse:
        # Dates and numbers past what the calendar or the store can hold (year 9999 plus
        # a day, a 65-bit cursor) overflow deep inside; they are still the caller's input.
        log.warning("input out of range: %s", exc)
        return _json(422, f"a date or number in the request is out of range ({exc})", [])

    async def on_timeout(_: Request, exc: Exception) -> JSONResponse:
        log.error("read models behind: %s", exc)
        return _json(503, f"the write is stored but reads are behind: {exc}", [],
                     **{"Retry-After": "1"})  # fmt: skip

    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(OverflowError, on_overflow)
    app.add_exception_handler(TimeoutError, on_timeout)
    app.add_exception_handler(PersistenceError, on_store)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(DomainError, on_domain)
