"""The cases a plesso reported: create, read, list page by page, edit with a version check."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from domain.cases import (
    PAGE_SIZE,
    Case,
    CaseData,
    CasePage,
    CaseStatus,
    CaseSummary,
    CaseUpdate,
    UpdateOutcome,
    changed_fields,
    page_count,
)
from domain.comuni import Comune
from storage import audit
from storage.db import Connection, Database, Row, parse_utc, utc_now_text
from storage.paging import fetch_page

# Columns written from CaseData, in CaseData's own names except the comune, which is split.
_DATA_COLUMNS = (
    "plesso_code",
    "school_type",
    "class_name",
    "section",
    "referent_name",
    "referent_phone",
    "referent_email",
    "role",
    "surname",
    "name",
    "codice_fiscale",
    "birth_date",
    "comune_code",
    "comune_name",
    "comune_province",
    "phone1",
    "phone2",
    "last_attendance",
    "swab_date",
    "onset_date",
    "cf_mismatch_confirmed",
)
# An edit never moves a case to another plesso: the referents of that plesso own it.
_EDITABLE_COLUMNS = tuple(column for column in _DATA_COLUMNS if column != "plesso_code")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text is not None else None


def _values(data: CaseData) -> dict[str, Any]:
    return {
        "plesso_code": data.plesso_code,
        "school_type": data.school_type.value,
        "class_name": data.class_name,
        "section": data.section,
        "referent_name": data.referent_name,
        "referent_phone": data.referent_phone,
        "referent_email": data.referent_email,
        "role": data.role.value,
        "surname": data.surname,
        "name": data.name,
        "codice_fiscale": data.codice_fiscale,
        "birth_date": _iso(data.birth_date),
        "comune_code": data.comune.code,
        "comune_name": data.comune.name,
        "comune_province": data.comune.province,
        "phone1": data.phone1,
        "phone2": data.phone2,
        "last_attendance": _iso(data.last_attendance),
        "swab_date": _iso(data.swab_date),
        "onset_date": _iso(data.onset_date),
        "cf_mismatch_confirmed": int(data.cf_mismatch_confirmed),
    }


def _data(row: Row) -> CaseData:
    return CaseData(
        plesso_code=row["plesso_code"],
        school_type=row["school_type"],
        class_name=row["class_name"],
        section=row["section"],
        referent_name=row["referent_name"],
        referent_phone=row["referent_phone"],
        referent_email=row["referent_email"],
        role=row["role"],
        surname=row["surname"],
        name=row["name"],
        codice_fiscale=row["codice_fiscale"],
        birth_date=date.fromisoformat(row["birth_date"]),
        comune=Comune(
            code=row["comune_code"], name=row["comune_name"], province=row["comune_province"]
        ),
        phone1=row["phone1"],
        phone2=row["phone2"],
        last_attendance=date.fromisoformat(row["last_attendance"]),
        swab_date=_day(row["swab_date"]),
        onset_date=_day(row["onset_date"]),
        cf_mismatch_confirmed=bool(row["cf_mismatch_confirmed"]),
    )


def _case(row: Row) -> Case:
    return Case(
        id=row["id"],
        status=row["status"],
        data=_data(row),
        version=row["version"],
        created_by=row["created_by"],
        created_at=parse_utc(row["created_at"]),
        updated_at=parse_utc(row["updated_at"]),
        closed_at=parse_utc(row["closed_at"]) if row["closed_at"] else None,
        receipt_code=row["receipt_code"],
    )


class CasesRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, data: CaseData, *, actor: int, now: datetime) -> Case:
        """Insert an open case and its audit row in one transaction."""
        stamp = utc_now_text(now)
        values = _values(data)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"INSERT INTO cases ({', '.join(_DATA_COLUMNS)}, status, created_by, created_at,"
                f" updated_by, updated_at) VALUES ({', '.join('?' * len(_DATA_COLUMNS))},"
                " ?, ?, ?, ?, ?)",
                (
                    *(values[column] for column in _DATA_COLUMNS),
                    CaseStatus.OPEN.value,
                    actor,
                    stamp,
                    actor,
                    stamp,
                ),
            )
            case_id = cursor.lastrowid
            await cursor.close()
            assert case_id is not None
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="case.create",
                entity="case",
                entity_id=str(case_id),
                details={"plesso": data.plesso_code},
            )
            row = await _fetch(conn, case_id)
        assert row is not None
        return _case(row)

    async def get(self, case_id: int) -> Case | None:
        """The case with this id, whoever's it is: callers check the plesso."""
        row = await self._db.fetchone("SELECT * FROM cases WHERE id = ?", (case_id,))
        return _case(row) if row else None

    async def update(
        self, case_id: int, data: CaseData, *, expected_version: int, actor: int, now: datetime
    ) -> CaseUpdate:
        """Save an edit made from `expected_version`; refused if the case moved on meanwhile.

        The plesso of a case never changes (`data.plesso_code` is ignored).
        """
        stamp = utc_now_text(now)
        values = _values(data)
        async with self._db.transaction() as conn:
            row = await _fetch(conn, case_id)
            if row is None:
                return CaseUpdate(outcome=UpdateOutcome.MISSING, case=None)
            current = _case(row)
            if not current.is_open:
                return CaseUpdate(outcome=UpdateOutcome.CLOSED, case=current)
            if current.version != expected_version:
                return CaseUpdate(outcome=UpdateOutcome.CONFLICT, case=current)
            changed = changed_fields(
                current.data, data.model_copy(update={"plesso_code": current.data.plesso_code})
            )
            if not changed:
                return CaseUpdate(outcome=UpdateOutcome.UNCHANGED, case=current)
            assignments = ", ".join(f"{column} = ?" for column in _EDITABLE_COLUMNS)
            try:
                await conn.execute(
                    f"UPDATE cases SET {assignments}, version = version + 1, updated_by = ?,"
                    " updated_at = ? WHERE id = ? AND version = ? AND status = 'open'",
                    (
                        *(values[column] for column in _EDITABLE_COLUMNS),
                        actor,
                        stamp,
                        case_id,
                        expected_version,
                    ),
                )
            except sqlite3.DatabaseError as error:
                if is_case_closed_error(error):  # the lock in the database (migration 007)
                    return CaseUpdate(outcome=UpdateOutcome.CLOSED, case=current)
                raise
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="case.update",
                entity="case",
                entity_id=str(case_id),
                details={
                    "plesso": current.data.plesso_code,
                    "version": expected_version + 1,
                    "fields": [field.value for field in changed],
                },
            )
            saved = await _fetch(conn, case_id)
        assert saved is not None
        return CaseUpdate(outcome=UpdateOutcome.SAVED, case=_case(saved))

    async def page(self, plesso_code: str, page: int, size: int = PAGE_SIZE) -> CasePage:
        """One page of the plesso's cases, newest first; `page` is clamped to the real ones."""
        rows, current, total = await fetch_page(
            self._db,
            columns="id, surname, name, codice_fiscale, last_attendance, status",
            source="cases WHERE plesso_code = ?",
            params=(plesso_code,),
            order="id DESC",
            page=page,
            size=size,
        )
        counts = await self.contact_counts([r["id"] for r in rows])
        items = [
            CaseSummary(
                id=r["id"],
                surname=r["surname"],
                name=r["name"],
                codice_fiscale=r["codice_fiscale"],
                last_attendance=date.fromisoformat(r["last_attendance"]),
                contacts=counts.get(r["id"], 0),
                status=r["status"],
            )
            for r in rows
        ]
        return CasePage(items=items, page=current, pages=page_count(total, size), total=total)

    async def contact_counts(self, case_ids: Sequence[int]) -> dict[int, int]:
        """The number of contacts of each case: the one place that counts them."""
        ids = list(case_ids)
        counts = dict.fromkeys(ids, 0)
        if not ids:
            return counts
        rows = await self._db.fetchall(
            "SELECT case_id, COUNT(*) AS n FROM contacts"
            f" WHERE case_id IN ({', '.join('?' * len(ids))}) GROUP BY case_id",
            ids,
        )
        counts.update({int(row["case_id"]): int(row["n"]) for row in rows})
        return counts

    async def recent_duplicate(
        self,
        plesso_code: str,
        codice_fiscale: str,
        since: datetime,
        exclude_id: int | None = None,
    ) -> int | None:
        """The newest case of this plesso with this codice fiscale created after `since`."""
        row = await self._db.fetchone(
            "SELECT id FROM cases WHERE plesso_code = ? AND codice_fiscale = ?"
            " AND created_at > ? AND id IS NOT ? ORDER BY created_at DESC, id DESC LIMIT 1",
            (plesso_code, codice_fiscale, utc_now_text(since), exclude_id),
        )
        return int(row["id"]) if row else None


async def _fetch(conn: Connection, case_id: int) -> Row | None:
    async with conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)) as cursor:
        row: Row | None = await cursor.fetchone()
        return row


# For the closing repository (storage/closing.py), which reads cases the same way.
case_from_row = _case
fetch_case = _fetch

CLOSED_MESSAGE = "case closed"  # what the triggers of migration 007 raise


def is_case_closed_error(error: BaseException) -> bool:
    """The database refused a change because the case is closed (migration 007)."""
    return isinstance(error, sqlite3.DatabaseError) and CLOSED_MESSAGE in str(error)
