"""Request body limits: 413 before a too-large body is read into memory.

A pure ASGI middleware: it refuses at once when ``Content-Length`` is over the limit and
counts the bytes of bodies sent without one (chunked), so no route ever sees more than
its limit. The import endpoint has its own, larger limit.
"""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response

IMPORT_PATH = re.compile(r"^/stories/[^/]+/import/?$")


def too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"request body is larger than the limit of {limit} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_import_bytes = max_import_bytes

    def limit_for(self, path: str) -> int:
        return self.max_import_bytes if IMPORT_PATH.match(path) else self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and over(declared, limit):
            response = error_response(too_large(limit))
            await response(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised inside the route's body read; FastAPI re-raises HTTPException
                    # and the exception handlers turn it into a 413.
                    raise too_large(limit)
            return message

        await self.app(scope, counting_receive, send)


def over(declared: bytes, limit: int) -> bool:
    """Whether a declared ``Content-Length`` is over the limit."""
    try:
        return int(declared) > limit
    except ValueError:
        return False  # a malformed header; the server rejects it or the counter catches it
