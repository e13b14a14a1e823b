"""The contacts of a case: add one or many, read, list page by page, edit, delete.

Every change checks, in its own transaction, that the case exists and is still open (a
closed case was sent to ATS and cannot change), and writes its audit row there too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from domain.cases import CaseStatus, page_count
from domain.comuni import Comune
from domain.contacts import (
    PAGE_SIZE,
    BulkAdd,
    Contact,
    ContactChange,
    ContactData,
    ContactPage,
    ContactSource,
    Outcome,
    changed_fields,
)
from storage import audit
from storage.db import Connection, Database, Row, parse_utc, utc_now_text
from storage.paging import fetch_page

_DATA_COLUMNS = (
    "role",
    "class_name",
    "section",
    "surname",
    "name",
    "codice_fiscale",
    "birth_date",
    "comune_code",
    "comune_name",
    "comune_province",
    "address",
    "phone",
    "last_contact",
)


def _values(data: ContactData) -> dict[str, Any]:
    comune = data.comune
    return {
        "role": data.role.value,
        "class_name": data.class_name,
        "section": data.section,
        "surname": data.surname,
        "name": data.name,
        "codice_fiscale": data.codice_fiscale,
        "birth_date": data.birth_date.isoformat(),
        "comune_code": comune.code if comune else None,
        "comune_name": comune.name if comune else None,
        "comune_province": comune.province if comune else None,
        "address": data.address,
        "phone": data.phone,
        "last_contact": data.last_contact.isoformat(),
    }


def _contact(row: Row) -> Contact:
    comune = (
        Comune(code=row["comune_code"], name=row["comune_name"], province=row["comune_province"])
        if row["comune_code"]
        else None
    )
    data = ContactData(
        role=row["role"],
        class_name=row["class_name"],
        section=row["section"],
        surname=row["surname"],
        name=row["name"],
        codice_fiscale=row["codice_fiscale"],
        birth_date=date.fromisoformat(row["birth_date"]),
        comune=comune,
        address=row["address"],
        phone=row["phone"],
        last_contact=date.fromisoformat(row["last_contact"]),
    )
    return Contact(
        id=row["id"],
        case_id=row["case_id"],
        number=row["number"],
        data=data,
        source=row["source"],
        version=row["version"],
        created_at=parse_utc(row["created_at"]),
        updated_at=parse_utc(row["updated_at"]),
    )


class ContactsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        case_id: int,
        data: ContactData,
        *,
        actor: int,
        now: datetime,
        source: ContactSource = ContactSource.FORM,
    ) -> ContactChange:
        """One contact, refused on a closed case, for the case person or a code already there."""
        async with self._db.transaction() as conn:
            refused = await _refusal(conn, case_id, data.codice_fiscale)
            if refused is not None:
                return refused
            contact_id = await _insert(conn, case_id, data, source, actor, now)
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="contact.create",
                entity="contact",
                entity_id=str(contact_id),
                details={"case": case_id, "source": source.value},
            )
            row = await _fetch(conn, contact_id)
        assert row is not None
        return ContactChange(outcome=Outcome.SAVED, contact=_contact(row))

    async def add_many(
        self,
        case_id: int,
        contacts: Sequence[ContactData],
        *,
        source: ContactSource,
        actor: int,
        now: datetime,
    ) -> BulkAdd:
        """Many contacts in one transaction; codes already in the case are skipped."""
        async with self._db.transaction() as conn:
            status = await _case_status(conn, case_id)
            if status is None:
                return BulkAdd(outcome=Outcome.MISSING)
            if status is not CaseStatus.OPEN:
                return BulkAdd(outcome=Outcome.CLOSED)
            taken = await _codes(conn, case_id)
            added: list[int] = []
            for data in contacts:
                if data.codice_fiscale in taken:
                    continue
                taken.add(data.codice_fiscale)
                added.append(await _insert(conn, case_id, data, source, actor, now))
            skipped = len(contacts) - len(added)
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="contact.import",
                entity="case",
                entity_id=str(case_id),
                details={
                    "source": source.value,
                    "added": len(added),
                    "skipped": skipped,
                    "contacts": added,
                },
            )
        return BulkAdd(outcome=Outcome.SAVED, added=tuple(added), skipped=skipped)

    async def get(self, contact_id: int) -> Contact | None:
        row = await self._db.fetchone("SELECT * FROM contacts WHERE id = ?", (contact_id,))
        return _contact(row) if row else None

    async def with_code(
        self, case_id: int, codice_fiscale: str, exclude_id: int | None = None
    ) -> Contact | None:
        """The contact of this case with this codice fiscale (other than `exclude_id`)."""
        row = await self._db.fetchone(
            "SELECT * FROM contacts WHERE case_id = ? AND codice_fiscale = ? AND id IS NOT ?",
            (case_id, codice_fiscale, exclude_id),
        )
        return _contact(row) if row else None

    async def codes(self, case_id: int) -> set[str]:
        """The codici fiscali of the case's contacts."""
        rows = await self._db.fetchall(
            "SELECT codice_fiscale FROM contacts WHERE case_id = ?", (case_id,)
        )
        return {row["codice_fiscale"] for row in rows}

    async def page(self, case_id: int, page: int, size: int = PAGE_SIZE) -> ContactPage:
        """One page of the case's contacts, oldest first; `page` is clamped to the real ones."""
        rows, current, total = await fetch_page(
            self._db,
            columns="*",
            source="contacts WHERE case_id = ?",
            params=(case_id,),
            order="id",
            page=page,
            size=size,
        )
        return ContactPage(
            items=[_contact(r) for r in rows],
            page=current,
            pages=page_count(total, size),
            total=total,
        )

    async def count(self, case_id: int) -> int:
        """How many contacts the case has, counted in SQL (nothing else is read)."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM contacts WHERE case_id = ?", (case_id,)
        )
        return int(row["n"]) if row else 0

    async def all_of(self, case_id: int) -> list[Contact]:
        """Every contact of the case, oldest first, however many: no page, no cap (the
        hand-over to the ATS must never leave one out)."""
        rows = await self._db.fetchall(
            "SELECT * FROM contacts WHERE case_id = ? ORDER BY id", (case_id,)
        )
        return [_contact(row) for row in rows]

    async def update(
        self,
        contact_id: int,
        data: ContactData,
        *,
        expected_version: int,
        actor: int,
        now: datetime,
    ) -> ContactChange:
        """Save an edit made from `expected_version`; refused if the contact moved on."""
        async with self._db.transaction() as conn:
            row = await _fetch(conn, contact_id)
            if row is None:
                return ContactChange(outcome=Outcome.MISSING)
            current = _contact(row)
            refused = await _refusal(conn, current.case_id, data.codice_fiscale, contact_id)
            if refused is not None:
                return refused
            if current.version != expected_version:
                return ContactChange(outcome=Outcome.CONFLICT, contact=current)
            changed = changed_fields(current.data, data)
            if not changed:
                return ContactChange(outcome=Outcome.UNCHANGED, contact=current)
            values = _values(data)
            assignments = ", ".join(f"{column} = ?" for column in _DATA_COLUMNS)
            await conn.execute(
                f"UPDATE contacts SET {assignments}, version = version + 1, updated_by = ?,"
                " updated_at = ? WHERE id = ? AND version = ?",
                (
                    *(values[c] for c in _DATA_COLUMNS),
                    actor,
                    utc_now_text(now),
                    contact_id,
                    expected_version,
                ),
            )
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="contact.update",
                entity="contact",
                entity_id=str(contact_id),
                details={
                    "case": current.case_id,
                    "version": expected_version + 1,
                    "fields": [field.value for field in changed],
                },
            )
            saved = await _fetch(conn, contact_id)
        assert saved is not None
        return ContactChange(outcome=Outcome.SAVED, contact=_contact(saved))

    async def delete(self, contact_id: int, *, actor: int, now: datetime) -> ContactChange:
        """ "Elimina contatto": gone for good; the audit row keeps that it was there."""
        async with self._db.transaction() as conn:
            row = await _fetch(conn, contact_id)
            if row is None:
                return ContactChange(outcome=Outcome.MISSING)
            current = _contact(row)
            status = await _case_status(conn, current.case_id)
            if status is not CaseStatus.OPEN:
                return ContactChange(outcome=Outcome.CLOSED, contact=current)
            await conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="contact.delete",
                entity="contact",
                entity_id=str(contact_id),
                details={"case": current.case_id, "version": current.version},
            )
        return ContactChange(outcome=Outcome.DELETED, contact=current)


async def _fetch(conn: Connection, contact_id: int) -> Row | None:
    async with conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)) as cursor:
        row: Row | None = await cursor.fetchone()
        return row


async def _case_status(conn: Connection, case_id: int) -> CaseStatus | None:
    async with conn.execute("SELECT status FROM cases WHERE id = ?", (case_id,)) as cursor:
        row: Row | None = await cursor.fetchone()
    return CaseStatus(row["status"]) if row else None


async def _codes(conn: Connection, case_id: int) -> set[str]:
    """The codes a new contact of the case must not have: its contacts' and the case's own."""
    async with conn.execute(
        "SELECT codice_fiscale FROM contacts WHERE case_id = ?"
        " UNION SELECT codice_fiscale FROM cases WHERE id = ?",
        (case_id, case_id),
    ) as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def _refusal(
    conn: Connection, case_id: int, codice_fiscale: str, exclude_id: int | None = None
) -> ContactChange | None:
    """Why this code cannot be a contact of the case now, or None if it can."""
    async with conn.execute(
        "SELECT status, codice_fiscale FROM cases WHERE id = ?", (case_id,)
    ) as cursor:
        case: Row | None = await cursor.fetchone()
    if case is None:
        return ContactChange(outcome=Outcome.MISSING)
    if case["status"] != CaseStatus.OPEN.value:
        return ContactChange(outcome=Outcome.CLOSED)
    if case["codice_fiscale"] == codice_fiscale:
        return ContactChange(outcome=Outcome.IS_CASE)
    async with conn.execute(
        "SELECT * FROM contacts WHERE case_id = ? AND codice_fiscale = ? AND id IS NOT ?",
        (case_id, codice_fiscale, exclude_id),
    ) as cursor:
        existing: Row | None = await cursor.fetchone()
    if existing is not None:
        return ContactChange(outcome=Outcome.DUPLICATE, contact=_contact(existing))
    return None


async def _insert(
    conn: Connection,
    case_id: int,
    data: ContactData,
    source: ContactSource,
    actor: int,
    now: datetime,
) -> int:
    stamp = utc_now_text(now)
    values = _values(data)
    cursor = await conn.execute(
        f"INSERT INTO contacts (case_id, {', '.join(_DATA_COLUMNS)}, source, created_by,"
        f" created_at, updated_by, updated_at, number)"
        f" VALUES (?, {', '.join('?' * len(_DATA_COLUMNS))}, ?, ?, ?, ?, ?,"
        # The next number within the case (one writer at a time: no two get the same).
        " (SELECT COALESCE(MAX(number), 0) + 1 FROM contacts WHERE case_id = ?))",
        (
            case_id,
            *(values[c] for c in _DATA_COLUMNS),
            source.value,
            actor,
            stamp,
            actor,
            stamp,
            case_id,
        ),
    )
    contact_id = cursor.lastrowid
    await cursor.close()
    assert contact_id is not None
    return contact_id
