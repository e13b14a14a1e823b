"""Sent-home reports (migration 013): create, correct, re-report, outcome, lists, clusters,
and their outbox to the ATS admins. The lock after 24 hours is the database's (triggers)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from domain.outbox import OutboxStatus
from domain.senthome import (
    FINAL_OUTCOMES,
    Cluster,
    NoticeKind,
    Outcome,
    SentHomeData,
    SentHomeRecord,
    SentHomeReport,
    SentHomeRow,
    changed_fields,
)
from storage import audit
from storage.db import Connection, Database, Row, parse_utc, utc_now_text
from storage.outbox import Outbox, OutboxDelivery, OutboxTable


class ReportLocked(Exception):
    """The database refused a change of a locked report."""


class SentHomeNotice(BaseModel):
    """One row of the outbox: a message owed to an ATS admin."""

    model_config = ConfigDict(frozen=True)

    id: int
    kind: NoticeKind
    report_id: int | None
    cluster_id: int | None
    admin_user_id: int
    status: OutboxStatus
    attempts: int


def _report(row: Row) -> SentHomeReport:
    return SentHomeReport(
        id=row["id"],
        data=SentHomeData.model_validate_json(row["data"]),
        version=row["version"],
        receipt_code=row["receipt_code"],
        created_by=row["created_by"],
        created_at=parse_utc(row["created_at"]),
        last_sent_at=parse_utc(row["last_sent_at"]),
        updated_at=parse_utc(row["updated_at"]),
        outcome=row["outcome"],
        outcome_at=parse_utc(row["outcome_at"]) if row["outcome_at"] else None,
        case_id=row["case_id"],
    )


def _row(row: Row) -> SentHomeRow:
    data = SentHomeData.model_validate_json(row["data"])
    return SentHomeRow(
        id=row["id"],
        plesso_code=row["plesso_code"],
        plesso_name=row["plesso_name"] or row["plesso_code"],
        class_name=data.class_name,
        section=data.section,
        surname=data.surname,
        name=data.name,
        role=data.role,
        day=data.day,
        outcome=row["outcome"],
        case_id=row["case_id"],
    )


def _notice(row: Row) -> SentHomeNotice:
    return SentHomeNotice(
        id=row["id"],
        kind=row["kind"],
        report_id=row["report_id"],
        cluster_id=row["cluster_id"],
        admin_user_id=row["admin_user_id"],
        status=row["status"],
        attempts=row["attempts"],
    )


def _is_lock(error: sqlite3.IntegrityError) -> bool:
    return "locked" in str(error)


_LIST = (
    "SELECT s.*, p.name AS plesso_name FROM sent_home s LEFT JOIN plessi p"
    " ON p.code = s.plesso_code"
)


class SentHomeRepository(OutboxDelivery):
    def __init__(self, db: Database) -> None:
        self._db = db
        self._outbox = Outbox(db, OutboxTable.SENT_HOME)

    # --- writes (each joins the caller's transaction) -------------------------------------------

    async def create(
        self, data: SentHomeData, receipt: str, *, actor: int, now: datetime
    ) -> SentHomeReport:
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO sent_home (plesso_code, class_key, codice_fiscale, sent_day, data,"
                " receipt_code, created_by, created_at, last_sent_at, updated_at, kept_from)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    data.plesso_code,
                    data.class_key,
                    data.codice_fiscale,
                    data.day.isoformat(),
                    data.model_dump_json(),
                    receipt,
                    actor,
                    stamp,
                    stamp,
                    stamp,
                    stamp,
                ),
            )
            report_id = cursor.lastrowid
            await cursor.close()
            assert report_id is not None
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="sent_home.create",
                entity="sent_home",
                entity_id=str(report_id),
                details={"plesso": data.plesso_code},
            )
            found = await _fetch(conn, report_id)
        assert found is not None
        return found

    async def replace(
        self,
        report_id: int,
        data: SentHomeData,
        *,
        resent: bool,
        actor: int,
        now: datetime,
    ) -> SentHomeReport | None:
        """A correction (`resent` False) or a re-report of the person: the stored version is
        kept, the report gets the new data (None: no such report). ReportLocked when the
        database refuses it (migration 013's lock)."""
        stamp = utc_now_text(now)
        reason = "resent" if resent else "correction"
        try:
            async with self._db.transaction() as conn:
                before = await _fetch(conn, report_id)
                if before is None:
                    return None
                await conn.execute(
                    "INSERT INTO sent_home_versions"
                    " (report_id, version, data, reason, replaced_at, replaced_by)"
                    " SELECT id, version, data, ?, ?, ? FROM sent_home WHERE id = ?",
                    (reason, stamp, actor, report_id),
                )
                await conn.execute(
                    "UPDATE sent_home SET class_key = ?, codice_fiscale = ?, sent_day = ?,"
                    " data = ?, version = version + 1, updated_at = ?,"
                    " last_sent_at = CASE WHEN ? THEN ? ELSE last_sent_at END,"
                    " kept_from = CASE WHEN ? AND (outcome IS NULL OR outcome = 'absent')"
                    " THEN ? ELSE kept_from END"
                    " WHERE id = ?",
                    (
                        data.class_key,
                        data.codice_fiscale,
                        data.day.isoformat(),
                        data.model_dump_json(),
                        stamp,
                        int(resent),
                        stamp,
                        int(resent),
                        stamp,
                        report_id,
                    ),
                )
                await audit.record(
                    conn,
                    now=now,
                    actor=actor,
                    action=f"sent_home.{reason}",
                    entity="sent_home",
                    entity_id=str(report_id),
                    details={"fields": [f.value for f in changed_fields(before.data, data)]},
                )
                found = await _fetch(conn, report_id)
        except sqlite3.IntegrityError as error:
            if _is_lock(error):
                raise ReportLocked from None
            raise
        return found

    async def set_outcome(
        self, report_id: int, outcome: Outcome, *, actor: int, now: datetime
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE sent_home SET outcome = ?, outcome_at = ?,"
                " kept_from = CASE WHEN ? THEN ? ELSE kept_from END WHERE id = ?",
                (
                    outcome.value,
                    utc_now_text(now),
                    int(outcome in FINAL_OUTCOMES),
                    utc_now_text(now),
                    report_id,
                ),
            )
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="sent_home.outcome",
                entity="sent_home",
                entity_id=str(report_id),
                details={"outcome": outcome.value},
            )

    async def queue(
        self,
        kind: NoticeKind,
        admins: list[int],
        now: datetime,
        *,
        report_id: int | None = None,
        cluster_id: int | None = None,
    ) -> None:
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO sent_home_outbox"
                " (kind, report_id, cluster_id, admin_user_id, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(kind.value, report_id, cluster_id, admin, stamp, stamp) for admin in admins],
            )

    async def open_cluster(
        self, plesso_code: str, class_key: str, since: date, day: date, now: datetime
    ) -> int | None:
        """A new cluster of the class starting `since` (a new id), or None when one whose last
        day is `since` or later is already known (it is extended to `day`: alerted once)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT id, last_day FROM sent_home_clusters"
                " WHERE plesso_code = ? AND class_key = ? AND last_day >= ?",
                (plesso_code, class_key, since.isoformat()),
            )
            known = await cursor.fetchone()
            await cursor.close()
            if known is not None:
                await conn.execute(
                    "UPDATE sent_home_clusters SET last_day = MAX(last_day, ?) WHERE id = ?",
                    (day.isoformat(), known["id"]),
                )
                return None
            cursor = await conn.execute(
                "INSERT INTO sent_home_clusters"
                " (plesso_code, class_key, first_day, last_day, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (plesso_code, class_key, since.isoformat(), day.isoformat(), utc_now_text(now)),
            )
            cluster_id = cursor.lastrowid
            await cursor.close()
        return cluster_id

    async def mark_asked(self, user_id: int, day: date, now: datetime) -> bool:
        """Record today's outcome question to this referent; False if already asked."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO sent_home_asked (user_id, day, sent_at) VALUES (?, ?, ?)",
                (user_id, day.isoformat(), utc_now_text(now)),
            )
            taken = cursor.rowcount == 1
            await cursor.close()
        return taken

    # --- reads ------------------------------------------------------------------------------------

    async def get(self, report_id: int) -> SentHomeReport | None:
        row = await self._db.fetchone("SELECT * FROM sent_home WHERE id = ?", (report_id,))
        return _report(row) if row else None

    async def recent_of_person(
        self, plesso_code: str, codice_fiscale: str, since: datetime
    ) -> SentHomeReport | None:
        """The plesso's latest report of this person (last) sent after `since`; inside a use
        case's transaction it is read there (no colleague's report can land in between)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT * FROM sent_home WHERE plesso_code = ? AND codice_fiscale = ?"
                " AND last_sent_at >= ? ORDER BY last_sent_at DESC LIMIT 1",
                (plesso_code, codice_fiscale, utc_now_text(since)),
            )
            row = await cursor.fetchone()
            await cursor.close()
        return _report(row) if row else None

    async def class_days(
        self, plesso_code: str, class_key: str, since: date, day: date
    ) -> list[date]:
        """The days of the class's reports from `since` to `day` (in the open transaction)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT sent_day FROM sent_home WHERE plesso_code = ? AND class_key = ?"
                " AND sent_day BETWEEN ? AND ? ORDER BY sent_day",
                (plesso_code, class_key, since.isoformat(), day.isoformat()),
            )
            rows = await cursor.fetchall()
            await cursor.close()
        return [date.fromisoformat(row["sent_day"]) for row in rows]

    async def referents_of(self, plessi: list[str]) -> dict[str, list[int]]:
        """The telegram user ids of each plesso's referents (access not revoked)."""
        if not plessi:
            return {}
        marks = ", ".join("?" * len(plessi))
        rows = await self._db.fetchall(
            "SELECT rp.plesso_code, r.telegram_user_id FROM referent_plessi rp"
            " JOIN referents r ON r.id = rp.referent_id"
            f" WHERE rp.revoked_at IS NULL AND rp.plesso_code IN ({marks})"
            " ORDER BY r.telegram_user_id",
            tuple(plessi),
        )
        found: dict[str, list[int]] = {}
        for row in rows:
            found.setdefault(row["plesso_code"], []).append(int(row["telegram_user_id"]))
        return found

    async def versions(self, report_id: int) -> list[tuple[int, str]]:
        rows = await self._db.fetchall(
            "SELECT version, reason FROM sent_home_versions WHERE report_id = ? ORDER BY version",
            (report_id,),
        )
        return [(row["version"], row["reason"]) for row in rows]

    async def of_plessi(self, plessi: list[str], since: date) -> list[SentHomeRow]:
        """The plessi's reports sent home from `since`, newest first."""
        if not plessi:
            return []
        marks = ", ".join("?" * len(plessi))
        rows = await self._db.fetchall(
            f"{_LIST} WHERE s.plesso_code IN ({marks}) AND s.sent_day >= ?"
            " ORDER BY s.sent_day DESC, s.id DESC",
            (*plessi, since.isoformat()),
        )
        return [_row(row) for row in rows]

    async def of_ats(
        self, ats_code: str | None, since: date, until: date | None = None
    ) -> list[SentHomeRow]:
        """The reports of an ATS (every ATS: None) from `since`, by day, plesso, class."""
        rows = await self._db.fetchall(
            f"{_LIST} WHERE (? IS NULL OR p.ats_code = ?) AND s.sent_day >= ?"
            " AND (? IS NULL OR s.sent_day <= ?)"
            " ORDER BY s.sent_day DESC, s.plesso_code, s.class_key, s.id",
            (
                ats_code,
                ats_code,
                since.isoformat(),
                until.isoformat() if until else None,
                until.isoformat() if until else None,
            ),
        )
        return [_row(row) for row in rows]

    async def open_reports(self, since: date) -> list[SentHomeReport]:
        """Reports without a final outcome sent home from `since` (the outcome question)."""
        rows = await self._db.fetchall(
            "SELECT * FROM sent_home WHERE sent_day >= ?"
            " AND (outcome IS NULL OR outcome = 'absent') ORDER BY sent_day, id",
            (since.isoformat(),),
        )
        return [_report(row) for row in rows]

    async def ats_of(self, plesso_code: str) -> str | None:
        row = await self._db.fetchone("SELECT ats_code FROM plessi WHERE code = ?", (plesso_code,))
        return str(row["ats_code"]) if row else None

    async def cluster(self, cluster_id: int) -> Cluster | None:
        row = await self._db.fetchone(
            "SELECT c.*, (SELECT COUNT(*) FROM sent_home s WHERE s.plesso_code = c.plesso_code"
            " AND s.class_key = c.class_key AND s.sent_day BETWEEN c.first_day AND c.last_day)"
            " AS reports, (SELECT data FROM sent_home s WHERE s.plesso_code = c.plesso_code"
            " AND s.class_key = c.class_key ORDER BY s.id DESC LIMIT 1) AS data"
            " FROM sent_home_clusters c WHERE c.id = ?",
            (cluster_id,),
        )
        if row is None:
            return None
        data = SentHomeData.model_validate_json(row["data"])
        return Cluster(
            id=row["id"],
            plesso_code=row["plesso_code"],
            class_name=data.class_name,
            section=data.section,
            first_day=date.fromisoformat(row["first_day"]),
            last_day=date.fromisoformat(row["last_day"]),
            reports=row["reports"],
        )

    async def without_outcome(self, ats_code: str | None) -> int:
        """Reports of the ATS (every ATS: None) with no final outcome (/stato)."""
        row = await self._db.fetchone(
            # Plessi first (a small table), then each one's open reports by the partial index.
            "SELECT COUNT(*) AS n FROM plessi p CROSS JOIN sent_home s"
            " ON s.plesso_code = p.code"
            " WHERE (? IS NULL OR p.ats_code = ?) AND (s.outcome IS NULL OR s.outcome = 'absent')",
            (ats_code, ats_code),
        )
        return int(row["n"]) if row else 0

    async def pupils_on(self, plessi: list[str], day: date) -> int:
        """Pupils these plessi sent home on `day` (the /report rate)."""
        if not plessi:
            return 0
        marks = ", ".join("?" * len(plessi))
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM sent_home WHERE sent_day = ?"
            f" AND json_extract(data, '$.role') = 'alunno' AND plesso_code IN ({marks})",
            (day.isoformat(), *plessi),
        )
        return int(row["n"]) if row else 0

    async def pupils_by_day(
        self, ats_code: str | None, start: date, end: date
    ) -> dict[tuple[str, date], int]:
        """Pupils sent home per (sentinel plesso, day) from `start` to `end`: the sent-home
        series of the pandemic signal (domain.signals), counts only."""
        rows = await self._db.fetchall(
            "SELECT s.plesso_code, s.sent_day, COUNT(*) AS n FROM sent_home s"
            " JOIN plessi p ON p.code = s.plesso_code"
            " WHERE p.sentinel = 1 AND (? IS NULL OR p.ats_code = ?)"
            " AND s.sent_day BETWEEN ? AND ? AND json_extract(s.data, '$.role') = 'alunno'"
            " GROUP BY s.plesso_code, s.sent_day",
            (ats_code, ats_code, start.isoformat(), end.isoformat()),
        )
        return {(r["plesso_code"], date.fromisoformat(r["sent_day"])): int(r["n"]) for r in rows}

    async def for_export(
        self, ats_code: str | None, start: date, end: date
    ) -> list[SentHomeRecord]:
        """The reports of the ATS (every ATS: None) sent home from `start` to `end`."""
        rows = await self._db.fetchall(
            "SELECT s.*, p.name AS plesso_name, p.ats_code FROM sent_home s"
            " JOIN plessi p ON p.code = s.plesso_code"
            " WHERE (? IS NULL OR p.ats_code = ?) AND s.sent_day BETWEEN ? AND ?"
            " ORDER BY s.sent_day, s.plesso_code, s.class_key, s.id",
            (ats_code, ats_code, start.isoformat(), end.isoformat()),
        )
        return [
            SentHomeRecord(
                report=_report(row), plesso_name=row["plesso_name"], ats_code=row["ats_code"]
            )
            for row in rows
        ]

    async def count_since(self, plesso_code: str, since: date) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM sent_home WHERE plesso_code = ? AND sent_day >= ?",
            (plesso_code, since.isoformat()),
        )
        return int(row["n"]) if row else 0

    # --- the outbox -------------------------------------------------------------------------------

    async def due(self, now: datetime, report_id: int | None = None) -> list[SentHomeNotice]:
        rows = await self._db.fetchall(
            "SELECT * FROM sent_home_outbox WHERE status = 'pending' AND next_attempt_at <= ?"
            " AND (? IS NULL OR report_id = ?) ORDER BY id",
            (utc_now_text(now), report_id, report_id),
        )
        return [_notice(row) for row in rows]


async def _fetch(conn: Connection, report_id: int) -> SentHomeReport | None:
    cursor = await conn.execute("SELECT * FROM sent_home WHERE id = ?", (report_id,))
    row = await cursor.fetchone()
    await cursor.close()
    return _report(row) if row else None
