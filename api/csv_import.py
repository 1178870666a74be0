"""A story kept in a spreadsheet, taken back: CSV rows become the NDJSON import's lines.

The columns are those ``export?format=csv`` writes (``api.exporting.CSV_COLUMNS``), a
row per fact; any subset will do as long as each row says what its kind needs. On the
way in:

- the formula guard the export adds (a ``'`` before ``= + - @``, a tab or a carriage
  return) is taken away, exactly once;
- list cells (``sources``, ``source_published``, ``via`` …) hold one value per source,
  in order, separated by ``|`` (``\\|`` inside a value); an empty cell is an absent field;
- the computed columns (``status``, ``reported_at``, ``occurred_earliest`` …, see
  ``COMPUTED_COLUMNS``) are ignored: they are worked out again from the others;
- a retracted fact's ``retracted_by``, ``retracted_published`` and ``retraction_reason``
  retract it again, from the same date, through the same rule as any retraction;
- a UTF-8 byte-order mark (Excel's "CSV UTF-8"), CRLF line ends, quoted cells with commas
  or line breaks, and a semicolon- or tab-separated file are all read as such;
- rows count as a spreadsheet shows them: the header is row 1.

Each row is then checked and appended by ``api.importing`` exactly as an NDJSON bare-fact
line (``parse_line``, ``import_lines``): the same rules, the same words, nothing appended
unless every row is good. A problem names its row and its column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import orjson

from api.errors import LineProblem, LinesRejected
from api.exporting import (
    COMPUTED_COLUMNS,
    CSV_COLUMNS,
    FACT_COLUMNS,
    FORMULA_START,
    RETRACTION_COLUMNS,
    SOURCE_COLUMNS,
    VIA_COLUMNS,
)
from api.importing import (
    ImportResult,
    Parsed,
    StoredIds,
    StoryLine,
    import_lines,
    parse_line,
)
from domain.application import Reportedly
from domain.errors import NotFound
from domain.model import Story

HEADER_ROW = 1
_BAR = re.compile(r"(?<!\\)\|")
# A field of a source, as the import names it, and the column that holds it.
_SOURCE_FIELD = {key: column for column, key in SOURCE_COLUMNS.items()}
_VIA_FIELD = {key: column for column, key in VIA_COLUMNS.items()}


def unguard(cell: str) -> str:
    """A cell without the quote the export's formula guard put in front of it."""
    if cell[:1] == "'" and cell[1:2] in (*FORMULA_START, "'"):
        return cell[1:]
    return cell


def split_list(cell: str) -> list[str]:
    """``a | b`` → ``["a", "b"]``; an empty cell holds no value."""
    if not cell.strip():
        return []
    return [part.strip().replace("\\|", "|") for part in _BAR.split(cell)]


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]
    overflows: bool = False  # more cells than the header has columns


def read_rows(text: str) -> tuple[list[str], list[Row]]:
    """The header and the non-empty rows of a CSV text (a BOM and CRLF are fine)."""
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = next((d for d in (";", "\t") if d in first_line), ",")
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, strict=False)
    header = [name.strip() for name in next(reader, [])]
    rows = []
    for number, values in enumerate(reader, start=HEADER_ROW + 1):
        if any(v.strip() for v in values):
            cells = dict(zip(header, values, strict=False))
            rows.append(Row(number, cells, overflows=len(values) > len(header)))
    return header, rows


def _header_problems(header: list[str]) -> list[LineProblem]:
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(LineProblem(HEADER_ROW, name, "appears twice in the header row"))
        elif name not in CSV_COLUMNS:
            problems.append(
                LineProblem(
                    HEADER_ROW,
                    name or None,
                    f"{name!r} is not a column of a story's spreadsheet; the columns are "
                    "those the CSV export writes"
                    if name
                    else "a column has no name",
                )
            )
        seen.add(name)
    if "kind" not in seen:
        problems.append(LineProblem(HEADER_ROW, "kind", "the header row needs a kind column"))
    return problems


def _sources(row: Row) -> tuple[list[dict[str, Any]], list[LineProblem]]:
    """The row's sources from its list columns, one value per source in each."""
    lists = {
        column: split_list(unguard(row.cells.get(column, "")))
        for column in (*SOURCE_COLUMNS, *VIA_COLUMNS)
    }
    count = len(lists["sources"])
    problems = []
    for column, values in lists.items():
        if values and len(values) != count:
            problems.append(
                LineProblem(
                    row.number,
                    column,
                    f"has {len(values)} value(s) but sources names {count}: give one per "
                    "source, in the same order, separated by | (leave one empty as a |  | b)",
                )
            )
    if problems:
        return [], problems
    sources: list[dict[str, Any]] = []
    for i in range(count):
        source: dict[str, Any] = {
            k: lists[c][i] for c, k in SOURCE_COLUMNS.items() if lists[c] and lists[c][i]
        }
        via = {k: lists[c][i] for c, k in VIA_COLUMNS.items() if lists[c] and lists[c][i]}
        if via:
            source["via"] = via
        sources.append(source)
    return sources, []


def _fact(row: Row) -> tuple[dict[str, Any], list[LineProblem]]:
    """The row as a bare fact, as an NDJSON import line would hold it."""
    fact: dict[str, Any] = {}
    for column in FACT_COLUMNS:
        value = unguard(row.cells.get(column, "")).strip()
        if value:
            fact[column] = value
    sources, problems = _sources(row)
    if sources or "sources" in row.cells:
        fact["sources"] = sources
    if row.overflows:
        problems.append(
            LineProblem(row.number, None, "has more cells than the header row has columns")
        )
    return fact, problems


def column_of(field: str | None) -> tuple[str | None, str]:
    """The column holding a fact's field, and which source it is in words, if any.

    ``sources.1.via.published`` → ``("via_published", "source 2: ")``.
    """
    if field is None or not field.startswith("sources."):
        return field, ""
    parts = field.split(".")
    if len(parts) < 3 or not parts[1].isdigit():
        return "sources", ""
    which = f"source {int(parts[1]) + 1}: "
    if parts[2] == "via":
        return _VIA_FIELD.get(parts[3] if len(parts) > 3 else "name", "via"), which
    return _SOURCE_FIELD.get(parts[2], "sources"), which


def in_columns(problem: LineProblem) -> LineProblem:
    """A problem the importer found, named by the row's column."""
    column, which = column_of(problem.field)
    return LineProblem(problem.line, column, which + problem.message)


def parse_rows(header: list[str], rows: Iterable[Row]) -> Parsed:
    """Every row as an import line (a bare fact), or its problems by row and column."""
    parsed = Parsed(problems=_header_problems(header))
    for row in rows:
        fact, problems = _fact(row)
        parsed.problems += problems
        if problems:
            continue
        result = parse_line(row.number, orjson.dumps(fact))
        if isinstance(result, list):
            parsed.problems += [in_columns(p) for p in result]
            continue
        parsed.lines.append((row.number, result))
        retraction = _retraction(row, fact)
        if retraction is not None:
            retracted = parse_line(row.number, orjson.dumps(retraction))
            if isinstance(retracted, list):
                parsed.problems += [_in_retraction_columns(p) for p in retracted]
            else:
                parsed.lines.append((row.number, retracted))
    return parsed


# A retraction line's fields, and the columns that hold them.
_RETRACTION_FIELD = {field: column for column, field in RETRACTION_COLUMNS.items()}


def _retraction(row: Row, fact: dict[str, Any]) -> dict[str, Any] | None:
    """The row's retraction as an import line, when its retraction columns say one."""
    cells = {c: unguard(row.cells.get(c, "")).strip() for c in RETRACTION_COLUMNS}
    if not any(cells.values()):
        return None
    return {
        "event": "retracted",
        "fact_id": fact.get("id"),
        "source": {"name": cells["retracted_by"], "published": cells["retracted_published"]},
        "reason": cells["retraction_reason"],
    }


def _in_retraction_columns(problem: LineProblem) -> LineProblem:
    column = _RETRACTION_FIELD.get(problem.field or "", "id" if problem.field else None)
    return LineProblem(problem.line, column, problem.message)


def decode(body: bytes) -> str:
    """The file's text; a file that is not UTF-8 is refused rather than guessed at."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LinesRejected(
            [
                LineProblem(
                    body.count(b"\n", 0, error.start) + 1,
                    None,
                    "is not UTF-8 text: save the spreadsheet as CSV UTF-8",
                )
            ]
        ) from None


def _story_exists(app: Reportedly, story: str) -> bool:
    try:
        app.get_story(story)
    except NotFound:
        return False
    return True


def import_csv(
    app: Reportedly,
    story: str,
    writer: str,
    body: bytes,
    *,
    stored: StoredIds | None = None,
    title: str | None = None,
) -> ImportResult:
    """Check every row (raising ``LinesRejected`` by row and column), then append them.

    ``title``: create the story with it when it does not exist yet.
    """
    header, rows = read_rows(decode(body))
    parsed = parse_rows(header, rows)
    created = False
    if title is not None:
        created = not _story_exists(app, story)
        story_line = StoryLine(event="story_created", story=Story(id=story, title=title))
        parsed.lines.insert(0, (HEADER_ROW, story_line))
    try:
        result = import_lines(app, story, writer, parsed, stored=stored)
    except LinesRejected as rejected:
        named = LinesRejected([in_columns(p) for p in rejected.problems])
        named.total = rejected.total
        raise named from None
    if title is None:
        return result
    # Count rows, not the story line: it was appended, or left as already stored.
    return replace(
        result,
        lines=result.lines - 1,
        appended=result.appended - created,
        unchanged=result.unchanged - (not created),
    )


__all__ = ["COMPUTED_COLUMNS", "import_csv", "parse_rows", "read_rows", "unguard"]
