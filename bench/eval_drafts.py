"""Drafts from an article: how many of the fixture's facts they find, how many are right,
and how long they take against spaCy's bare pipeline on the same text, in the same run.

Targets (PRODUCT.md): on the Geneva article with the fixture's actors registered, recall
>= 0.8 of the fixture's facts and precision >= 0.6; on a ~1,000-word article, drafting in
no more than 2x the time of the bare ``nlp(text)``.

A draft matches a fixture fact when it has the same kind, the same actor, and the same
round (a meeting of the same date) or both name the series; facts without an actor
(topics, claims, statements by an unnamed speaker) must also be read from the sentence
that holds the fixture fact's quote. Recall: fixture facts some draft matches; precision:
drafts that match some fixture fact. Drafts go through the HTTP route, on an in-memory
store holding the story and the fixture's actors, nothing else.

    python bench/eval_drafts.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from fastapi.testclient import TestClient  # noqa: E402

from api.drafting.actors import ActorFinder  # noqa: E402
from api.drafting.article import StoryContext  # noqa: E402
from api.drafting.engine import draft_article  # noqa: E402
from api.drafting.pipelines import pipeline  # noqa: E402
from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from domain.model import Source  # noqa: E402
from domain.storyfile import StoryFile, load_story_file  # noqa: E402
from fixtures import GENEVA  # noqa: E402

ARTICLE = ROOT.parent / "shared" / "seed" / "geneva-ai-talks.fr.txt"
SOURCE = {"name": "Financial Times", "published": "2024-01-11", "language": "fr"}
WRITER = {"Authorization": "Bearer bench-secret"}
NO_ACTOR = frozenset({"topic_discussed", "claim", "statement_made"})


def rounds_of(facts: list[dict[str, Any]]) -> dict[str, str]:
    """Meeting id → its date, for the facts' own meetings."""
    return {
        str(f.get("meeting") or f["id"]): str(f["occurred"])
        for f in facts
        if f["kind"] == "meeting_held"
    }


def key(fact: dict[str, Any], rounds: dict[str, str]) -> tuple[str, str | None, str | None]:
    if fact["kind"] == "meeting_held":
        return ("meeting_held", None, str(fact["occurred"]))
    where = "series" if fact.get("series") else rounds.get(fact.get("meeting") or "")
    return (fact["kind"], fact.get("actor"), where)


def quote_spans(text: str, facts: list[dict[str, Any]]) -> dict[str, tuple[int, int] | None]:
    spans: dict[str, tuple[int, int] | None] = {}
    for fact in facts:
        quote = fact.get("quote") or ""
        at = text.find(quote) if quote else -1
        spans[fact["id"]] = (at, at + len(quote)) if at >= 0 else None
    return spans


def matches(
    draft: dict[str, Any],
    fixture: dict[str, Any],
    draft_rounds: dict[str, str],
    fixture_rounds: dict[str, str],
    where: tuple[int, int] | None,
) -> bool:
    if key(draft["fact"], draft_rounds) != key(fixture, fixture_rounds):
        return False
    if fixture["kind"] in NO_ACTOR and not fixture.get("actor") and where is not None:
        start, end = draft["evidence"]["start"], draft["evidence"]["end"]
        return bool(start < where[1] and where[0] < end)
    return True


def score(text: str, drafts: list[dict[str, Any]], fixture: StoryFile) -> dict[str, Any]:
    facts = [f.model_dump(mode="json", exclude_none=True) for f in fixture.facts]
    fixture_rounds = rounds_of(facts)
    draft_rounds = rounds_of([d["fact"] for d in drafts])
    spans = quote_spans(text, facts)
    found = {
        f["id"]
        for f in facts
        if any(matches(d, f, draft_rounds, fixture_rounds, spans[f["id"]]) for d in drafts)
    }
    right = [
        d
        for d in drafts
        if any(matches(d, f, draft_rounds, fixture_rounds, spans[f["id"]]) for f in facts)
    ]
    by_kind: dict[str, list[int]] = {}
    for f in facts:
        counts = by_kind.setdefault(f["kind"], [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += f["id"] in found
    drafted = Counter(d["fact"]["kind"] for d in drafts)
    matched = Counter(d["fact"]["kind"] for d in right)
    for kind, n in drafted.items():
        counts = by_kind.setdefault(kind, [0, 0, 0, 0])
        counts[2], counts[3] = n, matched[kind]
    return {
        "recall": len(found) / len(facts),
        "precision": len(right) / len(drafts) if drafts else 0.0,
        "found": len(found),
        "facts": len(facts),
        "right": len(right),
        "drafts": len(drafts),
        "by_kind": by_kind,
        "missed": [f["id"] for f in facts if f["id"] not in found],
        "wrong": [d["fact"]["id"] for d in drafts if d not in right],
    }


def drafts_over_http(fixture: StoryFile, text: str) -> list[dict[str, Any]]:
    settings = Settings(database_url="memory://", data_dir=Path(tempfile.mkdtemp()),
                        tokens="bench:bench-secret")  # fmt: skip
    with TestClient(create_app(settings)) as client:
        client.post("/stories", json=fixture.story.model_dump(mode="json"), headers=WRITER)
        for actor in fixture.actors:
            body = actor.model_dump(mode="json", exclude_none=True)
            assert client.post("/actors", json=body, headers=WRITER).is_success
        answer = client.post(f"/stories/{fixture.story.id}/drafts",
                             json={"text": text, "source": SOURCE})  # fmt: skip
        assert answer.status_code == 200, answer.text
        drafts: list[dict[str, Any]] = answer.json()["drafts"]
        return drafts


def thousand_words(text: str) -> str:
    """The Geneva article repeated, paragraph by paragraph, to about 1,000 words."""
    paragraphs = text.splitlines()
    out: list[str] = []
    while sum(len(p.split()) for p in out) < 1000:
        out.append(paragraphs[len(out) % len(paragraphs)])
    return "\n".join(out)


def timings(fixture: StoryFile, text: str, repeat: int) -> tuple[float, float, int]:
    """Median seconds of the bare pipeline and of drafting, interleaved, pipelines warm."""
    nlp = pipeline("fr").nlp
    finder = ActorFinder(fixture.actors)
    source = Source.model_validate(SOURCE)
    story = StoryContext(fixture.story.id)
    nlp(text)
    draft_article(text, source, "fr", finder, story)  # warm: the first call loads data
    bare, drafting = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        nlp(text)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        draft_article(text, source, "fr", ActorFinder(fixture.actors), story)
        drafting.append(time.perf_counter() - started)
    return statistics.median(bare), statistics.median(drafting), len(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    fixture = load_story_file(GENEVA)
    text = ARTICLE.read_text(encoding="utf-8")
    started = time.perf_counter()
    drafts = drafts_over_http(fixture, text)
    first = time.perf_counter() - started
    result = score(text, drafts, fixture)
    long_text = thousand_words(text)
    bare, drafting, words = timings(fixture, long_text, args.repeat)

    print(f"Geneva article ({len(text.split())} words), {len(fixture.actors)} actors registered")
    print(f"(first request, pipelines loading included: {first:.1f} s)\n")
    print("| kind | fixture facts | found | drafts | matching a fixture fact |")
    print("|---|---:|---:|---:|---:|")
    for kind, (n, found, drafted, right) in sorted(result["by_kind"].items()):
        print(f"| {kind} | {n} | {found} | {drafted} | {right} |")
    print(f"| **all** | {result['facts']} | {result['found']} | {result['drafts']} "
          f"| {result['right']} |\n")  # fmt: skip
    print("| measure | value | target |")
    print("|---|---:|---:|")
    print(f"| recall | {result['recall']:.2f} | >= 0.80 |")
    print(f"| precision | {result['precision']:.2f} | >= 0.60 |")
    print(f"| bare nlp(text), {words} words | {bare * 1000:.0f} ms | baseline |")
    print(f"| drafting, same text | {drafting * 1000:.0f} ms | <= {2 * bare * 1000:.0f} ms |")
    print(f"| ratio | {drafting / bare:.2f}x | <= 2.00x |\n")
    print("missed:", ", ".join(result["missed"]) or "none")
    print("drafts matching no fixture fact:", ", ".join(result["wrong"]) or "none")


if __name__ == "__main__":
    main()
