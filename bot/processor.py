"""Updates of different chats run concurrently; updates of one chat strictly in order.

python-telegram-bot's default handles one update at a time, so every referent waits behind
every other referent's round trip to Telegram; its `concurrent_updates=True` runs everything
at once and breaks conversations when a user sends two answers quickly. Here each chat has a
FIFO lock: the fetcher creates the tasks in arrival order and asyncio locks are fair, so a
chat's updates are handled in the order Telegram sent them.

An update delivered twice (same update_id) is handled once: the ids seen are kept in memory
and, once an update is handled, in the database (`storage.updates`), so a duplicate that
arrives after a restart is skipped too. An update the process died while handling is not
recorded, so Telegram's second delivery of it (if any) is handled. The ids of the updates
finished in one turn of the event loop are recorded together, in one transaction, and each
update's handling ends only once its id is on disk.

At most MAX_RUNNING updates are handled at once, counted past their chat's lock: an update
waiting for its own chat's previous one holds no place, so a referent typing ahead (or a
slow export in one chat) never keeps the other chats waiting.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.replies import settle
from storage.db import DatabaseUnavailable
from storage.updates import ProcessedUpdates

log = logging.getLogger(__name__)

# python-telegram-bot's own cap, taken before the chat's lock: large enough never to be the
# bottleneck (ours, MAX_RUNNING, is taken after it).
MAX_CONCURRENT = 4096
# Updates handled at once. Each one being handled holds its handler's frames, its requests
# and aiohttp's objects (about 30 KB); with a thousand referents starting at once that was
# 37 MB of the peak (benchmarks/load.py, N=1,000: 120 MB; 113 MB with this cap, at the same
# or better throughput). Far above what Telegram lets a bot send (about 30 messages a second).
MAX_RUNNING = 128
_SEEN_UPDATES = 10_000
_PRUNE_EVERY = 1_000  # updates recorded between two prunings of the stored ids
# After the database refused to record an id, how long not to try again: while another
# process holds the lock every write waits the busy timeout, and the users' own writes,
# queued behind this one, matter more (the ids stay in memory meanwhile).
RECORDING_PAUSE = 30.0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(
        self,
        max_concurrent_updates: int = MAX_CONCURRENT,
        *,
        max_running: int = MAX_RUNNING,
        store: ProcessedUpdates | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self._running = asyncio.Semaphore(max_running)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._store = store
        self._clock = clock
        self._paused_until = 0.0
        # Ids of handled updates waiting for the next batch write, and that write.
        self._pending: list[int] = []
        self._batch: asyncio.Task[bool] | None = None
        self._recorded = 0  # ids recorded since the last pruning
        # Figures: updates handled (whatever the outcome), duplicates skipped.
        self.processed = 0
        self.duplicates_skipped = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if isinstance(update, Update) and self._already_seen(update.update_id):
            # Telegram re-sends a batch whose offset was not confirmed (e.g. after a crash).
            self.duplicates_skipped += 1
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            log.info("skipped duplicate update %s", update.update_id)
            return
        chat_id = _chat_id(update)
        if chat_id is None:
            await self._run(update, coroutine)
            return
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            async with lock:
                await self._run(update, coroutine)
        finally:
            self._waiting[chat_id] -= 1
            if self._waiting[chat_id] == 0:
                del self._waiting[chat_id]
                del self._locks[chat_id]

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self._running:
            await self._handle(update, coroutine)

    async def _handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
            if isinstance(update, Update):
                try:
                    await settle(update)
                finally:
                    await self._record(update.update_id)
        finally:
            self.processed += 1

    async def _record(self, update_id: int) -> None:
        loop = asyncio.get_running_loop()
        if self._store is None or self._clock is None or loop.time() < self._paused_until:
            return
        self._pending.append(update_id)
        if self._batch is None:
            # Starts at the next turn of the loop: every update finished in this one joins.
            self._batch = asyncio.create_task(self._write_batch())
        recorded = await asyncio.shield(self._batch)
        if not recorded:
            self._paused_until = loop.time() + RECORDING_PAUSE

    async def _write_batch(self) -> bool:
        assert self._store is not None and self._clock is not None
        ids, self._pending = self._pending, []
        self._batch = None  # ids handled from now on go in the next batch
        now = self._clock()
        recorded = await self._quietly(self._store.record(ids, now), "recording an update")
        self._recorded += len(ids)
        if recorded and self._recorded >= _PRUNE_EVERY:
            self._recorded = 0
            await self._quietly(self._store.prune(now), "pruning old update ids")
        return recorded

    @staticmethod
    async def _quietly(work: Awaitable[None], what: str) -> bool:
        """Bookkeeping after the user was answered: a busy database must not undo that."""
        try:
            await work
        except DatabaseUnavailable as error:
            log.warning("database unavailable while %s: %s", what, error)
            return False
        return True

    def _already_seen(self, update_id: int) -> bool:
        if update_id in self._seen:
            return True
        self._seen[update_id] = None
        if len(self._seen) > _SEEN_UPDATES:
            self._seen.popitem(last=False)
        return False

    async def initialize(self) -> None:
        """Remember the updates handled before the last restart."""
        if self._store is None or self._clock is None:
            return
        for update_id in await self._store.recent(self._clock(), _SEEN_UPDATES):
            self._seen[update_id] = None

    async def shutdown(self) -> None:
        return None


def _chat_id(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
