"""Storing verified webhook deliveries for the web route, with group commit: deliveries
arriving together share one transaction.

Every verified delivery awaits its own result, and is answered only after the
transaction holding it committed ("stored, then 200"). A single writer task
takes whatever queued up while the previous transaction ran (at most
:data:`MAX_BATCH`) and inserts it in one transaction in the threadpool, so a
burst pays one commit (one WAL flush) instead of one per delivery. A failed
transaction fails every delivery in it: each is answered 503 and the store sends
it again.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from store import inbox
from store.db import Database
from store.inbox import NewDelivery

__all__ = ["MAX_BATCH", "WRITERS", "InboxWriter", "NewDelivery"]

#: The most deliveries one transaction holds.
MAX_BATCH = 256
#: Transactions in flight at once on PostgreSQL: while one commits (waits for its WAL
#: flush), the next batch is already being inserted. SQLite has one writer at a time, and a
#: second would wait in SQLite's busy handler, which sleeps: one writer there.
WRITERS = 2

_Waiting = tuple[NewDelivery, "asyncio.Future[bool]"]


class InboxWriter:
    """Stores deliveries for the route; :meth:`store` returns True for a new delivery."""

    def __init__(self, db: Database, *, max_batch: int = MAX_BATCH) -> None:
        self.db, self.max_batch = db, max_batch
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[_Waiting] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def store(self, delivery: NewDelivery) -> bool:
        """Insert ``delivery`` (once per delivery id); raises ``StoreError`` on failure."""
        queue = self._queue_of_this_loop()
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        queue.put_nowait((delivery, done))
        return await done

    def _queue_of_this_loop(self) -> asyncio.Queue[_Waiting]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._queue is None:
            # First use, or the app now runs on another event loop (tests): fresh writers.
            self._loop, self._queue = loop, asyncio.Queue()
            self._tasks = [
                loop.create_task(self._write_forever(self._queue))
                for _ in range(1 if self.db.dialect == "sqlite" else WRITERS)
            ]
        return self._queue

    async def _write_forever(self, queue: asyncio.Queue[_Waiting]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                results = await run_in_threadpool(self._write, [d for d, _ in batch])
            except Exception as error:  # noqa: BLE001 - handed to every waiting request
                for _, done in batch:
                    if not done.done():  # a request whose client went away was cancelled
                        done.set_exception(error)
                continue
            for (_, done), new in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(new)

    def _write(self, deliveries: list[NewDelivery]) -> list[bool]:
        with self.db.begin() as connection:
            return inbox.store_deliveries(connection, deliveries)
