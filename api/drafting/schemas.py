"""What ``POST /stories/{story}/drafts`` takes and answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.drafting.cues import SUPPORTED
from domain.model import Source

MAX_TEXT = 200_000  # characters; more is a 413

ARTICLE_EXAMPLE = (
    "OpenAI, Anthropic and Cohere took part in the talks, according to the Financial Times. "
    "The meetings were held in Geneva in July and October 2023."
)


ARTICLE_BODY = {
    "text": ARTICLE_EXAMPLE,
    "source": {"name": "Financial Times", "published": "2024-01-11", "language": "en"},
}


class DraftSource(Source):
    """The source every draft will cite; ``language`` is the text's (fr or en), guessed
    from the text when omitted."""

    language: str | None = None

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().lower()
        if code not in SUPPORTED:
            raise ValueError(
                f"drafts are read from French or English text only: use "
                f"{' or '.join(SUPPORTED)} (or leave it out to have it guessed), not {value!r}"
            )
        return code


class ArticleIn(BaseModel):
    """An article's text and the source that published it."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description=f"the article's text, at most {MAX_TEXT:,} characters")
    source: DraftSource

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty: paste the article's text")
        return value


class MarkOut(BaseModel):
    start: int
    end: int


class EvidenceOut(BaseModel):
    """The sentence a draft is read from: ``sentence`` is ``text[start:end]``; ``marks``
    are the words that made the draft (offsets in the text, inside the sentence)."""

    sentence: str
    start: int
    end: int
    marks: list[MarkOut] = []


class DraftOut(BaseModel):
    fact: dict[str, Any] = Field(
        description="a valid fact, as POST /stories/{story}/facts takes it (a slug id not "
        "taken in the story, the request's source)"
    )
    evidence: EvidenceOut
    confidence: float = Field(ge=0, le=1, description="how sure the reading is, 0 to 1")


class UnknownActorOut(BaseModel):
    """A name the text gives that is no registered actor, with a suggested id and kind."""

    name: str
    evidence: EvidenceOut
    id: str
    kind: str


class DraftsOut(BaseModel):
    """Draft facts for a person to confirm; nothing was appended."""

    drafts: list[DraftOut]
    unknown_actors: list[UnknownActorOut]
    language: str = Field(description="the language the text was read in")
