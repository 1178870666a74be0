"""What users write: stories, actors, sources and the fact catalogue (pydantic models).

Each fact kind is a model with its own fields; ``Fact`` is their union, discriminated on
``kind``. Unknown fields are rejected everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    model_validator,
)

from domain.clocks import EDTF, published_instant

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]


def _trimmed(text: str) -> str:
    """Spaces around a value are dropped; nothing but spaces is no value."""
    trimmed = text.strip()
    if not trimmed:
        raise ValueError("must not be blank")
    return trimmed


# The length limits hold for the text as sent (as the OpenAPI schema states them), the
# spaces around it are then dropped.
Text = Annotated[str, StringConstraints(min_length=1, max_length=10_000), AfterValidator(_trimmed)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=500), AfterValidator(_trimmed)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
WikidataId = Annotated[str, StringConstraints(pattern=r"^Q[1-9][0-9]{0,11}$")]


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


Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)]


class Source(Strict):
    """Who reported it and when the public could know.

    ``via`` is the outlet that relayed it, itself a source (a French article relaying
    the Financial Times): the fact was reported by ``name`` on ``published``; the relay
    is how this store learnt of it and never moves the reported clock.
    """

    name: Name
    published: date | datetime
    url: Url | None = None
    title: Name | None = None
    language: LanguageCode | None = None
    via: Source | None = None

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
    wikidata: WikidataId | None = None


class FactBase(Strict):
    """Fields every fact has, whatever its kind."""

    id: Slug | None = None
    occurred: EDTF
    sources: Annotated[list[Source], Field(min_length=1, max_length=100)]
    certainty: Certainty = Certainty.reported
    quote: Text | None = None
    quote_language: LanguageCode | None = None
    note: Text | None = None

    # The fields of a kind that name a registered actor.
    actor_fields: ClassVar[tuple[str, ...]] = ()
    # The fields a correction may not change: they say which fact this is.
    fixed_fields: ClassVar[frozenset[str]] = frozenset({"id", "kind"})

    def referenced_actors(self) -> list[str]:
        return [v for f in self.actor_fields if (v := getattr(self, f, None))]

    def referenced_meeting(self) -> str | None:
        """The meeting this fact says something of (which must be in the story)."""
        return None

    def referenced_series(self) -> str | None:
        """The series (set of talks) this fact says something of as a whole."""
        return None

    @property
    def reported_at(self) -> datetime:
        """When the public could know: the earliest ``published`` among its sources."""
        return min(s.published_at for s in self.sources)


class AtMeeting(FactBase):
    """A fact that may name the meeting it is about, or a whole series instead."""

    meeting: Slug | None = None
    series: Slug | None = None
    # Whether the fact must say which meeting (or series) it is about.
    needs_meeting: ClassVar[bool] = False

    def referenced_meeting(self) -> str | None:
        return self.meeting

    def referenced_series(self) -> str | None:
        return self.series

    @model_validator(mode="after")
    def _one_meeting_or_series(self) -> AtMeeting:
        if self.meeting and self.series:
            raise ValueError(
                "name either `meeting` (one round) or `series` (the talks as a whole), not both"
            )
        if self.needs_meeting and not (self.meeting or self.series):
            raise ValueError(
                "say which meeting this is about (`meeting`), or which series when the source "
                "does not say which round (`series`)"
            )
        return self


class MeetingHeld(FactBase):
    kind: Literal["meeting_held"]
    # The meeting's own id, which other facts name in their ``meeting``; the fact's id
    # when omitted, so one fact per meeting needs no second slug.
    meeting: Slug | None = None
    title: Name
    place: Name | None = None
    series: Slug | None = None  # groups the rounds of one set of talks
    fixed_fields: ClassVar[frozenset[str]] = frozenset({"id", "kind", "meeting"})

    @model_validator(mode="before")
    @classmethod
    def _meeting_defaults_to_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("meeting") and data.get("id"):
            return {**data, "meeting": data["id"]}
        return data


Side = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    AfterValidator(_trimmed),
    AfterValidator(lambda side: side.upper() if len(side) == 2 and side.isalpha() else side),
]


class ParticipantJoined(AtMeeting):
    kind: Literal["participant_joined"]
    actor: Slug
    role: Role = Role.participant
    # The country (ISO 3166-1 alpha-2) or party the participant represents there, when
    # it is not the actor's own country (Cohere is Canadian but sat on the US side).
    side: Side | None = None
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)
    needs_meeting: ClassVar[bool] = True


class ParticipantAbsent(AtMeeting):
    kind: Literal["participant_absent"]
    actor: Slug
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)
    needs_meeting: ClassVar[bool] = True


class ActorBriefed(AtMeeting):
    kind: Literal["actor_briefed"]
    actor: Slug
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)
    needs_meeting: ClassVar[bool] = True


class TopicDiscussed(AtMeeting):
    kind: Literal["topic_discussed"]
    topic: Name
    needs_meeting: ClassVar[bool] = True


class StatementMade(AtMeeting):
    kind: Literal["statement_made"]
    actor: Slug | None = None
    speaker: Name | None = None
    text: Text
    language: LanguageCode | None = None
    actor_fields: ClassVar[tuple[str, ...]] = ("actor",)

    @model_validator(mode="after")
    def _needs_a_speaker(self) -> StatementMade:
        if not self.actor and not self.speaker:
            raise ValueError("a statement needs `actor` (a registered actor) or `speaker`")
        return self


class DisclosurePublished(AtMeeting):
    kind: Literal["disclosure_published"]
    actor: Slug
    headline: Name
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


def parse_fact(data: Any) -> Fact:
    """Validate one fact (a dict from JSON or YAML); raises pydantic's ValidationError."""
    return FACT_ADAPTER.validate_python(data)


def fact_content(fact: FactBase) -> dict[str, Any]:
    """The fact as stored and compared: JSON-ready, without unset optional fields."""
    return fact.model_dump(mode="json", exclude_none=True)


def apply_changes(content: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A correction's ``changes`` over a fact's content: the one rule every reader and
    the writer use. Given fields replace the old; a field given as None is dropped."""
    merged = {**content, **changes}
    return {k: v for k, v in merged.items() if v is not None}


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
