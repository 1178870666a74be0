"""Bearer tokens: writes need a write token; reads need one only if read tokens are set.

Tokens come from ``REPORTEDLY_TOKENS`` (``name:secret,name:secret``). Secrets are
compared in constant time against every configured token and never logged or echoed;
the token's *name* is what gets recorded as an event's writer. A browser signed in at
``/signin`` sends its token in a cookie instead, and its writes must come from this site's
own pages (``check_same_origin``).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="reportedly"'}


def unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers=CHALLENGE)


def token_name(secret: str, tokens: Mapping[str, str]) -> str | None:
    """The name of the token whose secret this is, or None.

    Every configured secret is compared, so the time taken does not say which one
    (or how much of one) matched.
    """
    given = secret.encode()
    found: str | None = None
    for known, name in tokens.items():
        if hmac.compare_digest(given, known.encode()):
            found = name
    return found


def authenticate(secret: str | None, tokens: Mapping[str, str], what: str) -> str:
    """The token's name, or a 401 that says what is missing (never the secret)."""
    if not tokens:
        raise unauthorized(f"{what} are disabled: no tokens are configured (REPORTEDLY_TOKENS)")
    if not secret:
        raise unauthorized(f"{what} need an 'Authorization: Bearer <token>' header")
    name = token_name(secret, tokens)
    if name is None:
        raise unauthorized("the bearer token is not valid")
    return name


# ---- browsers ---------------------------------------------------------------------------
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def forbidden(message: str) -> HTTPException:
    return HTTPException(403, message)


def check_same_origin(method: str, headers: Mapping[str, str]) -> None:
    """A write carried by the cookie must come from one of this site's own pages.

    The SameSite cookie already stays home in current browsers; this refuses the rest
    (an old browser, a sibling subdomain): the ``Origin`` a browser sends with every
    script or form POST must name this host. Without one, it is not a page of ours.
    """
    if method.upper() not in UNSAFE_METHODS:
        return
    origin = headers.get("origin")
    if not origin or origin == "null":
        raise forbidden(
            "a write signed in by cookie must come from this site's own pages (no Origin "
            "header); API clients send 'Authorization: Bearer <token>'"
        )
    # Behind a proxy that rewrites Host, the public host comes as X-Forwarded-Host; a
    # page on another site cannot set either header without a CORS preflight we refuse.
    forwarded = headers.get("x-forwarded-host", "").split(",")[0].strip()
    hosts = {headers.get("host", "").lower(), forwarded.lower()}
    if urlsplit(origin).netloc.lower() not in hosts - {""}:
        raise forbidden(f"writes from another site ({origin}) are refused")
    if headers.get("sec-fetch-site") not in (None, "same-origin"):
        raise forbidden("writes from another site are refused")
