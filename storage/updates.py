"""The ids of the Telegram updates already handled: a duplicate is skipped across restarts.

Telegram delivers an update again when its offset was not confirmed (a crash between
handling and the next poll) or when a webhook call was not answered in time. Only ids and
times are kept, never the content, and only for as long as Telegram may send them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from storage.db import Database, utc_now_text

# Telegram keeps an unconfirmed update for 24 hours; a day more covers a long outage.
KEEP_FOR = timedelta(days=2)


class ProcessedUpdates:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(self, now: datetime, limit: int) -> list[int]:
        """The ids handled within `KEEP_FOR` of `now`, at most `limit`, oldest first."""
        rows = await self._db.fetchall(
            "SELECT update_id FROM processed_updates WHERE processed_at >= ?"
            " ORDER BY processed_at DESC, update_id DESC LIMIT ?",
            (utc_now_text(now - KEEP_FOR), limit),
        )
        return [int(row["update_id"]) for row in reversed(rows)]

    async def last_id(self) -> int:
        """The highest update id ever recorded (0: none): an emulator started again on the
        same database numbers its updates after it (the console)."""
        row = await self._db.fetchone("SELECT MAX(update_id) AS last FROM processed_updates")
        return int(row["last"]) if row is not None and row["last"] is not None else 0

    async def record(self, update_ids: Iterable[int], now: datetime) -> None:
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
                [(update_id, stamp) for update_id in update_ids],
            )

    async def prune(self, now: datetime) -> None:
        """Forget the ids Telegram can no longer send again."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM processed_updates WHERE processed_at < ?",
                (utc_now_text(now - KEEP_FOR),),
            )
