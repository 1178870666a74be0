"""Signing a browser in: a form posts a token, an HttpOnly cookie keeps it.

API clients send ``Authorization: Bearer``; a browser cannot, so ``/signin`` checks a
token (a write token, or a read token where reads are private) and keeps it in an
HttpOnly, SameSite=Strict cookie that the page's own requests then carry: reads (the
figures, the live stream) and, for a write token, the desk's forms. The token travels
in a POST body, never in a URL, so no access log ever holds it.

A write carried by the cookie is the same write as with the bearer header (same routes,
same rules, the token's name recorded as the writer), and must come from one of this
site's pages: ``writer`` checks its ``Origin`` (``api.auth.check_same_origin``).
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from api.auth import authenticate, check_same_origin, token_name
from api.deps import READ_COOKIE as COOKIE
from api.deps import ServicesDep
from api.desk.responses import page_responses
from api.desk.templating import Viewer, render
from api.services import Services

router = APIRouter(tags=["pages"])


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def viewer(request: Request, services: Services) -> Viewer:
    """Who the browser is signed in as (from its cookie), for the pages to show."""
    settings = services.settings
    writers = settings.token_map("tokens")
    secret = request.cookies.get(COOKIE)
    writer = token_name(secret, writers) if secret else None
    readers = settings.token_map("read_tokens")
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Viewer(
        writer=writer,
        signed_in=writer is not None or bool(secret and token_name(secret, readers)),
        writes_open=bool(writers) and not settings.read_only,
        signin_url=f"/signin?next={quote(here)}",
        here=here,
    )


def _page(request: Request, services: Services, next_path: str, problem: str = "") -> str:
    settings = services.settings
    return render(
        "signin.html.j2",
        viewer(request, services),
        next_path=next_path,
        problem=problem,
        private_reads=bool(settings.read_tokens.strip()),
        home_url="/",
    )


@router.get("/signin", response_class=HTMLResponse, responses=page_responses())
def signin_page(
    request: Request, services: ServicesDep, next: str | None = Query(default=None)
) -> HTMLResponse:
    """The sign-in form: a write token to write from the browser, or a read token."""
    return HTMLResponse(_page(request, services, safe_next(next)))


@router.post("/signin", response_class=HTMLResponse, responses=page_responses(303, 401, 403))
async def signin(request: Request, services: ServicesDep) -> Response:
    """Check a read or write token from the form and keep it in a cookie."""
    if request.headers.get("origin"):  # no signing a browser in from another site
        check_same_origin(request.method, request.headers)
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (fields.get("token") or [""])[0].strip()
    target = safe_next((fields.get("next") or ["/"])[0])
    settings = services.settings
    known = {**settings.token_map("read_tokens"), **settings.token_map("tokens")}
    try:
        authenticate(token, known, "sign-ins")
    except HTTPException:
        page = _page(request, services, target, "That token is not valid.")
        return HTMLResponse(page, status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.post("/signout", responses=page_responses(303))
def signout(next: str | None = Query(default=None)) -> Response:
    """Forget the browser's token."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="strict")
    return response
