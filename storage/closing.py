"""Closing a case (once), the ATS outbox, and the closed cases as the admins read them.

The closing is one transaction: the conditional UPDATE (open → closed) decides who closed
it, and the same transaction writes the audit row and one outbox row per admin to notify.
The database refuses any later change of a closed case or its contacts (migration 007);
`refusing_closed` turns that refusal into `CaseClosed`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.cases import CaseStatus, clamp_page, page_count
from domain.closing import (
    ADMIN_PAGE_SIZE,
    CaseClosed,
    ClosedFilter,
    ClosedPage,
    ClosedSummary,
    CloseOutcome,
    CloseResult,
    OutboxItem,
    new_receipt_code,
)
from storage import audit
from storage.cases import case_from_row as _case
from storage.cases import fetch_case as _fetch
from storage.cases import is_case_closed_error
from storage.db import Database, Row, parse_utc, utc_now_text
from storage.outbox import Outbox, OutboxDelivery, OutboxTable

_RECEIPT_TRIES = 5


@asynccontextmanager
async def refusing_closed(case_id: int | None = None) -> AsyncIterator[None]:
    """Map the database's "case closed" refusal to the domain's `CaseClosed`."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        if is_case_closed_error(error):
            raise CaseClosed(case_id) from error
        raise


def _outbox(row: Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        case_id=row["case_id"],
        admin_user_id=row["admin_user_id"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=parse_utc(row["next_attempt_at"]),
        last_error=row["last_error"],
        sent_at=parse_utc(row["sent_at"]) if row["sent_at"] else None,
    )


class ClosingRepository(OutboxDelivery):
    def __init__(self, db: Database, receipt_codes: Callable[[], str] = new_receipt_code) -> None:
        self._db = db
        self._receipt_codes = receipt_codes
        self._outbox = Outbox(db, OutboxTable.ATS)

    async def close(
        self, case_id: int, *, actor: int, now: datetime, recipients: Sequence[int]
    ) -> CloseResult:
        """Close the case if it is still open, and queue one notice per recipient.

        CLOSED exactly once per case, whoever asks and however often; ALREADY_CLOSED
        returns the case as it was closed (its closed_at says when)."""
        stamp = utc_now_text(now)
        for attempt in range(_RECEIPT_TRIES):
            try:
                return await self._close_once(case_id, actor, now, stamp, recipients)
            except sqlite3.IntegrityError as error:
                # The receipt code was taken (1 in 10^12): draw another one.
                if "receipt" not in str(error) or attempt == _RECEIPT_TRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _close_once(
        self, case_id: int, actor: int, now: datetime, stamp: str, recipients: Sequence[int]
    ) -> CloseResult:
        code = self._receipt_codes()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE cases SET status = 'closed', closed_at = ?, receipt_code = ?,"
                " updated_by = ?, updated_at = ? WHERE id = ? AND status = 'open'",
                (stamp, code, actor, stamp, case_id),
            )
            closed_now = cursor.rowcount == 1
            await cursor.close()
            row = await _fetch(conn, case_id)
            if row is None:
                return CloseResult(outcome=CloseOutcome.MISSING)
            async with conn.execute(
                "SELECT COUNT(*) FROM contacts WHERE case_id = ?", (case_id,)
            ) as counted:
                found = await counted.fetchone()
            contacts = int(found[0]) if found else 0
            if not closed_now:
                return CloseResult(
                    outcome=CloseOutcome.ALREADY_CLOSED, case=_case(row), contacts=contacts
                )
            await conn.executemany(
                "INSERT INTO ats_outbox (case_id, admin_user_id, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (case_id, admin_user_id) DO NOTHING",
                [(case_id, user, stamp, stamp) for user in recipients],
            )
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="case.close",
                entity="case",
                entity_id=str(case_id),
                details={
                    "plesso": row["plesso_code"],
                    "contacts": contacts,
                    "recipients": len(recipients),
                },
            )
        return CloseResult(outcome=CloseOutcome.CLOSED, case=_case(row), contacts=contacts)

    # --- the outbox ------------------------------------------------------------------------

    async def due(self, now: datetime, case_id: int | None = None) -> list[OutboxItem]:
        """Pending notices whose time has come (of one case, or of all), oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM ats_outbox WHERE status = 'pending' AND next_attempt_at <= ?"
            " AND (? IS NULL OR case_id = ?) ORDER BY id",
            (utc_now_text(now), case_id, case_id),
        )
        return [_outbox(row) for row in rows]

    async def outbox(self, case_id: int) -> list[OutboxItem]:
        rows = await self._db.fetchall(
            "SELECT * FROM ats_outbox WHERE case_id = ? ORDER BY admin_user_id", (case_id,)
        )
        return [_outbox(row) for row in rows]

    # --- the admins' view ------------------------------------------------------------------

    async def closed_page(
        self,
        ats_code: str | None,
        filters: ClosedFilter,
        page: int,
        tz: ZoneInfo,
        size: int = ADMIN_PAGE_SIZE,
    ) -> ClosedPage:
        """Closed cases of the ATS (None: all), newest closing first, filtered."""
        where = ["c.status = 'closed'"]
        params: list[object] = []
        if ats_code is not None:
            where.append("p.ats_code = ?")
            params.append(ats_code)
        if filters.plesso_code is not None:
            where.append("c.plesso_code = ?")
            params.append(filters.plesso_code)
        if filters.since is not None:
            where.append("c.closed_at >= ?")
            params.append(_utc_start(filters.since, tz))
        if filters.until is not None:
            where.append("c.closed_at < ?")
            params.append(_utc_start(filters.until + timedelta(days=1), tz))
        # The plessi only for an ATS's list: the regional one walks the closed cases alone.
        joined = " JOIN plessi p ON p.code = c.plesso_code" if ats_code is not None else ""
        sql_from = " FROM cases c" + joined + " WHERE " + " AND ".join(where)
        row = await self._db.fetchone("SELECT COUNT(*) AS n" + sql_from, params)
        total = int(row["n"]) if row else 0
        current = clamp_page(page, total, size)
        # The page's ids first, from the indexes alone; then only its rows are read and their
        # contacts counted (counting them for every closed case of the ATS before the sort
        # took 60-140 ms on a region's year of data: benchmarks/year_of_data.py). Past the
        # middle the ids are taken from the other end, oldest first: SQLite's sort then keeps
        # only the rows up to the page, not all those before it (the last of ATS-MILANO's
        # 1,780 pages: 12 ms, now as the first one, 0.3 ms).
        offset = (current - 1) * size
        order, limit = "DESC", size
        if offset * 2 > total:
            order, limit = "ASC", min(size, total - offset)
            offset = total - offset - limit
        rows = await self._db.fetchall(
            "SELECT c.id, c.surname, c.name, c.codice_fiscale, c.last_attendance, c.status,"
            " c.plesso_code, c.closed_at, c.receipt_code,"
            " (SELECT COUNT(*) FROM contacts k WHERE k.case_id = c.id) AS contacts"
            " FROM cases c WHERE c.id IN (SELECT c.id"
            + sql_from
            + f" ORDER BY c.closed_at {order}, c.id {order} LIMIT ? OFFSET ?)"
            " ORDER BY c.closed_at DESC, c.id DESC",
            [*params, limit, offset],
        )
        items = [
            ClosedSummary(
                id=r["id"],
                surname=r["surname"],
                name=r["name"],
                codice_fiscale=r["codice_fiscale"],
                last_attendance=date.fromisoformat(r["last_attendance"]),
                contacts=int(r["contacts"]),
                status=CaseStatus(r["status"]),
                plesso_code=r["plesso_code"],
                closed_at=parse_utc(r["closed_at"]),
                receipt_code=r["receipt_code"],
            )
            for r in rows
        ]
        return ClosedPage(items=items, page=current, pages=page_count(total, size), total=total)

    async def by_receipt(self, receipt_code: str) -> int | None:
        """The id of the case with this receipt (pass a normalized code)."""
        row = await self._db.fetchone(
            "SELECT id FROM cases WHERE receipt_code = ?", (receipt_code,)
        )
        return int(row["id"]) if row else None


def _utc_start(day: date, tz: ZoneInfo) -> str:
    return utc_now_text(datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC))
