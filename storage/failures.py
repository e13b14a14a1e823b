"""Wrong attempts of a Telegram user (an invitation code, a citizen's sign-in), kept for a
lock-out rule (domain.lockout): one table per kind of attempt, each
`(telegram_user_id, failed_at)` with an index on both."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, parse_utc, utc_now_text


class FailureLog:
    """One kind of attempt's failures; the repositories that own the table delegate here."""

    def __init__(self, db: Database, table: str) -> None:
        self._db = db
        self._table = table  # a constant of the caller's, never user input

    async def record(self, telegram_user_id: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO {self._table} (telegram_user_id, failed_at) VALUES (?, ?)",
                (telegram_user_id, utc_now_text(now)),
            )

    async def since(self, telegram_user_id: int, since: datetime) -> list[datetime]:
        """The user's failures after `since`, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT failed_at FROM {self._table}"
            " WHERE telegram_user_id = ? AND failed_at > ? ORDER BY failed_at",
            (telegram_user_id, utc_now_text(since)),
        )
        return [parse_utc(row["failed_at"]) for row in rows]
