"""Benchmark data: many stories of realistic facts, written straight through the recorder.

Events are encoded exactly as the application stores them (orjson of the pydantic
events' JSON dump) but without building pydantic objects, so a million facts take
seconds to write, not minutes. A sample is decoded back through the application's
mapper to prove the shape is the real one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from domain.application import Reportedly
from domain.events import actor_uuid, fact_uuid, story_uuid

TOPIC = "domain.events:"
ACTORS = [(f"actor-{i:03d}", ("US", "CN", "GB", "FR", None)[i % 5]) for i in range(60)]
START = datetime(2024, 3, 1, tzinfo=UTC)
ROLES = ("participant", "delegate", "mediator", "observer", "host")


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Writer:
    """Appends stored events in big batches and keeps the recorded clock moving."""

    def __init__(self, app: Reportedly, batch: int = 10_000) -> None:
        self.app = app
        self.batch = batch
        self.pending: list[StoredEvent] = []
        self.clock = START
        self.written = 0
        self.versions: dict[UUID, int] = {}

    def add(self, topic: str, originator: UUID, payload: dict[str, Any]) -> None:
        version = self.versions.get(originator, 0) + 1
        self.versions[originator] = version
        self.clock += timedelta(milliseconds=1)
        state = {
            "originator_id": str(originator),
            "originator_version": version,
            "timestamp": _stamp(self.clock),
            "writer": "bench",
            **payload,
        }
        self.pending.append(StoredEvent(originator, version, TOPIC + topic, orjson.dumps(state)))
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        recorder = self.app.recorder
        if isinstance(recorder, SQLiteApplicationRecorder):
            # One executemany, as the library's own aggregate recorder does: the
            # application recorder inserts row by row to learn each notification id.
            rows = [
                (UUID(str(e.originator_id)).hex, e.originator_version, e.topic, e.state)
                for e in self.pending
            ]
            with recorder.datastore.transaction(commit=True) as c:
                c.executemany(f"INSERT INTO {recorder.events_table_name} VALUES (?,?,?,?)", rows)
        else:
            recorder.insert_events(self.pending)
        self.written += len(self.pending)
        self.pending = []


def _facts(story: str, count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    meeting = ""
    for i in range(count):
        day = date(2020, 1, 1) + timedelta(days=rng.randrange(1500))
        occurred = day.isoformat()[: rng.choice((7, 10, 10))]  # month or day precision
        source = {
            "name": rng.choice(("Financial Times", "Reuters", "Le Monde", "Nikkei")),
            "published": (day + timedelta(days=30 + rng.randrange(200))).isoformat(),
            "language": "en",
        }
        common: dict[str, Any] = {
            "id": f"{story}-f{i}",
            "occurred": occurred,
            "sources": [source],
            "certainty": "reported",
            "quote": "Les discussions ont porté sur la coopération technique et les "
            "propositions politiques",
            "quote_language": "fr",
        }
        actor, _country = ACTORS[rng.randrange(len(ACTORS))]
        if i % 25 == 0:
            meeting = str(common["id"])
            yield {**common, "kind": "meeting_held", "title": f"Round {i // 25}", "place": "Geneva"}
        elif i % 5 == 1:
            yield {**common, "kind": "topic_discussed", "meeting": meeting, "topic": "Safety"}
        elif i % 7 == 2:
            yield {
                **common,
                "kind": "statement_made",
                "speaker": "a participant",
                "text": "Il est impossible de fixer des normes sans accord.",
                "language": "fr",
            }
        else:
            yield {
                **common,
                "kind": "participant_joined",
                "meeting": meeting,
                "actor": actor,
                "role": ROLES[i % len(ROLES)],
            }


def write_story(
    writer: Writer, story: str, facts: int, *, seed: int = 0, lifecycle_every: int = 20
) -> None:
    """A story of ``facts`` facts; every ``lifecycle_every``-th fact is acted on once."""
    rng = random.Random(f"{seed}/{story}")
    writer.versions.clear()  # aggregates never span stories: keep the writer's memory flat
    writer.add("StoryCreated", story_uuid(story), {"story": {"id": story, "title": story}})
    for i, fact in enumerate(_facts(story, facts, rng)):
        fid = fact_uuid(story, fact["id"])
        writer.add("FactReported", fid, {"story": story, "fact": fact})
        if lifecycle_every and i % lifecycle_every == lifecycle_every - 1:
            source = {"name": "Reuters", "published": fact["sources"][0]["published"]}
            acting = {"story": story, "fact_id": fact["id"], "source": source}
            kind = (i // lifecycle_every) % 4
            if kind == 0:
                writer.add("FactCorroborated", fid, acting)
            elif kind == 1:
                writer.add("FactDisputed", fid, {**acting, "note": "denied"})
            elif kind == 2:
                new = {**fact, "certainty": "confirmed"}
                writer.add(
                    "FactCorrected",
                    fid,
                    {**acting, "changes": {"certainty": "confirmed"}, "fact": new},
                )
            else:
                writer.add("FactRetracted", fid, {**acting, "reason": "withdrawn"})


def register_actors(writer: Writer) -> None:
    for actor_id, country in ACTORS:
        actor: dict[str, Any] = {
            "id": actor_id,
            "name": actor_id.title(),
            "kind": "company",
            "aliases": [],
            "labels": {},
        }
        if country:
            actor["country"] = country
        writer.add("ActorRegistered", actor_uuid(actor_id), {"actor": actor})


def check_shape(app: Reportedly, sample: int = 200) -> None:
    """Decode a sample through the application's own mapper: the shapes must be real."""
    for n in app.recorder.select_notifications(start=1, limit=sample):
        app.mapper.to_domain_event(n)
