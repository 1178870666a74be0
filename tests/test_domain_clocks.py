"""The occurred clock keeps its real precision; query times mean the end of the day."""

from datetime import UTC, datetime

import pytest

from domain.clocks import InvalidDate, Precision, parse_instant, parse_occurred


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_month_is_the_whole_month_not_a_day() -> None:
    july = parse_occurred("2023-07")
    assert july.precision is Precision.month
    assert (july.earliest, july.latest) == (utc(2023, 7, 1), utc(2023, 8, 1))


def test_a_day_a_year_and_an_interval_keep_their_bounds() -> None:
    day = parse_occurred("2023-07-18")
    assert (day.precision, day.earliest, day.latest) == (
        Precision.day,
        utc(2023, 7, 18),
        utc(2023, 7, 19),
    )
    year = parse_occurred("2023")
    assert (year.precision, year.latest) == (Precision.year, utc(2024, 1, 1))
    span = parse_occurred("2023-07/2023-10")
    assert (span.precision, span.earliest, span.latest) == (
        Precision.interval,
        utc(2023, 7, 1),
        utc(2023, 11, 1),
    )


def test_approximate_and_uncertain_dates_are_flagged_without_widening() -> None:
    approx = parse_occurred("2023-10~")
    unsure = parse_occurred("2023-10?")
    assert approx.approximate and not approx.uncertain
    assert unsure.uncertain and not unsure.approximate
    assert approx.precision is Precision.month and approx.earliest == utc(2023, 10, 1)


@pytest.mark.parametrize(
    "bad", ["2023-13", "July 2023", "", "2023-07-18T10:00:00Z", "2023-10/2023-07"]
)
def test_a_bad_occurred_date_is_refused_with_examples(bad: str) -> None:
    with pytest.raises(InvalidDate):
        parse_occurred(bad)


def test_a_query_date_means_the_end_of_that_day_utc() -> None:
    end = parse_instant("2024-01-11")
    assert end.date().isoformat() == "2024-01-11" and end > utc(2024, 1, 11, 23, 59, 59)
    assert parse_instant("2023-08") < utc(2023, 9, 1) <= parse_instant("2023-09-01")
    assert parse_instant("2023-12") < utc(2024, 1, 1)


def test_a_query_time_with_a_zone_is_converted_and_one_without_is_utc() -> None:
    assert parse_instant("2024-01-11T10:00:00+02:00") == utc(2024, 1, 11, 8)
    assert parse_instant("2024-01-11T10:00:00") == utc(2024, 1, 11, 10)
    with pytest.raises(InvalidDate):
        parse_instant("yesterday")
    with pytest.raises(InvalidDate):
        parse_instant("2024-02-30")


@pytest.mark.parametrize("edge", ["9999", "9999-12-31", "2023-07/9999"])
def test_dates_at_the_end_of_the_calendar_are_refused_not_crashed(edge: str) -> None:
    with pytest.raises(InvalidDate, match="9999"):
        parse_occurred(edge)
    with pytest.raises(InvalidDate):
        parse_instant(edge if "/" not in edge else "9999-12-31")
