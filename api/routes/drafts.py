"""Drafts from an article: facts read from its text for a person to confirm (nothing is
appended), and the desk's page to accept, edit or drop them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from api.deps import ServicesDep, StoryId
from api.drafting import page
from api.drafting.schemas import ARTICLE_BODY, MAX_TEXT, ArticleIn, DraftsOut
from api.drafting.service import draft_for_story, drafts_out
from api.schemas import errors

router = APIRouter(prefix="/stories/{story}", tags=["drafts"])
router.include_router(page.router)


@router.post("/drafts", responses=errors(401, 404, 413, 422))
async def draft_facts(
    story: StoryId,
    article: Annotated[ArticleIn, Body(examples=[ARTICLE_BODY])],
    services: ServicesDep,
) -> DraftsOut:
    """Draft the facts an article states (French or English); nothing is appended."""
    if len(article.text) > MAX_TEXT:
        raise HTTPException(
            413,
            f"the text is {len(article.text):,} characters long; drafts read at most "
            f"{MAX_TEXT:,} at once: send it in parts",
        )
    found = await run_in_threadpool(draft_for_story, services, story, article)
    return drafts_out(found)
