"""The reminders on python-telegram-bot's JobQueue (APScheduler underneath).

- Every day at REMINDER_TIME and at DEADLINE_REMINDER_TIME, in TIMEZONE: APScheduler's cron
  trigger keeps the local wall-clock time across the daylight-saving change, so a reminder
  is neither moved nor doubled (and the log would refuse a double anyway).
- Every hour: the open cases (24 and 72 hours after they were created), and a second
  chance for anything a failed send gave back.
- Once at start-up: the catch-up. Rows a crash left claimed are released first; then the
  same rule as always sends what is due: a window still open is sent, a closed one is not.

Every run asks `reminders.due` what is due at `services.now()`: the jobs only say when to
ask, so running one twice, or all three at once, sends nothing twice. Runs take turns (a
lock), so an admin's push and a scheduled run never claim in between each other.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from telegram.ext import Application

from bot.context import BotContext, Services, services_of
from bot.errors import pause_for
from bot.settings import Settings
from domain.access import Actor
from domain.calendar import SchoolCalendar
from reminders.due import Schedule, due_reminders, group_by_referent, manual_reminders
from reminders.facts import gather
from reminders.scheduling import job_queue
from reminders.sender import ReminderSender, RunSummary
from services import reminders as reminders_service
from services.reminders import PushRefusal

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

RUNTIME_KEY = "reminders.runtime"
JOB_DAILY = "reminders:daily"  # + ":HH:MM"
JOB_HOURLY = "reminders:hourly"
JOB_CATCH_UP = "reminders:catch-up"
HOURLY = timedelta(hours=1)
# A run that starts late (a busy event loop, a suspended machine) still runs within this.
MISFIRE_GRACE_SECONDS = 3600


def schedule_of(settings: Settings) -> Schedule:
    return Schedule(
        timezone=settings.tz,
        reminder_time=settings.reminder_time,
        deadline_reminder_time=settings.deadline_reminder_time,
        school_year_reminder=settings.school_year_reminder,
        sending_hours=(settings.reminders_from, settings.reminders_until),
    )


def install(application: AnyApplication) -> None:
    """Put the reminder jobs on the application's JobQueue (a no-op when disabled)."""
    settings = services_of(application).settings
    if not settings.reminders_enabled:
        return
    queue = job_queue(application)
    grace = {"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True}
    for moment in sorted({settings.reminder_time, settings.deadline_reminder_time}):
        queue.run_daily(
            scheduled_run,
            time=moment.replace(tzinfo=settings.tz),
            name=f"{JOB_DAILY}:{moment:%H:%M}",
            job_kwargs=grace,
        )
    queue.run_repeating(
        scheduled_run, interval=HOURLY, first=HOURLY, name=JOB_HOURLY, job_kwargs=grace
    )
    # misfire_grace_time None: however late the JobQueue starts, the catch-up runs.
    queue.run_once(catch_up, when=0, name=JOB_CATCH_UP, job_kwargs={"misfire_grace_time": None})


async def scheduled_run(context: BotContext) -> None:
    await run_due(context.application)


async def catch_up(context: BotContext) -> None:
    await run_due(context.application, catch_up=True)


# --- runs ---------------------------------------------------------------------------------


@dataclass
class _Runtime:
    lock: asyncio.Lock
    sender: ReminderSender


def _runtime(application: AnyApplication) -> _Runtime:
    runtime = application.bot_data.get(RUNTIME_KEY)
    if isinstance(runtime, _Runtime):
        return runtime
    services = services_of(application)
    sender = ReminderSender(
        application.bot,
        services.reminders,
        clock=services.clock,
        timezone=services.settings.tz,
        rate_per_second=services.settings.reminder_rate_per_second,
        sleep=pause_for(application.bot),  # a wait the bot's stop (SIGTERM) cuts short
    )
    runtime = _Runtime(lock=asyncio.Lock(), sender=sender)
    application.bot_data[RUNTIME_KEY] = runtime
    return runtime


async def run_due(
    application: AnyApplication, *, now: datetime | None = None, catch_up: bool = False
) -> RunSummary:
    """Send every reminder due at `now` (default: the services' clock) not sent before."""
    services = services_of(application)
    runtime = _runtime(application)
    async with runtime.lock:
        released = await services.reminders.release_stale_claims() if catch_up else 0
        moment = now or services.now()
        schedule = schedule_of(services.settings)
        facts = await gather(
            moment,
            schedule,
            log=services.reminders,
            closures=services.closures,
            enrolments=services.enrolments,
        )
        batches = group_by_referent(due_reminders(moment, schedule, facts))
        summary = await runtime.sender.send_all(batches)
    log.info(
        "reminders%s: %d due, %d messages sent, %d unreachable, %d failed, %d given back%s",
        " (catch-up)" if catch_up else "",
        summary.due,
        summary.messages,
        summary.unreachable,
        summary.failed,
        summary.released,
        f", {released} stale claims released" if released else "",
    )
    return summary


@dataclass(frozen=True)
class PushOutcome:
    """An admin's "remind the missing ones now": what it sent, or why it sent nothing."""

    summary: RunSummary | None = None
    refused: PushRefusal | None = None
    last_push: datetime | None = None  # TOO_SOON: the push before
    retry_from: datetime | None = None  # TOO_SOON: from when the next may go


async def scope_calendar(services: Services, ats_code: str | None) -> SchoolCalendar:
    """The ATS's calendar; for every ATS (a regional admin), the one without closures."""
    settings = services.settings
    return await reminders_service.scope_calendar(
        services, ats_code, start_date=settings.absence_start_date, timezone=settings.tz
    )


async def push_now(
    application: AnyApplication, *, ats_code: str | None, day: date, actor: Actor
) -> PushOutcome:
    """Remind now the referents of the plessi still missing `day` (of one ATS, or of all):
    at most once an hour per ATS, only while the day's window is open."""
    services = services_of(application)
    runtime = _runtime(application)
    async with runtime.lock:  # the check and the record, then the sends: one push at a time
        now = services.now()
        calendar = await scope_calendar(services, ats_code)
        plan = await reminders_service.plan_push(services, actor, ats_code, day, calendar, now)
        if plan.refused is not None:
            return PushOutcome(
                refused=plan.refused, last_push=plan.last_push, retry_from=plan.retry_from
            )
        batches = group_by_referent(manual_reminders(plan.recipients, day, plan.push_id))
        summary = await runtime.sender.send_all(batches)
    log.info("reminders push %s: %d messages sent", plan.push_id, summary.messages)
    return PushOutcome(summary=summary)
