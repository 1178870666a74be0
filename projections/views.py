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


LATEST = AsOf()  # "now" on every clock (a frozen default for signatures)
NO_FILTERS = Filters()


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


class ClockName(StrEnum):
    reported = "reported"  # when the public could know (sources' publication)
    recorded = "recorded"  # when this store appended it


class ActorRef(BaseModel):
    """An actor as a picture names it: id, display name and side (its country)."""

    id: str
    name: str
    country: str | None = None
    fact_id: str  # the fact that puts the actor here
    certainty: Certainty


class Participant(ActorRef):
    role: str


class Statement(BaseModel):
    fact_id: str
    actor: str | None = None  # a registered actor, or
    speaker: str | None = None  # a description such as "an anonymous participant"
    text: str
    language: str | None = None
    quote: str | None = None
    quote_language: str | None = None
    occurred: str
    reported_at: datetime
    certainty: Certainty
    meeting: str | None = None


class Disclosure(BaseModel):
    fact_id: str
    actor: str | None = None  # the outlet
    actor_name: str | None = None
    headline: str
    published: datetime  # when it became public: the disclosure fact's reported_at
    meeting: str | None = None  # None: it discloses the story as a whole


class DisclosureLag(BaseModel):
    """Reported minus occurred, in whole days; a range when occurred is not day-precise."""

    min_days: int
    max_days: int
    exact: bool  # min_days == max_days because the date is precise to the day


class MeetingPicture(BaseModel):
    id: str
    title: str
    place: str | None = None
    occurred: str
    precision: Precision
    occurred_earliest: datetime
    occurred_latest: datetime  # exclusive
    occurred_by: OccurredBy | None = None
    status: Status
    certainty: Certainty
    reported_at: datetime
    first_reported_by: Source
    participants: list[Participant] = []
    participants_by_role: dict[str, list[str]] = {}  # role -> actor ids
    participants_by_side: dict[str, list[str]] = {}  # country code ("unknown") -> actor ids
    absentees: list[ActorRef] = []
    briefed: list[ActorRef] = []
    topics: list[str] = []
    statements: list[Statement] = []  # naming this meeting, or no meeting (the whole story)
    disclosures: list[Disclosure] = []  # likewise
    disclosed_by: str | None = None  # who first made it public (outlet or first source)
    disclosed_at: datetime | None = None
    disclosure_lag: DisclosureLag | None = None


class ActorMeeting(BaseModel):
    meeting: str
    title: str
    role: str  # participant | delegate | mediator | observer | host | absent | briefed


class ActorPicture(BaseModel):
    id: str
    name: str
    kind: str
    country: str | None = None
    labels: dict[str, str] = {}
    meetings: list[ActorMeeting] = []
    statements: list[str] = []  # fact ids
    facts: int = 0  # facts naming this actor in the picture


class Attribution(BaseModel):
    """Who reported a fact first, and who corroborated it (as of the asked time)."""

    fact_id: str
    kind: str
    reported_at: datetime
    first_reported_by: Source
    corroborated_by: list[Source] = []


class CounterClaim(BaseModel):
    source: Source
    note: str
    reported_at: datetime


class DisputedFact(BaseModel):
    """Both claims stand, each with its attribution."""

    fact: FactView
    claimed_by: Source
    disputed_by: list[CounterClaim]


class SourceUse(BaseModel):
    name: str
    published: datetime
    url: str | None = None
    title: str | None = None
    facts: int  # facts in the picture citing it


class Counts(BaseModel):
    facts: int = 0  # every fact known as of the asked time, retracted ones included
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    meetings: int = 0
    participants: int = 0
    absentees: int = 0
    briefed: int = 0
    topics: int = 0
    statements: int = 0
    disclosures: int = 0
    actors: int = 0
    sources: int = 0
    corroborated: int = 0
    disputed: int = 0
    corrected: int = 0
    retracted: int = 0


class Picture(BaseModel):
    """The story as it stood at the asked time on each clock."""

    story: str
    title: str
    as_of: AsOf
    filters: Filters
    meetings: list[MeetingPicture] = []
    actors: list[ActorPicture] = []
    statements: list[Statement] = []  # all statements, those tied to no meeting included
    disclosures: list[Disclosure] = []
    attributions: list[Attribution] = []
    disputed: list[DisputedFact] = []
    retracted: list[str] = []  # fact ids: counted, but left out of meetings and participants
    sources: list[SourceUse] = []
    counts: Counts = Counts()


class Change(LifecycleEntry):
    """One thing that became known in the window, with the fact as known at its end."""

    fact_id: str
    at: datetime  # the change's time on the asked clock
    fact: FactView


class Changes(BaseModel):
    """What became known in (start, end] on one clock."""

    story: str
    clock: ClockName
    start: datetime
    end: datetime
    added: list[Change] = []
    corroborated: list[Change] = []
    disputed: list[Change] = []
    corrected: list[Change] = []
    retracted: list[Change] = []
