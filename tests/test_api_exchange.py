"""Export and import: the NDJSON log round-trips every replay; CSV and TimelineJS3 exports."""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from api.importing import LineSplitter, ReportedLine, parse_line
from api.main import create_app
from domain.storyfile import StoryFile
from tests.api_fixtures import ALICE, BOB, STORY, post_story_file, settings_for

RELAY = {"name": "French relay", "published": "2024-01-12", "language": "fr"}
EARLIER = {"name": "Early wire", "published": "2024-01-05"}
FACTS = f"/stories/{STORY}/facts"


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def lines(text: str) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def source(tmp_path: Path, geneva: StoryFile) -> Iterator[TestClient]:
    """Geneva with a lifecycle: corroborated (earlier), disputed, corrected, retracted."""
    with TestClient(create_app(settings_for(tmp_path / "source"))) as client:
        post_story_file(client, geneva)
        acts = [
            ("geneva-2023-07/corroborations", {"source": EARLIER}),
            ("geneva-2023-07/disputes", {"source": RELAY, "note": "Another account."}),
            ("geneva-2023-10/corrections", {"changes": {"place": "Geneva"}, "source": RELAY}),
            ("geneva-talks-could-feed-eu-ai-summit/retraction",
             {"source": RELAY, "reason": "Withdrawn."}),
        ]  # fmt: skip
        for path, body in acts:
            assert client.post(f"{FACTS}/{path}", json=body, headers=BOB).status_code == 201
        yield client


@pytest.fixture
def target(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(tmp_path / "target"))) as client:
        yield client


def export(client: TestClient, story: str = STORY, **params: str) -> str:
    response = client.get(f"/stories/{story}/export", params=params)
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


# What belongs to the store that holds a story, not to the story: an import appends at
# the importing store's own recorded time.
OWN = ("position", "writer", "recorded_at", "origin_recorded_at", "first_recorded_at")


def _without_positions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_positions(v) for k, v in value.items() if k not in OWN}
    if isinstance(value, list):
        return [_without_positions(v) for v in value]
    return value


def replays(client: TestClient) -> dict[str, Any]:
    """Facts, picture and lifecycles as known at many times, on the story's two clocks."""
    times: list[dict[str, str]] = [{}]
    times += [{"known_at": t} for t in ("2023-12-31", "2024-01-05", "2024-01-11", "2024-01-12")]
    times += [{"occurred_until": t} for t in ("2023-08", "2023-10-15")]
    times += [{"known_at": "2024-01-11", "occurred_until": "2023-08"}]
    out: dict[str, Any] = {}
    for params in times:
        key = repr(sorted(params.items()))
        facts = client.get(FACTS, params={"limit": 1000, **params}).json()["items"]
        picture = client.get(f"/stories/{STORY}/picture", params=params).json()
        details = [client.get(f"{FACTS}/{f['id']}", params=params).json() for f in facts[:5]]
        out[key] = _without_positions({"facts": facts, "picture": picture, "details": details})
    window = {"from": "2023-12-31", "to": "2024-02-01"}
    changes = client.get(f"/stories/{STORY}/changes", params=window).json()
    out["changes"] = _without_positions(changes)
    return out


def test_the_jsonl_export_is_the_story_log_with_actors_and_lifecycle(
    source: TestClient,
) -> None:
    exported = lines(export(source))
    assert exported[0]["event"] == "story_created" and exported[0]["story"]["id"] == STORY
    actors = [line["actor"]["id"] for line in exported if line["event"] == "actor_registered"]
    assert {"openai", "financial-times", "shaikh-group"} <= set(actors)
    events = [line["event"] for line in exported]
    assert events.count("reported") == 25
    assert {"corroborated", "disputed", "corrected", "retracted"} <= set(events)
    reported = next(line for line in exported if line["event"] == "reported")
    assert reported["fact"]["id"] == "geneva-2023-07" and reported["recorded_at"]
    assert all(line["recorded_at"] for line in exported)


def test_export_then_import_into_an_empty_store_reproduces_every_replay(
    source: TestClient, target: TestClient
) -> None:
    text = export(source)
    response = target.post(f"/stories/{STORY}/import", content=text, headers=ALICE)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["appended"] == report["lines"] == len(lines(text))
    assert replays(target) == replays(source)


def test_an_import_is_recorded_at_this_stores_time_and_keeps_when_it_was_first_recorded(
    source: TestClient, target: TestClient, tmp_path: Path
) -> None:
    text = export(source)
    first_recorded = [instant(line["recorded_at"]) for line in lines(text)]
    before = target.get(f"/stories/{STORY}/export")
    assert before.status_code == 404  # the target holds nothing yet
    assert target.post(f"/stories/{STORY}/import", content=text, headers=ALICE).status_code == 200
    imported = lines(export(target))
    # Every event is this store's: recorded after the source recorded all of it ...
    assert min(instant(line["recorded_at"]) for line in imported) > max(first_recorded)
    # ... and says when the first store recorded it, in the same RFC 3339 form.
    assert [instant(line["origin_recorded_at"]) for line in imported] == first_recorded
    # "What did this database say" before the import: nothing.
    earliest = min(first_recorded).isoformat()
    assert target.get(FACTS, params={"recorded_at": earliest}).json()["items"] == []
    # The lifecycle of a fact says both.
    detail = target.get(f"{FACTS}/geneva-2023-07").json()
    assert all(entry["origin_recorded_at"] for entry in detail["lifecycle"])
    # A second hop keeps the first store's time, not the middle one's.
    with TestClient(create_app(settings_for(tmp_path / "third"))) as third:
        again = export(target)
        assert (
            third.post(f"/stories/{STORY}/import", content=again, headers=ALICE).status_code == 200
        )
        hopped = lines(export(third))
        assert [instant(line["origin_recorded_at"]) for line in hopped] == first_recorded


def test_export_then_import_into_an_empty_existing_story_reproduces_every_replay(
    source: TestClient, target: TestClient
) -> None:
    text = export(source)
    target.post("/stories", json=source.get(f"/stories/{STORY}").json(), headers=ALICE)
    response = target.post(f"/stories/{STORY}/import", content=text, headers=ALICE)
    assert response.status_code == 200, response.text
    assert replays(target) == replays(source)


def test_importing_the_same_export_again_appends_nothing(
    source: TestClient, target: TestClient
) -> None:
    text = export(source)
    first = target.post(f"/stories/{STORY}/import", content=text, headers=ALICE).json()
    again = target.post(f"/stories/{STORY}/import", content=text, headers=ALICE)
    assert again.status_code == 200
    assert again.json()["appended"] == 0 and again.json()["unchanged"] == first["lines"]
    assert lines(export(target)) == lines(export(target))
    assert len(lines(export(target))) == len(lines(text))


def test_bad_lines_are_all_reported_by_number_and_nothing_is_imported(
    source: TestClient, target: TestClient
) -> None:
    good = export(source).splitlines()
    bad = list(good)
    bad[20] = '{"id": "x", "kind": "claim", "occurred": "whenever", "sources": []}'
    bad[22] = "not json"
    bad[24] = (
        '{"event": "corroborated", "fact_id": "no-such-fact", "source": {"name": "FT", '
        '"published": "2024-01-11"}}'
    )
    response = target.post(f"/stories/{STORY}/import", content="\n".join(bad), headers=ALICE)
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {p["line"] for p in problems} == {21, 23, 25}
    fields = {(p["line"], p["field"]) for p in problems}
    assert (21, "occurred") in fields and (21, "sources") in fields
    assert (25, "fact_id") in fields
    assert target.get(f"/stories/{STORY}").status_code == 404  # not even the story


def test_bare_fact_lines_are_imported_into_an_existing_story(client: TestClient) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
    body = "\n".join(
        orjson.dumps({"id": f"claim-{i}", "kind": "claim", "occurred": "2023-07",
                      "subject": "talks", "predicate": "were", "object": f"round {i}",
                      "sources": [{"name": "FT", "published": "2024-01-11"}]}).decode()
        for i in range(3)
    )  # fmt: skip
    response = client.post(f"/stories/{STORY}/import", content=body + "\n\n", headers=ALICE)
    assert response.status_code == 200, response.text
    assert response.json()["appended"] == 3
    items = client.get(FACTS).json()["items"]
    assert {i["id"] for i in items} == {"claim-0", "claim-1", "claim-2"}
    log = client.get(f"/stories/{STORY}/stream", params={"follow": "false"}).text
    assert '"writer":"alice"' in log


def test_a_bare_fact_line_problem_names_the_fact_field(client: TestClient) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
    body = (
        b'{"kind": "participant_joined", "occurred": "2023-07", "meeting": "nowhere", '
        b'"actor": "ghost", "sources": [{"name": "FT", "published": "2024-01-11"}]}'
    )
    response = client.post(f"/stories/{STORY}/import", content=body, headers=ALICE)
    assert response.status_code == 422
    assert {(p["line"], p["field"]) for p in response.json()["problems"]} == {
        (1, "actor"),
        (1, "meeting"),
    }


def test_the_collector_pauses_while_an_import_arrives_and_resumes_after_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each pass of Python's cyclic collector walks every line received so far: paused
    from the body's first chunk, a 100,000-line import ran 0.44 -> 0.58 of the library's
    batched save (bench_appends). It must resume after every import, answered or not."""
    enabled_while_received: list[bool] = []

    class Watching(LineSplitter):
        def feed(self, chunk: bytes) -> list[tuple[int, bytes]]:
            enabled_while_received.append(gc.isenabled())
            return super().feed(chunk)

    monkeypatch.setattr("api.routes.exchange.LineSplitter", Watching)
    client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
    fact = {"kind": "claim", "occurred": "2023-07", "subject": "talks", "predicate": "were",
            "object": "held", "sources": [{"name": "FT", "published": "2024-01-11"}]}  # fmt: skip
    good = orjson.dumps({"id": "claim-1", **fact})
    bad = orjson.dumps({"id": "claim-2", **fact, "occurred": "whenever"})
    assert gc.isenabled()
    for body, status in ((good, 200), (bad, 422), (b"not json", 422)):
        response = client.post(f"/stories/{STORY}/import", content=body, headers=ALICE)
        assert response.status_code == status, response.text
        assert gc.isenabled(), f"the collector stayed paused after a {status}"
    csv_body = "id,kind,occurred\nx,claim,whenever\n"
    csv_headers = ALICE | {"Content-Type": "text/csv"}
    response = client.post(f"/stories/{STORY}/import", content=csv_body, headers=csv_headers)
    assert response.status_code == 422 and gc.isenabled()
    assert enabled_while_received and not any(enabled_while_received)


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_an_import_meeting_a_fact_written_meanwhile_stops_says_how_far_and_a_rerun_ends_it(
    store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "memory://" if store == "memory" else f"sqlite:///{tmp_path / 'store.db'}"
    with TestClient(create_app(settings_for(tmp_path, database_url=url))) as client:
        _import_meets_a_fact_written_meanwhile(client, monkeypatch)


def _import_meets_a_fact_written_meanwhile(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
    source = {"name": "FT", "published": "2024-01-11"}
    facts = [{"id": f"claim-{i}", "kind": "claim", "occurred": "2023-07", "subject": "talks",
              "predicate": "were", "object": f"round {i}", "sources": [source]}
             for i in range(7)]  # fmt: skip
    body = "\n".join(orjson.dumps(fact).decode() for fact in facts)
    # Another writer reports claim-4 after the import has looked for its ids: it finds none.
    assert client.post(FACTS, json=facts[4], headers=BOB).status_code == 201
    monkeypatch.setattr("api.routes.exchange.stored_ids_from", lambda read, story: lambda ids: ())
    monkeypatch.setattr("api.importing.BATCH_SIZE", 2)  # batches: 0-1, 2-3, then 4-5 meets it

    stopped = client.post(f"/stories/{STORY}/import", content=body, headers=ALICE)
    assert stopped.status_code == 409, stopped.text
    message = stopped.json()["message"]
    assert "4 of its 7 lines had been appended" in message and "Run it again" in message
    listed = [item["id"] for item in client.get(FACTS).json()["items"]]
    assert sorted(listed) == ["claim-0", "claim-1", "claim-2", "claim-3", "claim-4"]

    monkeypatch.undo()
    again = client.post(f"/stories/{STORY}/import", content=body, headers=ALICE)
    assert again.status_code == 200, again.text
    assert (again.json()["appended"], again.json()["unchanged"]) == (2, 5)
    listed = [item["id"] for item in client.get(FACTS).json()["items"]]
    assert sorted(listed) == [f"claim-{i}" for i in range(7)]


def test_importing_into_an_unknown_story_without_a_story_line_is_a_404(
    client: TestClient,
) -> None:
    body = (
        b'{"id": "x", "kind": "claim", "occurred": "2023", "subject": "a", '
        b'"predicate": "b", "object": "c", "sources": [{"name": "FT", "published": "2024-01-11"}]}'
    )
    response = client.post("/stories/nowhere/import", content=body, headers=ALICE)
    assert response.status_code == 404 and "nowhere" in response.json()["message"]


def test_an_actor_line_conflicting_with_the_store_is_reported(
    source: TestClient, target: TestClient
) -> None:
    target.post("/actors", json={"id": "openai", "name": "Open AI Inc.", "kind": "company"},
                headers=ALICE)  # fmt: skip
    response = target.post(f"/stories/{STORY}/import", content=export(source), headers=ALICE)
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["field"] == "actor" and "openai" in problem["message"]


def test_an_import_needs_a_write_token(source: TestClient, target: TestClient) -> None:
    response = target.post(f"/stories/{STORY}/import", content=export(source))
    assert response.status_code == 401


def test_the_csv_export_has_a_row_per_fact_as_known_then(source: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(export(source, format="csv"))))
    assert len(rows) == 25
    july = next(r for r in rows if r["id"] == "geneva-2023-07")
    assert july["kind"] == "meeting_held" and july["occurred"] == "2023-07"
    assert july["place"] == "Geneva, Switzerland" and "Financial Times" in july["sources"]
    before = list(csv.DictReader(io.StringIO(export(source, format="csv", known_at="2023-12-31"))))
    assert before == []


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_exported_as_text(
    client: TestClient,
) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
    texts = ['=HYPERLINK("http://evil.example","click")', "+1 vote", "@SUM(A1)", "-2 dead"]
    body = "\n".join(
        orjson.dumps({"id": f"s-{i}", "kind": "statement_made", "occurred": "2023-07",
                      "speaker": "a delegate", "text": text,
                      "sources": [{"name": "FT", "published": "2024-01-11"}]}).decode()
        for i, text in enumerate(texts)
    )  # fmt: skip
    assert client.post(f"/stories/{STORY}/import", content=body, headers=ALICE).status_code == 200

    rows = list(csv.DictReader(io.StringIO(export(client, format="csv"))))

    assert sorted(r["text"] for r in rows) == sorted("'" + t for t in texts)
    assert {r["occurred"] for r in rows} == {"2023-07"}  # ordinary cells are untouched


def test_the_timelinejs_export_keeps_each_date_precision(source: TestClient) -> None:
    response = source.get(f"/stories/{STORY}/export", params={"format": "timelinejs"})
    document = response.json()
    assert document["title"]["text"]["headline"].startswith("Confidential")
    events = {e["unique_id"]: e for e in document["events"]}
    assert len(events) == 25
    assert events["geneva-2023-07"]["start_date"] == {"year": 2023, "month": 7}
    assert events["geneva-2023-07"]["display_date"] == "July 2023"
    span = events["geneva-talks-could-feed-un-security-council"]
    assert span["start_date"] == {"year": 2023, "month": 7}
    assert span["end_date"] == {"year": 2023, "month": 10}
    assert events["statement-chinese-embassy-uk"]["display_date"] == "2023 \u2013 11 January 2024"


def test_timelinejs_shows_seasons_and_unspecified_digits_as_their_whole_interval(
    client: TestClient,
) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
    for occurred in ("2023-21", "2023-XX"):  # spring 2023; some month of 2023
        claim = {
            "kind": "claim",
            "occurred": occurred,
            "subject": "talks",
            "predicate": "held",
            "object": "in Geneva",
            "sources": [{"name": "FT", "published": "2024-01-11"}],
        }
        assert client.post(FACTS, json=claim, headers=ALICE).status_code == 201
    events = client.get(f"/stories/{STORY}/export", params={"format": "timelinejs"}).json()
    shown = {e["display_date"]: e for e in events["events"]}
    assert shown["2023-21"]["start_date"] == {"year": 2023, "month": 3, "day": 1}
    assert shown["2023-21"]["end_date"] == {"year": 2023, "month": 5, "day": 31}
    assert shown["2023-XX"]["end_date"] == {"year": 2023, "month": 12, "day": 31}


def test_exports_of_an_unknown_story_are_404s(client: TestClient) -> None:
    for fmt in ("jsonl", "csv", "timelinejs"):
        response = client.get("/stories/nowhere/export", params={"format": fmt})
        assert response.status_code == 404, fmt
    bad = client.get(f"/stories/{STORY}/export", params={"format": "xml"})
    assert bad.status_code == 422 and bad.json()["problems"][0]["field"] == "format"


def test_lifecycle_lines_are_checked_in_order_before_anything_is_appended(
    client: TestClient,
) -> None:
    client.post("/stories", json={"id": STORY, "title": "Geneva"}, headers=ALICE)
    source = {"name": "FT", "published": "2024-01-12"}
    rows = [
        {"id": "c-1", "kind": "claim", "occurred": "2023", "subject": "a", "predicate": "b",
         "object": "c", "sources": [{"name": "FT", "published": "2024-01-11"}]},
        {"event": "corrected", "fact_id": "c-1", "source": source,
         "changes": {"occurred": "sometime"}},
        {"event": "retracted", "fact_id": "c-1", "source": source, "reason": "Withdrawn."},
        {"event": "corrected", "fact_id": "c-1", "source": source, "changes": {"object": "d"}},
        {"event": "corroborated", "fact_id": "c-1", "source": source},
    ]  # fmt: skip
    body = "\n".join(orjson.dumps(r).decode() for r in rows)
    response = client.post(f"/stories/{STORY}/import", content=body, headers=ALICE)
    assert response.status_code == 422
    problems = {(p["line"], p["field"]) for p in response.json()["problems"]}
    # A retracted fact takes no more corrections nor corroborations: each names `status`.
    assert problems == {(2, "changes.occurred"), (4, "status"), (5, "status")}
    assert client.get(FACTS).json()["items"] == []


@pytest.mark.parametrize(
    "fact",
    [
        {"id": "m", "kind": "meeting_held", "title": "Round one", "occurred": "2023-07",
         "sources": [{"name": "FT", "url": "https://ft.com/a", "published": "2024-01-11"}]},
        {"kind": "participant_joined", "meeting": "m", "actor": "openai", "occurred": "2023-07",
         "sources": [{"name": "FT", "url": "https://ft.com/a", "published": "2024-01-11"}]},
    ],
)  # fmt: skip
def test_a_bare_fact_line_imports_as_the_same_line_as_its_reported_event(
    fact: dict[str, Any],
) -> None:
    bare = parse_line(1, orjson.dumps(fact))
    wrapped = parse_line(1, orjson.dumps({"event": "reported", "fact": fact}))
    assert isinstance(wrapped, ReportedLine) and bare == wrapped.fact
    # and a bad one still names its field as a bare line's (no "fact." before it)
    problems = parse_line(3, orjson.dumps({**fact, "occurred": "July"}))
    assert isinstance(problems, list)
    assert [(p.line, p.field) for p in problems] == [(3, "occurred")]
