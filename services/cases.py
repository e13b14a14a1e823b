"""The cases feature's use cases: report a case, edit it, read one, list a plesso's cases.

What a referent does with cases, one function per action, each taking the unit of work
first and returning what the handler shows. The rules live here or in `domain.cases`, not in
the handlers: who may see or change a case (a referent of its plesso; a closed case is read
only), the duplicate-report policy (the same codice fiscale from the same plesso within
`domain.cases.DUPLICATE_WINDOW`, unless the referent already chose to report it again), and
that a new case and the plesso's "used last" mark are written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.access import Actor
from domain.cases import Case, CaseData, CasePage, UpdateOutcome, duplicate_since
from domain.registry import Plesso
from domain.schools import SchoolType
from services.unit_of_work import UnitOfWork


class Refusal(StrEnum):
    """Why a case action was not done."""

    NOT_FOUND = "not_found"
    """No such case, or one of a plesso the actor does not hold (the same answer: a referent
    must not learn which ids exist elsewhere)."""
    READ_ONLY = "read_only"
    """The case was closed and sent to ATS: it can no longer change."""
    PLESSO_REVOKED = "plesso_revoked"
    """The actor no longer holds the plesso of the case being saved."""


@dataclass(frozen=True)
class CaseView:
    """ "Vedi caso": the case, its plesso (None if it left the registry), its contacts."""

    case: Case
    plesso: Plesso | None
    contacts: int


@dataclass(frozen=True)
class DuplicateWarning:
    """The same person was reported by the plesso recently: ask before saving."""

    case_id: int


@dataclass(frozen=True)
class EditResult:
    """What saving an edit did, and the case as it is now."""

    outcome: UpdateOutcome
    view: CaseView


# --- reads ----------------------------------------------------------------------------------------


async def own_case(
    uow: UnitOfWork, actor: Actor, case_id: int | None, *, for_change: bool
) -> Case | Refusal:
    """The case, if it is of one of the actor's plessi; `for_change`: only while open."""
    case = await uow.cases.get(case_id) if case_id is not None else None
    if case is None or not actor.holds_plesso(case.data.plesso_code):
        return Refusal.NOT_FOUND
    if for_change and not case.is_open:
        return Refusal.READ_ONLY
    return case


async def view_of(uow: UnitOfWork, case: Case) -> CaseView:
    """The case with its plesso and the number of its contacts."""
    plesso = await uow.plessi.get(case.data.plesso_code)
    contacts = await uow.contacts.count(case.id)
    return CaseView(case=case, plesso=plesso, contacts=contacts)


async def view_case(uow: UnitOfWork, actor: Actor, case_id: int | None) -> CaseView | Refusal:
    """ "Vedi caso" and /caso: one of the actor's cases, open or closed."""
    case = await own_case(uow, actor, case_id, for_change=False)
    if isinstance(case, Refusal):
        return case
    return await view_of(uow, case)


async def actor_plessi(uow: UnitOfWork, actor: Actor) -> list[Plesso]:
    """The actor's plessi, the one used last first (the registry keeps that order)."""
    referent = actor.referent
    if referent is None:
        return []
    found = {p.code: p for p in await uow.plessi.many(referent.plessi)}
    return [found[code] for code in referent.plessi if code in found]


async def plesso(uow: UnitOfWork, code: str | None) -> Plesso | None:
    """The plesso with this code (the form shows its name and proposes its school type)."""
    return await uow.plessi.get(code) if code else None


async def school_type_of(uow: UnitOfWork, code: str) -> SchoolType | None:
    """The plesso's school type as the registry has it (None: unknown, to be asked)."""
    found = await uow.plessi.get(code)
    if found is None or found.school_type not in set(SchoolType):
        return None
    return SchoolType(found.school_type)


async def own_plesso(uow: UnitOfWork, actor: Actor, code: str) -> Plesso | None:
    """The plesso, if the actor holds it."""
    if not actor.holds_plesso(code):
        return None
    return await uow.plessi.get(code)


async def cases_page(uow: UnitOfWork, plesso: Plesso, number: int) -> CasePage:
    """One page of the plesso's cases, newest first (clamped to the pages there are)."""
    return await uow.cases.page(plesso.code, number)


# --- the duplicate-report policy ------------------------------------------------------------------


async def duplicate_to_warn(
    uow: UnitOfWork,
    plesso_code: str | None,
    codice_fiscale: str,
    now: datetime,
    *,
    editing: int | None = None,
    accepted: int | None = None,
) -> int | None:
    """The case to warn of before reporting `codice_fiscale` for the plesso: one of the same
    plesso and code reported in the last 30 days (not `editing`, the case being edited),
    unless it is `accepted`, the one the referent already chose to report again."""
    if plesso_code is None:
        return None
    found = await uow.cases.recent_duplicate(
        plesso_code, codice_fiscale, duplicate_since(now), exclude_id=editing
    )
    return None if found == accepted else found


# --- saving ---------------------------------------------------------------------------------------


async def save_new_case(
    uow: UnitOfWork, actor: Actor, data: CaseData, now: datetime, *, accepted: int | None = None
) -> Case | DuplicateWarning | Refusal:
    """Save a reported case, and remember its plesso as the referent's last used.

    One transaction: the case, its audit row and the plesso's mark are all written or none
    is (a busy database between two of them used to say "non salvato" about a saved case).
    The duplicate check runs inside it: holding the write lock, no colleague's report of the
    same person can land between the check and the save.
    """
    if not actor.holds_plesso(data.plesso_code):
        return Refusal.PLESSO_REVOKED
    async with uow.transaction():
        duplicate = await duplicate_to_warn(
            uow, data.plesso_code, data.codice_fiscale, now, accepted=accepted
        )
        if duplicate is not None:
            # Reported by a colleague while this form was being filled.
            return DuplicateWarning(duplicate)
        case = await uow.cases.create(data, actor=actor.user_id, now=now)
        if actor.referent is not None:
            await uow.referents.touch_plesso(actor.referent.id, data.plesso_code, now)
    return case


async def save_edit(
    uow: UnitOfWork, actor: Actor, case_id: int, version: int, data: CaseData, now: datetime
) -> EditResult | Refusal:
    """Save an edit started from `version` (refused if the case moved on or was closed)."""
    if not actor.holds_plesso(data.plesso_code):
        return Refusal.PLESSO_REVOKED
    result = await uow.cases.update(
        case_id, data, expected_version=version, actor=actor.user_id, now=now
    )
    case = result.case
    if case is None or not actor.holds_plesso(case.data.plesso_code):
        return Refusal.NOT_FOUND
    return EditResult(outcome=result.outcome, view=await view_of(uow, case))
