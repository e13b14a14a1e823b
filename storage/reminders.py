"""The reminder log, unreachable referents, admins' pushes, and the facts the reminders read.

The log is what makes a reminder go out once: a row is claimed (inserted, UNIQUE key)
before the message is sent and marked after. Marking a referent unreachable, or reachable
again, and an admin's push write their audit row in the same transaction; the log rows need
none (they are the record). Nothing here holds a name in its details: ids, codes, counts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime

from domain.reminders import (
    LogEntry,
    OpenCaseRow,
    ReferentLink,
    ReminderKey,
    ReminderKind,
    ReminderState,
    UnreachableReferent,
)
from storage import audit
from storage.db import Database, Row, parse_utc, utc_now_text


def _in_ats(ats_code: str | None, keyword: str = "AND") -> tuple[str, tuple[str, ...]]:
    """The SQL keeping the plessi `p` of one ATS (all when None), and its parameter."""
    return (f"{keyword} p.ats_code = ?", (ats_code,)) if ats_code else ("", ())


def _marks(values: Collection[object]) -> str:
    return ",".join("?" * len(values))


def _key(row: Row) -> ReminderKey:
    return ReminderKey(
        referent_id=row["referent_id"],
        plesso_code=row["plesso_code"],
        kind=ReminderKind(row["kind"]),
        day=date.fromisoformat(row["day"]),
        ref=row["ref"],
    )


class ReminderLogRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- facts ------------------------------------------------------------------------------

    async def links(self, ats_code: str | None = None) -> list[ReferentLink]:
        """Every current (not revoked) referent-plesso pair, of one ATS or of all."""
        where, params = _in_ats(ats_code, "WHERE")
        rows = await self._db.fetchall(
            "SELECT r.id AS referent_id, r.telegram_user_id, r.full_name, p.code, p.name,"
            " p.ats_code, p.sentinel FROM plessi p"
            " JOIN referent_plessi rp ON rp.plesso_code = p.code AND rp.revoked_at IS NULL"
            f" JOIN referents r ON r.id = rp.referent_id {where}"
            " ORDER BY p.ats_code, p.name, p.code, r.id",
            params,
        )
        return [
            ReferentLink(
                referent_id=row["referent_id"],
                user_id=row["telegram_user_id"],
                full_name=row["full_name"],
                plesso_code=row["code"],
                plesso_name=row["name"],
                ats_code=row["ats_code"],
                sentinel=bool(row["sentinel"]),
            )
            for row in rows
        ]

    async def recorded(self, days: Sequence[date]) -> frozenset[tuple[str, date]]:
        """(plesso, day) pairs that have an absence figure, for `days`."""
        if not days:
            return frozenset()
        rows = await self._db.fetchall(
            f"SELECT plesso_code, day FROM absences WHERE day IN ({_marks(days)})",
            tuple(day.isoformat() for day in days),
        )
        return frozenset((row["plesso_code"], date.fromisoformat(row["day"])) for row in rows)

    async def recorded_plessi(self, day: date, ats_code: str | None) -> list[tuple[str, str]]:
        """(code, name) of the sentinel plessi of the ATS (of all when None) with a figure
        for `day`, by name."""
        where, params = _in_ats(ats_code)
        rows = await self._db.fetchall(
            "SELECT p.code, p.name FROM absences a JOIN plessi p ON p.code = a.plesso_code"
            f" WHERE a.day = ? AND p.sentinel = 1 {where} ORDER BY p.ats_code, p.name",
            (day.isoformat(), *params),
        )
        return [(row["code"], row["name"]) for row in rows]

    async def open_cases(
        self, created_after: datetime, created_until: datetime
    ) -> list[OpenCaseRow]:
        """Open cases created in (created_after, created_until], oldest first."""
        rows = await self._db.fetchall(
            "SELECT id, plesso_code, created_by, created_at FROM cases WHERE status = 'open'"
            " AND created_at > ? AND created_at <= ? ORDER BY created_at, id",
            (utc_now_text(created_after), utc_now_text(created_until)),
        )
        return [
            OpenCaseRow(
                case_id=row["id"],
                plesso_code=row["plesso_code"],
                created_by=row["created_by"],
                created_at=parse_utc(row["created_at"]),
            )
            for row in rows
        ]

    async def logged_since(self, day: date) -> frozenset[ReminderKey]:
        """Keys of every reminder about `day` or later, whatever its state."""
        rows = await self._db.fetchall(
            "SELECT referent_id, plesso_code, kind, day, ref FROM reminder_log WHERE day >= ?",
            (day.isoformat(),),
        )
        return frozenset(_key(row) for row in rows)

    async def reminded_since(self, since: datetime) -> frozenset[int]:
        """Referents sent a reminder (of any kind) after `since`, or being sent one now."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT referent_id FROM reminder_log"
            " WHERE (state = 'sent' AND done_at > ?) OR state = 'claimed'",
            (utc_now_text(since),),
        )
        return frozenset(int(row["referent_id"]) for row in rows)

    # --- the log ----------------------------------------------------------------------------

    async def claim(self, keys: Iterable[ReminderKey], now: datetime) -> dict[ReminderKey, int]:
        """Insert the keys not logged yet, in one transaction; returns those inserted, with
        their row ids. A key another run logged first is left out: it is not sent again."""
        claimed: dict[ReminderKey, int] = {}
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            for key in keys:
                cursor = await conn.execute(
                    "INSERT INTO reminder_log (referent_id, plesso_code, kind, day, ref,"
                    " claimed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                    (
                        key.referent_id,
                        key.plesso_code,
                        key.kind.value,
                        key.day.isoformat(),
                        key.ref,
                        stamp,
                    ),
                )
                row = await cursor.fetchone()
                await cursor.close()
                if row is not None:
                    claimed[key] = int(row["id"])
        return claimed

    async def finish(
        self,
        ids: Collection[int],
        state: ReminderState,
        now: datetime,
        message_id: int | None = None,
    ) -> None:
        """Record how the claimed rows ended: sent (with the message), unreachable, failed."""
        if not ids:
            return
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE reminder_log SET state = ?, done_at = ?, message_id = ?"
                f" WHERE id IN ({_marks(ids)})",
                (state.value, utc_now_text(now), message_id, *ids),
            )

    async def release(self, ids: Collection[int]) -> None:
        """Forget claimed rows whose message surely did not go (a refused connection, a 429
        that outlasted the retries): the next run sends them if their window is open."""
        if not ids:
            return
        async with self._db.transaction() as conn:
            await conn.execute(
                f"DELETE FROM reminder_log WHERE state = 'claimed' AND id IN ({_marks(ids)})",
                tuple(ids),
            )

    async def release_stale_claims(self) -> int:
        """At start-up: rows a crash left claimed are released; the run that follows sends
        again those whose window is still open. Returns how many were released."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM reminder_log WHERE state = 'claimed'")
            released = cursor.rowcount
            await cursor.close()
        return max(released, 0)

    async def for_days(self, days: Sequence[date], ats_code: str | None) -> list[LogEntry]:
        """The log rows about `days` for the plessi of one ATS (of all when None)."""
        if not days:
            return []
        where, params = _in_ats(ats_code)
        rows = await self._db.fetchall(
            "SELECT l.* FROM reminder_log l JOIN plessi p ON p.code = l.plesso_code"
            f" WHERE l.day IN ({_marks(days)}) {where} ORDER BY l.claimed_at, l.id",
            (*(day.isoformat() for day in days), *params),
        )
        return [
            LogEntry(
                key=_key(row),
                state=ReminderState(row["state"]),
                claimed_at=parse_utc(row["claimed_at"]),
                done_at=parse_utc(row["done_at"]) if row["done_at"] else None,
            )
            for row in rows
        ]

    # --- unreachable referents ---------------------------------------------------------------

    async def unreachable_ids(self) -> frozenset[int]:
        rows = await self._db.fetchall("SELECT referent_id FROM unreachable_referents")
        return frozenset(int(row["referent_id"]) for row in rows)

    async def unreachable(self, ats_code: str | None) -> list[UnreachableReferent]:
        """Unreachable referents holding a plesso of the ATS (of any when None), by name.
        What /promemoria shows the admins (and /stato, issue 8)."""
        where, params = _in_ats(ats_code)
        rows = await self._db.fetchall(
            "SELECT DISTINCT u.referent_id, r.full_name, u.unreachable_since, u.reason"
            " FROM unreachable_referents u JOIN referents r ON r.id = u.referent_id"
            " JOIN referent_plessi rp ON rp.referent_id = u.referent_id AND rp.revoked_at IS NULL"
            f" JOIN plessi p ON p.code = rp.plesso_code {where}"
            " ORDER BY r.full_name, u.referent_id",
            params,
        )
        return [
            UnreachableReferent(
                referent_id=row["referent_id"],
                full_name=row["full_name"],
                since=parse_utc(row["unreachable_since"]),
                reason=row["reason"],
            )
            for row in rows
        ]

    async def mark_unreachable(self, referent_id: int, reason: str, now: datetime) -> bool:
        """Flag the referent (once); False when already flagged."""
        async with self._db.transaction() as conn:
            flagged = await audit.change_recorded(
                conn,
                "INSERT INTO unreachable_referents (referent_id, unreachable_since, reason)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (referent_id, utc_now_text(now), reason),
                now=now,
                actor=None,
                action="referent.unreachable",
                entity="referent",
                entity_id=str(referent_id),
                details={"reason": reason},
            )
        return flagged

    async def clear_unreachable(self, referent_id: int, now: datetime) -> bool:
        """The referent wrote to the bot: reachable again. Costs one read when not flagged
        (it runs on every update), a write only when the flag is there."""
        flagged = await self._db.fetchone(
            "SELECT 1 FROM unreachable_referents WHERE referent_id = ?", (referent_id,)
        )
        if flagged is None:
            return False
        async with self._db.transaction() as conn:
            cleared = await audit.change_recorded(
                conn,
                "DELETE FROM unreachable_referents WHERE referent_id = ?",
                (referent_id,),
                now=now,
                actor=None,
                action="referent.reachable",
                entity="referent",
                entity_id=str(referent_id),
            )
        return cleared

    # --- admins' pushes ----------------------------------------------------------------------

    async def last_push(self, ats_code: str | None) -> datetime | None:
        """The latest push that reached the ATS: its own or a regional one (any when None)."""
        where = ""
        params: tuple[str, ...] = ()
        if ats_code is not None:
            where, params = "WHERE ats_code = ? OR ats_code IS NULL", (ats_code,)
        row = await self._db.fetchone(
            f"SELECT MAX(requested_at) AS at FROM reminder_pushes {where}", params
        )
        return parse_utc(row["at"]) if row and row["at"] else None

    async def record_push(
        self, *, ats_code: str | None, day: date, actor: int, now: datetime, count: int
    ) -> int:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO reminder_pushes (ats_code, day, requested_by, requested_at)"
                " VALUES (?, ?, ?, ?)",
                (ats_code, day.isoformat(), actor, utc_now_text(now)),
            )
            push_id = cursor.lastrowid
            await cursor.close()
            assert push_id is not None
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="reminders.push",
                entity=audit.ATS_ENTITY,
                entity_id=ats_code or audit.REGION,
                details={"push": push_id, "day": day.isoformat(), "referents": count},
            )
        return push_id
