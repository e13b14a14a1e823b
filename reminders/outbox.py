"""Delivering a persistent outbox (domain.outbox, storage.outbox): the loop and the jobs the
ATS hand-over (reminders/handover.py) and the referents' notices
(reminders/notices.py) share. What a row becomes on the wire is theirs: a document, a text.

Each due row is claimed (attempt counted, pushed CLAIM_HOLD ahead) before its send, which
goes through the reminders' sending policy (`reminders.sender.send_with_retries`: 429,
network errors, time-outs), and marked after:

- sent → SENT; blocked / chat not found → UNREACHABLE (logged, not tried again);
- anything else → tried again with back-off (1, 2, 4 … minutes, at most an hour) by the job
  every minute, up to MAX_ATTEMPTS, then FAILED (logged).

One failure never stops the run. Runs of one outbox take turns (a lock), so two never send
a row at once; a crash between a send and its mark leaves the row claimed, and once
CLAIM_HOLD has passed a later run sends it again: one message may be repeated, none is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from aiolimiter import AsyncLimiter
from telegram.ext import Application

from bot.context import BotContext, services_of
from domain.outbox import OutboxStatus
from reminders.scheduling import job_queue
from reminders.sender import Release, unreachable_reason

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
Clock = Callable[[], datetime]

RETRY_EVERY = timedelta(minutes=1)
CLAIM_HOLD = timedelta(minutes=5)  # a claimed row is left alone this long (a send in flight)


class Entry(Protocol):
    """An outbox row as its repository reads it."""

    @property
    def id(self) -> int: ...

    @property
    def attempts(self) -> int: ...


EntryT = TypeVar("EntryT", bound=Entry)
EntryT_contra = TypeVar("EntryT_contra", bound=Entry, contravariant=True)


class OutboxStore(Protocol[EntryT_contra]):
    """What a repository of an outbox offers (ClosingRepository, NoticesRepository)."""

    async def claim(self, item: EntryT_contra, now: datetime, hold: timedelta) -> bool: ...

    async def sent(self, item_id: int, now: datetime) -> None: ...

    async def unreachable(self, item_id: int, now: datetime, error: str) -> None: ...

    async def retry_later(self, item_id: int, now: datetime, error: str) -> OutboxStatus: ...


class Pacing:
    """One outbox's runs one at a time, its sends evenly spaced at `rate_per_second`."""

    def __init__(self, rate_per_second: int) -> None:
        self.lock = asyncio.Lock()
        self.limiter = AsyncLimiter(1, 1.0 / rate_per_second)


def pacing(application: AnyApplication, key: str) -> Pacing:
    """The application's pacing of the outbox `key` (made at first use)."""
    found = application.bot_data.get(key)
    if not isinstance(found, Pacing):
        rate = services_of(application).settings.reminder_rate_per_second
        found = application.bot_data[key] = Pacing(rate)
    return found


async def deliver_each(
    items: Sequence[EntryT],
    store: OutboxStore[EntryT],
    clock: Clock,
    send: Callable[[EntryT], Awaitable[None]],
    label: Callable[[EntryT], str],
    on_unreachable: Callable[[EntryT, str], Awaitable[None]] | None = None,
) -> int:
    """Claim, send and mark each item (see the module's docstring); returns how many went.

    `label` names an item in the log (ids only); `on_unreachable` runs after an item was
    marked UNREACHABLE, with the reason."""
    sent = 0
    for item in items:
        if not await store.claim(item, clock(), CLAIM_HOLD):
            continue  # another run took it
        try:
            await send(item)
        except Exception as error:  # every failure is recorded, none raised
            reason = await _failed(store, item, clock(), error, label(item))
            if reason is not None and on_unreachable is not None:
                await on_unreachable(item, reason)
            continue
        await store.sent(item.id, clock())
        sent += 1
    return sent


async def _failed(
    store: OutboxStore[EntryT], item: EntryT, now: datetime, error: Exception, label: str
) -> str | None:
    """Record a failed send; the reason when the recipient cannot be reached at all."""
    reason = unreachable_reason(error)
    if reason is not None:
        await store.unreachable(item.id, now, reason)
        log.warning("%s: unreachable (%s)", label, reason)
        return reason
    cause = error.__cause__ if isinstance(error, Release) and error.__cause__ else error
    name = type(cause).__name__  # the class only: a message may quote what was sent
    status = await store.retry_later(item.id, now, name)
    log.warning(
        "%s: failed (%s), %s",
        label,
        name,
        "given up" if status is OutboxStatus.FAILED else "will retry",
    )
    return None


def schedule(
    application: AnyApplication,
    job: Callable[[BotContext], Coroutine[Any, Any, None]],
    *,
    retry_name: str,
    start_name: str,
) -> None:
    """Run `job` every RETRY_EVERY, and once at start-up (what a crash or a stop left)."""
    queue = job_queue(application)
    queue.run_repeating(
        job,
        interval=RETRY_EVERY,
        first=RETRY_EVERY,
        name=retry_name,
        job_kwargs={"coalesce": True, "misfire_grace_time": 60},
    )
    queue.run_once(job, when=0, name=start_name, job_kwargs={"misfire_grace_time": None})
