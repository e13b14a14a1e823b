"""Delivering the referents' notices (storage/notices.py): "L'ATS ha revocato il tuo
accesso al plesso …".

The revocation writes its notice in the same transaction (`ReferentsRepository.revoke`), so
whatever happens after the commit (Telegram down: 5xx, time-outs, a dropped connection, a
429 beyond the retries; the process stopped or killed) the notice waits in the outbox and
goes when it can: `deliver_soon` right after the admin's answer, then the job every minute
and the run at start-up (reminders/outbox.py: claim, send, mark; back-off 1, 2, 4 …
minutes, MAX_ATTEMPTS, then FAILED).

- A referent who blocked the bot (or whose chat is gone): the notice is UNREACHABLE, not
  tried again, and the referent is flagged unreachable, as the reminders do.
- Exactly once as far as the bot can tell: a row is claimed before its send and marked
  after. A crash between Telegram taking the message and the mark leaves the row claimed,
  and a later run sends it again: a notice may be repeated, never lost. Likewise a time-out
  after Telegram took it (the Bot API cannot tell) is tried again.
"""

from __future__ import annotations

import logging
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import Application

from bot.catalog import admin as texts
from bot.catalog import render
from bot.context import BotContext, Services, services_of
from bot.errors import pause_for
from domain.notices import NoticeKind, ReferentNotice
from reminders.outbox import deliver_each, pacing, schedule
from reminders.sender import send_with_retries

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

RUNTIME_KEY = "notices.runtime"
JOB_RETRY = "notices:retry"
JOB_START = "notices:start-up"
_TEXTS = {NoticeKind.REVOKED: texts.REVOKE_NOTICE}


def notice_text(notice: ReferentNotice) -> str:
    return render(_TEXTS[notice.kind], code=notice.plesso_code)


async def deliver(application: AnyApplication) -> int:
    """Send every notice due now; returns how many went."""
    services = services_of(application)
    pace = pacing(application, RUNTIME_KEY)
    async with pace.lock:
        items = await services.notices.due(services.now())

        async def send(item: ReferentNotice) -> None:
            await _send(application, pace.limiter, item)

        async def unreachable(item: ReferentNotice, reason: str) -> None:
            await _flag(services, item, reason)

        return await deliver_each(
            items, services.notices, services.now, send, _label, on_unreachable=unreachable
        )


def _label(item: ReferentNotice) -> str:
    return f"notice {item.id} ({item.kind.value}) to referent {item.referent_id}"


async def _send(application: AnyApplication, limiter: AsyncLimiter, item: ReferentNotice) -> None:
    async def once() -> int:
        async with limiter:
            message = await application.bot.send_message(
                chat_id=item.user_id, text=notice_text(item)
            )
        return int(message.message_id)

    await send_with_retries(once, pause_for(application.bot))


async def _flag(services: Services, item: ReferentNotice, reason: str) -> None:
    """Blocked or gone: shown to the admins and skipped by the reminders, until they write."""
    await services.reminders.mark_unreachable(item.referent_id, reason, services.now())


# --- the jobs ------------------------------------------------------------------------------------


def install(application: AnyApplication) -> None:
    """Deliver pending notices every minute, and once at start-up (a stop or a crash after a
    revocation)."""
    schedule(application, _job, retry_name=JOB_RETRY, start_name=JOB_START)


async def _job(context: BotContext) -> None:
    sent = await deliver(context.application)
    if sent:
        log.info("referents' notices: %d delivered", sent)


def deliver_soon(application: AnyApplication) -> None:
    """After a revocation: deliver its notice now, without holding up the admin's reply."""
    application.create_task(deliver(application), name="notices:soon")
