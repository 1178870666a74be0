"""Liveness and the read models' progress."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter

from api.deps import ServicesDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(services: ServicesDep) -> Health:
    """Whether the service answers, its store kind and the last projected log position."""
    scheme = urlsplit(services.database_url).scheme.split("+")[0] or "memory"
    store = "postgresql" if scheme.startswith("postgres") else scheme
    return Health(status="ok", store=store, last_position=services.read.last_position())
