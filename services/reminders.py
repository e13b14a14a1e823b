"""The admins' side of the reminders (/promemoria): the report of the current (or last)
recording day, and the «Ricorda ora» push to the referents still missing it — at most once
an hour per ATS, only while the day's window is open. Sending is reminders/jobs.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.access import Actor
from domain.calendar import SchoolCalendar
from domain.reminder_report import DayReport, build_report, next_push_at, report_day, window_open
from domain.reminders import ReferentLink
from services.unit_of_work import UnitOfWork


async def scope_calendar(
    uow: UnitOfWork, ats_code: str | None, *, start_date: date | None, timezone: ZoneInfo
) -> SchoolCalendar:
    """The ATS's calendar; for every ATS (a regional admin), the one without closures."""
    if ats_code is not None:
        return await uow.closures.calendar(ats_code)
    return SchoolCalendar(start_date=start_date, timezone=timezone)


async def day_report(
    uow: UnitOfWork,
    ats_code: str | None,
    now: datetime,
    *,
    start_date: date | None,
    timezone: ZoneInfo,
) -> DayReport | None:
    """The report of today, or of the last recording day before it (None: none yet), for
    the plessi of the ATS (of every ATS when None); `start_date` and `timezone` are the
    settings' (the calendar of every ATS)."""
    calendar = await scope_calendar(uow, ats_code, start_date=start_date, timezone=timezone)
    day = report_day(calendar, now)
    if day is None:
        return None
    reminders = uow.reminders
    return build_report(
        day=day,
        is_open=window_open(calendar, day, now),
        recorded=await reminders.recorded_plessi(day, ats_code),
        missing=await uow.absences.missing_plessi(ats_code, day),
        links=await reminders.links(ats_code),
        entries=await reminders.for_days([day], ats_code),
        unreachable=await reminders.unreachable(ats_code),
    )


# --- «Ricorda ora» ------------------------------------------------------------------------


def may_push(actor: Actor, ats_code: str | None) -> bool:
    """An ATS's admins (and the regional ones) push to one ATS; only a regional admin pushes
    to every ATS at once (`ats_code` None)."""
    if ats_code is None:
        return actor.is_admin and actor.admin_ats is None
    return actor.manages_ats(ats_code)


class PushRefusal(StrEnum):
    TOO_SOON = "too_soon"  # the last push reached this ATS under an hour ago
    WINDOW_CLOSED = "window_closed"  # the day can no longer be recorded
    NOBODY = "nobody"  # no reachable referent of a missing plesso


@dataclass(frozen=True)
class PushPlan:
    """A push recorded and whom to remind, or why nothing goes."""

    refused: PushRefusal | None = None
    last_push: datetime | None = None  # TOO_SOON: the push before
    retry_from: datetime | None = None  # TOO_SOON: from when the next may go
    push_id: int = 0
    recipients: list[ReferentLink] = field(default_factory=list)


async def plan_push(
    uow: UnitOfWork,
    actor: Actor,
    ats_code: str | None,
    day: date,
    calendar: SchoolCalendar,
    now: datetime,
) -> PushPlan:
    """Check the push may go and record it (with its audit row): its id keys the reminders
    sent for it, so none goes twice. The caller sends them (and keeps pushes in turn)."""
    last = await uow.reminders.last_push(ats_code)
    allowed_from = next_push_at(last)
    if allowed_from is not None and now < allowed_from:
        return PushPlan(refused=PushRefusal.TOO_SOON, last_push=last, retry_from=allowed_from)
    if not window_open(calendar, day, now):
        return PushPlan(refused=PushRefusal.WINDOW_CLOSED)
    recipients = await push_recipients(uow, ats_code, day, now)
    if not recipients:
        return PushPlan(refused=PushRefusal.NOBODY)
    push_id = await uow.reminders.record_push(
        ats_code=ats_code, day=day, actor=actor.user_id, now=now, count=len(recipients)
    )
    return PushPlan(push_id=push_id, recipients=recipients)


# A person reminded (automatically or by another push) this recently is not pushed again.
NOT_AGAIN_WITHIN = timedelta(hours=1)


async def push_recipients(
    uow: UnitOfWork, ats_code: str | None, day: date, now: datetime
) -> list[ReferentLink]:
    """Reachable referents of the plessi still owing `day` (calendar and closures applied),
    but not those who got a reminder in the last hour (issue 22)."""
    missing = {plesso.code for plesso in await uow.absences.missing_plessi(ats_code, day)}
    unreachable = await uow.reminders.unreachable_ids()
    recent = await uow.reminders.reminded_since(now - NOT_AGAIN_WITHIN)
    return [
        link
        for link in await uow.reminders.links(ats_code)
        if link.plesso_code in missing
        and link.referent_id not in unreachable
        and link.referent_id not in recent
    ]
