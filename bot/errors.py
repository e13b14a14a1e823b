"""When things go wrong: transient Bot API failures are retried; an error in a handler gets
an apology, a logged traceback without personal data, and the user's flow back on its feet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from types import TracebackType
from typing import Any

from telegram import Bot, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot import flows
from bot.access import build_actor
from bot.catalog import common
from bot.context import BotContext
from bot.logs import describe_exception
from bot.replies import reply
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

RETRIES = 4  # transient failures retried per Bot API call, besides the 429 retries
FIRST_DELAY = 0.5  # seconds before the first retry; doubled each time
MAX_DELAY = 8.0
# A 429 asking for longer is not waited out inside the call (every other call waits with it).
MAX_RETRY_AFTER = 60.0

JsonResult = bool | dict[str, Any] | list[dict[str, Any]]
# Calls made while starting or polling: they have their own retry loops (bot.runner, PTB's
# Updater), which must see the failure at once.
NOT_RETRIED = frozenset({"getMe", "getUpdates", "setWebhook", "deleteWebhook", "close", "logOut"})


class ShuttingDown(NetworkError):
    """A Bot API call given up because the bot is stopping: nothing was sent by it."""

    def __init__(self) -> None:
        super().__init__("the bot is stopping")


class _LongFloodWait(TelegramError):
    """Carries a RetryAfter past AIORateLimiter, which would otherwise sleep through it."""

    def __init__(self, error: RetryAfter) -> None:
        super().__init__(error.message)
        self.error = error


_STOPPING = "sentinella: stopping"  # the cancel message that stop_waiting sends


def retry_after_seconds(error: RetryAfter) -> float:
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Interruptible:
    """`async with`: the current task is one that `stop_waiting` may end, and that cancel
    (ours, not another) comes out as ShuttingDown, an error the caller handles. A class, not
    a generator's context manager: it wraps every Bot API call, where a generator's would cost
    three times as much as this (a few microseconds a call, benchmarks/load.py)."""

    __slots__ = ("_task", "_tasks")

    def __init__(self, tasks: set[asyncio.Task[Any]]) -> None:
        self._tasks = tasks
        self._task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> None:
        self._task = asyncio.current_task()
        if self._task is not None:
            self._tasks.add(self._task)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        task = self._task
        if task is None:  # pragma: no cover - always inside a task
            return
        self._tasks.discard(task)
        if isinstance(error, asyncio.CancelledError) and _STOPPING in error.args:
            task.uncancel()
            raise ShuttingDown from None


class RetryingRateLimiter(AIORateLimiter):
    """python-telegram-bot's AIORateLimiter, which waits out a 429 (`retry_after`) and sends
    again, plus retries with exponential back-off when Telegram answers 5xx, the call times
    out or the connection drops: a reply, a notification or a reminder goes out once the API
    is back (within about `FIRST_DELAY * 2**RETRIES` seconds), instead of being lost.

    A 429 asking for more than `max_retry_after` seconds is not slept through inside the call
    (it would hold every other call back as long): the RetryAfter goes to the caller, whose
    own policy decides (reminders.sender gives a reminder back to a later run).

    A Bad Request, a blocked user (Forbidden) and the like are not retried: sending again
    would fail the same way. A time-out or a connection dropped after Telegram took the call
    may mean the message was delivered, and then the retry delivers it twice: the Bot API
    offers no way to tell, and a duplicate beats a reply that never arrives.

    Stopping (`stop_waiting`, on SIGTERM): every call that is waiting — out a 429, a back-off,
    or behind another call's 429 — gives up at once with `ShuttingDown`, and from then on a
    call is tried once and never waits, so the bot stops in seconds, not after minutes of
    retries (the replies of updates still in hand go out if Telegram takes them). A request
    already on the wire is left to finish (its HTTP time-out bounds it): it may have been
    delivered.
    """

    def __init__(
        self,
        *,
        retries: int = RETRIES,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        max_retry_after: float = MAX_RETRY_AFTER,
        overall_max_rate: float = 0,
        max_retries: int = 3,
    ) -> None:
        super().__init__(overall_max_rate=overall_max_rate, max_retries=max_retries)
        self.retries = retries
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.transient_retries = 0  # a figure: calls sent again after a transient failure
        self._stopping = False
        self._waiting: set[asyncio.Task[Any]] = set()  # tasks inside a call or a pause
        self._sending: set[asyncio.Task[Any]] = set()  # of those, the ones on the wire

    def stop_waiting(self) -> None:
        """The bot is stopping: end every wait now, and wait no more."""
        self._stopping = True
        for task in self._waiting - self._sending:
            task.cancel(_STOPPING)

    async def pause(self, seconds: float) -> None:
        """`asyncio.sleep` that `stop_waiting` ends with ShuttingDown: for callers that wait
        out a 429 themselves (reminders.sender), so that they too let the bot stop."""
        if self._stopping:
            raise ShuttingDown
        async with _Interruptible(self._waiting):
            await asyncio.sleep(seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JsonResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JsonResult:
        try:
            async with _Interruptible(self._waiting):
                return await self._with_retries(
                    self._on_the_wire(callback), args, kwargs, endpoint, data, rate_limit_args
                )
        except _LongFloodWait as wait:
            raise wait.error from None

    def _on_the_wire(
        self, callback: Callable[..., Coroutine[Any, Any, JsonResult]]
    ) -> Callable[..., Coroutine[Any, Any, JsonResult]]:
        async def send(*args: Any, **kwargs: Any) -> JsonResult:
            task = asyncio.current_task()
            if task is not None:
                self._sending.add(task)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if self._stopping:
                    raise ShuttingDown from error
                if retry_after_seconds(error) > self.max_retry_after:
                    raise _LongFloodWait(error) from error
                raise
            finally:
                if task is not None:
                    self._sending.discard(task)

        return send

    async def _with_retries(
        self,
        callback: Callable[..., Coroutine[Any, Any, JsonResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JsonResult:
        delay = self.first_delay
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except NetworkError as error:
                if (
                    isinstance(error, BadRequest | ShuttingDown)
                    or self._stopping
                    or endpoint in NOT_RETRIED
                    or attempt >= self.retries
                ):
                    raise
                attempt += 1
                self.transient_retries += 1
                log.warning(
                    "Bot API %s failed (%s); retry %d of %d in %.1f s",
                    endpoint,
                    describe_exception(error),
                    attempt,
                    self.retries,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)


def pause_for(bot: Bot) -> Callable[[float], Awaitable[None]]:
    """The sleep a sender of `bot` waits out a 429 with: one the bot's stop interrupts."""
    limiter = bot.rate_limiter if isinstance(bot, ExtBot) else None
    return limiter.pause if isinstance(limiter, RetryingRateLimiter) else asyncio.sleep


def stop_waiting(bot: Bot) -> None:
    """SIGTERM: every Bot API call of `bot` that is waiting gives up (see RetryingRateLimiter)."""
    limiter = bot.rate_limiter if isinstance(bot, ExtBot) else None
    if isinstance(limiter, RetryingRateLimiter):
        limiter.stop_waiting()


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    where = _describe_update(update)
    if isinstance(error, DatabaseUnavailable):
        log.warning("database unavailable while handling %s: %s", where, error)
        text = common.DATABASE_BUSY
    elif isinstance(error, Forbidden):
        log.info("the user of %s blocked the bot", where)
        return
    elif isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Telegram could not be reached, retries included: an outage, not a bug.
        log.warning("Telegram unreachable while handling %s: %s", where, describe_exception(error))
        text = common.UNEXPECTED_ERROR
    else:
        # The traceback goes to the log through bot.logs: frames and types, no user data.
        log.error("unhandled error while handling %s", where, exc_info=error)
        text = common.UNEXPECTED_ERROR
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    steps = await _resync(context, update)
    try:
        await reply(update, text)
        # The step the user is at, asked again: they can give the same answer once more.
        await flows.ask_again(context, update, steps)
    except Exception as failure:
        log.warning("could not tell the user about the error: %s", describe_exception(failure))


async def _resync(context: BotContext, update: Update) -> list[tuple[flows.Flow[Any], Any]]:
    """The user's flows back at their stored steps, even if Telegram cannot be reached now:
    the next message is then read as the answer to the step the user really is at."""
    user = update.effective_user
    if user is None:
        return []
    try:
        # The error handler gets a context of its own: who is asking, once more.
        context.actor = await build_actor(context, user.id)
        return await flows.resync(context, update)
    except Exception as failure:
        log.warning("could not put the flows back in step: %s", describe_exception(failure))
        return []


def _describe_update(update: object) -> str:
    """Which update, without anything a user wrote or who they are."""
    if not isinstance(update, Update):
        return "a background task" if update is None else type(update).__name__
    kinds = ("message", "edited_message", "callback_query", "my_chat_member")
    kind = next((name for name in kinds if getattr(update, name) is not None), "update")
    return f"update {update.update_id} ({kind})"
