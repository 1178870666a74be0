"""One APIRouter per resource; ``api.main`` combines them."""

from __future__ import annotations

from fastapi import Response

from api.services import Services
from domain.application import Written


def settle(services: Services, written: Written, response: Response) -> None:
    """Read-your-writes: answer only once the read models hold the write.

    A write that appended nothing (same id, same content) answers 200 instead of 201.
    """
    services.read.wait_for(written.position)
    if not written.created:
        response.status_code = 200
