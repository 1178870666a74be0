"""The read-model tables, and how instants on the three clocks are stored in them.

Every instant is an integer count of microseconds since 1970-01-01 UTC, so comparisons on
any clock are plain integer comparisons that indexes serve on SQLite and PostgreSQL alike.
``NEVER`` stands for "not yet / no end" and ``ALWAYS`` for "since the beginning".

Tables (every key starts with the story, so an "as of" question about one story reads
only that story's rows, however long the rest of the history grows):

- ``rm_versions``: one row per version of a fact (the original report, then each
  correction): the log position of its content, occurred earliest/latest, the meeting
  and series it names (a ``meeting_held`` names its own meeting id), the fact's
  first publication, and the interval in which the version was live on the reported
  clock (``reported_from``/``reported_until``) and on the recorded clock
  (``recorded_from``/``recorded_until``); a later correction or a retraction ends it.
- ``rm_lifecycle``: corroborations, disputes, corrections and retractions per fact, with
  the acting source's publication instant and the recorded instant.
- ``rm_stories``, ``rm_actors``: the registered stories and actors.
- ``rm_events``: copies of stored events, kept only when the events are not in the same
  database (the in-memory store); otherwise rows point at the events table by position.

A story's log is the union of its story row, its facts' first versions and its
lifecycle rows, each indexed by (story, position).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from domain.clocks import Occurred, Precision, parse_occurred, published_instant

Dialect = Literal["sqlite", "postgres"]

SCHEMA_VERSION = "3"  # 3: a series column; a meeting_held row's meeting is its meeting id
NEVER = 2**62
ALWAYS = -(2**62)
# "Now" as a query bound: before NEVER, so a row whose live interval has no end
# (``..._until = NEVER``) is live now without looking any further.
NOW = NEVER - 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

TABLES = ("rm_events", "rm_versions", "rm_lifecycle", "rm_stories", "rm_actors", "rm_meta")
LEGACY_TABLES = ("rm_log",)  # of earlier schema versions: dropped on reset

VERSION_COLUMNS = (
    "story",
    "fact_id",
    "version",
    "kind",
    "position",
    "first_position",
    "first_recorded",
    "occurred_earliest",
    "occurred_latest",
    "meeting",
    "series",
    "actor",
    "orig_published",
    "first_published",
    "reported_from",
    "recorded_from",
    "reported_until",
    "recorded_until",
    "corroborations",
    "disputes",
    "retracted",
)
# What a later event can change in a stored version row.
VERSION_MUTABLE = (
    "first_published",
    "reported_until",
    "recorded_until",
    "corroborations",
    "disputes",
    "retracted",
)


def table_statements(dialect: Dialect) -> list[str]:
    blob = "BLOB" if dialect == "sqlite" else "BYTEA"
    position_key = "INTEGER PRIMARY KEY" if dialect == "sqlite" else "BIGINT PRIMARY KEY"
    compact = " WITHOUT ROWID" if dialect == "sqlite" else ""
    return [
        "CREATE TABLE IF NOT EXISTS rm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_stories (story TEXT PRIMARY KEY, "
        f"position BIGINT NOT NULL, recorded BIGINT NOT NULL, data {blob} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_actors (actor TEXT PRIMARY KEY, "
        f"position BIGINT NOT NULL, recorded BIGINT NOT NULL, data {blob} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS rm_events (position {position_key}, data {blob} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS rm_versions (story TEXT NOT NULL, fact_id TEXT NOT NULL, "
        "version INTEGER NOT NULL, kind TEXT NOT NULL, position BIGINT NOT NULL, "
        "first_position BIGINT NOT NULL, first_recorded BIGINT NOT NULL, "
        "occurred_earliest BIGINT NOT NULL, occurred_latest BIGINT NOT NULL, "
        "meeting TEXT, series TEXT, actor TEXT, orig_published BIGINT NOT NULL, "
        "first_published BIGINT NOT NULL, reported_from BIGINT NOT NULL, "
        "recorded_from BIGINT NOT NULL, reported_until BIGINT NOT NULL, "
        "recorded_until BIGINT NOT NULL, corroborations INTEGER NOT NULL, "
        "disputes INTEGER NOT NULL, retracted INTEGER NOT NULL, "
        f"PRIMARY KEY (story, fact_id, version)){compact}",
        "CREATE TABLE IF NOT EXISTS rm_lifecycle (story TEXT NOT NULL, fact_id TEXT NOT NULL, "
        "position BIGINT NOT NULL, event TEXT NOT NULL, kind TEXT NOT NULL, "
        "published BIGINT NOT NULL, recorded BIGINT NOT NULL, "
        f"PRIMARY KEY (story, fact_id, position)){compact}",
    ]


# Secondary indexes: dropped while a rebuild loads rows and built again at its end.
INDEXES = {
    "rm_versions_occurred": "CREATE INDEX IF NOT EXISTS rm_versions_occurred "
    "ON rm_versions (story, occurred_earliest, fact_id)",
    "rm_versions_reported": "CREATE INDEX IF NOT EXISTS rm_versions_reported "
    "ON rm_versions (story, first_position) WHERE version = 1",
    "rm_lifecycle_story": "CREATE INDEX IF NOT EXISTS rm_lifecycle_story "
    "ON rm_lifecycle (story, position)",
}


def to_us(moment: datetime) -> int:
    """An aware instant as microseconds since the epoch."""
    return (moment - EPOCH) // _MICROSECOND


def from_us(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def bound(moment: datetime | None, default: int = NOW) -> int:
    """A query instant (None means "now": no bound) in microseconds."""
    return default if moment is None else moment_us(moment)


# The hot path of a rebuild converts the same few strings over and over: memoise them
# (the projector reads the first two directly).
PUBLISHED_US: dict[str, int] = {}
OCCURRED_US: dict[str, tuple[int, int]] = {}
_OCCURRED_FULL: dict[str, Occurred] = {}  # bounded below: a server keeps its memory small
PLAIN_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def occurred_of(edtf: str) -> Occurred:
    """``parse_occurred``, with plain ISO dates (2023, 2023-07, 2023-07-18) done directly.

    The EDTF parser costs milliseconds per distinct string; a log with thousands of
    distinct days would spend seconds there on every rebuild. Plain dates are exact
    calendar periods, so they need no parser; every other form goes to the domain's.
    """
    found = _OCCURRED_FULL.get(edtf)
    if found is not None:
        return found
    match = PLAIN_DATE.match(edtf)
    if match is None:
        found = parse_occurred(edtf)
    else:
        year, month, day = match.groups()
        try:
            if day:
                first = date(int(year), int(month), int(day))
                after, precision = first + timedelta(days=1), Precision.day
            elif month:
                y, m = int(year), int(month)
                first = date(y, m, 1)
                after, precision = date(y + (m == 12), m % 12 + 1, 1), Precision.month
            else:
                first = date(int(year), 1, 1)
                after, precision = date(int(year) + 1, 1, 1), Precision.year
        except ValueError:
            found = parse_occurred(edtf)  # let the domain word the error
        else:
            found = Occurred(
                edtf=edtf,
                earliest=datetime.combine(first, time.min, tzinfo=UTC),
                latest=datetime.combine(after, time.min, tzinfo=UTC),
                precision=precision,
            )
    if len(_OCCURRED_FULL) > 20_000:
        _OCCURRED_FULL.clear()
    _OCCURRED_FULL[edtf] = found
    return found


def published_us(value: str) -> int:
    """A source's ``published`` (a date: the start of that day UTC, or a date-time)."""
    found = PUBLISHED_US.get(value)
    if found is None:
        if len(value) == 10:
            moment = published_instant(date.fromisoformat(value))
        else:
            moment = published_instant(datetime.fromisoformat(value))
        found = to_us(moment)
        if len(PUBLISHED_US) > 100_000:
            PUBLISHED_US.clear()
        PUBLISHED_US[value] = found
    return found


def occurred_us(edtf: str) -> tuple[int, int]:
    """An EDTF ``occurred`` as [earliest, latest) in microseconds."""
    found = OCCURRED_US.get(edtf)
    if found is None:
        occurred = occurred_of(edtf)
        found = (to_us(occurred.earliest), to_us(occurred.latest))
        if len(OCCURRED_US) > 100_000:
            OCCURRED_US.clear()
        OCCURRED_US[edtf] = found
    return found


def recorded_us(timestamp: str) -> int:
    """An event's stored ``timestamp`` (ISO 8601, UTC) in microseconds."""
    return moment_us(datetime.fromisoformat(timestamp))


def moment_us(moment: datetime) -> int:
    """An instant in microseconds; a naive one is taken as UTC."""
    return to_us(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
