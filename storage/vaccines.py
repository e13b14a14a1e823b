"""The vaccination-duty check's repository: the lists of pupils, the ATS's answer, the
school's follow-up, and who holds the "vaccini" role of a plesso (issue 18)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from domain.vaccines import (
    AnswerRow,
    Campaign,
    Document,
    ListInfo,
    ListKind,
    Outcome,
    Pupil,
    Service,
    StoredPupil,
    VaccineNotice,
)
from storage import audit
from storage.db import Database, Row, parse_utc, utc_now_text
from storage.erasure import secure_delete
from storage.outbox import Outbox, OutboxDelivery, OutboxTable


def _pupil(row: Row) -> StoredPupil:
    return StoredPupil(
        id=row["id"],
        list_id=row["list_id"],
        line=row["line"],
        codice_fiscale=row["codice_fiscale"],
        surname=row["surname"],
        name=row["name"],
        birth_date=date.fromisoformat(row["birth_date"]),
        class_name=row["class_name"],
        service=Service(row["service"]),
        unaccompanied=bool(row["unaccompanied"]),
        outcome=Outcome(row["outcome"]) if row["outcome"] else None,
        invited_on=date.fromisoformat(row["invited_on"]) if row["invited_on"] else None,
        document=Document(row["document"]) if row["document"] else None,
        document_on=date.fromisoformat(row["document_on"]) if row["document_on"] else None,
    )


class VaccinesRepository(OutboxDelivery):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._outbox = Outbox(db, OutboxTable.VACCINE_NOTICES)

    # --- the role ------------------------------------------------------------------------

    async def officers(self, plesso_code: str) -> list[int]:
        """The telegram ids holding the vaccini role of the plesso."""
        rows = await self._db.fetchall(
            "SELECT r.telegram_user_id FROM vaccine_officers v"
            " JOIN referents r ON r.id = v.referent_id"
            " WHERE v.plesso_code = ? AND v.revoked_at IS NULL ORDER BY r.id",
            (plesso_code,),
        )
        return [int(row["telegram_user_id"]) for row in rows]

    async def holders(self, plesso_code: str) -> list[tuple[int, str]]:
        """(referent id, full name) of who holds the vaccini role of the plesso, by name."""
        rows = await self._db.fetchall(
            "SELECT r.id, r.full_name FROM vaccine_officers v"
            " JOIN referents r ON r.id = v.referent_id"
            " WHERE v.plesso_code = ? AND v.revoked_at IS NULL ORDER BY r.full_name, r.id",
            (plesso_code,),
        )
        return [(int(row["id"]), str(row["full_name"])) for row in rows]

    async def revoke(
        self, referent_id: int, plesso_code: str, *, actor: int, now: datetime
    ) -> bool:
        """End the person's vaccini role on the plesso (the row stays, for the record); they
        are told through the outbox, in this transaction. False when they did not hold it."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE vaccine_officers SET revoked_at = ? WHERE referent_id = ?"
                " AND plesso_code = ? AND revoked_at IS NULL RETURNING referent_id",
                (stamp, referent_id, plesso_code),
            )
            revoked = await cursor.fetchone()
            await cursor.close()
            if revoked is None:
                return False
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="vaccines.revoke",
                entity="referent",
                entity_id=str(referent_id),
                details={"plesso": plesso_code},
            )
            await conn.execute(
                "INSERT INTO vaccine_notices (user_id, kind, scope, year, next_attempt_at,"
                " created_at) SELECT telegram_user_id, ?, ?, ?, ?, ? FROM referents WHERE id = ?"
                " ON CONFLICT (user_id, kind, scope) DO NOTHING",
                (f"revoked:{stamp}", plesso_code, now.year, stamp, stamp, referent_id),
            )
        return True

    # --- the campaign --------------------------------------------------------------------

    async def campaign(self, plesso_code: str, year: int) -> Campaign:
        lists = await self._db.fetchall(
            "SELECT l.*, (SELECT COUNT(*) FROM vaccine_pupils p WHERE p.list_id = l.id) AS n"
            " FROM vaccine_lists l WHERE l.plesso_code = ? AND l.year = ? ORDER BY l.id",
            (plesso_code, year),
        )
        row = await self._db.fetchone(
            "SELECT * FROM vaccine_campaigns WHERE plesso_code = ? AND year = ?",
            (plesso_code, year),
        )
        return Campaign(
            plesso_code=plesso_code,
            year=year,
            lists=tuple(
                ListInfo(
                    id=item["id"],
                    kind=ListKind(item["kind"]),
                    pupils=item["n"],
                    rows_refused=item["rows_refused"],
                    created_at=parse_utc(item["created_at"]),
                    sent_at=parse_utc(item["sent_at"]) if item["sent_at"] else None,
                    receipt=item["receipt"],
                )
                for item in lists
            ),
            published_at=parse_utc(row["published_at"]) if row and row["published_at"] else None,
            transmitted_at=(
                parse_utc(row["transmitted_at"]) if row and row["transmitted_at"] else None
            ),
        )

    async def campaigns(self, plesso_codes: Sequence[str], year: int) -> list[Campaign]:
        return [await self.campaign(code, year) for code in plesso_codes]

    async def pupils(
        self, plesso_code: str, year: int, *, sent: bool = True, list_id: int | None = None
    ) -> list[StoredPupil]:
        """The pupils of the plesso's sent lists (or of one list), by surname."""
        where = "l.sent_at IS NOT NULL" if sent else "l.sent_at IS NULL"
        params: tuple[object, ...] = (plesso_code, year)
        if list_id is not None:
            where, params = "l.id = ?", (*params, list_id)
        rows = await self._db.fetchall(
            "SELECT p.* FROM vaccine_pupils p JOIN vaccine_lists l ON l.id = p.list_id"
            f" WHERE l.plesso_code = ? AND l.year = ? AND {where}"
            " ORDER BY p.surname, p.name, p.id",
            params,
        )
        return [_pupil(row) for row in rows]

    async def save_draft(
        self,
        plesso_code: str,
        year: int,
        kind: ListKind,
        pupils: Sequence[Pupil],
        rows_refused: int,
        *,
        actor: int,
        now: datetime,
    ) -> int:
        """The upload as the plesso's draft list, replacing the previous draft."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM vaccine_lists WHERE plesso_code = ? AND year = ? AND sent_at IS NULL",
                (plesso_code, year),
            )
            cursor = await conn.execute(
                "INSERT INTO vaccine_lists (plesso_code, year, kind, rows_refused, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (plesso_code, year, kind.value, rows_refused, stamp),
            )
            list_id = cursor.lastrowid
            await cursor.close()
            assert list_id is not None
            await conn.executemany(
                "INSERT INTO vaccine_pupils (list_id, line, codice_fiscale, surname, name,"
                " birth_date, class_name, service, unaccompanied)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        list_id,
                        p.line,
                        p.codice_fiscale,
                        p.surname,
                        p.name,
                        p.birth_date.isoformat(),
                        p.class_name,
                        p.service.value,
                        int(p.unaccompanied),
                    )
                    for p in pupils
                ],
            )
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="vaccines.draft",
                entity="plesso",
                entity_id=plesso_code,
                details={"list": list_id, "pupils": len(pupils), "refused": rows_refused},
            )
        return list_id

    async def send(
        self, plesso_code: str, list_id: int, receipt: str, *, actor: int, now: datetime
    ) -> bool:
        """Lock the draft as sent, with its receipt; False when it is not a draft any more."""
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE vaccine_lists SET sent_at = ?, sent_by = ?, receipt = ?"
                " WHERE id = ? AND plesso_code = ? AND sent_at IS NULL",
                (utc_now_text(now), actor, receipt, list_id, plesso_code),
                now=now,
                actor=actor,
                action="vaccines.send",
                entity="plesso",
                entity_id=plesso_code,
                details={"list": list_id},
            )
        return changed

    async def _mark_campaign(
        self, plesso_code: str, year: int, column: str, *, actor: int, now: datetime
    ) -> bool:
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO vaccine_campaigns (plesso_code, year) VALUES (?, ?)"
                " ON CONFLICT (plesso_code, year) DO NOTHING",
                (plesso_code, year),
            )
            changed = await audit.change_recorded(
                conn,
                f"UPDATE vaccine_campaigns SET {column} = ?"
                f" WHERE plesso_code = ? AND year = ? AND {column} IS NULL",
                (stamp, plesso_code, year),
                now=now,
                actor=actor,
                action=f"vaccines.{column.removesuffix('_at')}",
                entity="plesso",
                entity_id=plesso_code,
            )
        return changed

    async def record_answer(
        self, plesso_code: str, year: int, rows: Sequence[AnswerRow], *, actor: int, now: datetime
    ) -> int:
        """The ATS's outcomes on the plesso's sent pupils (before publication)."""
        async with self._db.transaction() as conn:
            changed = 0
            for row in rows:
                cursor = await conn.execute(
                    "UPDATE vaccine_pupils SET outcome = ? WHERE codice_fiscale = ? AND list_id IN"
                    " (SELECT id FROM vaccine_lists WHERE plesso_code = ? AND year = ?"
                    " AND sent_at IS NOT NULL)",
                    (row.outcome.value, row.codice_fiscale, plesso_code, year),
                )
                changed += cursor.rowcount
                await cursor.close()
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="vaccines.answer",
                entity="plesso",
                entity_id=plesso_code,
                details={"rows": changed},
            )
        return changed

    async def publish(self, plesso_code: str, year: int, *, actor: int, now: datetime) -> bool:
        return await self._mark_campaign(plesso_code, year, "published_at", actor=actor, now=now)

    async def transmit(self, plesso_code: str, year: int, *, actor: int, now: datetime) -> bool:
        return await self._mark_campaign(plesso_code, year, "transmitted_at", actor=actor, now=now)

    async def mark_invited(
        self, plesso_code: str, year: int, pupil_ids: Sequence[int] | None, day: date
    ) -> int:
        """«Famiglia invitata» on the pupils not in order (all of them when None) not yet
        invited."""
        only = ""
        params: tuple[object, ...] = (day.isoformat(), plesso_code, year)
        if pupil_ids is not None:
            only = f" AND id IN ({','.join('?' * len(pupil_ids))})"
            params = (*params, *pupil_ids)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE vaccine_pupils SET invited_on = ? WHERE outcome = 'non_in_regola'"
                " AND invited_on IS NULL AND list_id IN (SELECT id FROM vaccine_lists"
                " WHERE plesso_code = ? AND year = ? AND sent_at IS NOT NULL)" + only,
                params,
            )
            changed = cursor.rowcount
            await cursor.close()
        return changed

    async def set_document(
        self, plesso_code: str, year: int, pupil_id: int, document: Document, day: date
    ) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE vaccine_pupils SET document = ?, document_on = ?,"
                " invited_on = COALESCE(invited_on, ?)"
                " WHERE id = ? AND outcome = 'non_in_regola' AND list_id IN (SELECT id FROM"
                " vaccine_lists WHERE plesso_code = ? AND year = ? AND sent_at IS NOT NULL)",
                (document.value, day.isoformat(), day.isoformat(), pupil_id, plesso_code, year),
            )
            changed = cursor.rowcount > 0
            await cursor.close()
        return changed

    # --- the ATS ---------------------------------------------------------------------------

    async def plessi_in_campaign(self, ats_code: str | None, year: int) -> list[str]:
        """The plessi of the ATS (every ATS when None) taking part: with a vaccini holder,
        or with a list of the year."""
        where, params = ("AND p.ats_code = ?", (ats_code,)) if ats_code else ("", ())
        rows = await self._db.fetchall(
            "SELECT p.code FROM plessi p WHERE (EXISTS (SELECT 1 FROM vaccine_officers v"
            " WHERE v.plesso_code = p.code AND v.revoked_at IS NULL) OR EXISTS (SELECT 1"
            f" FROM vaccine_lists l WHERE l.plesso_code = p.code AND l.year = ?)) {where}"
            " ORDER BY p.name, p.code",
            (year, *params),
        )
        return [row["code"] for row in rows]

    # --- the notices (an outbox) -------------------------------------------------------------

    async def queue_notice(
        self, user_id: int, kind: str, scope: str, year: int, now: datetime
    ) -> int:
        """Owe `user_id` a notice (1), unless the same one is owed or went already (0)."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO vaccine_notices (user_id, kind, scope, year, next_attempt_at,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (user_id, kind, scope) DO NOTHING",
                (user_id, kind, scope, year, stamp, stamp),
            )
            added = cursor.rowcount
            await cursor.close()
        return max(added, 0)

    async def due(self, now: datetime) -> list[VaccineNotice]:
        rows = await self._db.fetchall(
            "SELECT * FROM vaccine_notices WHERE status = 'pending' AND next_attempt_at <= ?"
            " ORDER BY id",
            (utc_now_text(now),),
        )
        return [
            VaccineNotice(
                id=row["id"],
                user_id=row["user_id"],
                kind=row["kind"],
                scope=row["scope"],
                year=row["year"],
                attempts=row["attempts"],
            )
            for row in rows
        ]

    async def purge_through(self, year: int, *, now: datetime) -> int:
        """Retention: the school-side data of the campaigns up to `year` (pupils, lists,
        campaigns, notices), in one transaction with `secure_delete` on (freed pages zeroed);
        the caller VACUUMs (as storage/retention.py). Returns how many pupils went."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT COUNT(*) FROM vaccine_pupils WHERE list_id IN"
                " (SELECT id FROM vaccine_lists WHERE year <= ?)",
                (year,),
            ) as cursor:
                row = await cursor.fetchone()
            pupils = int(row[0]) if row else 0
            async with secure_delete(conn):
                await conn.execute(
                    "DELETE FROM vaccine_pupils WHERE list_id IN"
                    " (SELECT id FROM vaccine_lists WHERE year <= ?)",
                    (year,),
                )
                for table in ("vaccine_lists", "vaccine_campaigns", "vaccine_notices"):
                    await conn.execute(f"DELETE FROM {table} WHERE year <= ?", (year,))
                if pupils:
                    await audit.record(
                        conn,
                        now=now,
                        actor=0,
                        action="vaccines.retention",
                        entity="system",
                        entity_id=str(year),
                        details={"pupils": pupils},
                    )
        return pupils
