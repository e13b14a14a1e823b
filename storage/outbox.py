"""The mechanics every persistent outbox shares: claim a row for one attempt, then record
how it ended (sent, unreachable, tried again later with back-off, given up).

A table is an outbox when it has the columns of `ats_outbox` (migration 007): id, status,
attempts, next_attempt_at, last_error, sent_at. What a row carries and which rows are due
is its repository's business (`storage.closing`, `storage.notices`, …); each inherits
`OutboxDelivery`, which delegates here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

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


class OutboxRow(Protocol):
    """An outbox row as its repository reads it: what claiming it needs."""

    @property
    def id(self) -> int: ...

    @property
    def attempts(self) -> int: ...


class OutboxDelivery:
    """The delivery half of an outbox's repository (what reminders.outbox.OutboxStore asks
    for): claiming a row and recording how its send ended, all `Outbox`'s. A repository
    inherits it and sets `_outbox` to its table's Outbox."""

    _outbox: Outbox

    async def claim(self, item: OutboxRow, now: datetime, hold: timedelta) -> bool:
        """Take a pending row for one attempt; False if another run took it first.

        The attempt is counted and the row pushed `hold` ahead before sending, so a crash
        mid-send leaves it to be retried later, never twice at once."""
        return await self._outbox.claim(item.id, item.attempts, now, hold)

    async def sent(self, item_id: int, now: datetime) -> None:
        await self._outbox.sent(item_id, now)

    async def unreachable(self, item_id: int, now: datetime, error: str) -> None:
        await self._outbox.unreachable(item_id, now, error)

    async def retry_later(self, item_id: int, now: datetime, error: str) -> OutboxStatus:
        """Back off, or give up (FAILED) after MAX_ATTEMPTS."""
        return await self._outbox.retry_later(item_id, now, error)
