"""Reloads one at a time, with every request that arrives during one served by one more.

An admin who sends several files at once (an album) stores each and asks for a reload each
time; the downloads finish at different moments. Refusing the requests that arrive while a
reload runs left an article stored but never indexed. Here they are coalesced: whatever
arrives during a run shares ONE run that starts after it, which sees every file stored by then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Coalescer(Generic[T]):
    """Runs ``job`` one at a time; requests made during a run share one more run after it."""

    def __init__(self, job: Callable[[], Awaitable[T]]) -> None:
        self._job = job
        self._running: asyncio.Future[T] | None = None
        self._queued: asyncio.Future[T] | None = None

    def submit(self) -> tuple[asyncio.Future[T], bool]:
        """The run that will serve this request, and whether this request started it.

        Await the run through :func:`asyncio.shield`: a cancelled requester must not cancel a
        run that others share.
        """
        if self._queued is not None:
            return self._queued, False
        if self._running is not None and not self._running.done():
            self._queued = asyncio.ensure_future(self._after(self._running))
            return self._queued, True
        self._running = asyncio.ensure_future(self._job())
        return self._running, True

    async def _after(self, previous: asyncio.Future[T]) -> T:
        await asyncio.wait([previous])  # its outcome belongs to its own requesters
        self._running, self._queued = self._queued, None
        return await self._job()
