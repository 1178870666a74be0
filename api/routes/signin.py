"""Signing a browser in when reads are private: a form posts a token, a cookie keeps it.

With ``REPORTEDLY_READ_TOKENS`` set, API clients send ``Authorization: Bearer``; a
browser cannot, so the pages send it to ``/signin``, which checks the token and keeps it
in an HttpOnly, SameSite=Strict cookie that the page's own requests (figures, the live
stream, plotly.js) then carry. The token travels in a POST body, never in a URL, so no
access log ever holds it.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from api.auth import authenticate
from api.deps import READ_COOKIE as COOKIE
from api.deps import ServicesDep

router = APIRouter(tags=["pages"])


def safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def form(next_path: str, problem: str = "") -> str:
    note = f'<p role="alert" style="color:#b00">{escape(problem)}</p>' if problem else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign in — reportedly</title>
<style>body{{font:16px system-ui,sans-serif;max-width:28em;margin:4em auto}}
input{{font:inherit;padding:.4em;width:100%;box-sizing:border-box}}</style></head><body>
<h1>reportedly</h1><p>Reads on this server are private. Enter a read token.</p>{note}
<form method="post" action="/signin"><input type="hidden" name="next"
value="{escape(next_path, quote=True)}"><label>Token
<input type="password" name="token" autocomplete="current-password" autofocus></label>
<p><button type="submit">Sign in</button></p></form></body></html>"""


@router.get("/signin", response_class=HTMLResponse)
def signin_page(next: str | None = Query(default=None)) -> HTMLResponse:
    """The sign-in form for browsers when reads need a token."""
    return HTMLResponse(form(safe_next(next)))


@router.post("/signin", response_class=HTMLResponse)
async def signin(request: Request, services: ServicesDep) -> Response:
    """Check a read (or write) token from the form and keep it in a cookie."""
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (fields.get("token") or [""])[0]
    target = safe_next((fields.get("next") or ["/"])[0])
    settings = services.settings
    readers = {**settings.token_map("read_tokens"), **settings.token_map("tokens")}
    try:
        authenticate(token, readers, "reads")
    except HTTPException:
        return HTMLResponse(form(target, "That token is not valid."), status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )
    return response


@router.post("/signout")
def signout() -> Response:
    """Forget the browser's token."""
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(COOKIE)
    return response
