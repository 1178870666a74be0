"""What reads return: the shapes shared by the read models, the API and the charts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.clocks import Precision
from domain.events import Status
from domain.model import Certainty, Source


class AsOf(BaseModel):
    """The clocks a read is asked on; None means "now" on that clock."""

    model_config = ConfigDict(frozen=True)

    known_at: datetime | None = None  # reported clock: what the public could know by then
    recorded_at: datetime | None = None  # recorded clock: what this store held by then
    occurred_until: datetime | None = None  # occurred clock: what had happened by then


class Filters(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: tuple[str, ...] = ()
    actor: str | None = None
    meeting: str | None = None


class OccurredBy(StrEnum):
    surely = "surely"  # its whole interval ends by occurred_until
    possibly = "possibly"  # it starts by then but may end later


class FactView(BaseModel):
    """One fact as known at the asked time; its kind's own fields follow as extras."""

    model_config = ConfigDict(extra="allow")

    id: str
    story: str
    kind: str
    occurred: str
    occurred_earliest: datetime
    occurred_latest: datetime  # exclusive
    precision: Precision
    reported_at: datetime
    recorded_at: datetime
    status: Status
    certainty: Certainty
    sources: list[Source]
    disputed: bool = False
    quote: str | None = None
    quote_language: str | None = None
    note: str | None = None
    occurred_by: OccurredBy | None = None
    version: int = 1
    position: int = Field(description="position of the fact's first event in the log")

    def fields(self) -> dict[str, Any]:
        """The kind's own fields (meeting, actor, role, title, ...)."""
        return dict(self.model_extra or {})


class FactPage(BaseModel):
    items: list[FactView]
    next: str | None = None  # opaque cursor for the next page; None on the last page


class LifecycleEntry(BaseModel):
    """One event in a fact's life, with the clocks it was reported and recorded on."""

    event: str  # reported | corroborated | disputed | corrected | retracted
    position: int
    recorded_at: datetime
    reported_at: datetime  # the acting source's publication instant
    writer: str
    source: Source | None = None
    note: str | None = None
    reason: str | None = None
    changes: dict[str, Any] | None = None


class FactDetail(FactView):
    lifecycle: list[LifecycleEntry] = []


class LogEntry(BaseModel):
    """One stored event of a story, as exported and streamed."""

    position: int
    story: str
    event: str  # story_created | actor_registered | reported | corroborated | ...
    fact_id: str | None = None
    kind: str | None = None
    recorded_at: datetime
    reported_at: datetime | None = None
    writer: str
    data: dict[str, Any]
