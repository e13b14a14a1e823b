"""The use cases of the absence early-warning report: /report asks for one day's report (the
latest recording day by default), the nightly push computes it and claims each send.

An ATS code of None means every ATS (a regional admin). Only counts are read, never a name.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from enum import StrEnum

from domain.calendar import RECORDING_WEEKDAYS, SchoolCalendar, school_year_bounds, school_year_of
from domain.early_warning import EarlyWarningReport, build_report, judge_signals
from services.unit_of_work import UnitOfWork

EARLIER_YEARS = 3  # school years of the seasonal baseline


class NoReport(StrEnum):
    """Why /report shows no report."""

    NOT_RECORDING_DAY = "not_recording_day"
    """The day asked for is not a Tuesday or a Thursday."""
    NO_DATA = "no_data"
    """No figure recorded yet, on or before today."""


async def calendar_for(
    uow: UnitOfWork, ats_code: str | None, region: SchoolCalendar
) -> SchoolCalendar:
    """The calendar of one ATS (with its closures); `region`'s for every ATS together."""
    return region if ats_code is None else await uow.closures.calendar(ats_code)


async def compute(uow: UnitOfWork, ats_code: str | None, day: date) -> EarlyWarningReport:
    """The report of `day` for one ATS (None: every ATS), over its school year so far."""
    plessi = await uow.ats.sentinel_plessi(ats_code)
    calendars: dict[str, SchoolCalendar] = {}
    for plesso in plessi:
        if plesso.ats_code not in calendars:
            calendars[plesso.ats_code] = await uow.closures.calendar(plesso.ats_code)
    expected = sum(1 for p in plessi if calendars[p.ats_code].is_recording_day(day, p.code))
    year = school_year_of(day)
    start, _ = school_year_bounds(year)
    # The seasonal baseline: the same weeks of up to EARLIER_YEARS earlier school years.
    first, _ = school_year_bounds(year - EARLIER_YEARS)
    everything = await uow.ats.observations(ats_code, first, day)
    observations = [o for o in everything if o.day >= start]
    last_start, _ = school_year_bounds(year - 1)
    last_year: dict[str, list[float]] = {}
    for o in everything:
        if last_start <= o.day < start and o.rate is not None:
            last_year.setdefault(o.plesso_code, []).append(o.rate)
    names = {p.code: p.name for p in plessi}
    types = {p.code: p.school_type for p in plessi}
    report = build_report(day, names, expected, observations, types=types, last_year=last_year)
    sent_home = await uow.sent_home.pupils_by_day(ats_code, first, day)
    return replace(report, signals=judge_signals(day, everything, sent_home))


async def report_day(
    uow: UnitOfWork, ats_code: str | None, asked: date | None, today: date
) -> date | NoReport:
    """The day to report: the one `asked` for, or the latest recorded day when none was."""
    if asked is not None:
        return asked if asked.weekday() in RECORDING_WEEKDAYS else NoReport.NOT_RECORDING_DAY
    last = await uow.ats.last_recorded_day(ats_code, today)
    return NoReport.NO_DATA if last is None else last


async def claim_push(
    uow: UnitOfWork, ats_code: str, day: date, admin: int, flagged: int, now: datetime
) -> bool:
    """Claim the push of `day`'s report to one admin; False when it was claimed before."""
    return await uow.ats.claim_report_push(ats_code, day, admin, flagged, now)


async def finish_push(
    uow: UnitOfWork, ats_code: str, day: date, admin: int, state: str, now: datetime
) -> None:
    await uow.ats.finish_report_push(ats_code, day, admin, state, now)


async def release_push(uow: UnitOfWork, ats_code: str, day: date, admin: int) -> None:
    """Give a claim back (the message surely did not go): a later run sends it."""
    await uow.ats.release_report_push(ats_code, day, admin)
