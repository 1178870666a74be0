"""The desk's Jinja2 environment: its own templates, then the timeline's (the shared base).

Autoescaping is on, so every user string is escaped in text and in attribute values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

ENV = Environment(
    loader=ChoiceLoader([PackageLoader("api.desk", "templates"),
                         PackageLoader("api.timeline", "templates")]),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)  # fmt: skip


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the signed-in writer's name, if any, and where to sign in."""

    writer: str | None = None  # the name of the write token in the browser's cookie
    signed_in: bool = False  # any token in the cookie, a read token included
    writes_open: bool = True  # write tokens are configured and the server takes writes
    signin_url: str = "/signin"
    signout_url: str = "/signout"
    here: str = "/"  # the page, to come back to after signing in

    @property
    def can_write(self) -> bool:
        return self.writer is not None and self.writes_open


OFFLINE = Viewer(writes_open=False)  # a standalone file: no server to write to


def _css() -> Markup:
    """The desk's style sheet, inlined in each page's ``<style>`` (``<`` never occurs)."""
    return Markup(static_text("desk.css").replace("<", ""))


def render(template: str, viewer: Viewer, **context: Any) -> str:
    return ENV.get_template(template).render(viewer=viewer, **context)


@lru_cache(maxsize=4)
def static_text(name: str) -> str:
    return files("api.desk").joinpath(f"static/{name}").read_text(encoding="utf-8")


ENV.globals["desk_css"] = _css()
