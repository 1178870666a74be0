"""The clock parameters, one definition for HTTP and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from api.clocks import ClockError, parse_as_of


def test_a_date_alone_is_the_end_of_that_day_utc_on_every_clock() -> None:
    as_of = parse_as_of("2024-01-11", "2024-02-01T12:00:00+01:00", "2023-08")
    assert as_of.known_at == datetime(2024, 1, 11, 23, 59, 59, 999999, tzinfo=UTC)
    assert as_of.recorded_at == datetime(2024, 2, 1, 11, tzinfo=UTC)
    assert as_of.occurred_until == datetime(2023, 8, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_as_of() == parse_as_of(None, None, None)  # nothing given: now on each


def test_a_bad_clock_is_named_with_why() -> None:
    with pytest.raises(ClockError) as raised:
        parse_as_of(known_at="2024-01-11", occurred_until="2023-02-30")
    assert raised.value.clock == "occurred_until"
    assert "day is out of range" in raised.value.message


def test_http_and_the_cli_refuse_the_same_bad_clock_alike(client: TestClient) -> None:
    response = client.get("/stories/any/facts", params={"recorded_at": "yesterday"})
    problem = parse_error("recorded_at", "yesterday")
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "recorded_at"
    assert problem in response.text
    result = CliRunner().invoke(cli, ["facts", "any", "--recorded-at", "yesterday"])
    assert result.exit_code == 2
    assert "--recorded-at" in result.output and problem in " ".join(result.output.split())


def parse_error(clock: str, value: str) -> str:
    try:
        parse_as_of(**{clock: value})
    except ClockError as error:
        return error.message.split(" (")[0]
    raise AssertionError(f"{value!r} parsed")
