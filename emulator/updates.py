"""The update queue behind getUpdates: offsets, long polling, conflicts and redelivery."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from emulator.errors import ApiError
from emulator.faults import Stats
from emulator.models import JsonDict

# What Telegram delivers when the bot never said otherwise.
DEFAULT_ALLOWED = frozenset(
    {"message", "edited_message", "callback_query", "my_chat_member", "inline_query"}
)
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


@dataclass
class _Redelivery:
    update_id: int
    body: JsonDict
    delivered: bool = False


class UpdateQueue:
    def __init__(self, stats: Stats | None = None) -> None:
        self._stats = stats
        self._pending: deque[JsonDict] = deque()  # sorted by update_id, as Telegram keeps them
        self._queued_at: dict[int, float] = {}  # update_id -> monotonic, until first taken
        self._redeliveries: list[_Redelivery] = []
        self._history: dict[int, JsonDict] = {}
        self._last_id = 0
        self._allowed = DEFAULT_ALLOWED
        self._wake = asyncio.Event()
        self._generation = 0
        self._closed = False

    @property
    def pending_count(self) -> int:
        return len(self._pending) + len(self._redeliveries)

    def continue_after(self, update_id: int) -> None:
        """Number the next updates after `update_id` (a bot that remembers the ids it has
        handled, started again on its database, would skip a fresh 1, 2, 3… as replays)."""
        self._last_id = max(self._last_id, update_id)

    def push(self, kind: str, payload: JsonDict) -> int | None:
        """Queue an update of `kind`; None when the bot's allowed_updates filter it out."""
        if kind not in self._allowed:
            return None
        self._last_id += 1
        update = {"update_id": self._last_id, kind: payload}
        self._pending.append(update)
        self._queued_at[self._last_id] = time.monotonic()
        self._history[self._last_id] = update
        self._notify()
        return self._last_id

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again with the same update_id, even if it was confirmed."""
        update = self._history.get(update_id)
        if update is None:
            raise KeyError(f"no update {update_id} was ever queued")
        self._redeliveries.append(_Redelivery(update_id, update))
        self._notify()

    def set_allowed(self, kinds: Iterable[str] | None) -> None:
        # Telegram remembers the last list; an empty list means "back to the default".
        if kinds is None:
            return
        chosen = frozenset(kinds)
        self._allowed = chosen or DEFAULT_ALLOWED

    def drop_pending(self) -> None:
        self._pending.clear()
        self._redeliveries.clear()
        self._queued_at.clear()

    def close(self) -> None:
        self._closed = True
        self._notify()

    def reopen(self) -> None:
        self._closed = False

    async def poll(self, offset: int | None, limit: int, wait_seconds: float) -> list[JsonDict]:
        """Confirm everything before `offset`, then wait up to `wait_seconds` for a batch."""
        self._generation += 1
        generation = self._generation
        self._notify()  # a long poll still waiting is now superseded and answers 409
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            batch = self._take(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or self._closed:
                return batch
            wake = self._wake
            try:
                await asyncio.wait_for(wake.wait(), remaining)
            except TimeoutError:
                return []
            if generation != self._generation:
                raise ApiError(409, CONFLICT)

    def _notify(self) -> None:
        # Waking a fresh event each time lets every waiter see the same signal once.
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            # A negative offset keeps only the last -offset updates, as on Telegram.
            while len(self._pending) > -offset:
                self._queued_at.pop(self._pending.popleft()["update_id"], None)
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()
        self._redeliveries = [
            item for item in self._redeliveries if not (item.delivered and item.update_id < offset)
        ]

    def _take(self, limit: int) -> list[JsonDict]:
        batch = self._batch(limit)
        self._note_first_deliveries(batch)
        return batch

    def _note_first_deliveries(self, batch: list[JsonDict]) -> None:
        now = time.monotonic()
        for update in batch:
            queued = self._queued_at.pop(update["update_id"], None)
            if queued is not None and self._stats is not None:
                self._stats.queue_waits.append(now - queued)

    def _batch(self, limit: int) -> list[JsonDict]:
        limit = max(1, min(limit, 100))
        pending = [self._pending[i] for i in range(min(limit, len(self._pending)))]
        if not self._redeliveries:
            return pending
        # Ordered by update_id, so the client's next offset (last id + 1) confirms them all.
        candidates = [(item.update_id, 0, index) for index, item in enumerate(self._redeliveries)]
        candidates += [(update["update_id"], 1, index) for index, update in enumerate(pending)]
        batch: list[JsonDict] = []
        for _, source, index in sorted(candidates)[:limit]:
            if source == 0:
                self._redeliveries[index].delivered = True
                batch.append(self._redeliveries[index].body)
            else:
                batch.append(pending[index])
        return batch
