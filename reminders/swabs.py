"""The swab reminders (issue 20): the evening before a booked swab and two hours before it,
and one nudge to a signed-in referral not booked six hours after the doctor's referral.
A job every CHECK_EVERY asks `services.swabs.due_swab_reminders`; each is claimed in the log
before it is sent, so a second run or a restart sends nothing twice."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.error import TelegramError
from telegram.ext import Application

from bot.catalog import render
from bot.catalog import swabs as texts
from bot.context import BotContext, services_of
from reminders.scheduling import job_queue
from services import swabs
from services.swabs import DueSwabReminder, SwabReminder

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
CHECK_EVERY = timedelta(minutes=10)
JOB = "swabs:reminders"


def install(application: AnyApplication) -> None:
    settings = services_of(application).settings
    queue = job_queue(application)
    if not settings.reminders_enabled:
        return
    queue.run_repeating(
        _scheduled,
        interval=CHECK_EVERY,
        first=CHECK_EVERY,
        name=JOB,
        job_kwargs={"misfire_grace_time": 600, "coalesce": True},
    )


async def _scheduled(context: BotContext) -> None:
    await run_due(context.application)


def _text(item: DueSwabReminder) -> str:
    if item.kind is SwabReminder.REFERRAL_NUDGE or item.booking is None:
        return texts.REMINDER_REFERRAL
    slot = item.booking.slot
    template = texts.REMINDER_EVENING if item.kind is SwabReminder.EVENING else texts.REMINDER_SOON
    return render(
        template,
        time=f"{slot.starts_at:%H:%M}",
        point=slot.point.name,
        address=slot.point.address,
        code=item.booking.code,
    )


async def run_due(application: AnyApplication) -> int:
    """Send what is due now; returns how many messages went out."""
    services = services_of(application)
    local = services.local_now().replace(tzinfo=None)  # slot times are wall-clock times
    sent = 0
    for item in await swabs.due_swab_reminders(services, services.now(), local):
        for chat_id in item.chats:
            try:
                await application.bot.send_message(chat_id, _text(item), parse_mode="HTML")
                sent += 1
            except TelegramError as error:
                log.info("swab reminder not delivered: %s", type(error).__name__)
    return sent
