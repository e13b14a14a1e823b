"""The mechanics every persistent outbox shares: claim a row for one attempt, then record
how it ended (sent, unreachable, tried again later with back-off, given up).

A table is an outbox when it has the columns of `ats_outbox` (migration 007): id, status,
attempts, next_attempt_at, last_error, sent_at. What a row carries and which rows are due
is its repository's business (`storage.closing`, `storage.notices`); they delegate here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from domain.outbox import MAX_ATTEMPTS, OutboxStatus, next_attempt
from storage.db import Database, utc_now_text


class OutboxTable(StrEnum):
    """The outbox tables. The name goes into the SQL text, so only these can."""

    ATS = "ats_outbox"
    REFERENT_NOTICES = "referent_notices"
    SENT_HOME = "sent_home_outbox"
    VACCINE_NOTICES = "vaccine_notices"


class Outbox:
    def __init__(self, db: Database, table: OutboxTable) -> None:
        self._db = db
        self._table = OutboxTable(table).value

    async def claim(self, item_id: int, attempts: int, now: datetime, hold: timedelta) -> bool:
        """Take a pending row for one attempt; False if another run took it first.

        `attempts` is the count the caller read with the row: the update matches only if
        nobody claimed it since. The attempt is counted and the row pushed `hold` ahead
        before sending, so a crash mid-send leaves it to be retried later, never twice at
        once."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE {self._table} SET attempts = attempts + 1, next_attempt_at = ?"
                " WHERE id = ? AND status = 'pending' AND attempts = ?",
                (utc_now_text(now + hold), item_id, attempts),
            )
            taken = cursor.rowcount == 1
            await cursor.close()
        return taken

    async def sent(self, item_id: int, now: datetime) -> None:
        await self._finish(item_id, OutboxStatus.SENT, now, None)

    async def unreachable(self, item_id: int, now: datetime, error: str) -> None:
        await self._finish(item_id, OutboxStatus.UNREACHABLE, now, error)

    async def retry_later(self, item_id: int, now: datetime, error: str) -> OutboxStatus:
        """Back off, or give up (FAILED) after MAX_ATTEMPTS."""
        row = await self._db.fetchone(
            f"SELECT attempts FROM {self._table} WHERE id = ?", (item_id,)
        )
        attempts = int(row["attempts"]) if row else MAX_ATTEMPTS
        if attempts >= MAX_ATTEMPTS:
            await self._finish(item_id, OutboxStatus.FAILED, now, error)
            return OutboxStatus.FAILED
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE {self._table} SET next_attempt_at = ?, last_error = ? WHERE id = ?",
                (utc_now_text(next_attempt(attempts, now)), error, item_id),
            )
        return OutboxStatus.PENDING

    async def _finish(
        self, item_id: int, status: OutboxStatus, now: datetime, error: str | None
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE {self._table} SET status = ?, last_error = ?, sent_at = ? WHERE id = ?",
                (
                    status.value,
                    error,
                    utc_now_text(now) if status is OutboxStatus.SENT else None,
                    item_id,
                ),
            )
