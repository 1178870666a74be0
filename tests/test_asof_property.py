"""The read models' SQL answers every "as of" question as the as-of rule does.

Hypothesis writes random lifecycles (reports, corroborations by earlier and later
sources, disputes, corrections, retractions; sources dated by day or to the second;
EDTF dates of every precision; recorded times close together and far apart) through
the application, then asks random clock triples of ``ReadModels.facts`` and ``.fact``
and of ``domain.asof.known_fact`` over the same fact's stored events. Both must agree,
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.application import Reportedly
from domain.asof import KnownFact, known_fact
from domain.clocks import Occurred, parse_instant, parse_occurred
from domain.errors import DomainError, NotFound
from domain.model import Correction, Corroboration, Dispute, Retraction, Source, parse_fact
from projections.readmodels import ReadModels
from projections.store import store_env
from projections.views import AsOf, FactView
from tests.builders import a_story

MICROSECOND = timedelta(microseconds=1)
START = datetime(2024, 3, 1, tzinfo=UTC)
PUBLISHED = (
    "2024-01-05",
    "2024-01-10",
    "2024-01-11",
    "2024-01-11T15:30:00Z",
    "2024-01-12",
    "2024-02-01",
)
OCCURRED = (
    "2023",
    "2023-07",
    "2023-07-18",
    "2023-07-31",
    "2023-07/2023-10",
    "2023-10~",
    "2023-10?",
    "2023-12-31",
)
UNTIL = ("2023-06", "2023-07", "2023-07-18", "2023-08", "2023-10-15", "2023-10", "2023")
# A fixed seed by default, so a run never fails on an example no earlier run tried;
# REPORTEDLY_ASOF_EXAMPLES=2000 searches afresh, longer.
EXAMPLES = int(os.environ.get("REPORTEDLY_ASOF_EXAMPLES", "0"))
STEPS = (timedelta(0), MICROSECOND, timedelta(minutes=5), timedelta(days=1))
story_ids = itertools.count()


# ---- what is written ------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    verb: str  # corroborate | dispute | correct | retract
    published: str
    changes: dict[str, Any]


@dataclass(frozen=True)
class Life:
    kind: str
    occurred: str
    published: tuple[str, ...]
    acts: tuple[Act, ...]


def changes() -> st.SearchStrategy[dict[str, Any]]:
    """A correction's changes; the note keeps it from changing nothing."""
    return st.fixed_dictionaries(
        {"note": st.sampled_from(("first correction", "second", "third"))},
        optional={
            "occurred": st.sampled_from(OCCURRED),
            "certainty": st.sampled_from(("alleged", "reported")),
            "quote": st.sampled_from(("« dit-il »", None)),
            "sources": st.lists(
                st.sampled_from(PUBLISHED), min_size=1, max_size=2, unique=True
            ).map(lambda days: [{"name": f"Corrected {d}", "published": d} for d in days]),
        },
    )


def acts() -> st.SearchStrategy[Act]:
    verb = st.sampled_from(("corroborate", "dispute", "correct", "correct", "retract"))
    return st.builds(
        lambda verb, published, given: Act(verb, published, given if verb == "correct" else {}),
        verb,
        st.sampled_from(PUBLISHED),
        changes(),
    )


lives = st.builds(
    Life,
    st.sampled_from(("meeting_held", "claim")),
    st.sampled_from(OCCURRED),
    st.lists(st.sampled_from(PUBLISHED), min_size=1, max_size=2, unique=True).map(tuple),
    st.lists(acts(), max_size=5).map(tuple),
)


def fact_of(life: Life, fact_id: str) -> dict[str, Any]:
    fields: dict[str, Any] = (
        {"title": "Geneva talks", "place": "Geneva"}
        if life.kind == "meeting_held"
        else {"subject": "OpenAI", "predicate": "took part in", "object": "the talks"}
    )
    return {
        "kind": life.kind,
        "id": fact_id,
        "occurred": life.occurred,
        "sources": [{"name": "Financial Times", "published": p} for p in life.published],
        **fields,
    }


class Writer:
    """Writes lives through the application, each event a step later on the recorded clock."""

    def __init__(self, app: Reportedly, story: str, steps: Iterator[timedelta]) -> None:
        self.app, self.story, self.steps = app, story, steps
        self.clock = START
        self.recorded: list[datetime] = []
        self.published: list[datetime] = []  # every source's date, as an instant
        self.occurred: list[Occurred] = []  # every version's occurred date

    def saw(self, fact: dict[str, Any], *sources: Source) -> None:
        if "occurred" in fact:
            self.occurred.append(parse_occurred(fact["occurred"]))
        for source in (*sources, *map(Source.model_validate, fact.get("sources", ()))):
            self.published.append(source.published_at)

    def tick(self) -> datetime:
        self.clock += next(self.steps)
        self.recorded.append(self.clock)
        return self.clock

    def write(self, life: Life, fact_id: str) -> None:
        fact = parse_fact(fact_of(life, fact_id))
        self.saw(fact_of(life, fact_id))
        self.app.report_facts(self.story, [fact], "writer", recorded_at=self.tick())
        for n, act in enumerate(life.acts):
            source = Source.model_validate({"name": f"Source {n}", "published": act.published})
            self.saw(act.changes, source)
            # Refused (a correction to nothing new, a retracted fact): nothing stored.
            with contextlib.suppress(DomainError):
                self.act(fact_id, act, source)

    def act(self, fact_id: str, act: Act, source: Source) -> None:
        app, story, at = self.app, self.story, self.tick()
        if act.verb == "corroborate":
            app.corroborate(story, fact_id, Corroboration(source=source), "w", recorded_at=at)
        elif act.verb == "dispute":
            app.dispute(story, fact_id, Dispute(source=source, note="no"), "w", recorded_at=at)
        elif act.verb == "correct":
            given = Correction(changes=act.changes, source=source)
            app.correct(story, fact_id, given, "w", recorded_at=at)
        else:
            given_r = Retraction(source=source, reason="never happened")
            app.retract(story, fact_id, given_r, "w", recorded_at=at)


# ---- what is asked ----------------------------------------------------------------------


def moments(around: list[datetime]) -> st.SearchStrategy[datetime | None]:
    """None, or one of ``around``, or just before one of them."""
    exact = st.sampled_from(around)
    return st.one_of(st.none(), exact, exact.map(lambda m: m - MICROSECOND))


def clock_triples(writer: Writer) -> st.SearchStrategy[AsOf]:
    """Clocks on the example's own edges: its sources' dates (and the ends of their
    days), its recorded times, its occurred intervals; and dates as users write them."""
    published = [*writer.published, *(parse_instant(p[:10]) for p in PUBLISHED)]
    until = [parse_instant(u) for u in UNTIL]
    for occurred in writer.occurred:
        until += [occurred.earliest, occurred.latest - MICROSECOND]
    return st.builds(
        AsOf,
        known_at=moments(published),
        recorded_at=moments(writer.recorded),
        occurred_until=moments(until),
    )


# ---- how answers compare ----------------------------------------------------------------

CONTENT = ("id", "kind", "occurred", "certainty", "quote", "quote_language", "note")


def answer_of_view(view: FactView) -> dict[str, Any]:
    content = {k: getattr(view, k) for k in CONTENT} | view.fields()
    return {
        "content": {k: str(v) if k == "certainty" else v for k, v in content.items() if v},
        "version": view.version,
        "status": str(view.status),
        "disputed": view.disputed,
        "sources": [s.model_dump(mode="json", exclude_none=True) for s in view.sources],
        "reported_at": view.reported_at,
        "recorded_at": view.recorded_at,
        "occurred": (view.occurred_earliest, view.occurred_latest, str(view.precision)),
        "occurred_by": None if view.occurred_by is None else str(view.occurred_by),
    }


def answer_of_rule(known: KnownFact) -> dict[str, Any]:
    occurred = known.occurred
    return {
        "content": {k: v for k, v in known.content.items() if k != "sources"},
        "version": known.version,
        "status": str(known.status),
        "disputed": known.disputed,
        "sources": [s.model_dump(mode="json", exclude_none=True) for s in known.sources],
        "reported_at": known.reported_at,
        "recorded_at": known.recorded_at,
        "occurred": (occurred.earliest, occurred.latest, str(occurred.precision)),
        "occurred_by": None if known.occurred_by is None else str(known.occurred_by),
    }


def by_rule(app: Reportedly, story: str, fact_ids: list[str], as_of: AsOf) -> list[KnownFact]:
    found = [known_fact(app.get_fact(story, f).events, as_of) for f in fact_ids]
    shown = [k for k in found if k is not None]
    return sorted(shown, key=lambda k: (k.occurred.earliest, k.fact_id))


def check_agreement(app: Reportedly, read: ReadModels, story: str, n: int, as_of: AsOf) -> None:
    fact_ids = [f"f{i}" for i in range(n)]
    expected = by_rule(app, story, fact_ids, as_of)
    items = read.facts(story, as_of, limit=1000).items
    assert [v.id for v in items] == [k.fact_id for k in expected], as_of
    for view, known in zip(items, expected, strict=True):
        event(f"shown: {known.status}, version {known.version}, {len(known.acts)} acts")
        assert answer_of_view(view) == answer_of_rule(known), (view.id, as_of)
        detail = read.fact(story, view.id, as_of)
        acts = [e.event for e in detail.lifecycle if e.event != "reported"]
        assert acts == [type(e).__name__.removeprefix("Fact").lower() for e in known.acts]
    for fact_id in set(fact_ids) - {k.fact_id for k in expected}:
        event("not known")
        with pytest.raises(NotFound):
            read.fact(story, fact_id, as_of)


# ---- the property, on each storage ------------------------------------------------------


@pytest.fixture
def stores(database_url: str) -> Iterator[tuple[Reportedly, ReadModels]]:
    app = Reportedly(env=store_env(database_url))
    read = ReadModels(app, database_url)
    yield app, read
    read.close()
    app.close()


def test_the_read_models_answer_as_the_as_of_rule(
    stores: tuple[Reportedly, ReadModels],
) -> None:
    app, read = stores

    @settings(
        max_examples=EXAMPLES or 40,
        derandomize=not EXAMPLES,
        deadline=None,
        database=None,  # several people share the working tree: keep no example files
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        st.lists(lives, min_size=1, max_size=3),
        st.lists(st.sampled_from(STEPS), min_size=20, max_size=20),
        st.data(),
    )
    def agree(written: list[Life], steps: list[timedelta], data: st.DataObject) -> None:
        story = f"s{next(story_ids)}"
        app.create_story(a_story(story), "writer")
        writer = Writer(app, story, itertools.cycle(steps))
        for i, life in enumerate(written):
            writer.write(life, f"f{i}")
        read.catch_up()
        for _ in range(4):
            as_of = data.draw(clock_triples(writer), label="as_of")
            check_agreement(app, read, story, len(written), as_of)

    agree()


# ---- disagreements the property found, kept as examples ---------------------------------


def test_occurred_until_counts_only_the_corrections_known_then(
    stores: tuple[Reportedly, ReadModels],
) -> None:
    app, read = stores
    app.create_story(a_story("unpublished-correction"), "writer")
    writer = Writer(app, "unpublished-correction", itertools.repeat(timedelta(hours=1)))
    moved = Act("correct", "2024-02-01", {"occurred": "2023-07", "note": "moved to July"})
    later = Act("correct", "2024-01-12", {"note": "a correction published earlier"})
    writer.write(Life("claim", "2023-10", ("2024-01-11",), (moved, later)), "f0")
    read.catch_up()
    as_of = AsOf(known_at=parse_instant("2024-01-20"), occurred_until=parse_instant("2023-08"))
    # The correction that moved it to July is stored but not yet public on 2024-01-20:
    # the fact, as then known, had not begun by August.
    assert read.facts("unpublished-correction", as_of).items == []
    # The mirror: a July fact whose unpublished correction moves it to October had, as
    # then known, surely begun and ended by August.
    away = Act("correct", "2024-02-01", {"occurred": "2023-10", "note": "moved to October"})
    writer.write(Life("claim", "2023-07", ("2024-01-11",), (away, later)), "f1")
    read.catch_up()
    (shown,) = read.facts("unpublished-correction", as_of).items
    assert (shown.id, shown.occurred, shown.occurred_by) == ("f1", "2023-07", "surely")
    assert read.fact("unpublished-correction", "f1", as_of).occurred == "2023-07"
