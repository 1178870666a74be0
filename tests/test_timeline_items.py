"""Each fact's states along the knowledge clock: what the replay slider shows on a date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.services import Services, open_services
from domain.model import Correction, Dispute, Retraction, Source
from projections.timeline.data import story_data
from projections.timeline.items import Shown, states
from projections.views import AsOf, Filters
from tests.api_fixtures import settings_for
from tests.builders import a_meeting, a_story, an_actor, joined
from tests.timeline_data import lived, view_of


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def source(published: str, name: str = "Le Monde") -> Source:
    return Source.model_validate({"name": name, "published": published})


def known_on(shown: list[Shown], day: str) -> dict[str, Shown]:
    """What the slider shows at the end of ``day``."""
    end = at(day).replace(hour=23, minute=59, second=59)
    return {
        s.view.id: s
        for s in shown
        if s.known_from <= end and (s.known_until is None or s.known_until > end)
    }


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    opened = open_services(settings_for(tmp_path))
    opened.app.create_story(a_story(), "test")
    opened.app.register_actor(an_actor(), "test")
    opened.app.report_facts("geneva-ai-talks", [a_meeting(), joined()], "test")
    yield opened
    opened.close()


def shown_now(services: Services) -> list[Shown]:
    services.read.catch_up()
    return story_data(services.read, "geneva-ai-talks", AsOf(), Filters()).shown


def test_a_fact_is_shown_from_the_day_it_became_known() -> None:
    shown = states([view_of(a_meeting())])
    assert known_on(shown, "2024-01-10") == {}
    assert set(known_on(shown, "2024-01-11")) == {"geneva-2023-07"}


def test_a_fact_retracted_later_is_shown_active_before_the_retraction(
    services: Services,
) -> None:
    retraction = Retraction(source=source("2024-02-01"), reason="the round never took place")
    services.app.retract("geneva-ai-talks", "geneva-2023-07", retraction, "test")
    shown = shown_now(services)
    assert known_on(shown, "2024-01-20")["geneva-2023-07"].view.status == "active"
    assert known_on(shown, "2024-02-01")["geneva-2023-07"].view.status == "retracted"


def test_a_correction_shows_the_first_version_until_it_was_published(services: Services) -> None:
    correction = Correction(changes={"occurred": "2023-07-18"}, source=source("2024-02-01"))
    services.app.correct("geneva-ai-talks", "geneva-2023-07", correction, "test")
    shown = shown_now(services)
    before = known_on(shown, "2024-01-31")["geneva-2023-07"].view
    after = known_on(shown, "2024-02-01")["geneva-2023-07"].view
    assert (before.occurred, before.precision, before.status) == ("2023-07", "month", "active")
    assert (after.occurred, after.precision, after.status) == ("2023-07-18", "day", "corrected")


def test_a_dispute_flags_the_fact_from_the_disputing_source_date(services: Services) -> None:
    dispute = Dispute(source=source("2024-03-01"), note="OpenAI says it was not there")
    services.app.dispute("geneva-ai-talks", "geneva-2023-07-joined-openai", dispute, "test")
    shown = shown_now(services)
    assert not known_on(shown, "2024-02-29")["geneva-2023-07-joined-openai"].view.disputed
    assert known_on(shown, "2024-03-01")["geneva-2023-07-joined-openai"].view.disputed


def test_changes_published_after_the_page_date_are_not_replayed(services: Services) -> None:
    retraction = Retraction(source=source("2024-02-01"), reason="never happened")
    services.app.retract("geneva-ai-talks", "geneva-2023-07", retraction, "test")
    services.read.catch_up()
    as_of = AsOf(known_at=at("2024-01-20"))
    shown = story_data(services.read, "geneva-ai-talks", as_of, Filters()).shown
    assert [(s.view.id, s.view.status, s.known_until) for s in shown] == [
        ("geneva-2023-07", "active", None),
        ("geneva-2023-07-joined-openai", "active", None),
    ]


def test_a_change_published_before_the_fact_became_known_is_in_its_first_state() -> None:
    fact = view_of(a_meeting(), disputed=True)
    shown = states([fact], {fact.id: lived(a_meeting(), ("disputed", "2023-12-01"))})
    assert [(s.view.disputed, s.known_from) for s in shown] == [(True, fact.reported_at)]


def test_each_state_says_whether_it_had_surely_happened_by_occurred_until(
    services: Services,
) -> None:
    correction = Correction(changes={"occurred": "2023-07-18"}, source=source("2024-02-01"))
    services.app.correct("geneva-ai-talks", "geneva-2023-07", correction, "test")
    services.read.catch_up()
    as_of = AsOf(occurred_until=at("2023-07-20"))
    shown = story_data(services.read, "geneva-ai-talks", as_of, Filters()).shown
    before = known_on(shown, "2024-01-31")["geneva-2023-07"].view
    after = known_on(shown, "2024-02-01")["geneva-2023-07"].view
    assert (before.occurred, before.occurred_by) == ("2023-07", "possibly")  # all July
    assert (after.occurred, after.occurred_by) == ("2023-07-18", "surely")
