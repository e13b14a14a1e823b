"""The contacts of a case: one function per thing a referent does with them.

The handlers of `conversations/contacts` call these and never a repository. The rules are
in domain/ (`domain.contacts`: the form's checks; `domain.contact_import`: reading a list
or a file, and "nothing twice"; `domain.close_contact`: the ATS definitions); these
functions apply them to what the database holds and write in one transaction. The
repository itself refuses any change to a closed case, inside the writing transaction.

`today` is the school's local day (the rules' dates); `now` is the moment stamped on rows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.access import Actor
from domain.cases import Case
from domain.contact_import import (
    ContactList,
    ImportedPerson,
    ImportPlan,
    contacts_from,
    plan_import,
    read_contacts_file,
    read_pasted_list,
)
from domain.contacts import (
    CaseFacts,
    Contact,
    ContactChange,
    ContactDraft,
    ContactPage,
    ContactSource,
    Outcome,
    check_last_contact,
    check_not_the_case,
    complete_contact,
    duplicate_error,
)
from domain.schools import RowError
from services.unit_of_work import UnitOfWork

# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnContact:
    """A contact and its case, the case being of one of the actor's plessi."""

    contact: Contact
    case: Case


async def own_contact(uow: UnitOfWork, actor: Actor, contact_id: int) -> OwnContact | None:
    """The contact, if its case is of one of the actor's plessi; None otherwise (another
    plesso's contact looks like one that does not exist)."""
    contact = await uow.contacts.get(contact_id)
    case = await uow.cases.get(contact.case_id) if contact is not None else None
    if contact is None or case is None or not actor.holds_plesso(case.data.plesso_code):
        return None
    return OwnContact(contact=contact, case=case)


async def own_case_of_form(uow: UnitOfWork, actor: Actor, case_id: int) -> Case | None:
    """The case a contact form adds to, if it is still of one of the actor's plessi."""
    case = await uow.cases.get(case_id)
    if case is None or not actor.holds_plesso(case.data.plesso_code):
        return None
    return case


async def contacts_page(uow: UnitOfWork, case: Case, page: int) -> ContactPage:
    """ "Vedi contatti": one page of the case's contacts (the caller checked the case is the
    actor's), oldest first; `page` is clamped to the real ones."""
    return await uow.contacts.page(case.id, page)


# --- one contact ---------------------------------------------------------------------------------


async def check_codice_fiscale(
    uow: UnitOfWork, case: CaseFacts, codice_fiscale: str, contact_id: int | None = None
) -> None:
    """The code a contact of `case` may have: never the case's own, nor one another contact
    of the case already has (`contact_id`: the contact being edited). ValidationFailed says
    which, naming the contact already there."""
    check_not_the_case(codice_fiscale, case.codice_fiscale)
    existing = await uow.contacts.with_code(case.case_id, codice_fiscale, exclude_id=contact_id)
    if existing is not None:
        raise duplicate_error(existing)


async def add_contact(
    uow: UnitOfWork,
    actor: Actor,
    case: CaseFacts,
    draft: ContactDraft,
    today: date,
    now: datetime,
) -> ContactChange:
    """Salva of "Aggiungi contatto": the form's checks (IncompleteContact or ValidationFailed
    say why not, before anything is written), then the contact; refused on a closed case,
    for the case person or a code already there."""
    data = complete_contact(draft, case, today)
    async with uow.transaction():
        return await uow.contacts.add(case.case_id, data, actor=actor.user_id, now=now)


async def edit_contact(
    uow: UnitOfWork,
    actor: Actor,
    case: CaseFacts,
    contact_id: int,
    version: int,
    draft: ContactDraft,
    today: date,
    now: datetime,
) -> ContactChange:
    """Salva of "Modifica contatto", made from `version`: the form's checks as for a new
    one, then the change; CONFLICT if someone saved the contact since, UNCHANGED if nothing
    changed (nothing is written then)."""
    data = complete_contact(draft, case, today)
    async with uow.transaction():
        return await uow.contacts.update(
            contact_id, data, expected_version=version, actor=actor.user_id, now=now
        )


async def delete_contact(
    uow: UnitOfWork, actor: Actor, contact_id: int, now: datetime
) -> ContactChange:
    """ "Elimina contatto" confirmed: DELETED, CLOSED (the case was closed since) or MISSING."""
    async with uow.transaction():
        return await uow.contacts.delete(contact_id, actor=actor.user_id, now=now)


# --- many at once --------------------------------------------------------------------------------


async def plan_pasted_list(uow: UnitOfWork, case: CaseFacts, text: str, today: date) -> ImportPlan:
    """A pasted list, read off the event loop, set against the case's contacts."""
    found = await asyncio.to_thread(read_pasted_list, text, today)
    return await _plan(uow, case, found)


async def plan_file(
    uow: UnitOfWork, case: CaseFacts, file_name: str, content: bytes, today: date
) -> ImportPlan:
    """A CSV or XLSX class list, read off the event loop (ValidationFailed refuses it whole),
    set against the case's contacts."""
    found = await asyncio.to_thread(read_contacts_file, file_name, content, today)
    return await _plan(uow, case, found)


async def _plan(uow: UnitOfWork, case: CaseFacts, found: ContactList) -> ImportPlan:
    """Nothing twice: who is already a contact of the case is set apart, the case person
    refused."""
    existing = await uow.contacts.codes(case.case_id)
    return plan_import(found, existing, case.codice_fiscale)


@dataclass(frozen=True)
class ImportDone:
    """What Conferma did: SAVED (possibly with none new), CLOSED or MISSING."""

    outcome: Outcome
    added: int = 0
    skipped: int = 0
    """Became contacts of the case since the plan was made: not added again."""
    left_out: tuple[RowError, ...] = ()
    """People whose birth date does not fit the role chosen for all of them."""


async def import_contacts(
    uow: UnitOfWork,
    actor: Actor,
    case: CaseFacts,
    people: Sequence[ImportedPerson],
    batch: ContactDraft,
    source: ContactSource,
    today: date,
    now: datetime,
) -> ImportDone:
    """Conferma of a list or a file: the people with the role, class, section and last
    contact date chosen once for all (`batch`), in one transaction; ValidationFailed, before
    anything is written, if that date no longer fits the case's window."""
    assert batch.last_contact is not None
    check_last_contact(batch.last_contact, case.window, today)
    contacts, left_out = contacts_from(people, batch, today)
    async with uow.transaction():
        result = await uow.contacts.add_many(
            case.case_id, contacts, source=source, actor=actor.user_id, now=now
        )
    return ImportDone(
        outcome=result.outcome,
        added=len(result.added),
        skipped=result.skipped,
        left_out=tuple(left_out),
    )
