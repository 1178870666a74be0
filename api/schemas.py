"""What the HTTP API takes and answers, apart from the domain, with Geneva examples.

Request bodies are the domain's own models (validated at the door); this module adds the
acknowledgements, error bodies and the examples shown at ``/docs``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from projections.views import FactDetail, FactView, Instant

FT = {"name": "Financial Times", "published": "2024-01-11", "language": "en"}
RELAY = {
    "name": "French-language relay of the FT report on the Geneva talks",
    "published": "2024-01-12",
    "language": "fr",
}
WHEN = "2024-01-11T09:30:00Z"


def _examples(*values: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": list(values)})


# ---- acknowledgements -----------------------------------------------------------------
class Ack(BaseModel):
    """What a write did; ``position`` is the event's place in the log."""

    model_config = _examples({"id": "openai", "position": 1, "recorded_at": WHEN})

    id: str
    position: int | None = Field(description="the event's position in the log (null if unknown)")
    recorded_at: Instant = Field(description="when this store appended it (recorded clock)")


class FactCreated(BaseModel):
    """A fact appended (201) or already stored with the same content (200)."""

    model_config = _examples(
        {
            "id": "geneva-2023-07",
            "story": "geneva-ai-talks",
            "position": 15,
            "recorded_at": WHEN,
        }
    )

    id: str
    story: str
    position: int | None = Field(description="the fact's first event's position in the log")
    recorded_at: Instant


class LifecycleRecorded(BaseModel):
    """A lifecycle event appended to a fact."""

    model_config = _examples(
        {
            "id": "geneva-2023-07",
            "story": "geneva-ai-talks",
            "event": "corroborated",
            "position": 61,
            "recorded_at": WHEN,
        }
    )

    id: str = Field(description="the fact's id")
    story: str
    event: Literal["corroborated", "disputed", "corrected", "retracted"]
    position: int | None
    recorded_at: Instant


FACT_VIEW_EXAMPLE: dict[str, Any] = {
    "id": "geneva-2023-07",
    "story": "geneva-ai-talks",
    "kind": "meeting_held",
    "occurred": "2023-07",
    "occurred_earliest": "2023-07-01T00:00:00Z",
    "occurred_latest": "2023-08-01T00:00:00Z",
    "precision": "month",
    "reported_at": "2024-01-11T00:00:00Z",
    "recorded_at": WHEN,
    "status": "active",
    "certainty": "reported",
    "sources": [FT],
    "disputed": False,
    "quote": "Ces rassemblements, qui ont eu lieu en juillet et en octobre 2023",
    "quote_language": "fr",
    "occurred_by": None,
    "version": 1,
    "position": 15,
    "meeting": "geneva-2023-07",
    "title": "US\u2013China AI-safety talks in Geneva, first round (July 2023)",
    "place": "Geneva, Switzerland",
}
LIFECYCLE_EXAMPLE: list[dict[str, Any]] = [
    {"event": "reported", "position": 15, "recorded_at": WHEN,
     "reported_at": "2024-01-11T00:00:00Z", "writer": "alice", "source": FT},
    {"event": "corroborated", "position": 55, "recorded_at": "2024-01-12T08:00:00Z",
     "reported_at": "2024-01-12T00:00:00Z", "writer": "bob", "source": RELAY},
]  # fmt: skip


class FactsPage(BaseModel):
    """One page of facts; pass ``next`` back as ``cursor`` for the following page."""

    model_config = _examples(
        {
            "items": [FACT_VIEW_EXAMPLE],
            "next": "WzE2ODgxNjk2MDAwMDAwMDAsImdlbmV2YS0yMDIzLTA3Il0",
            "next_url": "/stories/geneva-ai-talks/facts?limit=1&cursor="
            "WzE2ODgxNjk2MDAwMDAwMDAsImdlbmV2YS0yMDIzLTA3Il0",
        }
    )

    items: list[FactView]
    next: str | None = Field(None, description="opaque cursor of the next page; null on the last")
    next_url: str | None = Field(None, description="the next page's URL, same parameters")


VERSIONS_EXAMPLE: list[dict[str, Any]] = [
    {"version": 1, "reported_at": "2024-01-11T00:00:00Z", "recorded_at": WHEN, "source": FT,
     "content": {k: FACT_VIEW_EXAMPLE[k] for k in ("id", "kind", "occurred", "title", "place")}
     | {"meeting": "geneva-2023-07", "sources": [FT], "certainty": "reported"}},
]  # fmt: skip


class FactWithLifecycle(FactDetail):
    """One fact as known at the asked time, with every event of its life and each of its
    versions (oldest first: what it said, from when, on whose word)."""

    model_config = _examples(
        FACT_VIEW_EXAMPLE | {"lifecycle": LIFECYCLE_EXAMPLE, "versions": VERSIONS_EXAMPLE}
    )


class ImportReport(BaseModel):
    """What an import appended; a re-run appends nothing."""

    model_config = _examples(
        {
            "story": "geneva-ai-talks",
            "lines": 61,
            "appended": 60,
            "unchanged": 1,
            "last_position": 75,
        }
    )

    story: str
    lines: int = Field(description="non-empty lines read")
    appended: int = Field(description="events appended")
    unchanged: int = Field(description="lines already in the store, skipped")
    last_position: int | None = Field(description="the last appended event's position")


class Health(BaseModel):
    status: Literal["ok"]
    store: str = Field(description="memory, sqlite or postgresql")
    last_position: int = Field(description="the read models' last projected log position")


# ---- errors ---------------------------------------------------------------------------
class ProblemOut(BaseModel):
    """One problem: which field and why, in plain words; one problem a field."""

    field: str | None = Field(description="the offending field, dotted, e.g. sources.0.published")
    loc: list[str | int] = Field(description="full location: body|query|path, then the field")
    message: str = Field(
        description="why, in plain words, e.g. 'must be a language code such as fr or en'"
    )
    line: int | None = Field(None, description="line of an NDJSON import (from 1)")
    entry: int | None = Field(None, description="index in a batch of facts (from 0)")


class ErrorBody(BaseModel):
    model_config = _examples(
        {
            "error": "invalid",
            "message": "invalid request: known_at: not an ISO 8601 date",
            "problems": [
                {
                    "field": "known_at",
                    "loc": ["query", "known_at"],
                    "message": "'yesterday' is not an ISO 8601 date or date-time",
                }
            ],
        }
    )

    error: str = Field(description="not_found, conflict, invalid, unauthorized, too_large, ...")
    message: str
    problems: list[ProblemOut] = []


def example(value: Any) -> dict[int | str, dict[str, Any]]:
    """An OpenAPI ``responses`` entry showing an example 200 body."""
    return {200: {"content": {"application/json": {"example": value}}}}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses."""
    text = {
        401: "no or bad bearer token",
        404: "unknown story, fact or actor",
        409: "the same id with other content",
        413: "body larger than the configured limit",
        422: "invalid input: each problem names its field and why",
    }
    return {s: {"model": ErrorBody, "description": text.get(s, "error")} for s in statuses}


# ---- request examples (for /docs) ------------------------------------------------------
STORY_EXAMPLE = {
    "id": "geneva-ai-talks",
    "title": "Confidential US\u2013China AI-safety talks in Geneva (2023)",
    "description": "Talks held in July and October 2023, first disclosed by the FT on 2024-01-11.",
}
ACTOR_EXAMPLE = {"id": "openai", "name": "OpenAI", "kind": "company", "country": "US"}
FACT_EXAMPLES: dict[str, dict[str, Any]] = {
    "meeting": {
        "summary": "The first Geneva round (month precision)",
        "value": {
            "id": "geneva-2023-07",
            "kind": "meeting_held",
            "occurred": "2023-07",
            "title": "US\u2013China AI-safety talks in Geneva, first round (July 2023)",
            "place": "Geneva, Switzerland",
            "sources": [FT],
            "certainty": "reported",
            "quote": "Ces rassemblements, qui ont eu lieu en juillet et en octobre 2023",
            "quote_language": "fr",
        },
    },
    "participant": {
        "summary": "OpenAI took part in the first round",
        "value": {
            "id": "geneva-2023-07-joined-openai",
            "kind": "participant_joined",
            "occurred": "2023-07",
            "meeting": "geneva-2023-07",
            "actor": "openai",
            "role": "participant",
            "sources": [FT],
        },
    },
}
CORROBORATION_EXAMPLE = {"source": RELAY}
DISPUTE_EXAMPLE = {
    "source": RELAY,
    "note": "The relay dates the first round to June 2023, not July.",
}
CORRECTION_EXAMPLE = {"changes": {"place": "Geneva, Switzerland"}, "source": RELAY}
RETRACTION_EXAMPLE = {"source": RELAY, "reason": "The relay withdrew its account of this round."}
