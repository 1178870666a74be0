"""What users write: stories, actors, sources and the fact catalogue (pydantic models).

Each fact kind is a model with its own fields; ``Fact`` is their union, discriminated on
``kind``. Unknown fields are rejected everywhere.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, model_validator

from domain.clocks import EDTF, published_instant

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Certainty(StrEnum):
    confirmed = "confirmed"
    reported = "reported"
    alleged = "alleged"


class ActorKind(StrEnum):
    company = "company"
    university = "university"
    government = "government"
    media = "media"
    ngo = "ngo"
    person = "person"
    other = "other"


class Role(StrEnum):
    participant = "participant"
    delegate = "delegate"
    mediator = "mediator"
    observer = "observer"
    host = "host"


class Source(Strict):
    """Who reported it and when the public could know."""

    name: Name
    published: date | datetime
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)] | None = None
    title: Name | None = None
    language: LanguageCode | None = None

    @property
    def published_at(self) -> datetime:
        return published_instant(self.published)


class Story(Strict):
    id: Slug
    title: Name
    description: Text | None = None


class Actor(Strict):
    id: Slug
    name: Name
    kind: ActorKind
    country: CountryCode | None = None
    aliases: list[Name] = Field(default_factory=list)
    labels: dict[LanguageCode, Name] = Field(default_factory=dict)


class FactBase(Strict):
    """Fields every fact has, whatever its kind."""

    id: Slug | None = None
    occurred: EDTF
    sources: Annotated[list[Source], Field(min_length=1, max_length=100)]
    certainty: Certainty = Certainty.reported
    quote: Text | None = None
    quote_language: LanguageCode | None = None
    note: Text | None = None

    # The fields of a kind that name a registered actor or a meeting.
    actor_fields: ClassVar[tuple[str, ...]] = ()

    def referenced_actors(self) -> list[str]:
        return [v for f in self.actor_fields if (v := getattr(self, f, None))]

    def referenced_meeting(self) -> str | None:
        return getattr(self, "meeting", None)

    @property
    def reported_at(self) -> datetime:
        """When the public could know: the earliest ``published`` among its sources."""
        return min(s.published_at for s in self.sources)


class MeetingHeld(FactBase):
    kind: Literal["meeting_held"]
    title: Name
    place: Name | None = None


class ParticipantJoined(FactBase):
    kind: Literal["participant_joined"]
    meeting: Slug
    actor: Slug
    role: Role = Role.participant
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)


class ParticipantAbsent(FactBase):
    kind: Literal["participant_absent"]
    meeting: Slug
    actor: Slug
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)


class ActorBriefed(FactBase):
    kind: Literal["actor_briefed"]
    meeting: Slug
    actor: Slug
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)


class TopicDiscussed(FactBase):
    kind: Literal["topic_discussed"]
    meeting: Slug
    topic: Name


class StatementMade(FactBase):
    kind: Literal["statement_made"]
    actor: Slug | None = None
    speaker: Name | None = None
    text: Text
    language: LanguageCode | None = None
    meeting: Slug | None = None
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)

    @model_validator(mode="after")
    def _needs_a_speaker(self) -> StatementMade:
        if not self.actor and not self.speaker:
            raise ValueError("a statement needs `actor` (a registered actor) or `speaker`")
        return self


class DisclosurePublished(FactBase):
    kind: Literal["disclosure_published"]
    actor: Slug
    headline: Name
    meeting: Slug | None = None
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)


class PolicyAnnounced(FactBase):
    kind: Literal["policy_announced"]
    actor: Slug
    title: Name
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)


class Claim(FactBase):
    kind: Literal["claim"]
    subject: Name
    predicate: Name
    object: Text


Fact = Annotated[
    MeetingHeld
    | ParticipantJoined
    | ParticipantAbsent
    | ActorBriefed
    | TopicDiscussed
    | StatementMade
    | DisclosurePublished
    | PolicyAnnounced
    | Claim,
    Field(discriminator="kind"),
]
FACT_ADAPTER: TypeAdapter[Fact] = TypeAdapter(Fact)
FactKind = Literal[
    "meeting_held",
    "participant_joined",
    "participant_absent",
    "actor_briefed",
    "topic_discussed",
    "statement_made",
    "disclosure_published",
    "policy_announced",
    "claim",
]
FACT_KINDS: tuple[str, ...] = get_args(FactKind)
IMMUTABLE_FIELDS = frozenset({"id", "kind"})


def parse_fact(data: Any) -> Fact:
    """Validate one fact (a dict from JSON or YAML); raises pydantic's ValidationError."""
    return FACT_ADAPTER.validate_python(data)


def fact_content(fact: FactBase) -> dict[str, Any]:
    """The fact as stored and compared: JSON-ready, without unset optional fields."""
    return fact.model_dump(mode="json", exclude_none=True)


class Dispute(Strict):
    source: Source
    note: Text


class Corroboration(Strict):
    source: Source


class Correction(Strict):
    changes: dict[str, Any] = Field(min_length=1)
    source: Source


class Retraction(Strict):
    source: Source
    reason: Text
