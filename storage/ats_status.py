"""The reads behind /stato (issue 8): open and closed cases and recorded days of an ATS.

Every query is scoped to one ATS (all when None) through the plessi, and uses an index:
open cases through `plessi_by_ats` and `cases_by_plesso`, closed ones through
`cases_closed`, their contacts through `contacts_by_case`, figures through `absences_by_day`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from domain.indicators import ClosedCase, OpenCase
from storage.db import Database, parse_utc, utc_now_text


def _in_ats(ats_code: str | None) -> tuple[str, tuple[str, ...]]:
    return (" AND p.ats_code = ?", (ats_code,)) if ats_code else ("", ())


class AtsStatusRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_cases(self, ats_code: str | None, created_before: datetime) -> list[OpenCase]:
        """Open cases of the ATS created before `created_before`, oldest first."""
        where, params = _in_ats(ats_code)
        rows = await self._db.fetchall(
            "SELECT c.id, c.plesso_code, p.name AS plesso_name, c.referent_name, c.created_at"
            " FROM plessi p JOIN cases c ON c.plesso_code = p.code"
            f" WHERE c.status = 'open' AND c.created_at < ?{where}"
            " ORDER BY c.created_at, c.id",
            (utc_now_text(created_before), *params),
        )
        return [
            OpenCase(
                case_id=row["id"],
                plesso_code=row["plesso_code"],
                plesso_name=row["plesso_name"],
                referent_name=row["referent_name"],
                created_at=parse_utc(row["created_at"]),
            )
            for row in rows
        ]

    async def closed_since(self, ats_code: str | None, since: datetime) -> list[ClosedCase]:
        """Cases of the ATS closed at or after `since`, with their number of contacts."""
        where, params = _in_ats(ats_code)
        rows = await self._db.fetchall(
            "SELECT c.id, c.created_at, c.closed_at,"
            " (SELECT COUNT(*) FROM contacts k WHERE k.case_id = c.id) AS contacts"
            " FROM cases c JOIN plessi p ON p.code = c.plesso_code"
            f" WHERE c.status = 'closed' AND c.closed_at >= ?{where}"
            " ORDER BY c.closed_at, c.id",
            (utc_now_text(since), *params),
        )
        return [
            ClosedCase(
                case_id=row["id"],
                created_at=parse_utc(row["created_at"]),
                closed_at=parse_utc(row["closed_at"]),
                contacts=int(row["contacts"]),
            )
            for row in rows
        ]

    async def recorded(
        self, ats_code: str | None, days: Sequence[date]
    ) -> frozenset[tuple[str, date]]:
        """(plesso, day) pairs of the ATS's plessi that have a figure for one of `days`."""
        if not days:
            return frozenset()
        where, params = _in_ats(ats_code)
        rows = await self._db.fetchall(
            "SELECT a.plesso_code, a.day FROM absences a JOIN plessi p ON p.code = a.plesso_code"
            f" WHERE a.day IN ({','.join('?' * len(days))}){where}",
            (*(day.isoformat() for day in days), *params),
        )
        return frozenset((row["plesso_code"], date.fromisoformat(row["day"])) for row in rows)
