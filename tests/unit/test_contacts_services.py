"""The contacts use cases on a real SQLite file: what the handlers call instead of the
repository — the scoped read, the code check, Salva, Elimina, a list planned and imported."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.access import Actor
from domain.cases import Case
from domain.contact_import import ImportedPerson
from domain.contacts import CaseFacts, ContactSource, IncompleteContact, Outcome
from domain.errors import ValidationFailed
from domain.people import Role
from domain.registry import Referent
from services import contacts
from services.unit_of_work import UnitOfWork
from storage.db import Database
from storage.registry import PlessiRepository
from tests.unit.test_cases_rules import STUDENT_CF, TODAY
from tests.unit.test_cases_storage import PLESSO_A, PLESSO_B, case_data
from tests.unit.test_contacts_rules import CLASSMATE_CF, contact_draft
from tests.unit.test_storage import plesso

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
VERDI_CF = "VRDNNA15E52E648D"  # Anna Verdi, born 12/05/2015


def referent_of(*plessi: str, user_id: int = 200) -> Actor:
    referent = Referent(
        id=1,
        telegram_user_id=user_id,
        full_name="Maria Bianchi",
        phone="+393331234567",
        email="maria@example.it",
        plessi=plessi,
    )
    return Actor(user_id=user_id, referent=referent)


MARIA = referent_of(PLESSO_A)
OTHER = referent_of(PLESSO_B, user_id=201)


@pytest.fixture
async def uow(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    database = Database(tmp_path / "contacts.sqlite3")
    await database.connect()
    await PlessiRepository(database).upsert_many(
        [plesso(PLESSO_A), plesso(PLESSO_B)], actor=1, now=NOW
    )
    yield UnitOfWork(database, absence_start_date=None, timezone=ZoneInfo("Europe/Rome"))
    await database.close()


@pytest.fixture
async def case(uow: UnitOfWork) -> Case:
    return await uow.cases.create(case_data(), actor=MARIA.user_id, now=NOW)


async def close(uow: UnitOfWork, case_id: int) -> None:
    async with uow.db.transaction() as conn:
        await conn.execute("UPDATE cases SET status = 'closed' WHERE id = ?", (case_id,))


def person(line: int, surname: str, codice_fiscale: str, birth: date) -> ImportedPerson:
    return ImportedPerson(
        line=line, surname=surname, name="ANNA", codice_fiscale=codice_fiscale, birth_date=birth
    )


# --- reading -------------------------------------------------------------------------------------


async def test_a_contact_is_read_only_by_a_referent_of_its_plesso(
    uow: UnitOfWork, case: Case
) -> None:
    saved = await contacts.add_contact(uow, MARIA, CaseFacts.of(case), contact_draft(), TODAY, NOW)
    assert saved.contact is not None
    found = await contacts.own_contact(uow, MARIA, saved.contact.id)
    assert found is not None
    assert (found.contact, found.case) == (saved.contact, case)
    assert await contacts.own_contact(uow, OTHER, saved.contact.id) is None
    assert await contacts.own_contact(uow, MARIA, saved.contact.id + 1) is None
    assert await contacts.own_case_of_form(uow, MARIA, case.id) == case
    assert await contacts.own_case_of_form(uow, OTHER, case.id) is None
    assert await contacts.own_case_of_form(uow, MARIA, case.id + 1) is None
    page = await contacts.contacts_page(uow, case, 3)
    assert (page.page, page.total, page.items) == (1, 1, [saved.contact])


# --- one contact ---------------------------------------------------------------------------------


async def test_the_code_check_refuses_the_case_person_and_a_code_already_there(
    uow: UnitOfWork, case: Case
) -> None:
    facts = CaseFacts.of(case)
    await contacts.check_codice_fiscale(uow, facts, CLASSMATE_CF)  # free: no refusal
    with pytest.raises(ValidationFailed) as is_case:
        await contacts.check_codice_fiscale(uow, facts, STUDENT_CF)
    assert is_case.value.code == "contact_is_case"
    saved = await contacts.add_contact(uow, MARIA, facts, contact_draft(), TODAY, NOW)
    assert saved.contact is not None
    with pytest.raises(ValidationFailed) as duplicate:
        await contacts.check_codice_fiscale(uow, facts, CLASSMATE_CF)
    assert duplicate.value.code == "contact_duplicate"
    assert duplicate.value.params == {
        "contact_id": saved.contact.id,
        "surname": "ROSSI",
        "name": "MARIO",
    }
    # Editing that contact: its own code is not a duplicate.
    await contacts.check_codice_fiscale(uow, facts, CLASSMATE_CF, saved.contact.id)


async def test_salva_checks_the_form_before_writing_anything(uow: UnitOfWork, case: Case) -> None:
    facts = CaseFacts.of(case)
    with pytest.raises(IncompleteContact):
        await contacts.add_contact(uow, MARIA, facts, contact_draft(phone=None), TODAY, NOW)
    too_late = contact_draft(last_contact=TODAY + timedelta(days=1))
    with pytest.raises(ValidationFailed):
        await contacts.add_contact(uow, MARIA, facts, too_late, TODAY, NOW)
    assert await uow.contacts.codes(case.id) == set()
    saved = await contacts.add_contact(uow, MARIA, facts, contact_draft(), TODAY, NOW)
    assert saved.outcome is Outcome.SAVED and saved.contact is not None
    assert saved.contact.created_at == NOW
    again = await contacts.add_contact(uow, MARIA, facts, contact_draft(), TODAY, NOW)
    assert again.outcome is Outcome.DUPLICATE and again.contact == saved.contact
    entries = await uow.audit.for_entity("contact", str(saved.contact.id))
    assert [(e.action, e.actor) for e in entries] == [("contact.create", f"tg:{MARIA.user_id}")]


async def test_an_edit_is_saved_once_and_a_stale_one_is_a_conflict(
    uow: UnitOfWork, case: Case
) -> None:
    facts = CaseFacts.of(case)
    first = (await contacts.add_contact(uow, MARIA, facts, contact_draft(), TODAY, NOW)).contact
    assert first is not None
    changed = contact_draft(phone="+393330000000")
    saved = await contacts.edit_contact(uow, MARIA, facts, first.id, 1, changed, TODAY, NOW)
    assert saved.outcome is Outcome.SAVED and saved.contact is not None
    assert saved.contact.version == 2 and saved.contact.data.phone == "+393330000000"
    stale = await contacts.edit_contact(
        uow, MARIA, facts, first.id, 1, contact_draft(section="C"), TODAY, NOW
    )
    assert stale.outcome is Outcome.CONFLICT and stale.contact == saved.contact
    same = await contacts.edit_contact(uow, MARIA, facts, first.id, 2, changed, TODAY, NOW)
    assert same.outcome is Outcome.UNCHANGED
    with pytest.raises(IncompleteContact):
        await contacts.edit_contact(
            uow, MARIA, facts, first.id, 2, contact_draft(surname=None), TODAY, NOW
        )


async def test_elimina_deletes_once_and_never_on_a_closed_case(uow: UnitOfWork, case: Case) -> None:
    facts = CaseFacts.of(case)
    first = (await contacts.add_contact(uow, MARIA, facts, contact_draft(), TODAY, NOW)).contact
    verdi = contact_draft(
        surname="VERDI", name="ANNA", codice_fiscale=VERDI_CF, birth_date=date(2015, 5, 12)
    )
    second = (await contacts.add_contact(uow, MARIA, facts, verdi, TODAY, NOW)).contact
    assert first is not None and second is not None
    gone = await contacts.delete_contact(uow, MARIA, first.id, NOW)
    assert gone.outcome is Outcome.DELETED and gone.contact == first
    assert (await contacts.delete_contact(uow, MARIA, first.id, NOW)).outcome is Outcome.MISSING
    await close(uow, case.id)
    kept = await contacts.delete_contact(uow, MARIA, second.id, NOW)
    assert kept.outcome is Outcome.CLOSED
    assert await uow.contacts.get(second.id) == second


# --- many at once --------------------------------------------------------------------------------


async def test_a_pasted_list_sets_apart_who_is_there_and_refuses_the_case_person(
    uow: UnitOfWork, case: Case
) -> None:
    facts = CaseFacts.of(case)
    await contacts.add_contact(uow, MARIA, facts, contact_draft(), TODAY, NOW)
    text = "\n".join(
        [
            f"ROSSI;MARIO;{CLASSMATE_CF}",
            f"VERDI;ANNA;{VERDI_CF}",
            f"BIANCHI;LUCA;{STUDENT_CF}",
        ]
    )
    plan = await contacts.plan_pasted_list(uow, facts, text, TODAY)
    assert [p.codice_fiscale for p in plan.new] == [VERDI_CF]
    assert [p.codice_fiscale for p in plan.known] == [CLASSMATE_CF]
    assert [(e.line, e.code) for e in plan.errors] == [(3, "contact_is_case")]


async def test_a_file_is_planned_the_same_way_and_refused_whole_when_unreadable(
    uow: UnitOfWork, case: Case
) -> None:
    facts = CaseFacts.of(case)
    content = f"Cognome;Nome;Codice fiscale\nVERDI;ANNA;{VERDI_CF}\n".encode()
    plan = await contacts.plan_file(uow, facts, "classe.csv", content, TODAY)
    assert [p.codice_fiscale for p in plan.new] == [VERDI_CF] and plan.known == []
    with pytest.raises(ValidationFailed):
        await contacts.plan_file(uow, facts, "classe.pdf", b"%PDF-1.4", TODAY)


async def test_conferma_adds_the_people_with_the_batch_and_leaves_out_the_implausible(
    uow: UnitOfWork, case: Case
) -> None:
    facts = CaseFacts.of(case)
    people = [
        person(1, "VERDI", VERDI_CF, date(2015, 5, 12)),
        person(2, "ROSSI", CLASSMATE_CF, date(2015, 1, 1)),
    ]
    done = await contacts.import_contacts(
        uow, MARIA, facts, people, contact_draft(), ContactSource.LIST, TODAY, NOW
    )
    assert (done.outcome, done.added, done.skipped, done.left_out) == (Outcome.SAVED, 2, 0, ())
    assert await uow.contacts.codes(case.id) == {VERDI_CF, CLASSMATE_CF}
    # The same people again (a plan made before they were added): nothing twice.
    again = await contacts.import_contacts(
        uow, MARIA, facts, people, contact_draft(), ContactSource.LIST, TODAY, NOW
    )
    assert (again.added, again.skipped) == (0, 2)
    # Pupils' birth dates do not fit the teacher role: left out, with the line.
    teachers = await contacts.import_contacts(
        uow,
        MARIA,
        facts,
        [person(4, "NERI", "NRELNE15A41F205X", date(2015, 1, 1))],
        contact_draft(role=Role.TEACHER),
        ContactSource.FILE,
        TODAY,
        NOW,
    )
    assert teachers.added == 0 and [e.line for e in teachers.left_out] == [4]


async def test_conferma_refuses_a_date_out_of_the_window_before_writing(
    uow: UnitOfWork, case: Case
) -> None:
    facts = CaseFacts.of(case)
    people = [person(1, "VERDI", VERDI_CF, date(2015, 5, 12))]
    late = contact_draft(last_contact=TODAY + timedelta(days=1))
    with pytest.raises(ValidationFailed):
        await contacts.import_contacts(
            uow, MARIA, facts, people, late, ContactSource.LIST, TODAY, NOW
        )
    assert await uow.contacts.codes(case.id) == set()
    await close(uow, case.id)
    closed = await contacts.import_contacts(
        uow, MARIA, facts, people, contact_draft(), ContactSource.LIST, TODAY, NOW
    )
    assert closed.outcome is Outcome.CLOSED and closed.added == 0
    assert await uow.contacts.codes(case.id) == set()
