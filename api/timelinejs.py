"""A story as a TimelineJS3 document: one slide per fact, as known at the asked time.

What a newsroom's TimelineJS shows a reader, in words: actors by name, meetings by title,
series by name (``projections.words``); dates with the precision the fact has ("July
2023", "July to October 2023" with a dash, "about October 2023"); each slide's sources with their
links and the outlet that relayed them; whether the fact is disputed (by whom, saying
what), corrected (and what it said before) or retracted (and why). A slide's group is
its meeting, else its series, so the rounds of the talks are rows of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from html import escape as _attribute
from itertools import pairwise
from typing import Any

from api.exporting import facts
from api.services import Services
from domain.clocks import published_instant
from domain.model import Source
from projections.views import AsOf, FactDetail, FactView, Filters
from projections.words import Names, fact_words

STORY_GROUP = "The story as a whole"


def escape(text: str) -> str:
    """A user string as text in a slide's HTML (quotes stay readable)."""
    return _attribute(text, quote=False)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
_EDTF_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_DASH = "\N{EN DASH}"


# ---- dates ------------------------------------------------------------------------------
def _plain_date(edtf_part: str) -> tuple[dict[str, int], list[str]] | None:
    """A TimelineJS date with only the precision the EDTF has, and its words (day, month,
    year). None for what TimelineJS cannot show as is (seasons, unspecified digits)."""
    match = _EDTF_DATE.match(edtf_part.strip("~?%"))
    if not match:
        return None
    year, month, day = match.groups()
    if month and not 1 <= int(month) <= 12:
        return None  # an EDTF season (21-24) or other code
    date: dict[str, int] = {"year": int(year)}
    words = [year]
    if month:
        date["month"] = int(month)
        words.insert(0, MONTHS[int(month) - 1])
    if day:
        date["day"] = int(day)
        words.insert(0, str(int(day)))
    return date, words


def _qualified(words: str, edtf_part: str) -> str:
    """``~`` approximate, ``?`` uncertain, ``%`` both, as a reader says them."""
    if "%" in edtf_part or ("~" in edtf_part and "?" in edtf_part):
        return f"about {words} (uncertain)"
    if "~" in edtf_part:
        return f"about {words}"
    if "?" in edtf_part:
        return f"{words} (uncertain)"
    return words


def _range_words(start: list[str], end: list[str]) -> tuple[str, str]:
    """The two ends of a range without what they share at the end: "July", "October 2023"."""
    if len(start) == len(end) and len(start) > 1 and start[-1] == end[-1]:
        shared = 2 if len(start) == 3 and start[-2] == end[-2] else 1
        return " ".join(start[:-shared]), " ".join(end)
    return " ".join(start), " ".join(end)


def _day(moment: datetime) -> dict[str, int]:
    return {"year": moment.year, "month": moment.month, "day": moment.day}


def dates(fact: FactView) -> dict[str, Any]:
    """``start_date``, ``end_date`` and ``display_date`` of a fact's slide."""
    start_text, slash, end_text = fact.occurred.partition("/")
    start = _plain_date(start_text)
    end = _plain_date(end_text) if slash and end_text not in ("", "..") else None
    if start is None or (slash and end is None):
        # Not plain dates: the interval the EDTF stands for, day by day, shown as written.
        return {
            "start_date": _day(fact.occurred_earliest),
            "end_date": _day(fact.occurred_latest - timedelta(days=1)),
            "display_date": fact.occurred,
        }
    shown: dict[str, Any] = {"start_date": start[0]}
    if end is None:
        shown["display_date"] = _qualified(" ".join(start[1]), start_text)
        return shown
    shown["end_date"] = end[0]
    first, last = _range_words(start[1], end[1])
    qualified = any(mark in start_text for mark in "~?%")
    if qualified:  # the start's qualifier needs its own words, which must then be whole
        first = _qualified(" ".join(start[1]), start_text)
    shown["display_date"] = f"{first} {_DASH} {_qualified(last, end_text)}"
    return shown


# ---- words ------------------------------------------------------------------------------
def _on(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def _named(source: Source) -> str:
    name = escape(source.name)
    if source.url:
        name = f'<a href="{_attribute(source.url)}" target="_blank" rel="noopener">{name}</a>'
    if source.title:
        name += f", “{escape(source.title)}”"
    return f"{name} ({_on(published_instant(source.published))})"


def sources_html(sources: Iterable[Source]) -> str:
    """Each source with its link and date, and the outlet that relayed it."""
    said = []
    for source in sources:
        text = _named(source)
        if source.via is not None:
            text += f", relayed by {_named(source.via)}"
        said.append(text)
    return "; ".join(said)


def _lifecycle_html(detail: FactDetail, names: Names) -> list[str]:
    """What became of the fact: disputes, corrections (with the earlier words), retraction."""
    parts = []
    for entry in detail.lifecycle:
        who = escape(entry.source.name) if entry.source else "a source"
        when = _on(entry.reported_at)
        if entry.event == "disputed":
            note = f": “{escape(entry.note)}”" if entry.note else ""
            parts.append(f"<p><strong>Disputed</strong> by {who} on {when}{note}</p>")
        elif entry.event == "retracted":
            reason = f": {escape(entry.reason)}" if entry.reason else ""
            parts.append(f"<p><strong>Retracted</strong> by {who} on {when}{reason}</p>")
    versions = detail.versions
    for earlier, later in pairwise(versions):
        who = escape(later.source.name) if later.source else "a source"
        was = escape(fact_words(detail.kind, earlier.content, names, detail.id))
        parts.append(
            f"<p><strong>Corrected</strong> by {who} on {_on(later.reported_at)}; "
            f"it said before: {was}</p>"
        )
    return parts


def _body(fact: FactView, names: Names, detail: FactDetail | None) -> str:
    parts = _lifecycle_html(detail, names) if detail is not None else []
    fields = fact.fields()
    if fact.kind == "meeting_held" and fields.get("place"):
        parts.append(f"<p>Place: {escape(str(fields['place']))}</p>")
    if fact.kind == "statement_made" and fields.get("text") != fact.quote:
        lang = f' lang="{_attribute(str(fields["language"]))}"' if fields.get("language") else ""
        parts.append(f"<blockquote{lang}>{escape(str(fields.get('text', '')))}</blockquote>")
    if fact.quote:
        lang = f' lang="{_attribute(fact.quote_language)}"' if fact.quote_language else ""
        parts.append(f"<blockquote{lang}>{escape(fact.quote)}</blockquote>")
    if fact.note:
        parts.append(f"<p>{escape(fact.note)}</p>")
    parts.append(f"<p>Reported by {sources_html(fact.sources)}. Certainty: {fact.certainty}.</p>")
    return "".join(parts)


def _group(fact: FactView, names: Names) -> str:
    if fact.kind == "meeting_held":
        return str(fact.fields().get("title") or fact.id)
    return names.where(fact.fields()) or STORY_GROUP


def _headline(fact: FactView, names: Names) -> str:
    if fact.kind == "meeting_held":  # its place is said in the slide's text
        return str(fact.fields().get("title") or fact.id)
    return fact_words(fact.kind, fact.fields(), names, fact.id)


def slide(fact: FactView, names: Names, detail: FactDetail | None = None) -> dict[str, Any]:
    """One fact's slide; ``detail``: its lifecycle, for a disputed, corrected or retracted one."""
    headline = escape(_headline(fact, names))
    if fact.status == "retracted":
        headline = f"<s>{headline}</s> (retracted)"
    elif fact.disputed:
        headline += " (disputed)"
    elif fact.status == "corrected":
        headline += " (corrected)"
    return {
        "unique_id": fact.id,
        "group": _group(fact, names),
        "text": {"headline": headline, "text": _body(fact, names, detail)},
        **dates(fact),
    }


def timelinejs(services: Services, story: str, as_of: AsOf, filters: Filters) -> dict[str, Any]:
    """The story as a TimelineJS3 JSON document (one slide per fact)."""
    about = services.read.story(story)
    shown = list(facts(services, story, as_of, filters))
    meetings = facts(services, story, as_of, Filters(kind=("meeting_held",)))
    names = Names.of(meetings, services.read.actors())
    acted_on = (f for f in shown if f.disputed or f.status != "active")
    details = {f.id: services.read.fact(story, f.id, as_of) for f in acted_on}
    title = {"text": {"headline": escape(about.title), "text": escape(about.description or "")}}
    return {"title": title, "events": [slide(f, names, details.get(f.id)) for f in shown]}
