"""A story kept in a spreadsheet: the CSV export imports back, edited the way spreadsheets
edit it, and bad rows are listed by row and column with nothing appended."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from api.csv_import import split_list, unguard
from api.exporting import guard
from api.main import create_app
from domain.storyfile import StoryFile
from fixtures import GENEVA
from tests.api_fixtures import ALICE, BOB, STORY, post_story_file, settings_for

COPY = "geneva-copy"
CSV = {**ALICE, "Content-Type": "text/csv"}
EARLIER = {"name": "Early wire", "published": "2024-01-05", "url": "https://wire.example/a"}
# What belongs to the store or the story, not to the fact.
OWN = ("story", "position", "recorded_at", "origin_recorded_at")
CLOCKS: list[dict[str, str]] = [
    {},
    {"known_at": "2023-12-31"},
    {"known_at": "2024-01-05"},
    {"known_at": "2024-01-11"},
    {"occurred_until": "2023-08"},
    {"occurred_until": "2023-10-15"},
    {"known_at": "2024-01-11", "occurred_until": "2023-08"},
]


@pytest.fixture
def client(tmp_path: Path, geneva: StoryFile) -> Iterator[TestClient]:
    """Geneva (corroborated by an earlier wire), and an empty story to import into."""
    with TestClient(create_app(settings_for(tmp_path))) as test_client:
        post_story_file(test_client, geneva)
        body = {"source": EARLIER}
        path = f"/stories/{STORY}/facts/geneva-2023-07/corroborations"
        assert test_client.post(path, json=body, headers=BOB).status_code == 201
        test_client.post("/stories", json={"id": COPY, "title": "Copy"}, headers=ALICE)
        yield test_client


def export_csv(client: TestClient, story: str = STORY) -> str:
    response = client.get(f"/stories/{story}/export", params={"format": "csv"})
    assert response.status_code == 200, response.text
    text: str = response.text
    return text


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write_csv(rows: list[dict[str, str]], **options: Any) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), **options)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def facts(client: TestClient, story: str, **clocks: str) -> list[dict[str, Any]]:
    items = client.get(f"/stories/{story}/facts", params={"limit": 1000, **clocks}).json()
    return sorted(
        ({k: v for k, v in item.items() if k not in OWN} for item in items["items"]),
        key=lambda item: item["id"],
    )


def test_a_csv_export_imported_into_an_empty_story_gives_the_same_facts_on_every_clock(
    client: TestClient,
) -> None:
    response = client.post(f"/stories/{COPY}/import", content=export_csv(client), headers=CSV)

    assert response.status_code == 200, response.text
    assert response.json()["appended"] == 25
    for clocks in CLOCKS:
        assert facts(client, COPY, **clocks) == facts(client, STORY, **clocks), clocks
    picture = client.get(f"/stories/{COPY}/picture", params={"known_at": "2024-01-11"}).json()
    assert picture["counts"]["meetings"] == 2 and picture["counts"]["series"] == 1


def test_a_retracted_fact_comes_back_from_a_spreadsheet_retracted_from_the_same_date(
    client: TestClient,
) -> None:
    withdrawn = {"source": {"name": "Le Monde", "published": "2024-01-20"}, "reason": "Denied."}
    path = f"/stories/{STORY}/facts/geneva-2023-10/retraction"
    assert client.post(path, json=withdrawn, headers=BOB).status_code == 201
    (row,) = [r for r in rows_of(export_csv(client)) if r["id"] == "geneva-2023-10"]
    assert (row["status"], row["retracted_by"], row["retracted_published"]) == (
        "retracted", "Le Monde", "2024-01-20",
    )  # fmt: skip

    response = client.post(f"/stories/{COPY}/import", content=export_csv(client), headers=CSV)

    assert response.status_code == 200, response.text
    assert response.json()["appended"] == 26  # 25 facts and the retraction
    for clocks in ({}, {"known_at": "2024-01-19"}, {"known_at": "2024-01-20"}):
        assert facts(client, COPY, **clocks) == facts(client, STORY, **clocks), clocks
    again = client.get(f"/stories/{COPY}/facts/geneva-2023-10").json()
    assert again["status"] == "retracted"
    assert again["lifecycle"][-1]["reason"] == "Denied."
    # A retraction cell left half-filled is named by its column, nothing appended.
    row |= {"id": "another-copy", "meeting": "", "retracted_published": "soon"}
    bad = client.post(f"/stories/{COPY}/import", content=write_csv([row]), headers=CSV)
    assert bad.status_code == 422
    assert [(p["line"], p["field"]) for p in bad.json()["problems"]] == [(2, "retracted_published")]


def test_importing_the_same_csv_again_appends_nothing(client: TestClient) -> None:
    text = export_csv(client)
    client.post(f"/stories/{COPY}/import", content=text, headers=CSV)

    again = client.post(f"/stories/{COPY}/import", content=text, headers=CSV).json()

    assert again["appended"] == 0 and again["unchanged"] == 25


def test_the_csv_shows_lists_and_yes_no_the_way_a_spreadsheet_user_reads_them(
    client: TestClient,
) -> None:
    rows = {r["id"]: r for r in rows_of(export_csv(client))}
    july = rows["geneva-2023-07"]

    assert july["sources"].split(" | ") == ["Financial Times", "Early wire"]
    assert july["source_published"] == "2024-01-11 | 2024-01-05"
    assert july["source_urls"].endswith(" | https://wire.example/a")
    assert july["disputed"] == "no"
    assert july["series"] and july["via"].startswith("French-language relay")
    sides = {r["side"] for r in rows.values() if r["kind"] == "participant_joined"}
    assert "US" in sides  # Cohere, a Canadian company, sat on the US side


def test_a_spreadsheet_saved_with_a_bom_crlf_and_a_quoted_comma_imports(
    client: TestClient,
) -> None:
    rows = rows_of(export_csv(client))
    edited = next(r for r in rows if r["id"] == "geneva-2023-10")
    edited["place"] = "Geneva, Switzerland (a hotel, by the lake)"
    edited["status"] = "whatever a spreadsheet user typed"  # computed: ignored
    text = "\ufeff" + write_csv(rows, lineterminator="\r\n")
    assert '"Geneva, Switzerland (a hotel, by the lake)"' in text

    response = client.post(f"/stories/{COPY}/import", content=text.encode(), headers=CSV)

    assert response.status_code == 200, response.text
    october = client.get(f"/stories/{COPY}/facts/geneva-2023-10").json()
    assert october["place"] == "Geneva, Switzerland (a hotel, by the lake)"
    assert october["status"] == "active"


def test_a_semicolon_separated_spreadsheet_with_only_some_columns_imports(
    client: TestClient,
) -> None:
    text = (
        "id;kind;occurred;subject;predicate;object;sources;source_published\r\n"
        "c-1;claim;2023-07;the talks;were held;in Geneva, twice;Le Monde | FT;"
        "2024-01-12 | 2024-01-11\r\n"
        ";;;;;;;\r\n"  # an empty row a spreadsheet leaves behind
    )

    response = client.post(f"/stories/{COPY}/import", content=text.encode(), headers=CSV)

    assert response.status_code == 200, response.text
    claim = client.get(f"/stories/{COPY}/facts/c-1").json()
    assert claim["object"] == "in Geneva, twice"
    assert [s["name"] for s in claim["sources"]] == ["Le Monde", "FT"]
    assert claim["reported_at"] == "2024-01-11T00:00:00Z"


def test_the_formula_guard_is_undone_on_the_way_back(client: TestClient) -> None:
    texts = ["=HYPERLINK(1)", "+1 vote", "-2 dead", "@SUM(A1)", "'=quoted", "'90s", "''"]
    for i, text in enumerate(texts):
        fact = {"id": f"s-{i}", "kind": "statement_made", "occurred": "2023-07",
                "speaker": "a delegate", "text": text,
                "sources": [{"name": "FT", "published": "2024-01-11"}]}  # fmt: skip
        assert client.post(f"/stories/{STORY}/facts", json=fact, headers=ALICE).is_success

    exported = rows_of(export_csv(client))
    response = client.post(f"/stories/{COPY}/import", content=export_csv(client), headers=CSV)

    assert response.status_code == 200, response.text
    assert {r["text"] for r in exported if r["id"] == "s-0"} == {"'=HYPERLINK(1)"}
    back = {f["id"]: f["text"] for f in facts(client, COPY) if f["id"].startswith("s-")}
    assert back == {f"s-{i}": text for i, text in enumerate(texts)}


@pytest.mark.parametrize("text", ["=1", "'=1", "''=1", "'", "'90s", "-0100", "\tx", "a"])
def test_guard_and_unguard_are_inverse(text: str) -> None:
    assert unguard(guard(text)) == text
    assert not guard(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_list_cells_split_on_bars_and_keep_an_escaped_bar() -> None:
    assert split_list("a | b|c") == ["a", "b", "c"]
    assert split_list("Left \\| Right | b") == ["Left | Right", "b"]
    assert split_list(" ") == []


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_appended(
    client: TestClient,
) -> None:
    rows = rows_of(export_csv(client))
    rows[0]["occurred"] = "sometime"  # row 2
    rows[2]["actor"] = "nobody-we-know"  # row 4
    rows[3]["source_published"] = "2024-01-11 | 2024-01-12"  # row 5: two dates, one source
    rows[4]["source_published"] = "11/01/2024"  # row 6
    rows[5]["kind"] = "rumour"  # row 7

    response = client.post(f"/stories/{COPY}/import", content=write_csv(rows), headers=CSV)

    assert response.status_code == 422
    problems = {(p["line"], p["field"]): p["message"] for p in response.json()["problems"]}
    assert set(problems) == {
        (2, "occurred"), (4, "actor"), (5, "source_published"), (6, "source_published"),
        (7, "kind"),
    }  # fmt: skip
    assert "nobody-we-know" in problems[4, "actor"]
    assert problems[6, "source_published"].startswith("source 1: must be a date")
    assert "one per source" in problems[5, "source_published"]
    assert "nothing was imported" in response.json()["message"]
    assert client.get(f"/stories/{COPY}/facts").json()["items"] == []


def test_an_unknown_column_is_named_in_the_header_row(client: TestClient) -> None:
    text = "kind,occurred,subject,predicate,object,sources,source_published,my notes\r\n"
    text += "claim,2023,a,b,c,FT,2024-01-11,call her back\r\n"

    response = client.post(f"/stories/{COPY}/import", content=text, headers=CSV)

    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert (problem["line"], problem["field"]) == (1, "my notes")


def test_a_csv_that_is_not_utf8_is_refused_in_plain_words(client: TestClient) -> None:
    text = "kind,occurred,subject,predicate,object,sources,source_published\r\n"
    body = (text + "claim,2023,Zürich,b,c,FT,2024-01-11\r\n").encode("cp1252")

    response = client.post(f"/stories/{COPY}/import", content=body, headers=CSV)

    assert response.status_code == 422
    assert "CSV UTF-8" in response.json()["problems"][0]["message"]


# ---- the command line ----------------------------------------------------------------------
runner = CliRunner()


def invoke(database: Path, *args: str) -> tuple[int, str]:
    env = {"REPORTEDLY_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "100"}
    result = runner.invoke(cli, list(args), env=env)
    return result.exit_code, result.output


def test_reportedly_load_takes_a_csv_into_a_new_story_and_import_takes_it_again(
    tmp_path: Path,
) -> None:
    database, file = tmp_path / "store.db", tmp_path / "geneva-sheet.csv"
    assert invoke(database, "load", str(GENEVA))[0] == 0
    assert invoke(database, "export", STORY, "--format", "csv", "-o", str(file))[0] == 0

    code, output = invoke(database, "load", str(file), "--title", "Geneva, from a sheet")
    assert code == 0, output
    assert "25 fact(s) appended" in output
    code, output = invoke(database, "import", "geneva-sheet", str(file))
    assert code == 0 and "0 fact(s) appended" in output
    code, output = invoke(database, "export", "geneva-sheet")
    assert [orjson.loads(line)["event"] for line in output.splitlines()].count("reported") == 25


def test_reportedly_load_lists_bad_rows_by_row_and_column(tmp_path: Path) -> None:
    database, file = tmp_path / "store.db", tmp_path / "sheet.csv"
    file.write_text(
        "kind,occurred,subject,predicate,object,sources,source_published\n"
        "claim,2023,a,b,c,FT,2024-01-11\n"
        "claim,whenever,a,b,c,FT,2024-01-11\n"
    )

    code, output = invoke(database, "load", str(file), "--title", "Sheet")

    assert code == 1
    assert "row 3, column occurred" in " ".join(output.split())
    assert "nothing was imported" in output
    assert invoke(database, "export", "sheet")[0] == 1  # not even the story
