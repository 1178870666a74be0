"""Drafting for a story of this store: its actors, its meetings, its ids; appends nothing."""

from __future__ import annotations

from api.drafting.actors import ActorFinder
from api.drafting.article import KnownMeeting, StoryContext
from api.drafting.engine import DraftSet, Evidence, draft_article
from api.drafting.language import guess_language
from api.drafting.schemas import (
    ArticleIn,
    DraftOut,
    DraftsOut,
    EvidenceOut,
    MarkOut,
    UnknownActorOut,
)
from api.services import Services
from domain.model import Source
from projections.views import LATEST, Filters

MEETINGS = Filters(kind=("meeting_held",))


def story_context(services: Services, story: str) -> StoryContext:
    """The story's meetings and a look-up of its fact ids; NotFound for no such story."""
    services.read.story(story)
    meetings: list[KnownMeeting] = []
    cursor: str | None = None
    while True:
        page = services.read.facts(story, LATEST, MEETINGS, limit=1000, cursor=cursor)
        for view in page.items:
            fields = view.fields()
            meetings.append(
                KnownMeeting(
                    meeting=str(fields.get("meeting") or view.id),
                    occurred=view.occurred,
                    place=fields.get("place"),
                    series=fields.get("series"),
                )
            )
        cursor = page.next
        if cursor is None:
            break
    return StoryContext(
        story, tuple(meetings), lambda ids: services.read.stored_fact_ids(story, ids)
    )


def draft_for_story(services: Services, story: str, article: ArticleIn) -> DraftSet:
    context = story_context(services, story)
    finder = ActorFinder(services.read.actors())
    language = article.source.language or guess_language(article.text)
    source = Source.model_validate(article.source.model_dump())
    return draft_article(article.text, source, language, finder, context)


def _evidence(evidence: Evidence) -> EvidenceOut:
    marks = [MarkOut(start=m.start, end=m.end) for m in evidence.marks]
    return EvidenceOut(
        sentence=evidence.sentence, start=evidence.start, end=evidence.end, marks=marks
    )


def drafts_out(found: DraftSet) -> DraftsOut:
    return DraftsOut(
        drafts=[
            DraftOut(fact=d.fact, evidence=_evidence(d.evidence), confidence=d.confidence)
            for d in found.drafts
        ],
        unknown_actors=[
            UnknownActorOut(name=u.name, evidence=_evidence(u.evidence), id=u.id, kind=u.kind)
            for u in found.unknown_actors
        ],
        language=found.language,
    )
