"""Readable ids for drafts: slugs from what a fact says, unique in the response and not
taken in the story ("geneve-2023-07", "geneve-talks-joined-openai", then "-2", "-3")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from api.drafting.folding import fold

MAX = 90  # leaves room for a "-NN" suffix under the slug's 100 characters


def slug(*parts: str, limit: int = MAX) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", fold(" ".join(p for p in parts if p))).strip("-")
    cut = words[:limit].rstrip("-")
    return cut or "draft"


def _candidate(base: str, attempt: int) -> str:
    return base if attempt == 1 else f"{base[:MAX]}-{attempt}"


def allocate(
    bases: list[str], taken: Callable[[list[str]], set[str]], reserved: Iterable[str] = ()
) -> list[str]:
    """One id for each base, in order: the base itself when free, else the next suffix.

    ``taken`` says which of some ids the story holds (one query a round)."""
    chosen: list[str] = [""] * len(bases)
    used = set(reserved)
    attempts = [1] * len(bases)
    pending = list(range(len(bases)))
    while pending:
        candidates = {i: _candidate(bases[i], attempts[i]) for i in pending}
        stored = taken(sorted(set(candidates.values())))
        retry = []
        for i in pending:
            if candidates[i] in stored or candidates[i] in used:
                attempts[i] += 1
                retry.append(i)
            else:
                used.add(candidates[i])
                chosen[i] = candidates[i]
        pending = retry
    return chosen
