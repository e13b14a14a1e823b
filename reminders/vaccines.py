"""The vaccination-duty check's messages (issue 18): the answer published, the reminders of
the legal calendar, and the ATS's list of the schools that missed the list deadline.

Each day at DEADLINE_REMINDER_TIME (and at start-up, for a day the bot was down) the due
reminders are queued, once per person, kind and day, whatever the runs
(`services.vaccines.queue_due_reminders`): the list on 20 February, 1 and 8 March and on
the deadline while it is not sent; the families' invitations on day 7 of the days to invite
while the answer is published and the outcome not transmitted; the outcome on 1, 8, 18 July
and on the deadline until it is transmitted; the day after the list deadline, each admin
gets the count and names of their schools without a list. None once the school has acted.
Delivery is the outbox's (reminders/outbox.py): claimed, sent paced, marked; retried with
back-off. Messages carry plesso codes and counts, never a pupil.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import Application

from bot.catalog import render
from bot.catalog import vaccines as texts
from bot.context import BotContext, Services, services_of
from domain.calendar import italian_holidays
from domain.vaccines import VaccineNotice, invite_due, short_name
from reminders.outbox import deliver_each, pacing, schedule
from reminders.scheduling import job_queue
from reminders.sender import send_with_retries
from services import vaccines
from services.vaccines import Queued, Rules

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

RUNTIME_KEY = "vaccines.runtime"
JOB_DAILY = "vaccines:daily"
JOB_RETRY = "vaccines:retry"
JOB_START = "vaccines:start-up"
JOB_RETENTION = "vaccines:retention"
MAX_LISTED = 40  # schools named in the ATS's summary (the rest counted): 4,096 characters


def rules_of(services: Services) -> Rules:
    return Rules(services.settings.vaccine_calendar, italian_holidays())


def _day(value: Any) -> str:
    return str(value.strftime("%d/%m/%Y"))


async def notice_text(services: Services, item: VaccineNotice) -> str:
    rules = rules_of(services)
    due = rules.deadlines(item.year)
    topic = item.topic
    if topic == "revoked":
        return render(texts.NOTICE_REVOKED, code=item.scope)
    if topic == "published":
        return render(texts.NOTICE_PUBLISHED, code=item.scope)
    if topic in ("list", "list_now"):
        return render(texts.REMIND_LIST, code=item.scope, due=_day(due.list_due))
    if topic == "invite":
        campaign = await services.vaccines.campaign(item.scope, item.year)
        published = campaign.published_at
        when = invite_due(rules.calendar, published.date(), rules.is_holiday) if published else None
        return render(texts.REMIND_INVITE, code=item.scope, due=_day(when) if when else "")
    if topic == "outcome":
        return render(texts.REMIND_OUTCOME, code=item.scope, due=_day(due.outcome_due))
    missed = await vaccines.missed_list(services, item.scope or None, item.year)
    lines = [
        render(texts.ATS_MISSING_LINE, name=short_name(p.name), code=p.code)
        for p in missed[:MAX_LISTED]
    ]
    if len(missed) > MAX_LISTED:
        lines.append(render(texts.ATS_MORE, more=len(missed) - MAX_LISTED))
    return render(texts.MISSED_SUMMARY, due=_day(due.list_due), count=len(missed), lines="") + (
        "\n".join(lines)
    )


async def deliver(application: AnyApplication) -> int:
    """Send every notice due now; returns how many went."""
    services = services_of(application)
    pace = pacing(application, RUNTIME_KEY)
    async with pace.lock:
        items = await services.vaccines.due(services.now())

        async def send(item: VaccineNotice) -> None:
            await _send(application, pace.limiter, item)

        return await deliver_each(items, services.vaccines, services.now, send, _label)


def _label(item: VaccineNotice) -> str:
    return f"vaccines notice {item.id} ({item.topic})"


async def _send(application: AnyApplication, limiter: AsyncLimiter, item: VaccineNotice) -> None:
    text = await notice_text(services_of(application), item)

    async def once() -> int:
        async with limiter:
            message = await application.bot.send_message(
                chat_id=item.user_id, text=text, parse_mode="HTML"
            )
        return int(message.message_id)

    await send_with_retries(once, asyncio.sleep)


async def run_due(application: AnyApplication) -> Queued:
    """Queue today's reminders (none twice), then deliver."""
    services = services_of(application)
    admins = [(entry.user_id, entry.ats_code) for entry in services.settings.admin_ids]
    queued = await vaccines.queue_due_reminders(
        services, services.local_now().date(), services.now(), rules_of(services), admins
    )
    await deliver(application)
    if queued.people or queued.ats_summaries:
        log.info(
            "vaccination reminders: %d people of %d schools, %d ATS summaries",
            queued.people,
            queued.schools,
            queued.ats_summaries,
        )
    return queued


# --- the jobs ------------------------------------------------------------------------------------


def install(application: AnyApplication) -> None:
    """The outbox's delivery every minute and at start-up, the retention every night at
    RETENTION_TIME, and the daily reminders (when reminders are enabled)."""
    schedule(application, _deliver_job, retry_name=JOB_RETRY, start_name=JOB_START)
    settings = services_of(application).settings
    queue = job_queue(application)
    grace = {"misfire_grace_time": 3600, "coalesce": True}
    queue.run_daily(
        _retention_job,
        time=settings.retention_time.replace(tzinfo=settings.tz),
        name=JOB_RETENTION,
        job_kwargs=grace,
    )
    if settings.reminders_enabled:
        queue.run_daily(
            _daily_job,
            time=settings.deadline_reminder_time.replace(tzinfo=settings.tz),
            name=JOB_DAILY,
            job_kwargs=grace,
        )


async def purge(application: AnyApplication) -> int:
    """Delete the campaigns past their retention date (VACUUM included)."""
    services = services_of(application)
    pupils = await vaccines.purge_expired(
        services, services.local_now().date(), services.now(), rules_of(services)
    )
    if pupils:
        log.info("vaccination retention: %d pupils deleted", pupils)
    return pupils


async def _retention_job(context: BotContext) -> None:
    await purge(context.application)


async def _daily_job(context: BotContext) -> None:
    await run_due(context.application)


async def _deliver_job(context: BotContext) -> None:
    sent = await deliver(context.application)
    if sent:
        log.info("vaccination notices: %d delivered", sent)


def deliver_soon(application: AnyApplication) -> None:
    """After «Pubblica» or «Ricorda ora»: deliver now, without holding up the admin's reply."""
    application.create_task(deliver(application), name="vaccines:soon")
