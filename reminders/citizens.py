"""The citizens' jobs (issue 19): the red-flag alerts pushed to the admins (at once from
the diary; again every minute for one that reached nobody), the retention of closed
isolations, and the diary reminders: the prompt at the hour each person picked
(08:00, 12:00 or 16:00 local), one nudge four hours later, none once the day is written,
under /pausa, or after the isolation ends.

A job every CHECK_EVERY asks `services.citizens.due_reminders` what is due at
`services.now()`; each prompt and nudge is claimed in the log before it is sent, so a
second run, or a restart, sends nothing twice (a send that fails is not retried: the next
day's prompt comes anyway, and the ATS sees who does not answer).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from bot.catalog import citizens as texts
from bot.catalog import render
from bot.context import BotContext, services_of
from domain.dates import format_date
from reminders.scheduling import job_queue
from services import citizens
from services.citizens import ReminderKind

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
CHECK_EVERY = timedelta(minutes=15)
JOB = "citizens:diary-reminders"
JOB_RETENTION = "citizens:retention"
JOB_ALERTS = "citizens:alerts"
ALERT_RETRY = timedelta(minutes=1)
RETENTION_AFTER = timedelta(minutes=10)


def install(application: AnyApplication) -> None:
    """The retention run every day; the diary reminders unless REMINDERS_ENABLED is off."""
    settings = services_of(application).settings
    queue = job_queue(application)
    # Closed isolations are deleted after the retention days, just after the cases' run.
    run_at = (datetime.combine(date.today(), settings.retention_time) + RETENTION_AFTER).time()
    queue.run_daily(
        _retention,
        time=run_at.replace(tzinfo=settings.tz),
        name=JOB_RETENTION,
        job_kwargs={"misfire_grace_time": 3600, "coalesce": True},
    )
    # Red-flag alerts whose push reached no admin: again every minute, and at start-up.
    queue.run_repeating(
        _alerts,
        interval=ALERT_RETRY,
        first=0,
        name=JOB_ALERTS,
        job_kwargs={"misfire_grace_time": None, "coalesce": True},
    )
    if not settings.reminders_enabled:
        return
    queue.run_repeating(
        _scheduled,
        interval=CHECK_EVERY,
        first=CHECK_EVERY,
        name=JOB,
        job_kwargs={"misfire_grace_time": 600, "coalesce": True},
    )


async def _alerts(context: BotContext) -> None:
    await push_alerts(context.application)


async def _scheduled(context: BotContext) -> None:
    await run_due(context.application)


async def _retention(context: BotContext) -> None:
    await run_retention(context.application)


async def run_retention(application: AnyApplication) -> dict[str, int]:
    """Delete the isolations closed RETENTION_DAYS ago and all about them; ATS → people."""
    services = services_of(application)
    settings = services.settings
    deleted = await citizens.purge_closed_isolations(
        services, services.now(), settings.retention_days, settings.tz
    )
    if deleted:
        log.info("retention: closed isolations deleted: %s", deleted)
    return deleted


async def push_alerts(application: AnyApplication) -> int:
    """Push every red-flag alert not pushed yet to the admins of the person's ATS and the
    regional ones: at once from the diary, and again from every run for one whose push
    reached nobody (a network failure). Returns the messages sent."""
    services = services_of(application)
    admins = [(a.user_id, a.ats_code) for a in services.settings.admin_ids]
    sent = 0
    for alert in await citizens.claim_pending_alerts(services, services.now()):
        text = render(texts.URGENT_ADMIN, id=alert.citizen_id, day=format_date(alert.day))
        reached = 0
        for admin_id in citizens.admins_to_alert(admins, alert.ats_code):
            try:
                await application.bot.send_message(admin_id, text)
                reached += 1
            except TelegramError as error:
                log.warning("red-flag alert not delivered to one admin: %s", type(error).__name__)
        if not reached:
            await citizens.release_alert(services, alert.alert_id)
        sent += reached
    return sent


async def run_due(application: AnyApplication) -> int:
    """Send what is due now; returns how many messages went out."""
    services = services_of(application)
    due = await citizens.due_reminders(services, services.now(), services.local_now())
    sent = 0
    for item in due:
        template = texts.PROMPT if item.kind is ReminderKind.PROMPT else texts.NUDGE
        text = render(template, initials=item.citizen.initials)
        for chat_id in item.chats:
            try:
                await application.bot.send_message(chat_id, text)
                sent += 1
            except TelegramError as error:
                log.info("diary reminder not delivered: %s", type(error).__name__)
    return sent
