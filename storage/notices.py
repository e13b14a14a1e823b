"""The referents' notices outbox (migration 012): written with the change it announces,
read by the delivery job (reminders/notices.py)."""

from __future__ import annotations

from datetime import datetime

from domain.notices import NoticeKind, ReferentNotice
from storage.db import Connection, Database, Row, parse_utc, utc_now_text
from storage.outbox import Outbox, OutboxDelivery, OutboxTable


async def queue(
    conn: Connection,
    *,
    referent_id: int,
    kind: NoticeKind,
    plesso_code: str,
    now: datetime,
) -> None:
    """Owe the referent a notice, inside the caller's transaction: it commits (or not) with
    the change it announces. Due at once."""
    stamp = utc_now_text(now)
    await conn.execute(
        "INSERT INTO referent_notices"
        " (referent_id, user_id, kind, plesso_code, next_attempt_at, created_at)"
        " SELECT id, telegram_user_id, ?, ?, ?, ? FROM referents WHERE id = ?",
        (kind.value, plesso_code, stamp, stamp, referent_id),
    )


def _notice(row: Row) -> ReferentNotice:
    return ReferentNotice(
        id=row["id"],
        referent_id=row["referent_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        plesso_code=row["plesso_code"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=parse_utc(row["next_attempt_at"]),
        last_error=row["last_error"],
        sent_at=parse_utc(row["sent_at"]) if row["sent_at"] else None,
    )


class NoticesRepository(OutboxDelivery):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._outbox = Outbox(db, OutboxTable.REFERENT_NOTICES)

    async def due(self, now: datetime) -> list[ReferentNotice]:
        """Pending notices whose time has come, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM referent_notices WHERE status = 'pending' AND next_attempt_at <= ?"
            " ORDER BY id",
            (utc_now_text(now),),
        )
        return [_notice(row) for row in rows]

    async def of_referent(self, referent_id: int) -> list[ReferentNotice]:
        rows = await self._db.fetchall(
            "SELECT * FROM referent_notices WHERE referent_id = ? ORDER BY id", (referent_id,)
        )
        return [_notice(row) for row in rows]
