"""How a page route's answers are documented in OpenAPI: pages, its errors pages too."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

REDIRECTS = frozenset({301, 302, 303, 307, 308})  # a Location, no body
WORDS = {
    303: "sent on to another page (after signing in, or to sign in first)",
    401: "not signed in, or a token that is not valid: a page that says how to sign in",
    403: "from another site: refused",
    404: "no such story or fact: a page saying so",
    422: "invalid query or path: a page naming each field and why",
}


def page_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a page route: the page, and its errors as pages too."""
    page: dict[str, Any] = {"content": {"text/html": {}}}
    answers: dict[int | str, dict[str, Any]] = {200: {**page, "description": "an HTML page"}}
    for status in statuses:
        words = {"description": WORDS.get(status, HTTPStatus(status).phrase)}
        answers[status] = words if status in REDIRECTS else {**page, **words}
    return answers
