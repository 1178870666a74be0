"""The write rules the contract says every path keeps, seen over HTTP."""

from __future__ import annotations

import orjson
from fastapi.testclient import TestClient

from tests.api_fixtures import ALICE
from tests.test_api_writes import FT, MEETING, RELAY, joined
from tests.test_api_writes import story as story

BASE = "/stories/{story}/facts/geneva-2023-07"


def test_corroborating_with_a_source_already_cited_appends_nothing(
    client: TestClient, story: str
) -> None:
    url = BASE.format(story=story) + "/corroborations"
    first = client.post(url, json={"source": RELAY}, headers=ALICE)
    again = client.post(url, json={"source": RELAY}, headers=ALICE)
    original = client.post(url, json={"source": FT}, headers=ALICE)
    assert first.status_code == 201
    assert again.status_code == 200 and original.status_code == 200
    fact = client.get(BASE.format(story=story)).json()
    assert [s["name"] for s in fact["sources"]] == ["Financial Times", "French relay"]


def test_a_retracted_fact_takes_no_corroboration_or_dispute(client: TestClient, story: str) -> None:
    base = BASE.format(story=story)
    client.post(f"{base}/retraction", json={"source": RELAY, "reason": "Withdrawn."}, headers=ALICE)
    for path, body in [
        ("corroborations", {"source": {"name": "Reuters", "published": "2024-01-13"}}),
        ("disputes", {"source": RELAY, "note": "Never happened."}),
    ]:
        refused = client.post(f"{base}/{path}", json=body, headers=ALICE)
        assert refused.status_code == 409
        assert refused.json()["problems"][0]["field"] == "status"


def test_a_correction_that_changes_nothing_is_refused(client: TestClient, story: str) -> None:
    url = BASE.format(story=story) + "/corrections"
    body = {"changes": {"place": MEETING["place"]}, "source": RELAY}
    refused = client.post(url, json=body, headers=ALICE)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "changes"


def test_a_source_published_in_the_future_is_refused_and_nothing_is_appended(
    client: TestClient, story: str
) -> None:
    future = {"name": "Tomorrow's Paper", "published": "2099-01-01"}
    fact = joined(id="future-fact", sources=[future])
    refused = client.post(f"/stories/{story}/facts", json=fact, headers=ALICE)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "sources.0.published"
    assert client.get(f"/stories/{story}/facts/future-fact").status_code == 404
    url = BASE.format(story=story) + "/corroborations"
    late = client.post(url, json={"source": future}, headers=ALICE)
    assert late.status_code == 422
    assert late.json()["problems"][0]["field"] == "source.published"


def test_a_confirmed_fact_cannot_start_after_its_sources(client: TestClient, story: str) -> None:
    fact = joined(id="too-early", occurred="2024-03", certainty="confirmed")
    refused = client.post(f"/stories/{story}/facts", json=fact, headers=ALICE)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "occurred"
    alleged = client.post(
        f"/stories/{story}/facts", json=fact | {"certainty": "alleged"}, headers=ALICE
    )
    assert alleged.status_code == 201


def test_a_participant_names_a_meeting_by_its_meeting_id_and_may_sit_on_another_side(
    client: TestClient, story: str
) -> None:
    client.post(
        "/actors",
        json={"id": "cohere", "name": "Cohere", "kind": "company", "country": "CA"},
        headers=ALICE,
    )
    meeting = MEETING | {
        "id": "fact-of-round-two",
        "meeting": "geneva-2023-10",
        "occurred": "2023-10",
        "series": "geneva-talks",
    }
    # The participant names the meeting id, not the fact id (both in one import).
    sitting = joined(id="cohere-us-side", meeting="geneva-2023-10", actor="cohere", side="us")
    body = b"".join(orjson.dumps(line) + b"\n" for line in (meeting, sitting))
    imported = client.post(
        f"/stories/{story}/import",
        content=body,
        headers=ALICE | {"Content-Type": "application/x-ndjson"},
    )
    assert imported.status_code == 200, imported.json()
    facts = f"/stories/{story}/facts"
    assert client.get(f"{facts}/cohere-us-side").json()["side"] == "US"
    stored = client.get(f"{facts}/fact-of-round-two").json()
    assert stored["meeting"] == "geneva-2023-10" and stored["series"] == "geneva-talks"
    unknown = joined(id="nowhere", meeting="geneva-2099", actor="cohere")
    refused = client.post(facts, json=unknown, headers=ALICE)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "meeting"


def test_a_meeting_id_is_named_by_later_writes_and_held_by_one_meeting_only(
    client: TestClient, story: str
) -> None:
    facts = f"/stories/{story}/facts"
    round_two = MEETING | {"id": "round-two", "meeting": "geneva-2023-10", "occurred": "2023-10"}
    assert client.post(facts, json=round_two, headers=ALICE).status_code == 201
    # A later request names the meeting by its meeting id ...
    later = joined(id="openai-in-october", meeting="geneva-2023-10", occurred="2023-10")
    assert client.post(facts, json=later, headers=ALICE).status_code == 201
    # ... not by the id of the fact that reported it.
    by_fact_id = joined(id="openai-by-fact-id", meeting="round-two")
    refused = client.post(facts, json=by_fact_id, headers=ALICE)
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "meeting"
    # A second meeting_held cannot take the same meeting id.
    twin = MEETING | {"id": "another-fact", "meeting": "geneva-2023-10", "occurred": "2023-10"}
    taken = client.post(facts, json=twin, headers=ALICE)
    assert taken.status_code == 409
    assert taken.json()["problems"][0]["field"] == "meeting"
    assert client.get(f"{facts}/another-fact").status_code == 404


def test_a_series_is_named_by_its_rounds_before_facts_speak_of_it(
    client: TestClient, story: str
) -> None:
    facts = f"/stories/{story}/facts"
    of_series = joined(id="openai-in-the-talks", meeting=None, series="geneva-talks")
    early = client.post(facts, json=of_series, headers=ALICE)
    assert early.status_code == 422
    assert early.json()["problems"][0]["field"] == "series"
    assert "series 'geneva-talks'" in early.json()["problems"][0]["message"]
    for n, month in ((1, "2023-07"), (2, "2023-10")):
        rnd = MEETING | {"id": f"round-{n}", "occurred": month, "series": "geneva-talks"}
        assert client.post(facts, json=rnd, headers=ALICE).status_code == 201
    accepted = client.post(facts, json=of_series, headers=ALICE)
    assert accepted.status_code == 201, accepted.json()
    stored = client.get(f"{facts}/openai-in-the-talks").json()
    assert stored["series"] == "geneva-talks" and stored.get("meeting") is None


def test_a_source_may_name_the_outlet_that_relayed_it(client: TestClient, story: str) -> None:
    relayed = FT | {"via": RELAY}
    fact = joined(id="relayed", sources=[relayed])
    assert client.post(f"/stories/{story}/facts", json=fact, headers=ALICE).status_code == 201
    shown = client.get(f"/stories/{story}/facts/relayed").json()
    assert shown["sources"][0]["via"]["name"] == "French relay"
    assert shown["reported_at"].startswith("2024-01-11")


def test_a_bad_correction_is_explained_in_plain_words(client: TestClient, story: str) -> None:
    url = BASE.format(story=story) + "/corrections"
    body = {"changes": {"occurred": "July 2023"}, "source": RELAY}
    refused = client.post(url, json=body, headers=ALICE).json()
    assert refused["problems"][0]["field"] == "changes.occurred"
    assert "Value error" not in refused["problems"][0]["message"]


def test_an_import_line_with_a_bad_date_gets_one_plain_problem(
    client: TestClient, story: str
) -> None:
    line = joined(id="bad-date", sources=[{"name": "FT", "published": "11 January"}])
    body = orjson.dumps(line) + b"\n"
    refused = client.post(
        f"/stories/{story}/import",
        content=body,
        headers=ALICE | {"Content-Type": "application/x-ndjson"},
    )
    assert refused.status_code == 422
    problems = refused.json()["problems"]
    assert [p["field"] for p in problems] == ["sources.0.published"]
    assert "should" not in problems[0]["message"]
