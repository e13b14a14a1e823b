"""Pushing reminder batches: claim, send at a safe pace, record how each one ended.

- Pace: REMINDER_RATE_PER_SECOND (default 20), evenly spaced (an AsyncLimiter of one message
  per 1/rate seconds, so no burst), well under Telegram's ~30 messages a second. The
  interactive replies have no overall cap (bot/app.py), so the pushes pace themselves here.
- Under this sits the application's rate limiter (bot/app.py, bot/errors.py): it waits out a
  429 (`retry_after`) and sends again, holding back every other call meanwhile, as Telegram
  asks, and retries a 5xx, a time-out or a dropped connection with back-off. The sender
  calls `bot.send_message` through it and handles only what it gives up on, so no failure
  is waited out twice.
- A 429 that outlasts those retries is waited out here too, as Telegram asks (`retry_after`
  each time), for at most RETRY_BUDGET seconds of waiting per message: a flood wait longer
  than that (or than the limiter's MAX_RETRY_AFTER, which the limiter does not sleep
  through), or 429s that go on beyond it, release the claim, and the run stops there: the
  rest of its batches are left unclaimed. A later run (the hourly job) sends them all while
  their windows are open. So a run never sits on Telegram's flood control for long, and no
  reminder is dropped for it.
- When the bot stops (SIGTERM) these waits end at once (`bot.errors.pause_for`): the
  message is released, and the next start-up sends it while its window is open.
- Forbidden (the referent blocked the bot, or the account is gone) and "chat not found":
  the referent is marked unreachable, shown to the admins, and not tried again until they
  write to the bot.
- A time-out that outlasts the retries is recorded as failed and not sent again by a later
  run: Telegram may have delivered it. Another network error (nothing reached Telegram)
  releases the claim for a later run. Any other error is recorded as failed. One failure
  never stops the batch: every referent is tried.

Never twice: the rows are claimed (inserted under the log's UNIQUE key) before the message
goes and marked after, so a second run, a second job or a restart finds them logged. If the
process dies in between, the row stays claimed; the next start-up releases it and sends it
again only if its window is still open. That one send may repeat a message Telegram had
accepted just before the crash: the price of not losing a reminder, for a window of
milliseconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.keyboards import column
from bot.replies import send_text
from domain.reminders import ReminderKey, ReminderState
from reminders.due import ReminderBatch
from reminders.messages import ReminderMessage, render_batch
from storage.reminders import ReminderLogRepository

log = logging.getLogger(__name__)

RETRY_BUDGET = 300.0  # seconds this layer waits out 429s per message, beyond the limiter's

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class Release(Exception):
    """The message surely did not go: give the claim back for a later run."""


class FloodRelease(Release):
    """Released because Telegram's flood control lasts: the rest of the run waits too."""


@dataclass
class RunSummary:
    """What one run did, in counts (logged; shown in the console and to the admin)."""

    due: int = 0  # reminders (referent, plesso, kind, day) due
    claimed: int = 0  # of those, not logged by another run first
    messages: int = 0  # messages delivered (one per referent)
    sent: int = 0  # reminders delivered
    unreachable: int = 0  # referents who could not be reached
    failed: int = 0  # batches that failed for good
    released: int = 0  # batches given back for a later run
    unreachable_ids: list[int] = field(default_factory=list)
    flooded: bool = False  # a batch was given back to lasting flood control (429)

    def add(self, other: RunSummary) -> None:
        for name in ("due", "claimed", "messages", "sent", "unreachable", "failed", "released"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.unreachable_ids.extend(other.unreachable_ids)
        self.flooded = self.flooded or other.flooded


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def unreachable_reason(error: Exception) -> str | None:
    """ "blocked" or "chat_not_found" when the user cannot be reached at all, else None."""
    if isinstance(error, Forbidden):
        return "blocked"
    if isinstance(error, BadRequest) and "chat not found" in error.message.lower():
        return "chat_not_found"
    return None


async def send_with_retries(send_once: Callable[[], Awaitable[int]], sleep: Sleep) -> int:
    """One message through the policy above (also used by the ATS hand-over, the notices and
    the broadcasts): a 429 that outlasts the rate limiter's retries is waited out within
    RETRY_BUDGET, then `FloodRelease`; a time-out or a BadRequest is raised (maybe delivered /
    an answer); another network error, the bot stopping included, is `Release` (nothing
    reached Telegram). `sleep` should be `bot.errors.pause_for(bot)`. Returns the message id."""
    waited = 0.0
    while True:
        try:
            return await send_once()
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            if waited + wait > RETRY_BUDGET:
                raise FloodRelease from error
            try:
                await sleep(wait)
            except NetworkError as stopping:  # ShuttingDown: the bot stops
                raise Release from stopping
            waited += wait
        except TimedOut:
            raise  # maybe delivered: recorded as failed, not retried
        except BadRequest:
            raise  # a NetworkError to PTB, but an answer: recorded, not retried
        except NetworkError as error:
            raise Release from error  # nothing reached Telegram


class ReminderSender:
    def __init__(
        self,
        bot: Bot,
        log_repository: ReminderLogRepository,
        *,
        clock: Clock,
        timezone: ZoneInfo,
        rate_per_second: int,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._bot = bot
        self._log = log_repository
        self._clock = clock
        self._timezone = timezone
        # One message every 1/rate seconds, no burst: no second ever holds more than rate + 1.
        self._limiter = AsyncLimiter(1, 1.0 / rate_per_second)
        self._sleep = sleep

    async def send_all(self, batches: Sequence[ReminderBatch]) -> RunSummary:
        summary = RunSummary(due=sum(len(batch.items) for batch in batches))
        for done, batch in enumerate(batches, start=1):
            outcome = await self.send(batch)
            summary.add(outcome)
            if outcome.flooded:
                # Telegram's flood control goes on: every next batch would wait as long.
                # They stay unclaimed, due for the next run.
                summary.released += len(batches) - done
                log.warning(
                    "flood control lasts: %d batches left to the next run", len(batches) - done
                )
                break
        return summary

    async def send(self, batch: ReminderBatch) -> RunSummary:
        """Claim, send and record one referent's batch; never raises for a send error."""
        claimed = await self._log.claim([item.key for item in batch.items], self._clock())
        if not claimed:
            return RunSummary()
        items = tuple(item for item in batch.items if item.key in claimed)
        batch = ReminderBatch(batch.referent_id, batch.user_id, items)
        today = self._clock().astimezone(self._timezone).date()
        message = render_batch(batch, today, self._timezone)
        outcome = await self._deliver(batch, message, claimed)
        outcome.claimed = len(items)
        return outcome

    async def _deliver(
        self, batch: ReminderBatch, message: ReminderMessage, claimed: dict[ReminderKey, int]
    ) -> RunSummary:
        ids = list(claimed.values())
        try:
            message_id = await self._send_with_retries(batch.user_id, message)
        except Release as release:
            await self._log.release(ids)
            return RunSummary(released=1, flooded=isinstance(release, FloodRelease))
        except Exception as error:
            return await self._failed(batch, ids, error)
        await self._log.finish(ids, ReminderState.SENT, self._clock(), message_id)
        return RunSummary(messages=1, sent=len(ids))

    async def _failed(self, batch: ReminderBatch, ids: list[int], error: Exception) -> RunSummary:
        now = self._clock()
        reason = unreachable_reason(error)
        if reason is not None:
            await self._log.finish(ids, ReminderState.UNREACHABLE, now)
            await self._log.mark_unreachable(batch.referent_id, reason, now)
            log.info("referent %s is unreachable (%s)", batch.referent_id, reason)
            return RunSummary(unreachable=1, unreachable_ids=[batch.referent_id])
        await self._log.finish(ids, ReminderState.FAILED, now)
        log.warning("reminder to referent %s failed: %s", batch.referent_id, type(error).__name__)
        return RunSummary(failed=1)

    async def _send_with_retries(self, chat_id: int, message: ReminderMessage) -> int:
        return await send_with_retries(lambda: self._send_once(chat_id, message), self._sleep)

    async def _send_once(self, chat_id: int, message: ReminderMessage) -> int:
        keyboard: InlineKeyboardMarkup | None = column(message.buttons) if message.buttons else None
        async with self._limiter:
            sent = await send_text(self._bot, chat_id, message.text, keyboard)
        return sent.message_id
