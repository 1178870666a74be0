"""What reads return: the shapes shared by the read models, the API and the charts."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from domain.clocks import Precision
from domain.events import Status
from domain.model import Certainty, Source, Story


def rfc3339(moment: datetime) -> str:
    """An instant as every response, export and stream writes it: RFC 3339, UTC, ``Z``.

    Microseconds only when there are some (``2024-01-11T00:00:00Z``); a naive instant is
    taken as UTC, like every instant the read side stores."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


Instant = Annotated[datetime, PlainSerializer(rfc3339, return_type=str, when_used="json")]
"""A datetime field written by ``rfc3339`` in JSON."""


class AsOf(BaseModel):
    """The clocks a read is asked on; None means "now" on that clock."""

    model_config = ConfigDict(frozen=True)

    known_at: Instant | None = None  # reported clock: what the public could know by then
    recorded_at: Instant | None = None  # recorded clock: what this store held by then
    occurred_until: Instant | None = None  # occurred clock: what had happened by then


class Filters(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: tuple[str, ...] = ()
    actor: str | None = None
    meeting: str | None = None  # a meeting id or a series: facts naming it, meetings of it

    def admits(self, view: FactView) -> bool:
        """Whether the fact passes the filters (``select_facts`` asks the same in SQL)."""
        fields = view.fields()
        if self.kind and view.kind not in self.kind:
            return False
        if self.actor and fields.get("actor") != self.actor:
            return False
        return not self.meeting or self.meeting in (view.meeting_named(), view.series_named())


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
    occurred_earliest: Instant
    occurred_latest: Instant  # exclusive
    precision: Precision
    reported_at: Instant
    recorded_at: Instant
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

    def meeting_named(self) -> str | None:
        """The meeting the fact is about: a ``meeting_held``'s own meeting id, else the
        meeting it names, if any."""
        meeting = (self.model_extra or {}).get("meeting")
        return str(meeting) if meeting else None

    def series_named(self) -> str | None:
        """The series (set of talks) a meeting belongs to, or a fact names as a whole."""
        series = (self.model_extra or {}).get("series")
        return str(series) if series else None


class FactPage(BaseModel):
    items: list[FactView]
    next: str | None = None  # opaque cursor for the next page; None on the last page


class LifecycleEntry(BaseModel):
    """One event in a fact's life, with the clocks it was reported and recorded on."""

    event: str  # reported | corroborated | disputed | corrected | retracted
    position: int
    recorded_at: Instant
    reported_at: Instant  # the acting source's publication instant
    writer: str
    # An imported event: when the store it came from first recorded it.
    origin_recorded_at: Instant | None = None
    source: Source | None = None
    note: str | None = None
    reason: str | None = None
    changes: dict[str, Any] | None = None


class FactVersion(BaseModel):
    """One version of a fact: the original report, then each correction."""

    version: int
    reported_at: Instant  # from when this version was public
    recorded_at: Instant  # when this store appended it
    source: Source | None = None  # the source that made it public (the report's first)
    content: dict[str, Any]  # the fact's whole content as of this version


class FactDetail(FactView):
    lifecycle: list[LifecycleEntry] = []
    versions: list[FactVersion] = []  # oldest first, as counted at the asked time


class LogEntry(BaseModel):
    """One stored event of a story, as exported and streamed."""

    position: int
    story: str
    event: str  # story_created | actor_registered | reported | corroborated | ...
    fact_id: str | None = None
    kind: str | None = None
    recorded_at: Instant
    reported_at: Instant | None = None
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
    # The country or party the participant represents there: the fact's ``side``, else
    # the actor's country (None: unknown).
    side: str | None = None


class Statement(BaseModel):
    fact_id: str
    actor: str | None = None  # a registered actor, or
    speaker: str | None = None  # a description such as "an anonymous participant"
    text: str
    language: str | None = None
    quote: str | None = None
    quote_language: str | None = None
    occurred: str
    reported_at: Instant
    certainty: Certainty
    meeting: str | None = None
    series: str | None = None  # said of a whole series; neither: of the story as a whole


class Disclosure(BaseModel):
    fact_id: str
    actor: str | None = None  # the outlet
    actor_name: str | None = None
    headline: str
    published: Instant  # when it became public: the disclosure fact's reported_at
    meeting: str | None = None
    series: str | None = None  # neither meeting nor series: it discloses the story as a whole


class DisclosureLag(BaseModel):
    """Reported minus occurred, in whole days; a range when occurred is not day-precise."""

    min_days: int
    max_days: int
    exact: bool  # min_days == max_days because the date is precise to the day


class MeetingPicture(BaseModel):
    """One meeting, keyed by its meeting id, with what is said of it (not of its series or
    of the story as a whole: those are said once, in the series and the picture)."""

    id: str  # the meeting id, which other facts name in their ``meeting``
    fact_id: str  # its ``meeting_held`` fact
    series: str | None = None
    title: str
    place: str | None = None
    occurred: str
    precision: Precision
    occurred_earliest: Instant
    occurred_latest: Instant  # exclusive
    occurred_by: OccurredBy | None = None
    status: Status
    certainty: Certainty
    reported_at: Instant
    # Its disclosure: the first public report of the meeting, i.e. the earliest source
    # of its meeting_held fact (corroborations included), and the lag counted to it.
    first_reported_by: Source
    first_reported_at: Instant
    disclosure_lag: DisclosureLag | None = None
    disclosed_by: str | None = None  # first_reported_by's name (kept for older clients)
    disclosed_at: Instant | None = None  # first_reported_at (likewise)
    disclosures: list[Disclosure] = []  # the outlets' articles naming this meeting
    participants: list[Participant] = []
    participants_by_role: dict[str, list[str]] = {}  # role -> actor ids
    participants_by_side: dict[str, list[str]] = {}  # side ("unknown") -> actor ids
    absentees: list[ActorRef] = []
    briefed: list[ActorRef] = []
    topics: list[str] = []
    statements: list[Statement] = []  # naming this meeting


class SeriesPicture(BaseModel):
    """A series (the rounds of one set of talks) and what is said of it as a whole."""

    id: str
    rounds: list[str] = []  # meeting ids, by when they occurred
    participants: list[Participant] = []
    participants_by_role: dict[str, list[str]] = {}
    participants_by_side: dict[str, list[str]] = {}
    absentees: list[ActorRef] = []
    briefed: list[ActorRef] = []
    topics: list[str] = []
    statements: list[Statement] = []
    disclosures: list[Disclosure] = []


class ActorMeeting(BaseModel):
    meeting: str
    title: str
    role: str  # participant | delegate | mediator | observer | host | absent | briefed


class ActorSeries(BaseModel):
    series: str
    role: str  # as in ActorMeeting: at the talks as a whole, round unsaid


class ActorPicture(BaseModel):
    id: str
    name: str
    kind: str
    country: str | None = None
    labels: dict[str, str] = {}
    meetings: list[ActorMeeting] = []
    series: list[ActorSeries] = []
    statements: list[str] = []  # fact ids
    facts: int = 0  # facts naming this actor in the picture


class Attribution(BaseModel):
    """Who reported a fact first, and who corroborated it (as of the asked time)."""

    fact_id: str
    kind: str
    reported_at: Instant
    first_reported_by: Source
    corroborated_by: list[Source] = []


class CounterClaim(BaseModel):
    source: Source
    note: str
    reported_at: Instant


class DisputedFact(BaseModel):
    """Both claims stand, each with its attribution."""

    fact: FactView
    claimed_by: Source
    disputed_by: list[CounterClaim]


class SourceUse(BaseModel):
    name: str
    published: Instant
    url: str | None = None
    title: str | None = None
    facts: int  # facts in the picture citing it


class Counts(BaseModel):
    facts: int = 0  # every fact known as of the asked time, retracted ones included
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    meetings: int = 0
    series: int = 0
    participants: int = 0  # in meetings and series
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
    series: list[SeriesPicture] = []
    actors: list[ActorPicture] = []
    # Every statement and disclosure, each naming its meeting or series if any: those
    # naming neither are said of the story as a whole and appear here only.
    statements: list[Statement] = []
    disclosures: list[Disclosure] = []
    attributions: list[Attribution] = []
    disputed: list[DisputedFact] = []
    retracted: list[str] = []  # fact ids: counted, but left out of meetings and participants
    sources: list[SourceUse] = []
    counts: Counts = Counts()


class Change(LifecycleEntry):
    """One thing that became known in the window, with the fact as known at its end."""

    fact_id: str
    at: Instant  # the change's time on the asked clock
    fact: FactView


class Changes(BaseModel):
    """What became known from start through end, both included, on one clock."""

    story: str
    clock: ClockName
    start: Instant
    end: Instant
    added: list[Change] = []
    corroborated: list[Change] = []
    disputed: list[Change] = []
    corrected: list[Change] = []
    retracted: list[Change] = []


class StorySummary(BaseModel):
    """A story in the list of stories: how many facts it holds now, its span, its last
    change (when this store last recorded something of it)."""

    story: Story
    facts: int
    retracted: int
    first: str | None  # where the earliest-starting fact starts, its ``occurred`` as written
    last: str | None  # where the latest-ending fact ends
    changed: Instant
