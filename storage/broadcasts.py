"""/avviso: broadcasts, their recipients, and how each send ended.

Creating a broadcast is one transaction: the broadcast row (keyed by the confirmed preview,
so a second tap creates nothing), one row per recipient, chosen inside the transaction by
`domain.broadcast.recipients`, and the audit row.

Delivery claims one recipient row at a time ('claimed') before the send and marks it after.
A row found claimed when a delivery run starts was left by a crash (runs take turns, see
`reminders.broadcast`): it becomes 'failed' with the error 'uncertain' and is never sent
again. When no row is pending any more the broadcast is complete: its text is emptied, an
audit row written, and the admin's final count claimed, to be sent once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from domain.broadcast import (
    UNCERTAIN,
    Audience,
    Broadcast,
    BroadcastStatus,
    CreateOutcome,
    CreateResult,
    Delivery,
    DeliveryCount,
    Member,
    RecipientState,
    SummaryState,
    after_release,
    count_outcomes,
    next_attempt,
    recipients,
)
from storage import audit
from storage.db import Connection, Database, Row, parse_utc, utc_now_text

_MEMBERS = (
    "SELECT r.id AS referent_id, r.telegram_user_id AS user_id, p.sentinel"
    " FROM referent_plessi rp JOIN referents r ON r.id = rp.referent_id"
    " JOIN plessi p ON p.code = rp.plesso_code"
    " WHERE rp.revoked_at IS NULL AND (? IS NULL OR p.ats_code = ?)"
    " ORDER BY r.id, p.code"
)

_OUTCOMES = (
    "SELECT state, error, COUNT(*) AS n FROM broadcast_recipients"
    " WHERE broadcast_id = ? GROUP BY state, error"
)


def _broadcast(row: Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        ats_code=row["ats_code"],
        audience=Audience(row["audience"]),
        text=row["body"],
        created_by=row["created_by"],
        created_at=parse_utc(row["created_at"]),
        completed_at=parse_utc(row["completed_at"]) if row["completed_at"] else None,
        summary=SummaryState(row["summary_state"]),
    )


def _count(rows: Iterable[Row]) -> DeliveryCount:
    """The count from the rows of `_OUTCOMES`."""
    return count_outcomes((RecipientState(r["state"]), r["error"], r["n"]) for r in rows)


def _member(row: Row) -> Member:
    return Member(
        referent_id=row["referent_id"], user_id=row["user_id"], sentinel=bool(row["sentinel"])
    )


class BroadcastsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- the audience ------------------------------------------------------------------------

    async def count_recipients(self, ats_code: str | None, audience: Audience) -> int:
        """How many people a broadcast to `audience` of the ATS (None: all) would reach now."""
        return (await self.audience_sizes(ats_code))[audience]

    async def audience_sizes(self, ats_code: str | None) -> dict[Audience, int]:
        """`count_recipients` of every audience, from one read of the members."""
        rows = await self._db.fetchall(_MEMBERS, (ats_code, ats_code))
        members = [_member(row) for row in rows]
        return {audience: len(recipients(members, audience)) for audience in Audience}

    # --- creating ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        request_key: str,
        ats_code: str | None,
        audience: Audience,
        text: str,
        actor: int,
        now: datetime,
    ) -> CreateResult:
        """Store the broadcast and its recipients, once per `request_key`."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            existing = await _fetch_one(
                conn, "SELECT * FROM broadcasts WHERE request_key = ?", (request_key,)
            )
            if existing is not None:
                found = await _fetch_one(
                    conn,
                    "SELECT COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = ?",
                    (existing["id"],),
                )
                return CreateResult(
                    outcome=CreateOutcome.ALREADY,
                    broadcast=_broadcast(existing),
                    recipients=int(found["n"]) if found else 0,
                )
            async with conn.execute(_MEMBERS, (ats_code, ats_code)) as cursor:
                members = [_member(row) for row in await cursor.fetchall()]
            chosen = recipients(members, audience)
            if not chosen:
                return CreateResult(outcome=CreateOutcome.NO_RECIPIENTS)
            cursor = await conn.execute(
                "INSERT INTO broadcasts (request_key, ats_code, audience, body, body_length,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (request_key, ats_code, audience.value, text, len(text), actor, stamp),
            )
            broadcast_id = cursor.lastrowid
            await cursor.close()
            assert broadcast_id is not None
            await conn.executemany(
                "INSERT INTO broadcast_recipients (broadcast_id, referent_id, user_id,"
                " next_attempt_at) VALUES (?, ?, ?, ?)",
                [(broadcast_id, r.referent_id, r.user_id, stamp) for r in chosen],
            )
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="broadcast.create",
                entity=audit.ATS_ENTITY,
                entity_id=ats_code or audit.REGION,
                details={
                    "broadcast": broadcast_id,
                    "audience": audience.value,
                    "recipients": len(chosen),
                    "length": len(text),
                },
            )
            row = await _fetch_one(conn, "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        assert row is not None
        return CreateResult(
            outcome=CreateOutcome.CREATED, broadcast=_broadcast(row), recipients=len(chosen)
        )

    # --- reading -----------------------------------------------------------------------------

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row is not None else None

    async def count(self, broadcast_id: int) -> DeliveryCount:
        return _count(await self._db.fetchall(_OUTCOMES, (broadcast_id,)))

    async def recent(self, ats_code: str | None, limit: int) -> list[BroadcastStatus]:
        """The latest broadcasts of the ATS (None: of every ATS and the regional ones)."""
        if ats_code is not None:
            rows = await self._db.fetchall(
                "SELECT * FROM broadcasts WHERE ats_code = ? ORDER BY id DESC LIMIT ?",
                (ats_code, limit),
            )
        else:  # `id > 0` (all): the newest rows are read from the end of the primary key
            rows = await self._db.fetchall(
                "SELECT * FROM broadcasts WHERE id > 0 ORDER BY id DESC LIMIT ?", (limit,)
            )
        return [
            BroadcastStatus(broadcast=_broadcast(row), count=await self.count(row["id"]))
            for row in rows
        ]

    async def recipients_of(self, broadcast_id: int) -> list[tuple[int, RecipientState]]:
        """(user id, state) of every recipient, by user id."""
        rows = await self._db.fetchall(
            "SELECT user_id, state FROM broadcast_recipients WHERE broadcast_id = ?"
            " ORDER BY user_id",
            (broadcast_id,),
        )
        return [(int(r["user_id"]), RecipientState(r["state"])) for r in rows]

    async def unfinished(self) -> list[Broadcast]:
        """Broadcasts whose final count is not sent yet, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM broadcasts WHERE summary_state = 'pending' ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

    # --- delivering --------------------------------------------------------------------------

    async def fail_stale_claims(self, now: datetime) -> int:
        """At the start of a delivery run: what a crash left claimed ended uncertain. The
        recipients' rows become 'failed' ('uncertain'), a final count becomes 'failed'; none
        is sent again. Returns how many recipients' rows."""
        # A read first: the job runs every minute and there is almost never anything to do.
        stale = await self._db.fetchone(
            "SELECT EXISTS (SELECT 1 FROM broadcast_recipients WHERE state = 'claimed')"
            " OR EXISTS (SELECT 1 FROM broadcasts WHERE summary_state = 'claimed') AS found"
        )
        if stale is None or not stale["found"]:
            return 0
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcast_recipients SET state = 'failed', error = ?, done_at = ?"
                " WHERE state = 'claimed'",
                (UNCERTAIN, stamp),
            )
            changed = max(cursor.rowcount, 0)
            await cursor.close()
            await conn.execute(
                "UPDATE broadcasts SET summary_state = 'failed' WHERE summary_state = 'claimed'"
            )
        return changed

    async def claim_next(self, broadcast_id: int, now: datetime) -> Delivery | None:
        """Take the next recipient due now for one send (attempt counted), or None."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            row = await _fetch_one(
                conn,
                "SELECT * FROM broadcast_recipients WHERE broadcast_id = ? AND state = 'pending'"
                " AND next_attempt_at <= ? ORDER BY id LIMIT 1",
                (broadcast_id, stamp),
            )
            if row is None:
                return None
            await conn.execute(
                "UPDATE broadcast_recipients SET state = 'claimed', claimed_at = ?,"
                " attempts = attempts + 1 WHERE id = ?",
                (stamp, row["id"]),
            )
        return Delivery(
            id=row["id"],
            broadcast_id=row["broadcast_id"],
            referent_id=row["referent_id"],
            user_id=row["user_id"],
            attempts=int(row["attempts"]) + 1,
        )

    async def finish(
        self,
        delivery_id: int,
        state: RecipientState,
        now: datetime,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record how a claimed send ended: sent (with the message), blocked, failed."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE broadcast_recipients SET state = ?, done_at = ?, message_id = ?,"
                " error = ? WHERE id = ? AND state = 'claimed'",
                (state.value, utc_now_text(now), message_id, error, delivery_id),
            )

    async def retry_later(self, delivery: Delivery, now: datetime, error: str) -> RecipientState:
        """A send that surely did not reach Telegram: pending again after a back-off, or
        failed after MAX_ATTEMPTS."""
        state = after_release(delivery.attempts)
        if state is RecipientState.FAILED:
            await self.finish(delivery.id, state, now, error=error)
            return state
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE broadcast_recipients SET state = 'pending', next_attempt_at = ?,"
                " error = ? WHERE id = ? AND state = 'claimed'",
                (utc_now_text(next_attempt(delivery.attempts, now)), error, delivery.id),
            )
        return state

    async def complete(self, broadcast_id: int, now: datetime) -> DeliveryCount | None:
        """When every send of the broadcast has ended: empty its text, write the audit row
        (once) and claim the final count; returns the count to send, else None (sends still
        pending, or the count already claimed by another run)."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            open_rows = await _fetch_one(
                conn,
                "SELECT COUNT(*) AS n FROM broadcast_recipients WHERE broadcast_id = ?"
                " AND state IN ('pending', 'claimed')",
                (broadcast_id,),
            )
            if open_rows is None or int(open_rows["n"]) > 0:
                return None
            before = await _fetch_one(
                conn,
                "SELECT completed_at, ats_code FROM broadcasts WHERE id = ?",
                (broadcast_id,),
            )
            cursor = await conn.execute(
                "UPDATE broadcasts SET summary_state = 'claimed', body = NULL,"
                " completed_at = COALESCE(completed_at, ?)"
                " WHERE id = ? AND summary_state = 'pending'",
                (stamp, broadcast_id),
            )
            claimed = cursor.rowcount == 1
            await cursor.close()
            if before is None or not claimed:
                return None
            async with conn.execute(_OUTCOMES, (broadcast_id,)) as counted:
                count = _count(await counted.fetchall())
            if before["completed_at"] is None:  # the first completion, not a count sent again
                await audit.record(
                    conn,
                    now=now,
                    actor=None,
                    action="broadcast.delivered",
                    entity=audit.ATS_ENTITY,
                    entity_id=before["ats_code"] or audit.REGION,
                    details={
                        "broadcast": broadcast_id,
                        "sent": count.sent,
                        "blocked": count.blocked,
                        "failed": count.failed,
                        "uncertain": count.uncertain,
                    },
                )
        return count

    async def summary_done(self, broadcast_id: int, state: SummaryState, now: datetime) -> None:
        """How the final count's send ended; PENDING gives it back for a later run."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE broadcasts SET summary_state = ?, summary_sent_at = ?"
                " WHERE id = ? AND summary_state = 'claimed'",
                (
                    state.value,
                    utc_now_text(now) if state is SummaryState.SENT else None,
                    broadcast_id,
                ),
            )


async def _fetch_one(conn: Connection, sql: str, params: Sequence[object]) -> Row | None:
    async with conn.execute(sql, tuple(params)) as cursor:
        row: Row | None = await cursor.fetchone()
        return row
