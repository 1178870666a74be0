"""Pydantic-aware storage of events: ``model_dump(mode="json")`` encoded with orjson.

Follows eventsourcing's aggregate7 example: events are pydantic models, so dates,
enums and nested models round-trip through the store.
"""

from __future__ import annotations

from typing import Any, cast

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel


class PydanticMapper(Mapper[Any]):
    def to_stored_event(self, domain_event: DomainEventProtocol[Any]) -> StoredEvent:
        state = cast(BaseModel, domain_event).model_dump(mode="json", exclude_none=True)
        stored = self.transcoder.encode(state)
        if self.compressor:
            stored = self.compressor.compress(stored)
        if self.cipher:
            stored = self.cipher.encrypt(stored)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=stored,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[Any]:
        stored = stored_event.state
        if self.cipher:
            stored = self.cipher.decrypt(stored)
        if self.compressor:
            stored = self.compressor.decompress(stored)
        state: dict[str, Any] = self.transcoder.decode(stored)
        event_class = resolve_topic(stored_event.topic)
        return cast(DomainEventProtocol[Any], event_class.model_validate(state))


def json_bytes(obj: Any, option: int | None = None) -> bytes:
    """``orjson.dumps`` at its own size, for JSON that is kept a while.

    orjson hands back its output in a buffer of 4 KB or more that it never shrinks: an
    event's few hundred bytes, kept by a write until it commits, held ten times that (an
    import's batch of 5,000 events held 20 MB for 2 MB of JSON)."""
    return bytes(memoryview(orjson.dumps(obj, option=option)))


class OrjsonTranscoder(Transcoder):
    def encode(self, obj: Any) -> bytes:
        return json_bytes(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)
