"""Use cases of the enrolment (/iscritti, and /assenze when a school year has no figure yet):
which plessi the referent may pick, what is in force, checking and saving a new figure.

A referent only reaches the plessi they hold; the rules (what is likely, from when a figure
is in force) are `domain.enrolment`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.absences import missing_first
from domain.access import Actor
from domain.calendar import school_year_of
from domain.enrolment import (
    Enrolment,
    EnrolmentCheck,
    check_enrolment,
    enrolment_in_force,
    new_enrolment_valid_from,
)
from domain.registry import Plesso
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PlessoChoice:
    """A plesso offered as a button, and whether it still owes a figure."""

    plesso: Plesso
    missing: bool


async def my_plessi(uow: UnitOfWork, actor: Actor) -> list[Plesso]:
    """The referent's plessi, last used first."""
    referent = actor.referent
    assert referent is not None  # the handlers require Role.REFERENT
    by_code = {p.code: p for p in await uow.plessi.many(referent.plessi)}
    return [by_code[code] for code in referent.plessi if code in by_code]


async def held_plesso(uow: UnitOfWork, actor: Actor, code: str) -> Plesso | None:
    """The plesso `code`, if it exists and the referent holds it."""
    plesso = await uow.plessi.get(code)
    if plesso is None or not actor.holds_plesso(code):
        return None
    return plesso


async def enrolment_choices(uow: UnitOfWork, actor: Actor, today: date) -> list[PlessoChoice]:
    """The referent's plessi to pick from, those with no figure this school year first."""
    plessi = await my_plessi(uow, actor)
    missing = await uow.enrolments.missing_for_school_year(
        [p.code for p in plessi], school_year_of(today)
    )
    by_code = {p.code: p for p in plessi}
    return [
        PlessoChoice(by_code[code], code in missing)
        for code in missing_first([p.code for p in plessi], missing)
    ]


async def first_without_enrolment(
    uow: UnitOfWork, plessi: Sequence[Plesso], year: int
) -> Plesso | None:
    """The first of `plessi` with no figure within the school year starting in `year`."""
    missing = await uow.enrolments.missing_for_school_year([p.code for p in plessi], year)
    return next((p for p in plessi if p.code in missing), None)


async def enrolment_on(uow: UnitOfWork, plesso_code: str, day: date) -> Enrolment | None:
    """The figure in force on `day` (None: nothing recorded yet)."""
    return await uow.enrolments.in_force(plesso_code, day)


async def check_new_enrolment(
    uow: UnitOfWork, plesso_code: str, day: date, pupils: int, classes: int
) -> EnrolmentCheck:
    """The figures checked against the one in force on `day` (ValidationFailed if impossible)."""
    history = await uow.enrolments.history(plesso_code)
    return check_enrolment(pupils, classes, enrolment_in_force(history, day))


async def save_enrolment(
    uow: UnitOfWork,
    actor: Actor,
    plesso_code: str,
    day: date,
    pupils: int,
    classes: int,
    now: datetime,
) -> Enrolment | None:
    """Record a new figure for `day` (in force from 1 September when it is the school year's
    first); None when the referent no longer holds the plesso."""
    if not actor.holds_plesso(plesso_code):
        return None
    async with uow.transaction():
        # Read inside the transaction: no other figure can be added between read and write.
        history = await uow.enrolments.history(plesso_code)
        enrolment = Enrolment(
            plesso_code=plesso_code,
            pupils=pupils,
            classes=classes,
            valid_from=new_enrolment_valid_from(history, day),
        )
        return await uow.enrolments.add(enrolment, actor=actor.user_id, now=now)
