"""What a run needs from storage, read once: see `reminders.due.Facts`."""

from __future__ import annotations

from datetime import datetime

from reminders.due import (
    Facts,
    Schedule,
    candidate_days,
    case_creation_range,
    current_school_year,
    lookback_day,
)
from storage.absences import ClosuresRepository, EnrolmentsRepository
from storage.reminders import ReminderLogRepository


async def gather(
    now: datetime,
    schedule: Schedule,
    *,
    log: ReminderLogRepository,
    closures: ClosuresRepository,
    enrolments: EnrolmentsRepository,
) -> Facts:
    links = await log.links()
    codes = sorted({link.plesso_code for link in links})
    calendars = {ats: await closures.calendar(ats) for ats in {link.ats_code for link in links}}
    missing = await enrolments.missing_for_school_year(codes, current_school_year(now, schedule))
    return Facts(
        links=links,
        calendars=calendars,
        recorded=await log.recorded(candidate_days(now, schedule)),
        enrolled=frozenset(codes) - missing,
        open_cases=await log.open_cases(*case_creation_range(now)),
        logged=await log.logged_since(lookback_day(now, schedule)),
        unreachable=await log.unreachable_ids(),
    )
