"""The use case behind /stato (issue 8): the follow-up indicators of an ATS, loaded and
computed; the handler only renders them. An ATS code of None means every ATS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.calendar import SchoolCalendar
from domain.indicators import (
    STALE_AFTER,
    ClosedThisWeek,
    MissedRecording,
    SentinelPlesso,
    StalePlesso,
    closed_recording_days,
    closed_this_week,
    missed_recordings,
    stale_open_cases,
    week_start,
)
from domain.reminders import UnreachableReferent
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AtsStatus:
    """What /stato shows, as of `now`."""

    now: datetime
    stale: list[StalePlesso]
    closed: ClosedThisWeek
    missed: list[MissedRecording]
    unreachable: list[UnreachableReferent]
    sent_home_without_outcome: int = 0
    """Sent-home reports without a final outcome (issue 17)."""


async def ats_status(
    uow: UnitOfWork, ats_code: str | None, now: datetime, tz: ZoneInfo
) -> AtsStatus:
    """Open cases older than 48 hours, this week's closed cases, sentinel plessi that missed a
    recording day, referents who cannot be reached."""
    repository = uow.ats_status
    stale = stale_open_cases(await repository.open_cases(ats_code, now - STALE_AFTER), now)
    closed = closed_this_week(await repository.closed_since(ats_code, week_start(now, tz)), now, tz)
    return AtsStatus(
        now=now,
        stale=stale,
        closed=closed,
        missed=await _missed(uow, ats_code, now),
        unreachable=await uow.reminders.unreachable(ats_code),
        sent_home_without_outcome=await uow.sent_home.without_outcome(ats_code),
    )


async def _missed(uow: UnitOfWork, ats_code: str | None, now: datetime) -> list[MissedRecording]:
    plessi = [
        SentinelPlesso(code=p.code, name=p.name, ats_code=p.ats_code)
        for p in await uow.ats.sentinel_plessi(ats_code)
    ]
    calendars: dict[str, SchoolCalendar] = {}
    for code in sorted({p.ats_code for p in plessi}):
        calendars[code] = await uow.closures.calendar(code)
    days = sorted(
        {day for p in plessi for day in closed_recording_days(calendars[p.ats_code], now, p.code)}
    )
    recorded = await uow.ats_status.recorded(ats_code, days)
    return missed_recordings(plessi, calendars, recorded, now)
