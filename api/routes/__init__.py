"""One APIRouter per resource; ``api.main`` combines them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Response

from api.services import Services
from domain.application import Written


async def settle(services: Services, write: Callable[[], Written], response: Response) -> Written:
    """Run a write on the writes' threads and answer once the read models hold it.

    Read-your-writes: a read that follows the answer sees the write. A write that
    appended nothing (the same id and content again, a source the fact already cites)
    answers 200 instead of 201.
    """

    def written_and_read() -> Written:
        written = write()
        services.read.wait_for(written.position)
        return written

    written = await services.write(written_and_read)
    if not written.created:
        response.status_code = 200
    return written
