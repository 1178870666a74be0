"""The three clocks: when a fact occurred, when it was reported, when we recorded it.

``occurred`` is an EDTF string and keeps its real precision: "2023-07" is the whole of
July 2023, never a made-up day. It is normalised to a half-open interval of instants
``[earliest, latest)`` in UTC plus a precision label.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from edtf import parse_edtf
from pydantic import AfterValidator, BaseModel, ConfigDict


class Precision(StrEnum):
    day = "day"
    month = "month"
    year = "year"
    interval = "interval"


class Occurred(BaseModel):
    """An EDTF date normalised to instants, without inventing precision."""

    model_config = ConfigDict(frozen=True)

    edtf: str
    earliest: datetime  # inclusive
    latest: datetime  # exclusive: the instant just after the period ends
    precision: Precision
    approximate: bool = False
    uncertain: bool = False


class InvalidDate(ValueError):
    """A date string that is not a valid EDTF or ISO 8601 value."""


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=UTC)


def _struct_to_date(st: Any) -> date:
    return date(st.tm_year, st.tm_mon, st.tm_mday)


def _precision(first: date, last: date) -> Precision:
    if first == last:
        return Precision.day
    if first.day == 1 and (last + timedelta(days=1)).day == 1:
        if first.year == last.year and first.month == last.month:
            return Precision.month
        if (first.month, last.month, last.day) == (1, 12, 31) and first.year == last.year:
            return Precision.year
    return Precision.interval


# Parsing EDTF costs milliseconds per string and stories reuse few distinct dates,
# so parses are memoised by string.
@lru_cache(maxsize=65536)
def parse_occurred(value: str) -> Occurred:
    """Parse an EDTF string such as ``2023-07``, ``2023-07/2023-10`` or ``2023-10~``."""
    text = value.strip()
    if not text:
        raise InvalidDate("an EDTF date is required, e.g. 2023-07 or 2023-07-18")
    if "T" in text:
        raise InvalidDate(f"{value!r}: occurred takes a date, not a time of day")
    try:
        parsed = parse_edtf(text)
        first = _struct_to_date(parsed.lower_strict())
        last = _struct_to_date(parsed.upper_strict())
    except Exception as error:  # the parser raises several unrelated types
        raise InvalidDate(
            f"{value!r} is not an EDTF date (examples: 2023, 2023-07, 2023-07-18, "
            "2023-07/2023-10, 2023-10~, 2023-10?)"
        ) from error
    if last < first:
        raise InvalidDate(f"{value!r}: the interval ends before it starts")
    if last >= date.max:
        raise InvalidDate(f"{value!r}: dates must end before 9999-12-31")
    return Occurred(
        edtf=text,
        earliest=_day_start(first),
        latest=_day_start(last + timedelta(days=1)),
        precision=_precision(first, last),
        approximate="~" in text or "%" in text,
        uncertain="?" in text or "%" in text,
    )


def _check_edtf(value: str) -> str:
    try:
        return parse_occurred(value).edtf
    except InvalidDate as error:
        raise ValueError(str(error)) from None


EDTF = Annotated[str, AfterValidator(_check_edtf)]
"""A validated EDTF string (the ``occurred`` field)."""


_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


@lru_cache(maxsize=4096)
def parse_instant(value: str) -> datetime:
    """Parse a query time: ISO 8601 date-time, or a date meaning *the end of that day*, UTC.

    ``2024-01-11`` is the last instant of 2024-01-11; ``2023-08`` the last instant of
    August 2023; ``2023`` of the year. A date-time without a zone is taken as UTC.
    """
    try:
        return _parse_instant(value)
    except OverflowError:
        raise InvalidDate(f"{value!r} is outside the supported years (1 to 9998)") from None


def _parse_instant(value: str) -> datetime:
    text = value.strip()
    match = _PARTIAL.match(text)
    if match:
        year, month, day = match.groups()
        try:
            if day:
                end = date(int(year), int(month), int(day)) + timedelta(days=1)
            elif month:
                y, m = int(year), int(month)
                date(y, m, 1)
                end = date(y + (m == 12), m % 12 + 1, 1)
            else:
                end = date(int(year) + 1, 1, 1)
        except ValueError as error:
            raise InvalidDate(f"{value!r}: {error}") from None
        return _day_start(end) - timedelta(microseconds=1)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidDate(
            f"{value!r} is not an ISO 8601 date or date-time (e.g. 2024-01-11 or "
            "2024-01-11T09:30:00Z)"
        ) from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def published_instant(value: date | datetime) -> datetime:
    """When the public could know what a source published: the start of its day, UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return _day_start(value)


def now() -> datetime:
    return datetime.now(UTC)
