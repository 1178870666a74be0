"""Text that goes into figures: escaped, wrapped, and kept short.

plotly renders a subset of HTML in hover text, titles and tick labels, so every user
string is escaped (``& < >``) before it enters a figure; the only markup in a figure is
the ``<b>`` and ``<br>`` written here.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from domain.model import Actor
from projections.timeline.items import Places, kind_label
from projections.views import FactView

QUOTE_LIMIT = 200
WRAP = 72
SOURCES_SHOWN = 3
TICK_WRAP = 24  # characters a line of a lane label
LABEL_LIMIT = 32  # characters of a label drawn on a mark


def esc(text: object) -> str:
    """Escape a user string for plotly's pseudo-HTML (quotes stay readable)."""
    return html.escape(str(text), quote=False)


# Stories repeat their names many times over.
@lru_cache(maxsize=16384)
def wrapped(text: str, width: int = WRAP) -> str:
    """Escaped and broken into lines for a hover label."""
    return "<br>".join(esc(line) for line in lines_of(text, width))


def lines_of(text: str, width: int) -> list[str]:
    """Words in lines of at most ``width`` characters (a longer word has a line of its
    own): the greedy fill ``textwrap.wrap`` makes of plain text, at a fraction of its
    cost, which a big story's hover labels paid for every fact."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def day(moment: datetime) -> str:
    return moment.date().isoformat()


def occurred_text(view: FactView) -> str:
    precision = view.precision.value
    if precision == "interval":
        last = (view.occurred_latest - timedelta(days=1)).date().isoformat()
        return f"{view.occurred} (between {day(view.occurred_earliest)} and {last})"
    return f"{view.occurred} ({precision})"


def lag_text(view: FactView) -> str:
    """Disclosure lag: reported minus occurred; a range when the date is not a day."""
    shortest = (view.reported_at - view.occurred_latest).days + 1
    longest = (view.reported_at - view.occurred_earliest).days
    if shortest >= longest:
        return f"{_days(longest)}"
    return f"{_days(max(shortest, 0))} to {_days(longest)}"


def _days(n: int) -> str:
    months = f" (~{n / 30.44:.1f} months)" if n >= 60 else ""
    return f"{n} day{'s' if n != 1 else ''}{months}"


def hover(view: FactView, actors: Mapping[str, Actor], places: Places) -> str:
    """The fact, its sources with dates, and the quote in its own language."""
    lines = [f"<b>{wrapped(places.said(view, actors))}</b>"]
    lines.append(f"{esc(kind_label(view.kind))} · occurred {esc(occurred_text(view))}")
    state = [f"certainty: {view.certainty.value}"]
    if view.status.value != "active":
        state.append(view.status.value.upper())
    if view.disputed:
        state.append("DISPUTED")
    lines.append(f"reported {day(view.reported_at)} · " + " · ".join(state))
    cited = sorted(view.sources, key=lambda s: s.published_at)
    for source in cited[:SOURCES_SHOWN]:
        language = f", {source.language}" if source.language else ""
        lines.append(f"source: {esc(source.name)}, {day(source.published_at)}{esc(language)}")
    if len(cited) > SOURCES_SHOWN:
        lines.append(f"and {len(cited) - SOURCES_SHOWN} more source(s)")
    if view.quote:
        language = f" [{view.quote_language}]" if view.quote_language else ""
        quote = shortened(view.quote, QUOTE_LIMIT)
        lines.append(f"<i>“{wrapped(quote)}”</i>{esc(language)}")
    return "<br>".join(lines)


def lag_hover(view: FactView, actors: Mapping[str, Actor], places: Places) -> str:
    return "<br>".join(
        (
            f"<b>{wrapped(places.said(view, actors))}</b>",
            f"occurred {esc(occurred_text(view))}",
            f"reported {day(view.reported_at)}",
            f"disclosure lag: {lag_text(view)}",
        )
    )


def tick(label: str, width: int = TICK_WRAP) -> str:
    """A lane label: escaped and wrapped on word boundaries, never cut."""
    return "<br>".join(esc(p) for p in textwrap.wrap(label, width, break_on_hyphens=False) or [""])


def tick_lines(label: str, width: int = TICK_WRAP) -> int:
    return len(textwrap.wrap(label, width, break_on_hyphens=False)) or 1


def mark_label(view: FactView, actors: Mapping[str, Actor], places: Places) -> str:
    """A short label drawn on a fact's mark: who, or what in a few words (plain text)."""
    f = view.fields()
    if f.get("actor"):
        name = actors[str(f["actor"])].name if str(f["actor"]) in actors else str(f["actor"])
        return shortened(name, LABEL_LIMIT)
    match view.kind:
        case "meeting_held":  # its lane names it: say where
            return words_upto(f"held in {f['place']}" if f.get("place") else "held", LABEL_LIMIT)
        case "topic_discussed":
            return words_upto(str(f.get("topic") or ""), LABEL_LIMIT)
        case "statement_made":
            return words_upto(str(f.get("speaker") or "a statement"), LABEL_LIMIT)
        case "claim":
            return words_upto(str(f.get("subject") or ""), LABEL_LIMIT)
    return words_upto(places.said(view, actors), LABEL_LIMIT)


def words_upto(text: str, limit: int) -> str:
    """The text, or as many of its first words as fit in ``limit`` characters, and "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:(")
    return (cut or text[: limit - 1]) + "…"
