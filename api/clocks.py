"""The clock parameters of every read, from text: one definition for HTTP and the CLI.

``known_at``, ``recorded_at`` and ``occurred_until`` take an ISO 8601 date or date-time;
a date alone means the end of that day, UTC (``domain.clocks.parse_instant``). They are
converted here once, at the door; the read models turn them into their SQL bounds, and
nothing after that filters on them again.
"""

from __future__ import annotations

from datetime import datetime

from domain.clocks import parse_instant
from projections.views import AsOf

TIME_HELP = "ISO 8601 date or date-time; a date alone means the end of that day, UTC."
CLOCKS = {
    "known_at": "Reported clock: what the public could know by then.",
    "recorded_at": "Recorded clock: what this store held by then.",
    "occurred_until": "Occurred clock: what had happened by then.",
}
"""Each clock parameter, with what it asks."""


class ClockError(ValueError):
    """A clock parameter that is no date: names the parameter, its value and why."""

    def __init__(self, clock: str, value: str, message: str) -> None:
        super().__init__(f"{clock}: {message}")
        self.clock, self.value, self.message = clock, value, message


def parse_clock(clock: str, value: str | None) -> datetime | None:
    """One time parameter (None: not given, i.e. now)."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except (ValueError, OverflowError) as error:  # InvalidDate is a ValueError
        raise ClockError(clock, value, str(error)) from None


def parse_as_of(
    known_at: str | None = None,
    recorded_at: str | None = None,
    occurred_until: str | None = None,
) -> AsOf:
    """The clocks a read is asked on; raises ``ClockError`` naming the first bad one."""
    return AsOf(
        known_at=parse_clock("known_at", known_at),
        recorded_at=parse_clock("recorded_at", recorded_at),
        occurred_until=parse_clock("occurred_until", occurred_until),
    )
