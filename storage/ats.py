"""Queries of the ATS desk (issue 8): the early-warning report and its pushes.

An ATS code of None means every ATS (a regional admin). Absence and enrolment figures are
counts: nothing here reads a name of a person.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.early_warning import Observation
from domain.registry import Plesso
from storage.db import Database, Row, utc_now_text

# The enrolment in force on the absence's day: the latest figure from on or before it.
_ENROLLED = (
    "(SELECT e.pupils FROM enrolments e WHERE e.plesso_code = a.plesso_code"
    " AND e.valid_from <= a.day ORDER BY e.valid_from DESC, e.id DESC LIMIT 1)"
)


def _scope(ats_code: str | None, column: str = "p.ats_code") -> tuple[str, tuple[str, ...]]:
    return (f" AND {column} = ?", (ats_code,)) if ats_code is not None else ("", ())


def _plesso(row: Row) -> Plesso:
    return Plesso.model_validate({name: row[name] for name in Plesso.model_fields})


class AtsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- the early-warning report --

    async def sentinel_plessi(self, ats_code: str | None) -> list[Plesso]:
        where, params = _scope(ats_code)
        rows = await self._db.fetchall(
            f"SELECT p.* FROM plessi p WHERE p.sentinel = 1{where} ORDER BY p.ats_code, p.name",
            params,
        )
        return [_plesso(row) for row in rows]

    async def observations(self, ats_code: str | None, start: date, end: date) -> list[Observation]:
        """Absence figures of the sentinel plessi from `start` to `end` (both included),
        each with the enrolment in force on its day."""
        where, params = _scope(ats_code)
        rows = await self._db.fetchall(
            f"SELECT a.plesso_code, a.day, a.absent, a.ill, {_ENROLLED} AS enrolled"
            " FROM absences a JOIN plessi p ON p.code = a.plesso_code"
            f" WHERE p.sentinel = 1 AND a.day BETWEEN ? AND ?{where}"
            " ORDER BY a.plesso_code, a.day",
            (start.isoformat(), end.isoformat(), *params),
        )
        return [
            Observation(
                plesso_code=row["plesso_code"],
                day=date.fromisoformat(row["day"]),
                absent=row["absent"],
                ill=row["ill"],
                enrolled=row["enrolled"],
            )
            for row in rows
        ]

    async def last_recorded_day(self, ats_code: str | None, on_or_before: date) -> date | None:
        where, params = _scope(ats_code)
        row = await self._db.fetchone(
            "SELECT MAX(a.day) AS day FROM absences a JOIN plessi p ON p.code = a.plesso_code"
            f" WHERE p.sentinel = 1 AND a.day <= ?{where}",
            (on_or_before.isoformat(), *params),
        )
        return date.fromisoformat(row["day"]) if row and row["day"] else None

    # -- the pushes when a window closes --

    async def claim_report_push(
        self, ats_code: str, day: date, admin_user_id: int, flagged: int, now: datetime
    ) -> bool:
        """Claim the push of `day`'s report to one admin; False when already claimed."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO report_pushes (ats_code, day, admin_user_id, flagged,"
                " claimed_at) VALUES (?, ?, ?, ?, ?)",
                (ats_code, day.isoformat(), admin_user_id, flagged, utc_now_text(now)),
            )
            claimed = cursor.rowcount == 1
            await cursor.close()
        return claimed

    async def finish_report_push(
        self, ats_code: str, day: date, admin_user_id: int, state: str, now: datetime
    ) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE report_pushes SET state = ?, done_at = ?"
                " WHERE ats_code = ? AND day = ? AND admin_user_id = ?",
                (state, utc_now_text(now), ats_code, day.isoformat(), admin_user_id),
            )

    async def release_report_push(self, ats_code: str, day: date, admin_user_id: int) -> None:
        """Give a claim back (the message surely did not go): a later run sends it."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM report_pushes WHERE ats_code = ? AND day = ? AND admin_user_id = ?"
                " AND state = 'claimed'",
                (ats_code, day.isoformat(), admin_user_id),
            )
