"""Repository of the citizens in isolation: the register, the chats linked to a person,
the sign-in failures, the diary, the household members, the red-flag alerts and the
reminder log (migration 014). Audit rows carry ids only, never names or codici fiscali."""

from __future__ import annotations

from datetime import date, datetime

from domain.diary import DiaryEntry, RedFlag, Symptom
from domain.isolation import Citizen, HouseholdMember, RegisterRow
from storage import audit
from storage.db import Database, Row, parse_utc, utc_now_text
from storage.erasure import record_counts, secure_delete
from storage.failures import FailureLog


def _citizen(row: Row, signed_in: bool = False) -> Citizen:
    return Citizen(
        id=row["id"],
        ats_code=row["ats_code"],
        codice_fiscale=row["codice_fiscale"],
        surname=row["surname"],
        name=row["name"],
        birth_date=date.fromisoformat(row["birth_date"]),
        phone=row["phone"],
        d0=date.fromisoformat(row["d0"]),
        onset=date.fromisoformat(row["onset"]) if row["onset"] else None,
        comune_code=row["comune_code"],
        closed_at=parse_utc(row["closed_at"]) if row["closed_at"] else None,
        household_taken_at=(
            parse_utc(row["household_taken_at"]) if row["household_taken_at"] else None
        ),
        reminder_hour=row["reminder_hour"],
        paused_until=date.fromisoformat(row["paused_until"]) if row["paused_until"] else None,
        signed_in=signed_in,
    )


def _entry(row: Row) -> DiaryEntry:
    return DiaryEntry(
        day=date.fromisoformat(row["day"]),
        symptoms=tuple(Symptom(s) for s in row["symptoms"].split(",") if s),
        temperature=row["temperature"],
        red_flags=tuple(RedFlag(f) for f in row["red_flags"].split(",") if f),
    )


def _member(row: Row) -> HouseholdMember:
    return HouseholdMember(
        id=row["id"],
        citizen_id=row["citizen_id"],
        surname=row["surname"],
        name=row["name"],
        codice_fiscale=row["codice_fiscale"],
        phone=row["phone"],
        last_contact=date.fromisoformat(row["last_contact"]) if row["last_contact"] else None,
        already_positive=bool(row["already_positive"]),
        school=row["school"],
    )


_SIGNED_IN = "EXISTS (SELECT 1 FROM citizen_links l WHERE l.citizen_id = c.id) AS signed_in"


class CitizensRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Failed sign-ins, one list per chat (the referrals' sign-in shares it).
        self._failures = FailureLog(db, "citizen_signin_failures")

    # --- the register ----------------------------------------------------------------------

    async def add(
        self,
        row: RegisterRow,
        *,
        ats_code: str,
        token_hash: str,
        expires_at: datetime,
        actor: int,
        now: datetime,
    ) -> int | None:
        """A new person in isolation, with their sign-in token; None when the same codice
        fiscale is already in an open isolation of the ATS (nothing is changed then)."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO citizens (ats_code, codice_fiscale, surname, name, birth_date, phone,"
                " d0, onset, comune_code, token_hash, token_expires_at, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (
                    ats_code,
                    row.codice_fiscale,
                    row.surname,
                    row.name,
                    row.birth_date.isoformat(),
                    row.phone,
                    row.d0.isoformat(),
                    row.onset.isoformat() if row.onset else None,
                    row.comune_code,
                    token_hash,
                    utc_now_text(expires_at),
                    actor,
                    stamp,
                ),
            )
            added = cursor.rowcount > 0
            citizen_id = cursor.lastrowid
            await cursor.close()
            if not added or citizen_id is None:
                return None
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="citizen.create",
                entity="citizen",
                entity_id=str(citizen_id),
                details={"ats": ats_code},
            )
        return citizen_id

    async def reissue_token(
        self, citizen_id: int, *, token_hash: str, expires_at: datetime, actor: int, now: datetime
    ) -> bool:
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE citizens SET token_hash = ?, token_expires_at = ?, token_used_at = NULL"
                " WHERE id = ? AND closed_at IS NULL",
                (token_hash, utc_now_text(expires_at), citizen_id),
                now=now,
                actor=actor,
                action="citizen.token",
                entity="citizen",
                entity_id=str(citizen_id),
            )
        return changed

    async def by_token(self, token_hash: str) -> tuple[Citizen, datetime, bool] | None:
        """The person of a token, its expiry and whether it was used."""
        row = await self._db.fetchone(
            "SELECT * FROM citizens WHERE token_hash = ? AND closed_at IS NULL", (token_hash,)
        )
        if row is None:
            return None
        return _citizen(row), parse_utc(row["token_expires_at"]), row["token_used_at"] is not None

    async def use_token(self, token_hash: str, user_id: int, now: datetime) -> int | None:
        """Use the token and link the chat to its person, in one transaction; None when it
        was used or expired in the meantime."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE citizens SET token_used_at = ? WHERE token_hash = ?"
                " AND token_used_at IS NULL AND token_expires_at > ? AND closed_at IS NULL"
                " RETURNING id",
                (stamp, token_hash, stamp),
            )
            used = await cursor.fetchone()
            await cursor.close()
            if used is None:
                return None
            citizen_id = int(used["id"])
            await self.link(user_id, citizen_id, by=user_id, now=now)
        return citizen_id

    async def link(self, user_id: int, citizen_id: int, *, by: int, now: datetime) -> None:
        """Link the chat to the person and make them the one it acts for."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE citizen_links SET active = 0 WHERE telegram_user_id = ?", (user_id,)
            )
            await conn.execute(
                "INSERT INTO citizen_links (telegram_user_id, citizen_id, active, linked_by,"
                " linked_at) VALUES (?, ?, 1, ?, ?) ON CONFLICT DO UPDATE SET active = 1",
                (user_id, citizen_id, by, utc_now_text(now)),
            )
            await audit.record(
                conn,
                now=now,
                actor=by,
                action="citizen.link",
                entity="citizen",
                entity_id=str(citizen_id),
                details={"chat": user_id},
            )

    async def record_failure(self, user_id: int, now: datetime) -> None:
        await self._failures.record(user_id, now)

    async def failures_since(self, user_id: int, since: datetime) -> list[datetime]:
        return await self._failures.since(user_id, since)

    # --- who a chat acts for ---------------------------------------------------------------

    async def linked(self, user_id: int) -> tuple[list[Citizen], int | None]:
        """The people a chat acts for (open isolations first, by name) and the active one."""
        rows = await self._db.fetchall(
            "SELECT c.*, l.active FROM citizen_links l JOIN citizens c ON c.id = l.citizen_id"
            " WHERE l.telegram_user_id = ?"
            " ORDER BY c.closed_at IS NOT NULL, c.name, c.id",
            (user_id,),
        )
        active = next((int(row["id"]) for row in rows if row["active"]), None)
        return [_citizen(row, signed_in=True) for row in rows], active

    async def set_active(self, user_id: int, citizen_id: int) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE citizen_links SET active = (citizen_id = ?) WHERE telegram_user_id = ?"
                " AND EXISTS (SELECT 1 FROM citizen_links WHERE telegram_user_id = ?"
                " AND citizen_id = ?)",
                (citizen_id, user_id, user_id, citizen_id),
            )
            changed = cursor.rowcount > 0
            await cursor.close()
        return changed

    async def chats_of(self, citizen_id: int) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT telegram_user_id FROM citizen_links WHERE citizen_id = ?", (citizen_id,)
        )
        return [int(row["telegram_user_id"]) for row in rows]

    async def get(self, citizen_id: int) -> Citizen | None:
        row = await self._db.fetchone(
            f"SELECT c.*, {_SIGNED_IN} FROM citizens c WHERE c.id = ?", (citizen_id,)
        )
        return _citizen(row, bool(row["signed_in"])) if row else None

    async def open_with_cf(self, codice_fiscale: str) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM citizens WHERE codice_fiscale = ? AND closed_at IS NULL",
            (codice_fiscale,),
        )
        return row is not None

    async def list_for_ats(self, ats_code: str | None, *, include_closed: bool) -> list[Citizen]:
        where = ["1 = 1"]
        params: list[object] = []
        if ats_code is not None:
            where.append("c.ats_code = ?")
            params.append(ats_code)
        if not include_closed:
            where.append("c.closed_at IS NULL")
        rows = await self._db.fetchall(
            f"SELECT c.*, {_SIGNED_IN} FROM citizens c WHERE {' AND '.join(where)}"
            " ORDER BY c.surname, c.name, c.id",
            params,
        )
        return [_citizen(row, bool(row["signed_in"])) for row in rows]

    # --- the ATS's actions -----------------------------------------------------------------

    async def close(self, citizen_id: int, *, actor: int, now: datetime) -> bool:
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE citizens SET closed_at = ?, closed_by = ?, token_hash = NULL"
                " WHERE id = ? AND closed_at IS NULL",
                (utc_now_text(now), actor, citizen_id),
                now=now,
                actor=actor,
                action="citizen.close",
                entity="citizen",
                entity_id=str(citizen_id),
            )
        return changed

    async def take_household(self, citizen_id: int, *, actor: int, now: datetime) -> bool:
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE citizens SET household_taken_at = ?"
                " WHERE id = ? AND household_taken_at IS NULL",
                (utc_now_text(now), citizen_id),
                now=now,
                actor=actor,
                action="citizen.household_taken",
                entity="citizen",
                entity_id=str(citizen_id),
            )
        return changed

    async def set_dates(
        self, citizen_id: int, *, d0: date, onset: date | None, actor: int, now: datetime
    ) -> bool:
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE citizens SET d0 = ?, onset = ? WHERE id = ? AND closed_at IS NULL",
                (d0.isoformat(), onset.isoformat() if onset else None, citizen_id),
                now=now,
                actor=actor,
                action="citizen.dates",
                entity="citizen",
                entity_id=str(citizen_id),
            )
        return changed

    async def set_reminder(
        self, citizen_id: int, *, hour: int | None = None, paused_until: date | None = None
    ) -> None:
        async with self._db.transaction() as conn:
            if hour is not None:
                await conn.execute(
                    "UPDATE citizens SET reminder_hour = ? WHERE id = ?", (hour, citizen_id)
                )
            if paused_until is not None:
                await conn.execute(
                    "UPDATE citizens SET paused_until = ? WHERE id = ?",
                    (paused_until.isoformat(), citizen_id),
                )

    # --- the diary -------------------------------------------------------------------------

    async def save_entry(
        self, citizen_id: int, entry: DiaryEntry, *, by: int, now: datetime
    ) -> int | None:
        """Write the day's entry (replacing a correction's previous one); a red flag raises
        an alert in the same transaction. Returns the alert's id, if one was raised."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO diary_entries (citizen_id, day, symptoms, temperature, red_flags,"
                " saved_at, saved_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (citizen_id, day) DO UPDATE SET symptoms = excluded.symptoms,"
                " temperature = excluded.temperature, red_flags = excluded.red_flags,"
                " saved_at = excluded.saved_at, saved_by = excluded.saved_by",
                (
                    citizen_id,
                    entry.day.isoformat(),
                    ",".join(entry.symptoms),
                    entry.temperature,
                    ",".join(entry.red_flags),
                    stamp,
                    by,
                ),
            )
            if not entry.red_flags:
                return None
            cursor = await conn.execute(
                "INSERT INTO citizen_alerts (citizen_id, day, raised_at) VALUES (?, ?, ?)",
                (citizen_id, entry.day.isoformat(), stamp),
            )
            alert_id = cursor.lastrowid
            await cursor.close()
        return alert_id

    async def set_onset(self, citizen_id: int, onset: date) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE citizens SET onset = ? WHERE id = ? AND onset IS NULL",
                (onset.isoformat(), citizen_id),
            )

    async def entries(self, citizen_id: int) -> list[DiaryEntry]:
        rows = await self._db.fetchall(
            "SELECT * FROM diary_entries WHERE citizen_id = ? ORDER BY day", (citizen_id,)
        )
        return [_entry(row) for row in rows]

    async def last_saved(self, citizen_id: int) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT MAX(saved_at) AS at FROM diary_entries WHERE citizen_id = ?", (citizen_id,)
        )
        return parse_utc(row["at"]) if row and row["at"] else None

    async def open_alerts(self, citizen_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM citizen_alerts WHERE citizen_id = ? AND handled_at IS NULL",
            (citizen_id,),
        )
        return int(row["n"]) if row else 0

    async def unpushed_alerts(self) -> list[tuple[int, int, str, date]]:
        """(alert, person, ATS, day) of the alerts not pushed yet, oldest first."""
        rows = await self._db.fetchall(
            "SELECT a.id, a.citizen_id, c.ats_code, a.day FROM citizen_alerts a"
            " JOIN citizens c ON c.id = a.citizen_id"
            " WHERE a.pushed_at IS NULL AND a.handled_at IS NULL ORDER BY a.id"
        )
        return [
            (int(r["id"]), int(r["citizen_id"]), str(r["ats_code"]), date.fromisoformat(r["day"]))
            for r in rows
        ]

    async def claim_alert(self, alert_id: int, now: datetime | None) -> bool:
        """Claim an alert for its push (`now`), or give the claim back (None) after a push
        that reached no admin; a claim already taken is not taken twice."""
        async with self._db.transaction() as conn:
            if now is None:
                await conn.execute(
                    "UPDATE citizen_alerts SET pushed_at = NULL WHERE id = ?", (alert_id,)
                )
                return True
            cursor = await conn.execute(
                "UPDATE citizen_alerts SET pushed_at = ? WHERE id = ? AND pushed_at IS NULL",
                (utc_now_text(now), alert_id),
            )
            claimed = cursor.rowcount > 0
            await cursor.close()
        return claimed

    async def handle_alerts(self, citizen_id: int, *, actor: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE citizen_alerts SET handled_at = ? WHERE citizen_id = ?"
                " AND handled_at IS NULL",
                (utc_now_text(now), citizen_id),
            )
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="citizen.alerts_handled",
                entity="citizen",
                entity_id=str(citizen_id),
            )

    # --- household members -----------------------------------------------------------------

    async def members(self, citizen_id: int) -> list[HouseholdMember]:
        rows = await self._db.fetchall(
            "SELECT * FROM household_members WHERE citizen_id = ? ORDER BY id", (citizen_id,)
        )
        return [_member(row) for row in rows]

    async def add_member(self, member: HouseholdMember, *, by: int, now: datetime) -> int | None:
        """None when the codice fiscale is already on the person's list."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO household_members (citizen_id, surname, name, codice_fiscale,"
                " phone, last_contact, already_positive, school, created_at)"
                " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? FROM citizens"
                " WHERE id = ? AND household_taken_at IS NULL"
                " ON CONFLICT DO NOTHING",
                (
                    member.citizen_id,
                    member.surname,
                    member.name,
                    member.codice_fiscale,
                    member.phone,
                    member.last_contact.isoformat() if member.last_contact else None,
                    int(member.already_positive),
                    member.school,
                    utc_now_text(now),
                    member.citizen_id,
                ),
            )
            added = cursor.rowcount > 0
            member_id = cursor.lastrowid
            await cursor.close()
            if not added:
                return None
            await audit.record(
                conn,
                now=now,
                actor=by,
                action="household.add",
                entity="citizen",
                entity_id=str(member.citizen_id),
                details={"member": member_id},
            )
        return member_id

    async def update_member(
        self, citizen_id: int, member_id: int, member: HouseholdMember, *, by: int, now: datetime
    ) -> bool:
        """Only while the ATS has not taken the household in charge; False otherwise (or
        when the codice fiscale is another member's)."""
        async with self._db.transaction() as conn:
            updated = await audit.change_recorded(
                conn,
                "UPDATE OR IGNORE household_members SET surname = ?, name = ?,"
                " codice_fiscale = ?, phone = ?, last_contact = ?, already_positive = ?,"
                " school = ? WHERE id = ? AND citizen_id = ? AND EXISTS (SELECT 1 FROM"
                " citizens WHERE id = ? AND household_taken_at IS NULL AND closed_at IS NULL)",
                (
                    member.surname,
                    member.name,
                    member.codice_fiscale,
                    member.phone,
                    member.last_contact.isoformat() if member.last_contact else None,
                    int(member.already_positive),
                    member.school,
                    member_id,
                    citizen_id,
                    citizen_id,
                ),
                now=now,
                actor=by,
                action="household.update",
                entity="citizen",
                entity_id=str(citizen_id),
                details={"member": member_id},
            )
        return updated

    async def delete_member(
        self, citizen_id: int, member_id: int, *, by: int, now: datetime
    ) -> bool:
        """Only while the ATS has not taken the household in charge."""
        async with self._db.transaction() as conn:
            deleted = await audit.change_recorded(
                conn,
                "DELETE FROM household_members WHERE id = ? AND citizen_id = ?"
                " AND EXISTS (SELECT 1 FROM citizens WHERE id = ? AND household_taken_at IS NULL)",
                (member_id, citizen_id, citizen_id),
                now=now,
                actor=by,
                action="household.delete",
                entity="citizen",
                entity_id=str(citizen_id),
                details={"member": member_id},
            )
        return deleted

    # --- the reminder log ------------------------------------------------------------------

    async def claim_reminder(self, citizen_id: int, day: date, kind: str, now: datetime) -> bool:
        """Note a prompt or nudge as sent; False when it already was (never twice)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO citizen_reminders (citizen_id, day, kind, sent_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (citizen_id, day.isoformat(), kind, utc_now_text(now)),
            )
            claimed = cursor.rowcount > 0
            await cursor.close()
        return claimed

    async def reminder_sent(self, citizen_id: int, day: date, kind: str) -> datetime | None:
        row = await self._db.fetchone(
            "SELECT sent_at FROM citizen_reminders WHERE citizen_id = ? AND day = ? AND kind = ?",
            (citizen_id, day.isoformat(), kind),
        )
        return parse_utc(row["sent_at"]) if row else None

    # --- retention ---------------------------------------------------------------------------

    async def purge_closed(
        self, cutoff: datetime, now: datetime
    ) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
        """Delete for real every isolation closed at or before `cutoff` and all about it:
        diary, household members, alerts, reminder log, chat links, their audit rows, and
        any draft naming the person (`citizen_id` in a diary draft). ONE transaction with
        `secure_delete` on (freed pages zeroed); one audit row per ATS records the counts.
        The caller VACUUMs after (storage.retention's proof pattern). Returns ATS → people,
        and the drafts deleted (flow, chat, user) for the caller to forget in memory."""
        limit = utc_now_text(cutoff)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT id, ats_code FROM citizens WHERE closed_at IS NOT NULL AND closed_at <= ?",
                (limit,),
            ) as cursor:
                due = [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]
            if not due:
                return {}, []
            async with secure_delete(conn):
                ids = [citizen_id for citizen_id, _ in due]
                marks = ",".join("?" * len(ids))
                for table in (
                    "citizen_alerts",
                    "citizen_reminders",
                    "diary_entries",
                    "household_members",
                    "citizen_links",
                ):
                    await conn.execute(f"DELETE FROM {table} WHERE citizen_id IN ({marks})", ids)
                await conn.execute(
                    f"DELETE FROM audit_log WHERE entity = 'citizen' AND entity_id IN ({marks})",
                    [str(i) for i in ids],
                )
                async with conn.execute(
                    "DELETE FROM conversations WHERE json_valid(data) AND EXISTS ("
                    " SELECT 1 FROM json_tree(conversations.data) AS t WHERE t.key = 'citizen_id'"
                    f" AND t.type = 'integer' AND t.atom IN ({marks}))"
                    " RETURNING flow, chat_id, user_id",
                    ids,
                ) as cursor:
                    drafts = [(str(r[0]), int(r[1]), int(r[2])) for r in await cursor.fetchall()]
                await conn.execute(f"DELETE FROM citizens WHERE id IN ({marks})", ids)
                counts: dict[str, int] = {}
                for _, ats_code in due:
                    counts[ats_code] = counts.get(ats_code, 0) + 1
                figures = {ats_code: {"people": people} for ats_code, people in counts.items()}
                await record_counts(
                    conn, figures, action="retention.citizens", cutoff=limit, now=now
                )
        return counts, drafts

    async def record_message(self, citizen_id: int, actor: int, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="citizen.message",
                entity="citizen",
                entity_id=str(citizen_id),
            )
