"""The ATS admins' reads of closed cases (/casi with filters, /caso): the closed cases of
their ATS (of every ATS for a regional admin), a page at a time, and one case in full. A case
of another ATS, or one not closed yet, is as good as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from domain.access import Actor
from domain.cases import Case
from domain.closing import ClosedFilter, ClosedPage
from domain.contacts import Contact
from domain.registry import Plesso
from services.unit_of_work import UnitOfWork

# Every contact of a case, on one page: no case comes near it (the hand-over's limit).


@dataclass(frozen=True)
class ClosedCases:
    """One page of the admin's list, and the filters it was read with."""

    filters: ClosedFilter
    page: ClosedPage


async def closed_cases(
    uow: UnitOfWork, actor: Actor, filters: ClosedFilter, page: int, tz: ZoneInfo
) -> ClosedCases:
    """Page `page` (clamped) of the closed cases the admin may see, newest closing first;
    the days of `filters` are local days in `tz`."""
    found = await uow.closing.closed_page(actor.admin_ats, filters, page, tz)
    return ClosedCases(filters=filters, page=found)


async def closed_case(uow: UnitOfWork, actor: Actor, case_id: int | None) -> Case | None:
    """A closed case of a plesso the admin manages, or None."""
    case = await uow.cases.get(case_id) if case_id is not None else None
    if case is None or case.is_open:
        return None
    plesso = await uow.plessi.get(case.data.plesso_code)
    if plesso is None or not actor.manages_plesso(plesso):
        return None
    return case


@dataclass(frozen=True)
class ClosedCaseView:
    """What /caso shows an admin: the case, its plesso and every contact."""

    case: Case
    plesso: Plesso | None
    contacts: list[Contact]


async def case_view(uow: UnitOfWork, actor: Actor, case_id: int | None) -> ClosedCaseView | None:
    """The closed case in full, if the admin may see it; None otherwise."""
    case = await closed_case(uow, actor, case_id)
    if case is None:
        return None
    plesso = await uow.plessi.get(case.data.plesso_code)
    contacts = await uow.contacts.all_of(case.id)
    return ClosedCaseView(case=case, plesso=plesso, contacts=contacts)


async def case_with_receipt(uow: UnitOfWork, receipt_code: str) -> int | None:
    """The id of the case with this receipt code (pass a normalized code), or None."""
    return await uow.closing.by_receipt(receipt_code)


async def holds_case(uow: UnitOfWork, actor: Actor, case_id: int | None) -> bool:
    """Whether the case is of one of the referent's plessi (their /caso view applies)."""
    case = await uow.cases.get(case_id) if case_id is not None else None
    return case is not None and actor.holds_plesso(case.data.plesso_code)
