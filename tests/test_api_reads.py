"""Reading the Geneva story over HTTP as known at past dates, on each clock."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api_fixtures import STORY

FACTS = f"/stories/{STORY}/facts"


def all_items(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(FACTS, params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next"] is None
    items: list[dict[str, Any]] = body["items"]
    return items


def test_before_the_disclosure_nobody_knew_of_a_geneva_meeting(geneva_client: TestClient) -> None:
    assert all_items(geneva_client, known_at="2023-12-31") == []


def test_on_the_disclosure_day_both_meetings_and_their_participants_are_known(
    geneva_client: TestClient,
) -> None:
    items = all_items(geneva_client, known_at="2024-01-11")
    ids = {i["id"] for i in items}
    assert {"geneva-2023-07", "geneva-2023-10", "ft-discloses-geneva-talks"} <= ids
    assert len(items) == 25
    joined = [i for i in items if i["kind"] == "participant_joined"]
    assert {i["actor"] for i in joined} >= {"openai", "anthropic", "cohere"}


def test_each_item_carries_the_three_clocks_status_and_sources(
    geneva_client: TestClient,
) -> None:
    item = next(i for i in all_items(geneva_client) if i["id"] == "geneva-2023-07")
    assert item["occurred"] == "2023-07" and item["precision"] == "month"
    assert item["reported_at"].startswith("2024-01-11")
    assert item["recorded_at"] and item["status"] == "active"
    assert item["sources"][0]["name"] == "Financial Times"
    assert item["title"].startswith("US\u2013China AI-safety talks")


def test_occurred_until_keeps_precision_surely_or_possibly(geneva_client: TestClient) -> None:
    items = {i["id"]: i for i in all_items(geneva_client, occurred_until="2023-08")}
    assert items["geneva-2023-07"]["occurred_by"] == "surely"
    assert items["geneva-talks-could-feed-eu-ai-summit"]["occurred_by"] == "possibly"
    assert "geneva-2023-10" not in items


def test_recorded_at_before_anything_was_stored_shows_nothing(geneva_client: TestClient) -> None:
    assert all_items(geneva_client, recorded_at="2001-01-01") == []


def test_pages_follow_the_next_cursor_to_the_end(geneva_client: TestClient) -> None:
    seen: list[str] = []
    response = geneva_client.get(FACTS, params={"limit": 4, "kind": "participant_joined"})
    while True:
        body = response.json()
        seen += [i["id"] for i in body["items"]]
        if body["next"] is None:
            break
        assert len(body["items"]) == 4 and "cursor=" in body["next_url"]
        response = geneva_client.get(body["next_url"])
    assert len(seen) == len(set(seen)) == 6


def test_a_bad_cursor_is_a_422_naming_cursor(geneva_client: TestClient) -> None:
    response = geneva_client.get(FACTS, params={"cursor": "not-a-cursor"})
    assert response.status_code == 422
    assert response.json()["problems"][0]["field"] == "cursor"


def test_filters_by_kind_actor_and_meeting(geneva_client: TestClient) -> None:
    kinds = {i["kind"] for i in all_items(geneva_client, kind=["meeting_held", "claim"])}
    assert kinds == {"meeting_held", "claim"}
    openai = all_items(geneva_client, actor="openai")
    assert {i["id"] for i in openai} == {"geneva-talks-joined-openai"}  # of the series
    october = all_items(geneva_client, meeting="geneva-october-2023")  # a meeting id
    assert [i["id"] for i in october] == ["geneva-2023-10"]  # the round's own fact only


def test_one_fact_comes_with_its_lifecycle(geneva_client: TestClient) -> None:
    detail = geneva_client.get(f"{FACTS}/geneva-2023-07").json()
    assert detail["id"] == "geneva-2023-07"
    assert [e["event"] for e in detail["lifecycle"]] == ["reported"]
    assert detail["lifecycle"][0]["writer"] == "alice"


def test_a_fact_not_yet_known_at_the_asked_time_is_a_404(geneva_client: TestClient) -> None:
    response = geneva_client.get(f"{FACTS}/geneva-2023-07", params={"known_at": "2023-12-31"})
    assert response.status_code == 404


def test_the_picture_shows_meetings_by_role_absentees_and_the_disclosure(
    geneva_client: TestClient,
) -> None:
    picture = geneva_client.get(f"/stories/{STORY}/picture", params={"known_at": "2024-01-11"})
    assert picture.status_code == 200
    body = picture.json()
    july = next(m for m in body["meetings"] if m["id"] == "geneva-july-2023")
    (talks,) = body["series"]  # who took part, and who not, is said of the talks
    assert talks["rounds"] == ["geneva-july-2023", "geneva-october-2023"]
    assert "openai" in talks["participants_by_role"]["participant"]
    assert "shaikh-group" in talks["participants_by_role"]["mediator"]
    assert {a["id"] for a in talks["absentees"]} >= {"bytedance", "tencent", "baidu"}
    assert july["disclosure_lag"] is not None
    assert body["counts"]["meetings"] == 2


def test_the_picture_before_the_disclosure_is_empty(geneva_client: TestClient) -> None:
    body = geneva_client.get(f"/stories/{STORY}/picture", params={"known_at": "2023-12-31"}).json()
    assert body["meetings"] == [] and body["counts"]["facts"] == 0


def test_changes_show_what_became_known_on_the_disclosure(geneva_client: TestClient) -> None:
    params = {"from": "2023-12-31", "to": "2024-01-11"}
    body = geneva_client.get(f"/stories/{STORY}/changes", params=params).json()
    assert {c["fact_id"] for c in body["added"]} >= {"geneva-2023-07", "geneva-2023-10"}
    earlier = geneva_client.get(
        f"/stories/{STORY}/changes", params={"from": "2023-01-01", "to": "2023-12-31"}
    ).json()
    assert earlier["added"] == []


def test_changes_take_the_three_clocks_like_the_other_reads(geneva_client: TestClient) -> None:
    window = {"from": "2023-12-31", "to": "2024-01-11"}
    url = f"/stories/{STORY}/changes"
    before_storing = geneva_client.get(url, params=window | {"recorded_at": "2020-01-01"})
    by_august = geneva_client.get(url, params=window | {"occurred_until": "2023-08"}).json()
    assert before_storing.status_code == 200 and before_storing.json()["added"] == []
    added = {c["fact_id"] for c in by_august["added"]}
    assert "geneva-2023-07" in added and "geneva-2023-10" not in added
    bad = geneva_client.get(url, params=window | {"known_at": "soon"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "known_at"


def test_changes_take_the_same_filters_as_the_other_reads(geneva_client: TestClient) -> None:
    window = {"from": "2023-12-31", "to": "2024-01-11"}
    meetings = geneva_client.get(
        f"/stories/{STORY}/changes", params=window | {"kind": "meeting_held"}
    ).json()
    assert {c["fact_id"] for c in meetings["added"]} == {"geneva-2023-07", "geneva-2023-10"}
    openai = geneva_client.get(f"/stories/{STORY}/changes", params=window | {"actor": "openai"})
    assert {c["fact"]["actor"] for c in openai.json()["added"]} == {"openai"}
    july = geneva_client.get(
        f"/stories/{STORY}/changes", params=window | {"meeting": "geneva-july-2023"}
    ).json()
    # The meeting itself: the article ties nothing else to the July round.
    assert [c["fact_id"] for c in july["added"]] == ["geneva-2023-07"]


def test_changes_need_a_valid_from_before_to(geneva_client: TestClient) -> None:
    missing = geneva_client.get(f"/stories/{STORY}/changes")
    assert missing.status_code == 422 and missing.json()["problems"][0]["field"] == "from"
    backwards = geneva_client.get(
        f"/stories/{STORY}/changes", params={"from": "2024-02-01", "to": "2024-01-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["problems"][0]["field"] == "to"
    clock = geneva_client.get(
        f"/stories/{STORY}/changes", params={"from": "2024-01-01", "clock": "occurred"}
    )
    assert clock.status_code == 422 and clock.json()["problems"][0]["field"] == "clock"


def test_reads_of_an_unknown_story_are_404s(geneva_client: TestClient) -> None:
    for path in ("facts", "picture", "facts/geneva-2023-07"):
        assert geneva_client.get(f"/stories/nowhere/{path}").status_code == 404
    changes = geneva_client.get("/stories/nowhere/changes", params={"from": "2024-01-01"})
    assert changes.status_code == 404


def test_health_reports_the_store_and_progress(geneva_client: TestClient) -> None:
    body = geneva_client.get("/health").json()
    assert body["status"] == "ok" and body["store"] == "memory"
    assert body["last_position"] >= 38  # the story, 12 actors, 25 facts
