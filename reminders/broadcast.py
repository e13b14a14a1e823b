"""Delivering an admin's broadcast (/avviso) in the background, and its final count.

- Pace and errors: the reminders' sending policy (`reminders.sender.send_with_retries`) at
  REMINDER_RATE_PER_SECOND, evenly spaced. A 429 is waited out (`retry_after`) and the
  message sent again; blocked / chat not found → 'blocked', and the referent is marked
  unreachable as the reminders do (shown in /promemoria, cleared when they write); a
  time-out → 'failed' (Telegram may have delivered it: not sent again); a send that surely
  did not reach Telegram goes back to 'pending' with a back-off, 'failed' after
  MAX_ATTEMPTS; any other error → 'failed'. One failure never stops the others.
- Never twice: each recipient row is claimed before its send and marked after. Runs take
  turns (one lock per application), so a row found claimed when a run starts was left by a
  crash or a kill between the two: it is counted as failed with an uncertain outcome
  ("esito incerto" in the admin's count) and never sent again. A clean stop (SIGTERM)
  finishes the send in flight and leaves the rest pending.
- Resumable: the next run delivers what is pending: one at start-up, one every minute
  (pending rows waiting for their back-off), one right after a confirmation.
- The final count (sent, blocked, failed) goes to the admin once, when no send is pending:
  claimed before the send, recorded after. The text of the broadcast is emptied then.

The pacing and the jobs are every outbox's (reminders/outbox.py); its claiming loop is not
used here: it sends a claimed row again once CLAIM_HOLD has passed (repeated, never lost),
where a broadcast is never sent twice (lost rather than repeated).
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application

from bot.catalog import broadcast as texts
from bot.catalog import render
from bot.context import BotContext, Services, services_of
from bot.errors import pause_for
from bot.replies import send_text
from domain.broadcast import Broadcast, Delivery, DeliveryCount, RecipientState, SummaryState
from reminders.outbox import Pacing, pacing, schedule
from reminders.sender import Release, send_with_retries, unreachable_reason

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

RUNTIME_KEY = "broadcast.runtime"
JOB_RETRY = "broadcast:retry"
JOB_START = "broadcast:start-up"


# --- texts ----------------------------------------------------------------------------------


def scope_label(ats_code: str | None) -> str:
    return ats_code or texts.SCOPE_ALL


def when_text(broadcast: Broadcast, tz: ZoneInfo) -> str:
    return f"{broadcast.created_at.astimezone(tz):%d/%m/%Y %H:%M}"


def summary_text(broadcast: Broadcast, count: DeliveryCount, tz: ZoneInfo) -> str:
    text = render(
        texts.DONE,
        when=when_text(broadcast, tz),
        audience=texts.AUDIENCE_LABEL[broadcast.audience],
        scope=scope_label(broadcast.ats_code),
        sent=count.sent,
        blocked=count.blocked,
        failed=count.failed,
    )
    if count.uncertain:
        text += render(texts.DONE_UNCERTAIN, n=count.uncertain)
    return text


# --- delivery -------------------------------------------------------------------------------


async def deliver(application: AnyApplication) -> list[DeliveryCount]:
    """Send what is pending of every unfinished broadcast, and the final count of those
    that end; returns those counts. Runs take turns."""
    services = services_of(application)
    runtime = pacing(application, RUNTIME_KEY)
    finished: list[DeliveryCount] = []
    async with runtime.lock:
        uncertain = await services.broadcasts.fail_stale_claims(services.now())
        if uncertain:
            log.warning("broadcast: %d sends interrupted by a stop, not sent again", uncertain)
        for broadcast in await services.broadcasts.unfinished():
            if not await _send_pending(application, runtime, broadcast):
                break  # the application is stopping: the rest waits for the next start
            count = await services.broadcasts.complete(broadcast.id, services.now())
            if count is not None:
                await _send_summary(application, runtime, broadcast, count)
                finished.append(count)
    return finished


async def _send_pending(application: AnyApplication, runtime: Pacing, broadcast: Broadcast) -> bool:
    """Send to every recipient due now; False if the application began to stop."""
    services = services_of(application)
    if broadcast.text is None:
        return True  # complete already: only its final count is left
    text = texts.message(broadcast.ats_code, broadcast.audience, broadcast.text)
    sent = 0
    while True:
        if not application.running:
            return False
        delivery = await services.broadcasts.claim_next(broadcast.id, services.now())
        if delivery is None:
            break
        sent += await _send_one(application, runtime, delivery, text)
    if sent:
        log.info("broadcast %s: %d messages sent", broadcast.id, sent)
    return True


async def _send_one(
    application: AnyApplication, runtime: Pacing, delivery: Delivery, text: str
) -> int:
    """One recipient's send, recorded; never raises for a send error. Returns 1 if sent."""
    services = services_of(application)

    async def once() -> int:
        async with runtime.limiter:
            message = await send_text(application.bot, delivery.user_id, text)
        return int(message.message_id)

    try:
        message_id = await send_with_retries(once, pause_for(application.bot))
    except Release as error:
        cause = type(error.__cause__ or error).__name__
        state = await services.broadcasts.retry_later(delivery, services.now(), cause)
        log.warning(
            "broadcast %s: a send did not reach Telegram (%s), %s",
            delivery.broadcast_id,
            cause,
            "given up" if state is RecipientState.FAILED else "will retry",
        )
        return 0
    except Exception as error:  # every failure is recorded, none stops the others
        await _failed(services, delivery, error)
        return 0
    await services.broadcasts.finish(
        delivery.id, RecipientState.SENT, services.now(), message_id=message_id
    )
    return 1


async def _failed(services: Services, delivery: Delivery, error: Exception) -> None:
    now = services.now()
    reason = unreachable_reason(error)
    if reason is not None:
        await services.broadcasts.finish(delivery.id, RecipientState.BLOCKED, now, error=reason)
        await services.reminders.mark_unreachable(delivery.referent_id, reason, now)
        log.info(
            "broadcast %s: referent %s is unreachable (%s)",
            delivery.broadcast_id,
            delivery.referent_id,
            reason,
        )
        return
    name = type(error).__name__
    await services.broadcasts.finish(delivery.id, RecipientState.FAILED, now, error=name)
    log.warning(
        "broadcast %s: send to referent %s failed (%s)",
        delivery.broadcast_id,
        delivery.referent_id,
        name,
    )


async def _send_summary(
    application: AnyApplication, runtime: Pacing, broadcast: Broadcast, count: DeliveryCount
) -> None:
    services = services_of(application)
    text = summary_text(broadcast, count, services.settings.tz)

    async def once() -> int:
        async with runtime.limiter:
            message = await send_text(application.bot, broadcast.created_by, text)
        return int(message.message_id)

    state = SummaryState.SENT
    try:
        await send_with_retries(once, pause_for(application.bot))
    except Release:
        state = SummaryState.PENDING  # nothing reached Telegram: the next run sends it
    except Exception as error:
        state = SummaryState.FAILED
        log.warning(
            "broadcast %s: the count to the admin failed (%s)", broadcast.id, type(error).__name__
        )
    await services.broadcasts.summary_done(broadcast.id, state, services.now())
    if state is SummaryState.SENT:
        log.info(
            "broadcast %s done: sent %d, blocked %d, failed %d (uncertain %d)",
            broadcast.id,
            count.sent,
            count.blocked,
            count.failed,
            count.uncertain,
        )


# --- the jobs ---------------------------------------------------------------------------------


def install(application: AnyApplication) -> None:
    """Deliver what is pending once at start-up (a restart mid-broadcast), then every
    minute (sends waiting for their back-off)."""
    schedule(application, _job, retry_name=JOB_RETRY, start_name=JOB_START)


async def _job(context: BotContext) -> None:
    if pacing(context.application, RUNTIME_KEY).lock.locked():
        return  # a delivery is running: it sends everything pending
    await deliver(context.application)


def deliver_soon(application: AnyApplication, broadcast_id: int) -> None:
    """After a confirmation: deliver now, without holding up the admin's reply."""
    application.create_task(deliver(application), name=f"broadcast:{broadcast_id}")
