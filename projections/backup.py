"""A whole store as one file: every stored event, in log order, byte for byte.

The format (``reportedly-backup``, version 1) is NDJSON, one JSON object a line:

- a header: ``{"format": "reportedly-backup", "version": 1, "application": "reportedly"}``;
- one line per stored event, in log order: ``position`` (its place in the log),
  ``originator_id``, ``originator_version``, ``topic`` and ``state``: the stored bytes
  exactly, as text (the transcoder stores UTF-8 JSON), or ``state_base64`` for bytes
  that are not UTF-8 (a store with compression or a cipher);
- a trailer: ``{"end": "reportedly-backup", "events": N, "sha256": "…"}``, the count
  and the SHA-256 of the event lines (newlines included), so a file cut short or
  changed afterwards is refused.

An event's recorded time is its ``timestamp`` inside ``state``, so keeping the state
byte-exact keeps the recorded clock. Positions are kept too (cursors, stream ids and
read models name them). Nothing else is written: backups of the same log are
byte-identical whichever store they came from.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import orjson
from eventsourcing.persistence import ApplicationRecorder, Notification, StoredEvent
from eventsourcing.utils import TopicError
from pydantic import ValidationError

from domain.messages import plain_problems

FORMAT = "reportedly-backup"
VERSION = 1
HEADER = {"format": FORMAT, "version": VERSION, "application": "reportedly"}
EVENT_KEYS = frozenset({"position", "originator_id", "originator_version", "topic"})
PAGE_SIZE = 2_000  # events read from the store at a time: memory stays flat
MAX_PROBLEMS = 20  # a file of garbage is not listed line by line

Progress = Callable[[int, int], None]  # (position reached, last position)
Decode = Callable[[StoredEvent], Any]  # the application's mapper: raises if unreadable


@dataclass(frozen=True)
class Written:
    events: int
    last_position: int


def write_backup(
    recorder: ApplicationRecorder, out: IO[bytes], progress: Progress | None = None
) -> Written:
    """Write the log up to its position when the backup starts (writes after it are left
    for the next backup: PostgreSQL commits in position order, so this is a prefix)."""
    last = recorder.max_notification_id() or 0
    out.write(orjson.dumps(HEADER) + b"\n")
    digest = hashlib.sha256()
    count = position = 0
    while position < last:
        page = recorder.select_notifications(
            start=position, limit=PAGE_SIZE, stop=last, inclusive_of_start=False
        )
        if not page:
            break
        for notification in page:
            line = event_line(notification)
            digest.update(line)
            out.write(line)
        count += len(page)
        position = page[-1].id
        if progress is not None:
            progress(position, last)
    trailer = {"end": FORMAT, "events": count, "sha256": digest.hexdigest()}
    out.write(orjson.dumps(trailer) + b"\n")
    return Written(count, position)


def event_line(notification: Notification) -> bytes:
    state = bytes(notification.state)
    line: dict[str, Any] = {
        "position": notification.id,
        "originator_id": str(notification.originator_id),
        "originator_version": notification.originator_version,
        "topic": notification.topic,
    }
    try:
        line["state"] = state.decode("utf-8")
    except UnicodeDecodeError:
        line["state_base64"] = base64.b64encode(state).decode("ascii")
    return orjson.dumps(line) + b"\n"


# ---- reading a backup back --------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One stored event as the file holds it."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True)
class Problem:
    line: int | None  # None: the file as a whole
    message: str

    def __str__(self) -> str:
        return self.message if self.line is None else f"line {self.line:,}: {self.message}"


class BackupRefused(Exception):
    """The file is not a whole, readable backup; ``problems``: the first few found."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        super().__init__(str(problems[0]))
        self.problems = problems
        self.total = total or len(problems)


@dataclass(frozen=True)
class Checked:
    events: int
    last_position: int
    sha256: str


class LineError(ValueError):
    """One line that is not what the format says; its message is in plain words."""


def parse_row(data: Any) -> Row:
    if not isinstance(data, dict):
        raise LineError("expected an event, a JSON object")
    has_text, has_base64 = "state" in data, "state_base64" in data
    keys = set(data) - {"state", "state_base64"}
    if keys != EVENT_KEYS or has_text == has_base64:
        missing = sorted(EVENT_KEYS - keys) + ([] if has_text or has_base64 else ["state"])
        unknown = sorted(keys - EVENT_KEYS) + (["state_base64"] if has_text and has_base64 else [])
        raise LineError(
            "an event line has position, originator_id, originator_version, topic and "
            "state"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(unknown)}" if unknown else "")
        )
    position, version, topic = data["position"], data["originator_version"], data["topic"]
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise LineError(f"position {position!r} is not a whole number from 1")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise LineError(f"originator_version {version!r} is not a whole number from 1")
    if not isinstance(topic, str) or not topic:
        raise LineError("topic is not a name")
    try:
        originator_id = UUID(data["originator_id"])
    except (TypeError, ValueError, AttributeError):
        raise LineError(f"originator_id {data['originator_id']!r} is not a UUID") from None
    return Row(position, originator_id, version, topic, _state(data))


def _state(data: dict[str, Any]) -> bytes:
    if "state" in data:
        if not isinstance(data["state"], str):
            raise LineError("state is not text")
        return data["state"].encode("utf-8")
    try:
        return base64.b64decode(data["state_base64"], validate=True)
    except (TypeError, ValueError, binascii.Error):
        raise LineError("state_base64 is not base64") from None


def read_rows(path: Path) -> Iterator[tuple[int, bytes, Row]]:
    """The event lines of a checked backup, with their numbers, as stored bytes."""
    with path.open("rb") as handle:
        next(handle)  # the header
        for number, raw in enumerate(handle, start=2):
            data = orjson.loads(raw)
            if "end" in data:
                return
            yield number, raw, parse_row(data)


def check_backup(path: Path, decode: Decode) -> Checked:
    """Read the whole file once: its header, every event line (each readable by this
    version of the application, each aggregate's versions in order) and the closing
    count and checksum. Raises ``BackupRefused`` naming the lines at fault."""
    problems: list[Problem] = []
    total = 0

    def report(line: int | None, message: str) -> None:
        nonlocal total
        total += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(line, message))

    digest = hashlib.sha256()
    count = last_position = 0
    versions: dict[int, int] = {}  # originator (as an int) -> its last version seen
    trailer: tuple[int, Any] | None = None
    number = 1
    with path.open("rb") as handle:
        _check_header(handle.readline())
        for number, raw in enumerate(handle, start=2):
            if trailer is not None:
                report(number, "more follows the closing line")
                break
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                report(number, "not valid JSON: the line is damaged")
                continue
            if isinstance(data, dict) and "end" in data:
                trailer = number, data
                continue
            digest.update(raw)
            count += 1
            try:
                row = parse_row(data)
            except LineError as error:
                report(number, str(error))
                continue
            if row.position <= last_position:
                message = f"position {row.position:,} comes after {last_position:,}"
                report(number, f"{message}: lines are out of order or repeated")
            last_position = max(last_position, row.position)
            expected = versions.get(row.originator_id.int, 0) + 1
            if row.originator_version != expected:
                event = f"{_name(row.topic)} {row.originator_id}"
                message = f"{event} is at version {row.originator_version}, expected {expected}"
                report(number, f"{message}: a line is missing, repeated or out of order")
            versions[row.originator_id.int] = max(expected, row.originator_version)
            if (unreadable := _unreadable(row, decode)) is not None:
                report(number, unreadable)
    if trailer is None:
        message = f"the file ends after line {number:,} without its closing line"
        report(None, f"{message}: it is incomplete (was the backup cut short?)")
    else:
        _check_trailer(trailer, count, digest.hexdigest(), report, damaged=total > 0)
    if problems:
        raise BackupRefused(problems, total)
    return Checked(count, last_position, digest.hexdigest())


def _check_header(first: bytes) -> None:
    if not first.strip():
        raise BackupRefused([Problem(1, "the file is empty, not a reportedly backup")])
    try:
        data = orjson.loads(first)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        expected = f'a first line naming "format": "{FORMAT}"'
        raise BackupRefused([Problem(1, f"not a reportedly backup (expected {expected})")])
    version = data.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        which = "is newer than this reportedly reads" if newer else "is not one it reads"
        message = f"backup format version {version!r} {which} (it reads version {VERSION})"
        raise BackupRefused([Problem(1, message)])


def _check_trailer(
    trailer: tuple[int, Any],
    count: int,
    sha256: str,
    report: Callable[[int | None, str], None],
    *,
    damaged: bool,
) -> None:
    number, data = trailer
    if data.get("end") != FORMAT or not isinstance(data.get("events"), int):
        report(number, f'the closing line is not {{"end": "{FORMAT}", "events": …, "sha256": …}}')
    elif data["events"] != count:
        message = f"the closing line counts {data['events']:,} event(s), the file holds {count:,}"
        report(number, f"{message}: lines are missing or were added")
    elif data.get("sha256") != sha256 and not damaged:
        message = "the checksum of the events differs from the closing line's"
        report(number, f"{message}: the file was changed after it was written")


def _unreadable(row: Row, decode: Decode) -> str | None:
    """Why this version of the application cannot read the event, if it cannot."""
    stored = StoredEvent(row.originator_id, row.originator_version, row.topic, row.state)
    try:
        event = decode(stored)
    except TopicError:
        return f"{row.topic} is not an event this version of reportedly knows"
    except ValidationError as error:  # not that event's fields
        reasons = plain_problems(error.errors(), subject="the event")
        said = "; ".join(f"{'.'.join(map(str, p.loc))} {p.message}" for p in reasons)
        return f"its state is not a readable {_name(row.topic)}: {said}"
    except (ValueError, TypeError):  # not JSON, or not an object
        return f"its state is not a readable {_name(row.topic)}: not a JSON object"
    if (event.originator_id, event.originator_version) != (
        row.originator_id,
        row.originator_version,
    ):
        return "its state names another originator_id or originator_version than the line"
    return None


def _name(topic: str) -> str:
    return topic.rpartition(":")[2] or topic
