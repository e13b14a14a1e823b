"""Repository of the swab booking (migration 020): points, slots, bookings, results and
school passes. A place is taken by a conditional UPDATE (`booked < places`) inside the
booking's transaction, so the last place goes to one person only; the table's CHECK is the
last guard. Audit rows carry ids only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from domain.swabs import (
    Booking,
    Outcome,
    Referral,
    ReferralRow,
    Slot,
    SlotKind,
    SlotRow,
    SwabPass,
    SwabPoint,
)
from storage import audit
from storage.db import Connection, Database, Row, parse_utc, utc_now_text
from storage.erasure import record_counts, secure_delete

_SLOT_COLUMNS = (
    "s.id AS slot_id, s.starts_at, s.minutes, s.places, s.booked, s.kind,"
    " p.id AS point_id, p.ats_code, p.code AS point_code, p.name, p.address, p.comune, p.notes"
)
_SLOT_FROM = "swab_slots s JOIN swab_points p ON p.id = s.point_id"


def _slot(row: Row) -> Slot:
    return Slot(
        id=row["slot_id"],
        point=SwabPoint(
            id=row["point_id"],
            ats_code=row["ats_code"],
            code=row["point_code"],
            name=row["name"],
            address=row["address"],
            comune=row["comune"],
            notes=row["notes"],
        ),
        starts_at=datetime.fromisoformat(row["starts_at"]),
        minutes=row["minutes"],
        places=row["places"],
        booked=row["booked"],
        kind=SlotKind(row["kind"]),
    )


def _booking(row: Row) -> Booking:
    return Booking(
        id=row["booking_id"],
        code=row["code"],
        citizen_id=row["citizen_id"],
        referral_id=row["referral_id"],
        slot=_slot(row),
        cancelled_at=parse_utc(row["cancelled_at"]) if row["cancelled_at"] else None,
        result=Outcome(row["result"]) if row["result"] else None,
        result_day=date.fromisoformat(row["result_day"]) if row["result_day"] else None,
    )


def _pass(row: Row) -> SwabPass:
    return SwabPass(
        id=row["id"],
        code=row["code"],
        ats_code=row["ats_code"],
        plesso_code=row["plesso_code"],
        codice_fiscale=row["codice_fiscale"],
        issued_at=parse_utc(row["issued_at"]),
        expires_at=parse_utc(row["expires_at"]),
        used_at=parse_utc(row["used_at"]) if row["used_at"] else None,
    )


_BOOKING_SELECT = (
    "SELECT b.id AS booking_id, b.code, b.citizen_id, b.referral_id, b.cancelled_at, b.result,"
    f" b.result_day,"
    f" {_SLOT_COLUMNS} FROM swab_bookings b JOIN swab_slots s ON s.id = b.slot_id"
    " JOIN swab_points p ON p.id = s.point_id"
)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _referral(row: Row) -> Referral:
    return Referral(
        id=row["id"],
        ats_code=row["ats_code"],
        codice_fiscale=row["codice_fiscale"],
        surname=row["surname"],
        name=row["name"],
        birth_date=date.fromisoformat(row["birth_date"]),
        phone=row["phone"],
        doctor=row["doctor"],
        referred_at=parse_utc(row["referred_at"]),
        expires_at=parse_utc(row["expires_at"]),
        used=row["token_used_at"] is not None,
        telegram_user_id=row["telegram_user_id"],
        citizen_id=row["citizen_id"],
    )


class SwabsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- points and slots ----------------------------------------------------------------

    async def load_slots(
        self, ats_code: str, rows: list[SlotRow], *, actor: int, now: datetime
    ) -> tuple[int, int]:
        """Add or update the points and add their slots (a slot already there keeps its
        bookings; its places can grow, never drop below those booked). Returns (points,
        slots added)."""
        points: set[int] = set()
        added = 0
        async with self._db.transaction() as conn:
            for row in rows:
                await conn.execute(
                    "INSERT INTO swab_points (ats_code, code, name, address, comune, notes)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ats_code, code) DO UPDATE SET"
                    " name = excluded.name, address = excluded.address,"
                    " comune = excluded.comune, notes = excluded.notes",
                    (ats_code, row.point, row.name, row.address, row.comune, row.notes),
                )
                async with conn.execute(
                    "SELECT id FROM swab_points WHERE ats_code = ? AND code = ?",
                    (ats_code, row.point),
                ) as cursor:
                    found = await cursor.fetchone()
                assert found is not None
                point_id = int(found[0])
                points.add(point_id)
                for start in row.starts():
                    cursor = await conn.execute(
                        "INSERT INTO swab_slots (point_id, starts_at, minutes, places, kind)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (point_id, starts_at, kind)"
                        " DO UPDATE SET places = MAX(excluded.places, booked),"
                        " minutes = excluded.minutes, closed_at = NULL",
                        (point_id, _minute(start), row.minutes, row.places, row.kind.value),
                    )
                    added += 1 if cursor.rowcount > 0 else 0
                    await cursor.close()
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="swabs.load_slots",
                entity="ats",
                entity_id=ats_code,
                details={"points": len(points), "slots": added},
            )
        return len(points), added

    async def open_slots(self, ats_code: str, after: datetime) -> list[Slot]:
        """The ATS's open slots starting after `after` (local), in time order."""
        rows = await self._db.fetchall(
            f"SELECT {_SLOT_COLUMNS} FROM {_SLOT_FROM} WHERE p.ats_code = ?"
            " AND s.closed_at IS NULL AND s.starts_at > ? ORDER BY s.starts_at, p.name",
            (ats_code, _minute(after)),
        )
        return [_slot(row) for row in rows]

    async def slot(self, slot_id: int) -> Slot | None:
        row = await self._db.fetchone(
            f"SELECT {_SLOT_COLUMNS} FROM {_SLOT_FROM} WHERE s.id = ? AND s.closed_at IS NULL",
            (slot_id,),
        )
        return _slot(row) if row else None

    # --- bookings --------------------------------------------------------------------------

    async def take_place(self, slot_id: int) -> bool:
        """Take one place of an open slot, if one is left (call inside the booking's
        transaction). The condition is in the UPDATE: two at once cannot both succeed."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE swab_slots SET booked = booked + 1"
                " WHERE id = ? AND booked < places AND closed_at IS NULL",
                (slot_id,),
            )
            taken = cursor.rowcount > 0
            await cursor.close()
        return taken

    async def add_booking(
        self,
        code: str,
        citizen_id: int | None,
        slot_id: int,
        *,
        by: int,
        now: datetime,
        referral_id: int | None = None,
    ) -> int:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO swab_bookings (code, citizen_id, referral_id, slot_id, booked_by,"
                " booked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (code, citizen_id, referral_id, slot_id, by, utc_now_text(now)),
            )
            booking_id = int(cursor.lastrowid or 0)
            await cursor.close()
            await audit.record(
                conn,
                now=now,
                actor=by,
                action="swabs.book",
                entity="swab_booking",
                entity_id=str(booking_id),
            )
        return booking_id

    async def active_booking(self, citizen_id: int) -> Booking | None:
        row = await self._db.fetchone(
            f"{_BOOKING_SELECT} WHERE b.citizen_id = ? AND b.cancelled_at IS NULL"
            " AND b.result IS NULL",
            (citizen_id,),
        )
        return _booking(row) if row else None

    async def booking_by_code(self, code: str) -> Booking | None:
        row = await self._db.fetchone(f"{_BOOKING_SELECT} WHERE b.code = ?", (code,))
        return _booking(row) if row else None

    async def last_result(self, citizen_id: int) -> Booking | None:
        row = await self._db.fetchone(
            f"{_BOOKING_SELECT} WHERE b.citizen_id = ? AND b.result IS NOT NULL"
            " ORDER BY b.result_at DESC LIMIT 1",
            (citizen_id,),
        )
        return _booking(row) if row else None

    async def cancel(self, booking_id: int, reason: str, *, by: int, now: datetime) -> bool:
        """Cancel an active booking and give its place back."""
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE swab_bookings SET cancelled_at = ?, cancel_reason = ?"
                " WHERE id = ? AND cancelled_at IS NULL AND result IS NULL",
                (utc_now_text(now), reason, booking_id),
                now=now,
                actor=by,
                action=f"swabs.cancel.{reason}",
                entity="swab_booking",
                entity_id=str(booking_id),
            )
            if changed:
                await conn.execute(
                    "UPDATE swab_slots SET booked = booked - 1 WHERE id ="
                    " (SELECT slot_id FROM swab_bookings WHERE id = ?) AND booked > 0",
                    (booking_id,),
                )
        return changed

    async def set_result(
        self, booking_id: int, outcome: Outcome, day: date, *, by: int, now: datetime
    ) -> bool:
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE swab_bookings SET result = ?, result_day = ?, result_at = ?,"
                " result_by = ? WHERE id = ? AND cancelled_at IS NULL AND result IS NULL",
                (outcome.value, day.isoformat(), utc_now_text(now), by, booking_id),
                now=now,
                actor=by,
                action="swabs.result",
                entity="swab_booking",
                entity_id=str(booking_id),
            )
        return changed

    async def close_day(
        self, ats_code: str, point_code: str, day: date, *, by: int, now: datetime
    ) -> list[Booking]:
        """Close a point's day: its slots take no booking; the active bookings on it are
        returned (the caller cancels them and tells their holders)."""
        start, end = f"{day.isoformat()}T00:00", f"{day.isoformat()}T23:59"
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE swab_slots SET closed_at = ? WHERE closed_at IS NULL"
                " AND starts_at BETWEEN ? AND ? AND point_id ="
                " (SELECT id FROM swab_points WHERE ats_code = ? AND code = ?)",
                (utc_now_text(now), start, end, ats_code, point_code),
            )
            await audit.record(
                conn,
                now=now,
                actor=by,
                action="swabs.close_day",
                entity="ats",
                entity_id=ats_code,
                details={"day": day.isoformat()},
            )
        rows = await self._db.fetchall(
            f"{_BOOKING_SELECT} WHERE p.ats_code = ? AND p.code = ?"
            " AND s.starts_at BETWEEN ? AND ? AND b.cancelled_at IS NULL AND b.result IS NULL",
            (ats_code, point_code, start, end),
        )
        return [_booking(row) for row in rows]

    # --- passes ----------------------------------------------------------------------------

    async def add_pass(
        self,
        code: str,
        *,
        ats_code: str,
        plesso_code: str,
        codice_fiscale: str,
        now: datetime,
        expires_at: datetime,
    ) -> SwabPass:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO swab_passes (code, ats_code, plesso_code, codice_fiscale,"
                " issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    code,
                    ats_code,
                    plesso_code,
                    codice_fiscale,
                    utc_now_text(now),
                    utc_now_text(expires_at),
                ),
            )
            pass_id = int(cursor.lastrowid or 0)
            await cursor.close()
        return SwabPass(
            id=pass_id,
            code=code,
            ats_code=ats_code,
            plesso_code=plesso_code,
            codice_fiscale=codice_fiscale,
            issued_at=now,
            expires_at=expires_at,
        )

    async def pass_by_code(self, code: str) -> SwabPass | None:
        row = await self._db.fetchone("SELECT * FROM swab_passes WHERE code = ?", (code,))
        return _pass(row) if row else None

    async def use_pass(self, pass_id: int, *, by: int, now: datetime) -> bool:
        """Single use: the first registration wins, a second finds it used."""
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE swab_passes SET used_at = ?, used_by = ?"
                " WHERE id = ? AND used_at IS NULL AND expires_at > ?",
                (utc_now_text(now), by, pass_id, utc_now_text(now)),
                now=now,
                actor=by,
                action="swabs.pass_used",
                entity="swab_pass",
                entity_id=str(pass_id),
            )
        return changed

    async def active_booking_by_cf(self, ats_code: str, codice_fiscale: str) -> Booking | None:
        """The active booking of the person of the ATS's open isolation with that code."""
        row = await self._db.fetchone(
            f"{_BOOKING_SELECT} JOIN citizens c ON c.id = b.citizen_id"
            " WHERE c.ats_code = ? AND c.codice_fiscale = ? AND c.closed_at IS NULL"
            " AND b.cancelled_at IS NULL AND b.result IS NULL",
            (ats_code, codice_fiscale),
        )
        return _booking(row) if row else None

    async def pass_by_id(self, pass_id: int) -> SwabPass | None:
        row = await self._db.fetchone("SELECT * FROM swab_passes WHERE id = ?", (pass_id,))
        return _pass(row) if row else None

    # --- referrals -------------------------------------------------------------------------

    async def add_referral(
        self,
        row: ReferralRow,
        *,
        ats_code: str,
        token_hash: str,
        expires_at: datetime,
        actor: int,
        now: datetime,
    ) -> int:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO swab_referrals (ats_code, codice_fiscale, surname, name, birth_date,"
                " phone, doctor, referred_at, expires_at, token_hash, created_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ats_code,
                    row.codice_fiscale,
                    row.surname,
                    row.name,
                    row.birth_date.isoformat(),
                    row.phone,
                    row.doctor,
                    utc_now_text(now),
                    utc_now_text(expires_at),
                    token_hash,
                    actor,
                ),
            )
            referral_id = int(cursor.lastrowid or 0)
            await cursor.close()
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="swabs.referral",
                entity="swab_referral",
                entity_id=str(referral_id),
            )
        return referral_id

    async def referral_by_token(self, token_hash: str) -> Referral | None:
        row = await self._db.fetchone(
            "SELECT * FROM swab_referrals WHERE token_hash = ?", (token_hash,)
        )
        return _referral(row) if row else None

    async def referral(self, referral_id: int) -> Referral | None:
        row = await self._db.fetchone("SELECT * FROM swab_referrals WHERE id = ?", (referral_id,))
        return _referral(row) if row else None

    async def referral_of_chat(self, user_id: int) -> Referral | None:
        """The latest referral this chat signed in with."""
        row = await self._db.fetchone(
            "SELECT * FROM swab_referrals WHERE telegram_user_id = ? ORDER BY id DESC LIMIT 1",
            (user_id,),
        )
        return _referral(row) if row else None

    async def use_referral_token(self, token_hash: str, user_id: int, now: datetime) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE swab_referrals SET token_used_at = ?, telegram_user_id = ?"
                " WHERE token_hash = ? AND token_used_at IS NULL AND expires_at > ?",
                (utc_now_text(now), user_id, token_hash, utc_now_text(now)),
            )
            changed = cursor.rowcount > 0
            await cursor.close()
        return changed

    async def active_referral_booking(self, referral_id: int) -> Booking | None:
        row = await self._db.fetchone(
            f"{_BOOKING_SELECT} WHERE b.referral_id = ? AND b.cancelled_at IS NULL"
            " AND b.result IS NULL",
            (referral_id,),
        )
        return _booking(row) if row else None

    async def set_referral_citizen(self, referral_id: int, citizen_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE swab_referrals SET citizen_id = ? WHERE id = ?", (citizen_id, referral_id)
            )

    # --- reminders ---------------------------------------------------------------------------

    async def bookings_starting(self, start: datetime, end: datetime) -> list[Booking]:
        """Active bookings whose slot starts in [start, end) (local times)."""
        rows = await self._db.fetchall(
            f"{_BOOKING_SELECT} WHERE b.cancelled_at IS NULL AND b.result IS NULL"
            " AND s.starts_at >= ? AND s.starts_at < ? ORDER BY s.starts_at",
            (_minute(start), _minute(end)),
        )
        return [_booking(row) for row in rows]

    async def unbooked_referrals(
        self, referred_after: datetime, referred_before: datetime
    ) -> list[Referral]:
        """Referrals made between the two moments with no swab booked or done."""
        rows = await self._db.fetchall(
            "SELECT * FROM swab_referrals r WHERE r.referred_at BETWEEN ? AND ?"
            " AND r.citizen_id IS NULL AND NOT EXISTS (SELECT 1 FROM swab_bookings b"
            " WHERE b.referral_id = r.id AND b.cancelled_at IS NULL) ORDER BY r.referred_at",
            (utc_now_text(referred_after), utc_now_text(referred_before)),
        )
        return [_referral(row) for row in rows]

    async def claim_reminder(self, kind: str, target_id: int, now: datetime) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO swab_reminders (kind, target_id, sent_at) VALUES (?, ?, ?)",
                (kind, target_id, utc_now_text(now)),
            )
            claimed = cursor.rowcount > 0
            await cursor.close()
        return claimed

    # --- swab-point staff ----------------------------------------------------------------------

    async def add_staff_invitation(
        self, code_hash: str, ats_code: str, *, by: int, now: datetime, expires_at: datetime
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO swab_staff_invitations (code_hash, ats_code, created_by, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (code_hash, ats_code, by, utc_now_text(expires_at)),
            )
            await audit.record(
                conn,
                now=now,
                actor=by,
                action="swabs.staff_invite",
                entity="ats",
                entity_id=ats_code,
            )

    async def redeem_staff_invitation(
        self, code_hash: str, user_id: int, now: datetime
    ) -> str | None:
        """Use the invitation (once, before it expires) and register the staff member;
        their ATS, or None."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "UPDATE swab_staff_invitations SET used_at = ? WHERE code_hash = ?"
                " AND used_at IS NULL AND expires_at > ? RETURNING ats_code, created_by",
                (stamp, code_hash, stamp),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            ats_code, invited_by = str(row[0]), int(row[1])
            await conn.execute(
                "INSERT INTO swab_staff (telegram_user_id, ats_code, invited_by, joined_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (telegram_user_id) DO UPDATE SET"
                " ats_code = excluded.ats_code, invited_by = excluded.invited_by",
                (user_id, ats_code, invited_by, stamp),
            )
            await audit.record(
                conn,
                now=now,
                actor=user_id,
                action="swabs.staff_joined",
                entity="ats",
                entity_id=ats_code,
            )
        return ats_code

    async def staff_ats(self, user_id: int) -> str | None:
        row = await self._db.fetchone(
            "SELECT ats_code FROM swab_staff WHERE telegram_user_id = ?", (user_id,)
        )
        return str(row["ats_code"]) if row else None

    # --- the desk figures ----------------------------------------------------------------------

    async def day_figures(
        self, ats_code: str | None, start: date, end: date, today: date
    ) -> list[Row]:
        """Per point and day from `start` to `end` (included): capacity and booked (booking
        slots), direct-access capacity, bookings left without a result after their day
        (no-shows)."""
        return await self._db.fetchall(
            "SELECT p.ats_code, p.code AS point, substr(s.starts_at, 1, 10) AS day,"
            " SUM(CASE WHEN s.kind = 'prenotati' THEN s.places ELSE 0 END) AS capacity,"
            " SUM(CASE WHEN s.kind = 'prenotati' THEN s.booked ELSE 0 END) AS booked,"
            " SUM(CASE WHEN s.kind = 'accesso_diretto' THEN s.places ELSE 0 END) AS direct,"
            " SUM((SELECT COUNT(*) FROM swab_bookings b WHERE b.slot_id = s.id"
            "   AND b.cancelled_at IS NULL AND b.result IS NULL"
            "   AND substr(s.starts_at, 1, 10) < ?)) AS no_shows"
            " FROM swab_slots s JOIN swab_points p ON p.id = s.point_id"
            " WHERE s.starts_at >= ? AND s.starts_at < ? AND (? IS NULL OR p.ats_code = ?)"
            " GROUP BY p.id, day ORDER BY day, p.code",
            (
                today.isoformat(),
                f"{start.isoformat()}T00:00",
                f"{end.isoformat()}T99:99",
                ats_code,
                ats_code,
            ),
        )

    async def referral_timings(self, ats_code: str | None, since: datetime) -> list[Row]:
        """Referrals since `since` with a swab done: when referred, the slot's local start,
        the result."""
        return await self._db.fetchall(
            # CROSS JOIN keeps the referrals (by time) outside: SQLite does not reorder it.
            "SELECT r.referred_at, s.starts_at, b.result_at FROM swab_referrals r"
            " CROSS JOIN swab_bookings b ON b.referral_id = r.id AND b.result IS NOT NULL"
            " JOIN swab_slots s ON s.id = b.slot_id"
            " WHERE r.referred_at >= ? AND (? IS NULL OR r.ats_code = ?)",
            (utc_now_text(since), ats_code, ats_code),
        )

    async def pass_figures(self, ats_code: str | None, since: datetime) -> list[Row]:
        return await self._db.fetchall(
            "SELECT plesso_code, COUNT(*) AS issued, COUNT(used_at) AS used FROM swab_passes"
            " WHERE issued_at >= ? AND (? IS NULL OR ats_code = ?)"
            " GROUP BY plesso_code ORDER BY plesso_code",
            (utc_now_text(since), ats_code, ats_code),
        )

    # --- retention ---------------------------------------------------------------------------

    async def purge_ended(self, cutoff: datetime, local_cutoff: datetime, now: datetime) -> int:
        """Delete for real what ended at or before `cutoff` (UTC; `local_cutoff` is the same
        moment on the local clock, for the slots' local starts): referrals expired (one that
        became a case: when its person's isolation is due), with their bookings; passes used
        or expired; bookings whose result was given, or whose slot was past, or that were
        cancelled; used or expired staff
        invitations; the reminders of what went; the audit rows about them (ids only). With
        `secure_delete` on; joins the caller's transaction (the citizens' run), the caller
        VACUUMs after. One audit row per ATS with the counts. Returns the rows deleted."""
        limit = utc_now_text(cutoff)
        local = _minute(local_cutoff)
        async with self._db.transaction() as conn, secure_delete(conn):
            counts = await self._purge(conn, limit, local)
            await record_counts(conn, counts, action="retention.swabs", cutoff=limit, now=now)
        return sum(sum(figures.values()) for figures in counts.values())

    async def _purge(self, conn: Connection, limit: str, local: str) -> dict[str, dict[str, int]]:
        """The ids due, each by an indexed lookup (tests/unit/test_query_plans.py), then the
        rows by primary key: counts per ATS of what went."""
        params = {"limit": limit, "local": local}
        referrals = await _ids(conn, _DUE_REFERRALS, params)
        bookings = await _ids(conn, _DUE_BOOKINGS, params)
        for chunk in _chunks(list(referrals)):
            # A referral's bookings go with it (the foreign key cascades: counted here).
            bookings.update(await _ids(conn, _REFERRAL_BOOKINGS.format(marks=_marks(chunk)), chunk))
        passes = await _ids(conn, _DUE_PASSES, params)
        counts: dict[str, dict[str, int]] = {}
        for what, ids in (("bookings", bookings), ("referrals", referrals), ("passes", passes)):
            for ats_code in ids.values():
                figures = counts.setdefault(ats_code, {})
                figures[what] = figures.get(what, 0) + 1
        for table, entity, ids in (
            ("swab_bookings", "swab_booking", bookings),
            ("swab_referrals", "swab_referral", referrals),
            ("swab_passes", "swab_pass", passes),
        ):
            for chunk in _chunks(list(ids)):
                marks = _marks(chunk)
                await conn.execute(
                    f"DELETE FROM audit_log WHERE entity = '{entity}' AND entity_id IN ({marks})",
                    [str(i) for i in chunk],
                )
                await conn.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)
        # The reminders of what went (a booking's evening/soon, a referral's nudge).
        for kinds, ids in ((("evening", "soon"), bookings), (("referral_nudge",), referrals)):
            for kind in kinds:
                for chunk in _chunks(list(ids)):
                    await conn.execute(
                        f"DELETE FROM swab_reminders WHERE kind = ? AND target_id IN"
                        f" ({_marks(chunk)})",
                        [kind, *chunk],
                    )
        await conn.execute(
            "DELETE FROM swab_staff_invitations WHERE COALESCE(used_at, expires_at) <= ?", (limit,)
        )
        return counts


# --- retention: what is due (ids → ATS) ---------------------------------------------------------

# A referral ends when its link expires, or later when its swab's result is given; one that
# became a case goes with the person (run before the citizens' purge, which would only set the
# link to NULL).
_DUE_REFERRALS = (
    "SELECT r.id, r.ats_code FROM citizens c JOIN swab_referrals r ON r.citizen_id = c.id"
    " WHERE c.closed_at IS NOT NULL AND c.closed_at <= :limit"
    " UNION SELECT r.id, r.ats_code FROM swab_referrals r"
    " WHERE r.citizen_id IS NULL AND r.expires_at <= :limit AND NOT EXISTS ("
    " SELECT 1 FROM swab_bookings b JOIN swab_slots s ON s.id = b.slot_id"
    " WHERE b.referral_id = r.id AND (COALESCE(b.result_at, b.cancelled_at, '') > :limit"
    " OR b.result_at IS NULL AND b.cancelled_at IS NULL AND s.starts_at > :local))"
)
_BOOKING_ATS = (
    "SELECT b.id, p.ats_code FROM swab_bookings b JOIN swab_slots s ON s.id = b.slot_id"
    " JOIN swab_points p ON p.id = s.point_id"
)
# A booking ends with its result, its cancelling, or its slot's start when nobody posted one;
# a citizen's bookings go with the person (the foreign key would cascade: counted here).
_DUE_BOOKINGS = (
    f"{_BOOKING_ATS} WHERE b.result_at <= :limit"
    f" UNION {_BOOKING_ATS} WHERE b.cancelled_at <= :limit"
    " UNION SELECT b.id, p.ats_code FROM swab_slots s JOIN swab_bookings b ON b.slot_id = s.id"
    " JOIN swab_points p ON p.id = s.point_id WHERE s.starts_at <= :local"
    " AND b.result_at IS NULL AND b.cancelled_at IS NULL"
    " UNION SELECT b.id, p.ats_code FROM citizens c JOIN swab_bookings b ON b.citizen_id = c.id"
    " JOIN swab_slots s ON s.id = b.slot_id JOIN swab_points p ON p.id = s.point_id"
    " WHERE c.closed_at IS NOT NULL AND c.closed_at <= :limit"
)
_REFERRAL_BOOKINGS = f"{_BOOKING_ATS} WHERE b.referral_id IN ({{marks}})"
_DUE_PASSES = "SELECT id, ats_code FROM swab_passes WHERE COALESCE(used_at, expires_at) <= :limit"
_CHUNK = 500  # ids per statement, far below SQLite's limit on variables


async def _ids(conn: Connection, sql: str, params: Mapping[str, str] | list[int]) -> dict[int, str]:
    async with conn.execute(sql, params) as cursor:
        return {int(row[0]): str(row[1]) for row in await cursor.fetchall()}


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[start : start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


def _marks(chunk: list[int]) -> str:
    return ",".join("?" * len(chunk))
