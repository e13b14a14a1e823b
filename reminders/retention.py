"""The daily retention run (issue 8): at RETENTION_TIME (local time) closed cases older than
RETENTION_DAYS are deleted with their contacts (`storage.retention`), so are the drafts idle
for more than DRAFT_RETENTION_DAYS, then the file is VACUUMed and its WAL emptied.

There is no start-up catch-up: the run deletes every case due at the moment it runs, so a
night the bot was down is caught up by the next one. The log gets counts only.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.context import BotContext, services_of
from reminders.scheduling import job_queue
from storage.retention import Draft, Purge

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

JOB_DAILY = "retention:daily"
# A run missed by up to six hours (the bot restarting at night) still happens.
MISFIRE_GRACE_SECONDS = 6 * 3600
_LOCK_KEY = "retention:lock"


def install(application: AnyApplication) -> None:
    """Put the daily run on the JobQueue, at RETENTION_TIME in the settings' time zone."""
    settings = services_of(application).settings
    queue = job_queue(application)
    queue.run_daily(
        scheduled_run,
        time=settings.retention_time.replace(tzinfo=settings.tz),
        name=JOB_DAILY,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True},
    )


async def scheduled_run(context: BotContext) -> None:
    await run(context.application)


async def run(application: AnyApplication, *, now: datetime | None = None) -> Purge:
    """Delete what is due now; end the conversations whose drafts went with it."""
    services = services_of(application)
    lock = application.bot_data.setdefault(_LOCK_KEY, asyncio.Lock())
    async with lock:  # a run by hand and the scheduled one never overlap
        settings = services.settings
        purge = await services.retention.run(
            now or services.now(),
            settings.retention_days,
            settings.tz,
            settings.draft_retention_days,
        )
    end_conversations(application, purge.drafts)
    log.info(
        "retention: %d cases and %d contacts deleted, %d drafts ended, vacuumed=%s",
        purge.cases,
        purge.contacts,
        len(purge.drafts),
        purge.vacuumed,
    )
    return purge


def end_conversations(application: AnyApplication, drafts: tuple[Draft, ...]) -> None:
    """Tell the flows that these conversations ended (the run deleted their drafts, steps
    included): otherwise the next message would be read as the answer to a step whose draft
    is gone."""
    store = services_of(application).conversations
    for draft in drafts:
        store.forget(draft.flow, (draft.chat_id, draft.user_id))
