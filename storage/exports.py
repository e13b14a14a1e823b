"""The reads behind /esporta (issue 8), and the audit row of each export.

Every query is scoped to one ATS through the plessi (every ATS when None) and uses an index:
closed cases through `cases_closed` (closing time), their rows by primary key, their contacts
through `contacts_by_case`, absence figures through `absences_by_day`, the enrolment in force
through `enrolments_by_plesso`, a plesso's referents through `referent_plessi_by_plesso`.
Cases and contacts are read a page of cases at a time (`PAGE_CASES`), so a large export never
holds more than one page of rows in memory; the other tables are small (a row per plesso, per
recording day, per referent's plesso). A page is read and put in order on the long reader's
thread, as plain tuples (`Database.long_read`); contacts stay plain tuples (`ContactRow`) up
to the sheet: a year's export reads 205,514 of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from domain.exports import (
    PAGE_CASES,
    AbsenceRecord,
    CaseRecord,
    ContactRow,
    ExportFormat,
    ExportKind,
    Period,
    PlessoRecord,
    ReferentRecord,
)
from storage import audit
from storage.db import Database, parse_utc, utc_now_text

REGION = audit.REGION  # the audit's entity id of an export of every ATS

CLOSED_CASE_IDS = (
    "SELECT c.id FROM cases c JOIN plessi p ON p.code = c.plesso_code"
    " WHERE c.status = 'closed' AND c.closed_at >= ? AND c.closed_at < ?{scope}"
    " ORDER BY c.closed_at, c.id"
)
# Columns in the order of CaseRecord and ContactRecord: rows are read by position (reading
# 200,000 contacts by column name took twice as long as the query itself).
CASES = (
    "SELECT c.id, c.plesso_code, p.name, p.ats_code, c.school_type, c.class_name, c.section,"
    " c.referent_name, c.referent_phone, c.referent_email, c.role, c.surname, c.name,"
    " c.codice_fiscale, c.birth_date, c.comune_name, c.comune_province, c.phone1, c.phone2,"
    " c.last_attendance, c.swab_date, c.onset_date, c.closed_at, c.receipt_code,"
    " c.cf_mismatch_confirmed"
    " FROM cases c JOIN plessi p ON p.code = c.plesso_code WHERE c.id IN ({ids})"
)
CONTACTS = (
    "SELECT t.case_id, c.receipt_code, t.id, t.role, t.class_name, t.section, t.surname,"
    " t.name, t.codice_fiscale, t.birth_date, t.comune_name, t.comune_province, t.address,"
    " t.phone, t.last_contact"
    " FROM contacts t JOIN cases c ON c.id = t.case_id"
    " WHERE t.case_id IN ({ids}) ORDER BY t.case_id, t.id"
)
# The enrolment in force on a day: the latest figure from on or before it.
_ENROLMENT_ON = (
    "(SELECT e2.id FROM enrolments e2 WHERE e2.plesso_code = {plesso} AND e2.valid_from <= {day}"
    " ORDER BY e2.valid_from DESC, e2.id DESC LIMIT 1)"
)
ABSENCES = (
    "SELECT a.plesso_code, p.name AS plesso_name, p.comune_name, p.ats_code, a.day, a.absent,"
    " a.ill, a.recorded_at, a.updated_at, e.pupils, e.classes"
    " FROM absences a JOIN plessi p ON p.code = a.plesso_code"
    f" LEFT JOIN enrolments e ON e.id = {_ENROLMENT_ON.format(plesso='a.plesso_code', day='a.day')}"
    " WHERE a.day BETWEEN ? AND ?{scope}"
    " ORDER BY p.ats_code, a.plesso_code, a.day"
)
PLESSI = (
    "SELECT p.*, e.pupils, e.classes, e.school_year,"
    " (SELECT COUNT(*) FROM referent_plessi rp"
    "  WHERE rp.plesso_code = p.code AND rp.revoked_at IS NULL) AS active_referents"
    " FROM plessi p"
    f" LEFT JOIN enrolments e ON e.id = {_ENROLMENT_ON.format(plesso='p.code', day='?')}"
    " WHERE 1 = 1{scope}"
    " ORDER BY p.ats_code, p.comune_name, p.name, p.code"
)
REFERENTS = (
    "SELECT r.id, r.full_name, r.phone, r.email, rp.plesso_code, p.name AS plesso_name,"
    " p.ats_code, rp.granted_at, rp.revoked_at, rp.last_used_at, u.unreachable_since"
    " FROM plessi p JOIN referent_plessi rp ON rp.plesso_code = p.code"
    " JOIN referents r ON r.id = rp.referent_id"
    " LEFT JOIN unreachable_referents u ON u.referent_id = r.id"
    " WHERE 1 = 1{scope}"
    " ORDER BY r.full_name, r.id, p.code"
)


def scoped(sql: str, ats_code: str | None) -> tuple[str, tuple[str, ...]]:
    """`sql` limited to the plessi of one ATS (every ATS when None), and its parameter."""
    if ats_code is None:
        return sql.format(scope="", ids="{ids}"), ()
    return sql.format(scope=" AND p.ats_code = ?", ids="{ids}"), (ats_code,)


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _moment(text: str | None) -> datetime | None:
    return parse_utc(text) if text else None


def _case(row: tuple[Any, ...]) -> CaseRecord:
    return CaseRecord._make(
        (
            *row[:14],
            date.fromisoformat(row[14]),
            *row[15:19],
            date.fromisoformat(row[19]),
            _day(row[20]),
            _day(row[21]),
            _moment(row[22]),
            row[23],
            row[24],
        )
    )


def _cases_in_order(rows: list[tuple[Any, ...]], case_ids: Sequence[int]) -> list[CaseRecord]:
    by_id = {int(row[0]): _case(row) for row in rows}
    return [by_id[case_id] for case_id in case_ids if case_id in by_id]


def _contacts_in_order(rows: list[tuple[Any, ...]], case_ids: Sequence[int]) -> list[ContactRow]:
    """The rows (in CONTACTS' order: case by case by id, each case's contacts by id) case by
    case in the order of `case_ids`, their dates parsed. The inner loop of the export's
    reading: one comprehension unpacking each row, no call per row but the dates'."""
    groups = {case_id: list(group) for case_id, group in groupby(rows, itemgetter(0))}
    day = date.fromisoformat
    return [
        (
            case_id,
            receipt,
            id_,
            role,
            class_,
            section,
            surname,
            name,
            cf,
            day(birth),
            comune,
            province,
            address,
            phone,
            day(last),
        )
        for wanted in case_ids
        if wanted in groups
        for (
            case_id,
            receipt,
            id_,
            role,
            class_,
            section,
            surname,
            name,
            cf,
            birth,
            comune,
            province,
            address,
            phone,
            last,
        ) in groups[wanted]
    ]


class ExportsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- closed cases and their contacts --

    async def closed_case_ids(
        self, ats_code: str | None, closed_from: datetime, closed_before: datetime
    ) -> list[int]:
        """Cases of the ATS closed from `closed_from` (included) to `closed_before`
        (excluded), in the order they were closed."""
        sql, params = scoped(CLOSED_CASE_IDS, ats_code)
        rows = await self._db.fetchall(
            sql, (utc_now_text(closed_from), utc_now_text(closed_before), *params), offload=True
        )
        return [int(row["id"]) for row in rows]

    async def cases(self, case_ids: Sequence[int]) -> list[CaseRecord]:
        """The cases of `case_ids` (at most PAGE_CASES), in that order."""
        _check_page(case_ids)
        return await self._db.long_read(
            CASES.format(ids=_marks(len(case_ids))),
            case_ids,
            lambda rows: _cases_in_order(rows, case_ids),
        )

    async def contacts(self, case_ids: Sequence[int]) -> list[ContactRow]:
        """The contacts of `case_ids` (at most PAGE_CASES): case by case in that order, each
        case's in the order they were added. Read and put in order on the long reader's
        thread (`Database.long_read`), as plain tuples."""
        _check_page(case_ids)
        return await self._db.long_read(
            CONTACTS.format(ids=_marks(len(case_ids))),
            case_ids,
            lambda rows: _contacts_in_order(rows, case_ids),
        )

    # -- absences --

    async def absences(self, ats_code: str | None, period: Period) -> list[AbsenceRecord]:
        """The figures of the ATS's plessi for the days of `period`, plesso by plesso."""
        sql, params = scoped(ABSENCES, ats_code)
        rows = await self._db.fetchall(
            sql, (period.start.isoformat(), period.end.isoformat(), *params), offload=True
        )
        return [
            AbsenceRecord(
                plesso_code=row["plesso_code"],
                plesso_name=row["plesso_name"],
                comune_name=row["comune_name"],
                ats_code=row["ats_code"],
                day=date.fromisoformat(row["day"]),
                enrolled=row["pupils"],
                classes=row["classes"],
                absent=row["absent"],
                ill=row["ill"],
                recorded_at=parse_utc(row["recorded_at"]),
                updated_at=parse_utc(row["updated_at"]),
            )
            for row in rows
        ]

    # -- the registry --

    async def plessi(self, ats_code: str | None, today: date) -> list[PlessoRecord]:
        """The ATS's plessi with their active referents and the enrolment in force today."""
        sql, params = scoped(PLESSI, ats_code)
        rows = await self._db.fetchall(sql, (today.isoformat(), *params), offload=True)
        return [
            PlessoRecord(
                code=row["code"],
                name=row["name"],
                comune_name=row["comune_name"],
                province=row["province"],
                address=row["address"],
                school_type=row["school_type"],
                sentinel=bool(row["sentinel"]),
                ats_code=row["ats_code"],
                active_referents=row["active_referents"],
                pupils=row["pupils"],
                classes=row["classes"],
                school_year=row["school_year"],
            )
            for row in rows
        ]

    async def referents(self, ats_code: str | None) -> list[ReferentRecord]:
        """Every referent's access to a plesso of the ATS, active or revoked."""
        sql, params = scoped(REFERENTS, ats_code)
        rows = await self._db.fetchall(sql, params, offload=True)
        return [
            ReferentRecord(
                referent_id=row["id"],
                full_name=row["full_name"],
                phone=row["phone"],
                email=row["email"],
                plesso_code=row["plesso_code"],
                plesso_name=row["plesso_name"],
                ats_code=row["ats_code"],
                granted_at=parse_utc(row["granted_at"]),
                revoked_at=_moment(row["revoked_at"]),
                last_used_at=_moment(row["last_used_at"]),
                unreachable_since=_moment(row["unreachable_since"]),
            )
            for row in rows
        ]

    # -- the change log --

    async def record_export(
        self,
        *,
        actor: int,
        ats_code: str | None,
        kind: ExportKind,
        fmt: ExportFormat,
        period: Period | None,
        rows: Mapping[str, int],
        now: datetime,
    ) -> None:
        """One audit row: who exported what, of which ATS, over which days, how many rows.
        Codes, dates and counts only: nothing of the exported people."""
        details: dict[str, object] = {"kind": kind.value, "format": fmt.value, "rows": dict(rows)}
        if period is not None:
            details["from"], details["to"] = period.start.isoformat(), period.end.isoformat()
        async with self._db.transaction() as conn:
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action=kind.audit_action,
                entity=audit.ATS_ENTITY,
                entity_id=ats_code or REGION,
                details=details,
            )


def _check_page(case_ids: Sequence[int]) -> None:
    if not case_ids or len(case_ids) > PAGE_CASES:
        raise ValueError(f"a page holds 1 to {PAGE_CASES} cases, not {len(case_ids)}")
