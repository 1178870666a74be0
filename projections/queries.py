"""Facts as known at a point on each clock: indexed queries over one story's rows.

With ``known_at=K`` and ``recorded_at=R``: only events recorded by R count; a fact is
known if one of its counted sources was published by K, and its ``reported_at`` is the
earliest such publication; the version shown is the latest counted correction published
by K (else the original); it is retracted if a counted retraction was published by K.
``occurred_until=U`` keeps facts that began by U and says whether each surely or only
possibly had happened by then.
"""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from domain.errors import RuleBroken
from domain.events import Status
from domain.model import Story, apply_changes, fact_content, parse_fact
from projections.schema import bound, from_us, occurred_of, published_us
from projections.store import Cursor, Store
from projections.views import (
    NO_FILTERS,
    AsOf,
    FactVersion,
    FactView,
    Filters,
    LifecycleEntry,
    OccurredBy,
    StorySummary,
)

COMMON_FIELDS = frozenset(
    {"id", "kind", "occurred", "sources", "certainty", "quote", "quote_language", "note"}
)
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Clocks:
    """An AsOf in microseconds; ``recorded_all`` when every recorded event counts."""

    known: int
    recorded: int
    until: int | None
    recorded_all: bool

    @classmethod
    def of(cls, as_of: AsOf) -> Clocks:
        until = None if as_of.occurred_until is None else bound(as_of.occurred_until)
        return cls(
            bound(as_of.known_at), bound(as_of.recorded_at), until, as_of.recorded_at is None
        )


@dataclass(frozen=True)
class Act:
    """A lifecycle event on a fact (corroborated, disputed, corrected, retracted)."""

    fact_id: str
    event: str
    position: int
    published: int
    recorded: int
    writer: str
    data: dict[str, Any]


FACT_SELECT = (
    "SELECT v.fact_id, v.version, v.kind, v.first_position, v.first_recorded, "
    "v.occurred_earliest, v.orig_published, v.corroborations, v.disputes, v.retracted, "
    "{data} AS data FROM rm_versions v "
)
# A fact is shown in the version live at (K, R). The ``*_until`` columns hold the
# earliest end of a version on each clock, so a version is surely not superseded when
# K or R is before it; only otherwise is a later counted version looked for.
LIVE = (
    "(v.reported_until > ? OR v.recorded_until > ? OR NOT EXISTS (SELECT 1 FROM rm_versions w "
    "WHERE w.story = v.story AND w.fact_id = v.fact_id AND w.version > v.version "
    "AND w.reported_from <= ? AND w.recorded_from <= ?))"
)
# The row's content is what was known unless a correction stored before it (a lower
# version) is not counted at (K, R): its version is then shown replayed without it
# (``known_content``), and its occurred date may differ from the row's.
REPLAYED = (
    "EXISTS (SELECT 1 FROM rm_versions w WHERE w.story = v.story AND w.fact_id = v.fact_id "
    "AND w.version > 1 AND w.version < v.version AND (w.reported_from > ? OR w.recorded_from > ?))"
)
KNOWN_BY_CORROBORATION = (
    "(v.orig_published <= ? OR (v.corroborations > 0 AND EXISTS (SELECT 1 FROM rm_lifecycle c "
    "WHERE c.story = v.story AND c.fact_id = v.fact_id AND c.event = 'corroborated' "
    "AND c.published <= ? AND c.recorded <= ?)))"
)


def encode_cursor(earliest: int, fact_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([earliest, fact_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    try:
        earliest, fact_id = orjson.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        if isinstance(earliest, int) and -(2**63) <= earliest < 2**63 and isinstance(fact_id, str):
            return earliest, fact_id
    except (binascii.Error, ValueError, TypeError):
        pass
    raise RuleBroken("not a cursor this service issued (use the `next` of a page)", field="cursor")


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise RuleBroken(f"limit must be between 1 and {MAX_LIMIT}, not {limit}", field="limit")


def select_facts(
    store: Store,
    c: Cursor,
    story: str,
    clocks: Clocks,
    filters: Filters = NO_FILTERS,
    *,
    fact_id: str | None = None,
    after: tuple[int, str] | None = None,
    limit: int | None = None,
) -> list[Any]:
    """The rows of the facts known at ``clocks``, in (occurred earliest, id) order."""
    k, r = clocks.known, clocks.recorded
    where = [
        "v.story = ?",
        "v.first_published <= ?",
        "v.reported_from <= ?",
        "v.recorded_from <= ?",
        "v.first_recorded <= ?",
        LIVE,
    ]
    params: list[Any] = [story, k, k, r, r, k, r, k, r]
    if not clocks.recorded_all:
        where.append(KNOWN_BY_CORROBORATION)
        params += [k, k, r]
    if fact_id is not None:
        where.append("v.fact_id = ?")
        params.append(fact_id)
    if clocks.until is not None:
        # A replayed version's date is only known once replayed: ``as_known`` decides.
        where.append(f"(v.occurred_earliest <= ? OR {REPLAYED})")
        params += [clocks.until, k, r]
    if filters.kind:
        where.append(f"v.kind IN ({', '.join('?' * len(filters.kind))})")
        params += filters.kind
    if filters.actor:
        where.append("v.actor = ?")
        params.append(filters.actor)
    if filters.meeting:  # the SQL of ``Filters.admits``
        where.append("(v.meeting = ? OR v.series = ?)")
        params += [filters.meeting, filters.meeting]
    if after is not None:
        where.append("(v.occurred_earliest > ? OR (v.occurred_earliest = ? AND v.fact_id > ?))")
        params += [after[0], after[0], after[1]]
    statement = FACT_SELECT.format(data=store.data_of("v.position"))
    statement += "WHERE " + " AND ".join(where)
    if fact_id is None:
        # One fact has one live version: ordered, SQLite would walk the story's facts in
        # that order to find it (34 ms in a 100,000-fact story) rather than look it up.
        statement += " ORDER BY v.occurred_earliest, v.fact_id"
    if limit is not None:
        statement += " LIMIT ?"
        params.append(limit)
    return list(store.execute(c, statement, params).fetchall())


ACTS_SELECT = (
    "SELECT c.fact_id, c.event, c.position, c.published, c.recorded, {data} AS data "
    "FROM rm_lifecycle c WHERE c.story = ? AND c.published <= ? AND c.recorded <= ? "
)


def select_acts(
    store: Store, c: Cursor, story: str, clocks: Clocks, fact_ids: Sequence[str] | None
) -> dict[str, list[Act]]:
    """Lifecycle events counted at ``clocks`` (of ``fact_ids``, or of the whole story)."""
    found: dict[str, list[Act]] = defaultdict(list)
    base: list[Any] = [story, clocks.known, clocks.recorded]
    if fact_ids is None:
        chunks: Iterable[Sequence[str] | None] = [None]
    else:
        chunks = [fact_ids[i : i + 500] for i in range(0, len(fact_ids), 500)]
    for chunk in chunks:
        statement, params = ACTS_SELECT.format(data=store.data_of("c.position")), list(base)
        if chunk is not None:
            if not chunk:
                continue
            statement += f"AND c.fact_id IN ({', '.join('?' * len(chunk))}) "
            params += chunk
        for row in store.execute(c, statement + "ORDER BY c.position", params).fetchall():
            found[row["fact_id"]].append(act_of(row))
    return found


def act_of(row: Any) -> Act:
    state = orjson.loads(row["data"])
    return Act(
        row["fact_id"],
        row["event"],
        row["position"],
        row["published"],
        row["recorded"],
        state["writer"],
        state,
    )


def event_state(store: Store, c: Cursor, position: int) -> dict[str, Any]:
    """The stored event at ``position``, decoded."""
    row = store.execute(c, f"SELECT {store.data_of('?')} AS data", (position,)).fetchone()
    state: dict[str, Any] = orjson.loads(row["data"])
    return state


def needs_acts(row: Any) -> bool:
    return bool(row["corroborations"] or row["disputes"] or row["retracted"] or row["version"] > 1)


def known_content(store: Store, c: Cursor, row: Any, acts: Sequence[Act]) -> dict[str, Any] | None:
    """The fact's content when an earlier correction of the shown version is not counted.

    Each stored version holds every earlier correction's changes; a correction recorded
    later but citing an earlier source is shown before those, so its version must not
    show them: the original is replayed with the counted corrections only. None: the
    stored version is exactly what was known.
    """
    counted = [act for act in acts if act.event == "corrected"]
    # The shown version is the highest counted one, so all below it count iff there are
    # version - 1 of them.
    if row["version"] == 1 or len(counted) == row["version"] - 1:
        return None
    fact: dict[str, Any] = event_state(store, c, row["first_position"])["fact"]
    for act in counted:
        fact = apply_changes(fact, act.data["changes"])
    return checked(fact)


def checked(fact: dict[str, Any]) -> dict[str, Any]:
    """A replayed fact as the domain writes it, or as given when it no longer validates:
    changes only ever checked on top of others are shown as the sources gave them rather
    than with a change not yet published."""
    try:
        return fact_content(parse_fact(fact))
    except ValidationError:
        return with_meeting_id(fact)


def with_meeting_id(fact: dict[str, Any]) -> dict[str, Any]:
    """A stored fact with its meeting id: a ``meeting_held`` stored before meetings had
    ids names its own (the domain's default, the projector's ``meeting_named``)."""
    if fact.get("kind") == "meeting_held" and not fact.get("meeting"):
        return {**fact, "meeting": fact["id"]}
    return fact


def fact_views(
    store: Store, c: Cursor, story: str, clocks: Clocks, rows: Sequence[Any]
) -> list[FactView]:
    """FactViews for fact rows, with the lifecycle counted at ``clocks``."""
    wanted = [row["fact_id"] for row in rows if needs_acts(row)]
    acts = select_acts(store, c, story, clocks, wanted)
    views = []
    for row in rows:
        counted = acts.get(row["fact_id"], ())
        content = known_content(store, c, row, counted)
        views.append(fact_view(story, row, counted, clocks, content))
    return views


def as_known(views: Sequence[FactView], clocks: Clocks) -> list[FactView]:
    """Views as the rule orders and keeps them: by the occurred date they show (a replayed
    version's may differ from its stored row's), and begun by ``occurred_until``."""
    kept = [
        view
        for view in views
        if clocks.until is None or view.occurred_earliest <= from_us(clocks.until)
    ]
    return sorted(kept, key=lambda view: (view.occurred_earliest, view.id))


def fact_view(
    story: str,
    row: Any,
    acts: Sequence[Act],
    clocks: Clocks,
    content: dict[str, Any] | None = None,
) -> FactView:
    """``content``: the fact as then known, when not the row's stored version."""
    fact = with_meeting_id(content or orjson.loads(row["data"])["fact"])
    occurred = occurred_of(fact["occurred"])
    sources = [s for s in fact["sources"] if published_us(s["published"]) <= clocks.known]
    reported = row["orig_published"]
    status = Status.corrected if row["version"] > 1 else Status.active
    disputed = False
    for act in acts:
        if act.event == "corroborated":
            sources.append(act.data["source"])
            reported = min(reported, act.published)
        elif act.event == "disputed":
            disputed = True
        elif act.event == "retracted":
            status = Status.retracted
    occurred_by = None
    if clocks.until is not None:
        surely = occurred.latest <= from_us(clocks.until + 1)
        occurred_by = OccurredBy.surely if surely else OccurredBy.possibly
    extra = {k: v for k, v in fact.items() if k not in COMMON_FIELDS}
    return FactView(
        id=fact["id"],
        story=story,
        kind=fact["kind"],
        occurred=occurred.edtf,
        occurred_earliest=occurred.earliest,
        occurred_latest=occurred.latest,
        precision=occurred.precision,
        reported_at=from_us(reported),
        recorded_at=from_us(row["first_recorded"]),
        status=status,
        certainty=fact.get("certainty", "reported"),
        sources=sources or fact["sources"],  # a correction may have replaced the sources
        disputed=disputed,
        quote=fact.get("quote"),
        quote_language=fact.get("quote_language"),
        note=fact.get("note"),
        occurred_by=occurred_by,
        version=row["version"],
        position=row["first_position"],
        **extra,
    )


def first_report(store: Store, c: Cursor, row: Any) -> dict[str, Any]:
    """The stored event that first reported the fact of ``row``."""
    if row["version"] == 1:
        state: dict[str, Any] = orjson.loads(row["data"])
        return state
    return event_state(store, c, row["first_position"])


def lifecycle(
    store: Store, c: Cursor, row: Any, clocks: Clocks, acts: Sequence[Act]
) -> list[LifecycleEntry]:
    """The fact's events visible at ``clocks`` (``acts``: those counted), its first
    report included."""
    entries: list[LifecycleEntry] = []
    if row["orig_published"] <= clocks.known:
        first = first_report(store, c, row)
        sources = first["fact"]["sources"]
        entries.append(
            LifecycleEntry(
                event="reported",
                position=row["first_position"],
                recorded_at=from_us(row["first_recorded"]),
                reported_at=from_us(row["orig_published"]),
                writer=first["writer"],
                origin_recorded_at=first.get("origin_recorded_at"),
                source=min(sources, key=lambda s: published_us(s["published"])),
            )
        )
    entries += [lifecycle_entry(act) for act in acts]
    entries.sort(key=lambda e: e.position)
    return entries


CORRECTIONS_SELECT = (
    "SELECT version, position FROM rm_versions "
    "WHERE story = ? AND fact_id = ? AND version > 1 ORDER BY version"
)


def versions(
    store: Store, c: Cursor, story: str, row: Any, acts: Sequence[Act]
) -> list[FactVersion]:
    """The fact's versions counted at the asked clocks (``acts``), oldest first.

    The first is what the report said, public from the fact's first publication (a
    corroboration citing an earlier source moves it earlier); each counted correction
    follows, public from its source's date, with the fact's whole content then: the
    stored corrected fact when every earlier correction counts too, else the original
    replayed with the counted changes only (as ``known_content`` shows it).
    """
    original = with_meeting_id(first_report(store, c, row)["fact"])
    cited = list(original["sources"])
    cited += [a.data["source"] for a in acts if a.event == "corroborated"]
    first = min(cited, key=lambda s: published_us(s["published"]))
    shown = [
        FactVersion(
            version=1,
            reported_at=from_us(published_us(first["published"])),
            recorded_at=from_us(row["first_recorded"]),
            source=first,
            content=original,
        )
    ]
    counted = {a.position: a for a in acts if a.event == "corrected"}
    if not counted:
        return shown
    content, every_earlier = original, True
    stored = store.execute(c, CORRECTIONS_SELECT, (story, row["fact_id"])).fetchall()
    for correction in stored:
        act = counted.get(correction["position"])
        if act is None:  # not public or not recorded at the asked time
            every_earlier = False
            continue
        if every_earlier:
            content = with_meeting_id(act.data["fact"])
        else:
            content = checked(apply_changes(content, act.data["changes"]))
        shown.append(
            FactVersion(
                version=correction["version"],
                reported_at=from_us(act.published),
                recorded_at=from_us(act.recorded),
                source=act.data["source"],
                content=content,
            )
        )
    return shown


def lifecycle_entry(act: Act) -> LifecycleEntry:
    return LifecycleEntry(
        event=act.event,
        position=act.position,
        recorded_at=from_us(act.recorded),
        reported_at=from_us(act.published),
        writer=act.writer,
        origin_recorded_at=act.data.get("origin_recorded_at"),
        source=act.data.get("source"),
        note=act.data.get("note"),
        reason=act.data.get("reason"),
        changes=act.data.get("changes"),
    )


# ---- the story list ---------------------------------------------------------------------
# Each story with what its live versions say now: how many facts, how many retracted, the
# facts that start first and end last (their ``occurred`` as written, so no precision is
# invented), and when this store last recorded something of it.
_LIVE_ROW = (
    "v.story = s.story AND v.version = (SELECT MAX(w.version) FROM rm_versions w "
    "WHERE w.story = v.story AND w.fact_id = v.fact_id)"
)
STORY_SUMMARIES = (
    "SELECT s.story, s.data, s.recorded, "
    f"(SELECT COUNT(*) FROM rm_versions v WHERE {_LIVE_ROW}) AS facts, "
    f"(SELECT COUNT(*) FROM rm_versions v WHERE {_LIVE_ROW} AND v.retracted > 0) AS retracted, "
    f"(SELECT v.position FROM rm_versions v WHERE {_LIVE_ROW} "
    "ORDER BY v.occurred_earliest, v.fact_id LIMIT 1) AS first_position, "
    f"(SELECT v.position FROM rm_versions v WHERE {_LIVE_ROW} "
    "ORDER BY v.occurred_latest DESC, v.fact_id LIMIT 1) AS last_position, "
    "(SELECT MAX(v.recorded_from) FROM rm_versions v WHERE v.story = s.story) AS fact_recorded, "
    "(SELECT MAX(a.recorded) FROM rm_lifecycle a WHERE a.story = s.story) AS act_recorded "
    "FROM rm_stories s ORDER BY s.story"
)


def story_summaries(store: Store, c: Cursor) -> list[StorySummary]:
    """Every story with its fact count, date span and last change, in one query."""
    out = []
    for row in store.execute(c, STORY_SUMMARIES).fetchall():
        ends = [_occurred_at(store, c, row[k]) for k in ("first_position", "last_position")]
        recorded = [row["recorded"], row["fact_recorded"], row["act_recorded"]]
        out.append(
            StorySummary(
                story=Story.model_validate_json(bytes(row["data"])),
                facts=row["facts"],
                retracted=row["retracted"],
                first=ends[0].split("/")[0] if ends[0] else None,
                last=ends[1].split("/")[-1] if ends[1] else None,
                changed=from_us(max(r for r in recorded if r is not None)),
            )
        )
    return out


def _occurred_at(store: Store, c: Cursor, position: int | None) -> str | None:
    """The ``occurred`` of the fact version stored at ``position``."""
    if position is None:
        return None
    fact = event_state(store, c, position)["fact"]
    return str(fact["occurred"])
