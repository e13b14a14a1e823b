"""Use cases of the school closures (/chiusure): an ATS admin lists, adds and removes the
closures of the ATS they manage (a regional admin: of any ATS), when no absences are expected.

Every use case checks that the admin manages the ATS: a button or a draft made before an
admin's scope changed cannot reach another ATS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.access import Actor
from domain.calendar import ClosurePeriod
from domain.registry import Plesso
from services.unit_of_work import UnitOfWork

RECENT_DAYS = 30  # closures ended this many days ago are still listed


@dataclass(frozen=True)
class NewClosure:
    """A closure as the admin confirmed it; `plesso_code` None = the whole ATS."""

    ats_code: str
    plesso_code: str | None
    start: date
    end: date
    note: str


async def ats_codes(uow: UnitOfWork) -> list[str]:
    """The ATS that have plessi, for a regional admin to pick from."""
    return await uow.closures.ats_codes()


async def listed_closures(uow: UnitOfWork, ats_code: str, today: date) -> list[ClosurePeriod]:
    """The closures of the ATS not ended more than RECENT_DAYS ago, by start date."""
    return await uow.closures.active(ats_code, ending_from=today - timedelta(days=RECENT_DAYS))


async def managed_closure(uow: UnitOfWork, actor: Actor, closure_id: int) -> ClosurePeriod | None:
    """The closure, if it still exists and the admin manages its ATS."""
    period = await uow.closures.get(closure_id)
    if period is None or not actor.manages_ats(period.ats_code):
        return None
    return period


async def remove_closure(
    uow: UnitOfWork, actor: Actor, period: ClosurePeriod, now: datetime
) -> bool:
    """Remove a closure the admin manages; False when it was already gone (or not theirs)."""
    if not actor.manages_ats(period.ats_code):
        return False
    return await uow.closures.remove(period.id, actor=actor.user_id, now=now)


async def closure_plesso(uow: UnitOfWork, actor: Actor, ats_code: str, code: str) -> Plesso | None:
    """The plesso `code`, if it belongs to the ATS and the admin manages it."""
    plesso = await uow.plessi.get(code)
    if plesso is None or plesso.ats_code != ats_code or not actor.manages_plesso(plesso):
        return None
    return plesso


async def add_closure(
    uow: UnitOfWork, actor: Actor, closure: NewClosure, now: datetime
) -> ClosurePeriod | None:
    """Save the closure; None when the admin no longer manages its ATS."""
    if not actor.manages_ats(closure.ats_code):
        return None
    return await uow.closures.add(
        ats_code=closure.ats_code,
        plesso_code=closure.plesso_code,
        start=closure.start,
        end=closure.end,
        note=closure.note,
        actor=actor.user_id,
        now=now,
    )
