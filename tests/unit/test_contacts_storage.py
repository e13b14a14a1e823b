"""The contacts repository on a real SQLite file: add, import, edit, delete, the closed-case
refusal, the audit trail, and the count in the case list."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.contacts import ContactData, ContactSource, Outcome
from storage.audit import AuditRepository
from storage.cases import CasesRepository
from storage.contacts import ContactsRepository
from storage.db import Database
from storage.registry import PlessiRepository
from tests.unit.test_cases_rules import STUDENT_CF
from tests.unit.test_cases_storage import PLESSO_A, case_data
from tests.unit.test_contacts_rules import contact_draft
from tests.unit.test_storage import plesso

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
REFERENT = 200
ROSSI = "RSSMRA15A01F205J"
VERDI = "VRDNNA15E52E648D"


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "contacts.sqlite3")
    await database.connect()
    await PlessiRepository(database).upsert_many([plesso(PLESSO_A)], actor=1, now=NOW)
    yield database
    await database.close()


@pytest.fixture
def repo(db: Database) -> ContactsRepository:
    return ContactsRepository(db)


@pytest.fixture
async def case_id(db: Database) -> int:
    case = await CasesRepository(db).create(case_data(), actor=REFERENT, now=NOW)
    return case.id


def rossi(**changes: object) -> ContactData:
    return ContactData.model_validate(contact_draft(**changes).model_dump())


def verdi(**changes: object) -> ContactData:
    values = {
        "surname": "VERDI",
        "name": "ANNA",
        "codice_fiscale": VERDI,
        "birth_date": date(2015, 5, 12),
        **changes,
    }
    return rossi(**values)


async def close(db: Database, case_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE cases SET status = 'closed' WHERE id = ?", (case_id,))


async def test_add_and_read_back_every_field(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    data = rossi(address="Via Roma 1")
    change = await repo.add(case_id, data, actor=REFERENT, now=NOW)
    assert change.outcome is Outcome.SAVED and change.contact is not None
    contact = change.contact
    assert (contact.case_id, contact.data, contact.version) == (case_id, data, 1)
    assert contact.source is ContactSource.FORM and contact.created_at == NOW
    assert await repo.get(contact.id) == contact
    assert await repo.get(contact.id + 1) is None
    assert await repo.with_code(case_id, ROSSI) == contact
    assert await repo.with_code(case_id, ROSSI, exclude_id=contact.id) is None
    assert await repo.codes(case_id) == {ROSSI}
    entries = await AuditRepository(db).for_entity("contact", str(contact.id))
    assert [(e.action, e.details) for e in entries] == [
        ("contact.create", {"case": case_id, "source": "form"})
    ]


async def test_a_contact_without_comune_and_phone(repo: ContactsRepository, case_id: int) -> None:
    change = await repo.add(
        case_id, rossi(comune=None, phone=None), actor=REFERENT, now=NOW, source=ContactSource.LIST
    )
    assert change.contact is not None
    stored = await repo.get(change.contact.id)
    assert stored is not None and stored.data.comune is None and stored.data.phone is None


async def test_add_is_refused_for_a_duplicate_the_case_person_and_a_closed_case(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    first = await repo.add(case_id, rossi(), actor=REFERENT, now=NOW)
    again = await repo.add(case_id, rossi(surname="ALTRO"), actor=REFERENT, now=NOW)
    assert again.outcome is Outcome.DUPLICATE and again.contact == first.contact
    case_person = rossi(codice_fiscale=STUDENT_CF, birth_date=date(2015, 3, 2))
    assert (await repo.add(case_id, case_person, actor=REFERENT, now=NOW)).outcome is (
        Outcome.IS_CASE
    )
    assert (await repo.add(case_id + 1, verdi(), actor=REFERENT, now=NOW)).outcome is (
        Outcome.MISSING
    )
    await close(db, case_id)
    assert (await repo.add(case_id, verdi(), actor=REFERENT, now=NOW)).outcome is Outcome.CLOSED
    assert await repo.codes(case_id) == {ROSSI}


async def test_the_database_never_holds_the_same_person_twice_in_a_case(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    await repo.add(case_id, rossi(), actor=REFERENT, now=NOW)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO contacts (case_id, role, class_name, section, surname, name,"
                " codice_fiscale, birth_date, last_contact, source, created_by, created_at,"
                " updated_by, updated_at) SELECT case_id, role, class_name, section, surname,"
                " name, codice_fiscale, birth_date, last_contact, source, created_by,"
                " created_at, updated_by, updated_at FROM contacts"
            )


async def test_add_many_skips_who_is_already_there_in_one_audit_row(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    await repo.add(case_id, rossi(), actor=REFERENT, now=NOW)
    case_person = rossi(codice_fiscale=STUDENT_CF, birth_date=date(2015, 3, 2))
    result = await repo.add_many(
        case_id,
        [rossi(), verdi(), verdi(), case_person],
        source=ContactSource.FILE,
        actor=REFERENT,
        now=NOW,
    )
    assert result.outcome is Outcome.SAVED
    assert len(result.added) == 1 and result.skipped == 3
    assert await repo.codes(case_id) == {ROSSI, VERDI}
    again = await repo.add_many(
        case_id, [rossi(), verdi()], source=ContactSource.FILE, actor=REFERENT, now=NOW
    )
    assert again.added == () and again.skipped == 2
    entries = await AuditRepository(db).for_entity("case", str(case_id))
    assert entries[0].details == {"source": "file", "added": 0, "skipped": 2, "contacts": []}
    assert entries[1].details["contacts"] == list(result.added)
    await close(db, case_id)
    closed = await repo.add_many(
        case_id, [verdi()], source=ContactSource.LIST, actor=REFERENT, now=NOW
    )
    assert closed.outcome is Outcome.CLOSED
    missing = await repo.add_many(99, [verdi()], source=ContactSource.LIST, actor=REFERENT, now=NOW)
    assert missing.outcome is Outcome.MISSING


async def test_update_with_versions_and_the_same_refusals(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    first = (await repo.add(case_id, rossi(), actor=REFERENT, now=NOW)).contact
    second = (await repo.add(case_id, verdi(), actor=REFERENT, now=NOW)).contact
    assert first is not None and second is not None
    later = NOW + timedelta(minutes=5)
    saved = await repo.update(
        first.id, rossi(phone="+393330000000"), expected_version=1, actor=REFERENT, now=later
    )
    assert saved.outcome is Outcome.SAVED and saved.contact is not None
    assert saved.contact.version == 2 and saved.contact.updated_at == later
    stale = await repo.update(
        first.id, rossi(section="Z"), expected_version=1, actor=REFERENT, now=later
    )
    assert stale.outcome is Outcome.CONFLICT and stale.contact == saved.contact
    same = await repo.update(
        first.id, saved.contact.data, expected_version=2, actor=REFERENT, now=later
    )
    assert same.outcome is Outcome.UNCHANGED
    clash = await repo.update(second.id, rossi(), expected_version=1, actor=REFERENT, now=later)
    assert clash.outcome is Outcome.DUPLICATE and clash.contact is not None
    assert clash.contact.id == first.id
    assert (
        await repo.update(99, rossi(), expected_version=1, actor=REFERENT, now=later)
    ).outcome is Outcome.MISSING
    entries = await AuditRepository(db).for_entity("contact", str(first.id))
    assert entries[0].action == "contact.update"
    assert entries[0].details == {"case": case_id, "version": 2, "fields": ["phone"]}
    await close(db, case_id)
    closed = await repo.update(
        first.id, rossi(section="Z"), expected_version=2, actor=REFERENT, now=later
    )
    assert closed.outcome is Outcome.CLOSED


async def test_delete_and_its_refusals(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    first = (await repo.add(case_id, rossi(), actor=REFERENT, now=NOW)).contact
    second = (await repo.add(case_id, verdi(), actor=REFERENT, now=NOW)).contact
    assert first is not None and second is not None
    deleted = await repo.delete(first.id, actor=REFERENT, now=NOW)
    assert deleted.outcome is Outcome.DELETED and deleted.contact == first
    assert await repo.get(first.id) is None
    assert (await repo.delete(first.id, actor=REFERENT, now=NOW)).outcome is Outcome.MISSING
    # Deleted, the person can be added again.
    assert (await repo.add(case_id, rossi(), actor=REFERENT, now=NOW)).outcome is Outcome.SAVED
    await close(db, case_id)
    assert (await repo.delete(second.id, actor=REFERENT, now=NOW)).outcome is Outcome.CLOSED
    assert await repo.get(second.id) is not None
    entries = await AuditRepository(db).for_entity("contact", str(first.id))
    assert entries[0].action == "contact.delete"


async def test_pages_and_the_count_in_the_case_list(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    cases = CasesRepository(db)
    other = await cases.create(case_data(), actor=REFERENT, now=NOW)
    codes = [
        "RSSMRA15A01F205J",
        "VRDNNA15E52E648D",
        "NREPLA15B20F205S",
        "GLLSRA15C43F205W",
        "RSSLCU15L14F704U",
    ]
    births = [
        date(2015, 1, 1),
        date(2015, 5, 12),
        date(2015, 2, 20),
        date(2015, 3, 3),
        date(2015, 7, 14),
    ]
    people = [
        rossi(codice_fiscale=code, birth_date=birth)
        for code, birth in zip(codes, births, strict=True)
    ]
    await repo.add_many(case_id, people, source=ContactSource.LIST, actor=REFERENT, now=NOW)
    first = await repo.page(case_id, 1, size=2)
    assert (first.page, first.pages, first.total) == (1, 3, 5)
    assert [c.data.codice_fiscale for c in first.items] == codes[:2]
    last = await repo.page(case_id, 9, size=2)
    assert last.page == 3 and [c.data.codice_fiscale for c in last.items] == codes[4:]
    empty = await repo.page(other.id, 1)
    assert (empty.total, empty.pages, empty.items) == (0, 1, [])
    assert await cases.contact_counts([case_id, other.id, 99]) == {case_id: 5, other.id: 0, 99: 0}
    assert await cases.contact_counts([]) == {}
    listing = await cases.page(PLESSO_A, 1)
    assert {item.id: item.contacts for item in listing.items} == {case_id: 5, other.id: 0}


async def test_no_personal_data_in_the_audit_trail(
    repo: ContactsRepository, db: Database, case_id: int
) -> None:
    added = (await repo.add(case_id, rossi(address="Via Roma 1"), actor=REFERENT, now=NOW)).contact
    assert added is not None
    await repo.update(
        added.id, rossi(phone="+393330000000"), expected_version=1, actor=REFERENT, now=NOW
    )
    await repo.add_many(case_id, [verdi()], source=ContactSource.FILE, actor=REFERENT, now=NOW)
    await repo.delete(added.id, actor=REFERENT, now=NOW)
    rows = await db.fetchall("SELECT details FROM audit_log")
    text = json.dumps([row["details"] for row in rows])
    for personal in ("ROSSI", "MARIO", ROSSI, VERDI, "+39", "Via Roma"):
        assert personal not in text
