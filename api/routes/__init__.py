"""One APIRouter per resource; ``api.main`` combines them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Response

from api.services import Services
from domain.application import Written


async def settle(services: Services, write: Callable[[], Written], response: Response) -> Written:
    """Run a write (``Services.write``: once the read models hold it, it is answered).

    A write that appended nothing (the same id and content again, a source the fact
    already cites) answers 200 instead of 201.
    """
    written = await services.write(write, lambda w: w.position)
    response.status_code = status_of(written)
    return written


def status_of(written: Written) -> int:
    """201 for a write that appended, 200 for one that appended nothing."""
    return 201 if written.created else 200
