"""Use cases of the absence surveillance (/assenze): which sentinel plesso and which day a
referent may record, the figures already there, and saving a day's figure.

The calendar (recording days, windows, closures) is `domain.calendar`'s and the checks are
`domain.absences`'s; these functions fetch what the rules need and keep each save in one
transaction with what goes with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.absences import (
    AbsenceFigure,
    Comparison,
    check_absences,
    compare_with_history,
    day_to_offer,
    missing_first,
)
from domain.access import Actor
from domain.calendar import SchoolCalendar, school_year_of
from domain.enrolment import has_enrolment_for_school_year
from domain.errors import ValidationFailed
from domain.registry import Plesso
from services.enrolment import PlessoChoice, my_plessi
from services.unit_of_work import UnitOfWork

COMPARE_WITH = 4  # previous recordings of the same weekday the rate is compared with


@dataclass(frozen=True)
class Opening:
    """What /assenze shows for a plesso before the first question.

    `day` is the day to record; when it is None, either `refusal` says why the day typed
    after /assenze cannot be recorded now, or no window is open and `next_opening` is the
    next recording day (None when none comes within the calendar's search).
    """

    recent: list[AbsenceFigure]
    day: date | None = None
    refusal: ValidationFailed | None = None
    next_opening: date | None = None
    needs_enrolment: bool = False  # the school year of `day` has no enrolment figure yet


@dataclass(frozen=True)
class DayFigures:
    """What the absences question shows: the enrolment in force, a figure already there."""

    enrolled: int  # 0 when no enrolment figure is in force
    existing: AbsenceFigure | None


@dataclass(frozen=True)
class Recorded:
    """A saved figure, the one it corrected, its comparison and until when it can change."""

    figure: AbsenceFigure
    previous: AbsenceFigure | None
    comparison: Comparison | None  # None when the rate is unknown (no enrolment)
    deadline: datetime  # the end of the day's window: corrections are possible until then


async def _offered_day(
    uow: UnitOfWork, plesso: Plesso, calendar: SchoolCalendar, now: datetime
) -> date | None:
    open_days = calendar.open_days(now, plesso.code)
    recorded = await uow.absences.recorded_days(plesso.code, open_days)
    return day_to_offer(open_days, recorded)


async def sentinel_plessi(uow: UnitOfWork, actor: Actor) -> list[Plesso]:
    """The referent's sentinel plessi, last used first."""
    return [p for p in await my_plessi(uow, actor) if p.sentinel]


async def sentinel_choices(
    uow: UnitOfWork, actor: Actor, requested: date | None, now: datetime
) -> list[PlessoChoice]:
    """The referent's sentinel plessi to pick from, first those with no figure yet for the day
    each would be offered (or for `requested`, the day typed after /assenze)."""
    plessi = await sentinel_plessi(uow, actor)
    missing: set[str] = set()
    for plesso in plessi:
        calendar = await uow.closures.calendar(plesso.ats_code)
        offered = requested or await _offered_day(uow, plesso, calendar, now)
        if offered is not None and not await uow.absences.recorded_days(plesso.code, [offered]):
            missing.add(plesso.code)
    by_code = {p.code: p for p in plessi}
    return [
        PlessoChoice(by_code[code], code in missing)
        for code in missing_first(list(by_code), missing)
    ]


async def held_sentinel(uow: UnitOfWork, actor: Actor, code: str) -> Plesso | None:
    """The sentinel plesso `code`, if the referent holds it."""
    plesso = await uow.plessi.get(code)
    if plesso is None or not plesso.sentinel or not actor.holds_plesso(code):
        return None
    return plesso


async def open_recording(
    uow: UnitOfWork, plesso: Plesso, requested: date | None, now: datetime
) -> Opening:
    """The plesso's last recordings and the day to record: the day typed after /assenze if
    its window is open, else the day the calendar offers now."""
    calendar = await uow.closures.calendar(plesso.ats_code)
    recent = await uow.absences.recent(plesso.code)
    if requested is None:
        day = await _offered_day(uow, plesso, calendar, now)
    else:
        try:
            calendar.require_open(requested, now, plesso.code)
        except ValidationFailed as refusal:
            return Opening(recent, refusal=refusal)
        day = requested
    if day is None:
        return Opening(recent, next_opening=calendar.next_window_opening(now, plesso.code))
    history = await uow.enrolments.history(plesso.code)
    needs_enrolment = not has_enrolment_for_school_year(history, school_year_of(day))
    return Opening(recent, day=day, needs_enrolment=needs_enrolment)


async def recording_plesso(
    uow: UnitOfWork, actor: Actor, code: str, day: date, now: datetime
) -> Plesso | None:
    """The plesso, if the referent still holds it and `day` can still be recorded at `now`
    (ValidationFailed when its window has closed: it may close while the referent types)."""
    plesso = await uow.plessi.get(code)
    if plesso is None or not actor.holds_plesso(plesso.code):
        return None
    calendar = await uow.closures.calendar(plesso.ats_code)
    calendar.require_open(day, now, plesso.code)
    return plesso


async def _enrolled(uow: UnitOfWork, code: str, day: date) -> int:
    enrolment = await uow.enrolments.in_force(code, day)
    return enrolment.pupils if enrolment else 0


async def day_figures(uow: UnitOfWork, code: str, day: date) -> DayFigures:
    return DayFigures(await _enrolled(uow, code, day), await uow.absences.get(code, day))


async def check_figures(
    uow: UnitOfWork, code: str, day: date, absent: int, ill: int | None
) -> None:
    """Refuse figures that do not fit the enrolment in force on `day` (ValidationFailed)."""
    check_absences(absent, ill, await _enrolled(uow, code, day))


async def record_absences(
    uow: UnitOfWork,
    actor: Actor,
    plesso: Plesso,
    day: date,
    absent: int,
    ill: int | None,
    now: datetime,
) -> Recorded:
    """Save (or correct) the figure of `day`, and remember the plesso as the referent's last
    used, in one transaction: both or neither. ValidationFailed when the figures no longer
    fit the enrolment (it changed meanwhile); nothing is saved then."""
    calendar = await uow.closures.calendar(plesso.ats_code)
    async with uow.transaction():
        check_absences(absent, ill, await _enrolled(uow, plesso.code, day))
        result = await uow.absences.record(
            plesso_code=plesso.code, day=day, absent=absent, ill=ill, actor=actor.user_id, now=now
        )
        if actor.referent is not None:
            await uow.referents.touch_plesso(actor.referent.id, plesso.code, now)
    figure = result.figure
    comparison = None
    if figure.absence_rate is not None:
        history = await uow.absences.same_weekday_before(plesso.code, day, COMPARE_WITH)
        rates = [f.absence_rate for f in history if f.absence_rate is not None]
        comparison = compare_with_history(figure.absence_rate, rates, COMPARE_WITH)
    return Recorded(figure, result.previous, comparison, calendar.deadline(day))
