"""Pushing batches (reminders.sender): claim, pace, 429, blocked referents, failures."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.errors import ShuttingDown
from domain.reminders import ReminderKind, ReminderState
from reminders.due import DueReminder, ReminderBatch
from reminders.sender import RETRY_BUDGET, ReminderSender
from tests.unit.test_reminders_storage import NOW, TUESDAY, A, B, Seeded, seed

ROME = ZoneInfo("Europe/Rome")
# RetryAfter(n).retry_after as an int warns about PTB's coming timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@dataclass
class Sent:
    message_id: int


@dataclass
class FakeBot:
    """Answers send_message like Telegram would, or with the errors queued per chat."""

    errors: dict[int, list[Exception]] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)
    at: list[float] = field(default_factory=list)

    async def send_message(self, **kwargs: Any) -> Sent:
        self.calls.append(kwargs)
        self.at.append(time.monotonic())
        queued = self.errors.get(kwargs["chat_id"], [])
        if queued:
            raise queued.pop(0)
        return Sent(message_id=len(self.calls))

    async def do_api_request(self, method: str, api_kwargs: dict[str, Any]) -> dict[str, Any]:
        """How bot.replies sends: the raw call, Telegram's echo unparsed."""
        assert method == "sendMessage"
        sent = await self.send_message(**api_kwargs)
        return {"message_id": sent.message_id, "chat": {"id": api_kwargs["chat_id"]}}


@dataclass
class Harness:
    seeded: Seeded
    bot: FakeBot
    sender: ReminderSender
    sleeps: list[float]

    def batch(self, user: int, *codes: str) -> ReminderBatch:
        items = tuple(
            DueReminder(
                referent_id=self.seeded.ids[user],
                user_id=user,
                plesso_code=code,
                plesso_name=f"SCUOLA {code}",
                kind=ReminderKind.ABSENCES,
                day=TUESDAY,
            )
            for code in codes
        )
        return ReminderBatch(self.seeded.ids[user], user, items)

    async def states(self) -> list[tuple[int, str, ReminderState]]:
        entries = await self.seeded.log.for_days([TUESDAY], None)
        back = {v: k for k, v in self.seeded.ids.items()}
        return sorted((back[e.key.referent_id], e.key.plesso_code, e.state) for e in entries)


def sender_for(seeded: Seeded, bot: FakeBot, sleeps: list[float], rate: int = 30) -> ReminderSender:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def clock() -> datetime:
        return NOW

    return ReminderSender(
        bot,  # type: ignore[arg-type]
        seeded.log,
        clock=clock,
        timezone=ROME,
        rate_per_second=rate,
        sleep=sleep,
    )


@pytest.fixture
async def h(tmp_path: Path) -> AsyncIterator[Harness]:
    seeded = await seed(tmp_path, {1: [A, B], 2: [B], 3: [A]})
    bot, sleeps = FakeBot(), list[float]()
    yield Harness(seeded, bot, sender_for(seeded, bot, sleeps), sleeps)
    await seeded.db.close()


async def test_one_message_per_batch_logged_as_sent_and_never_twice(h: Harness) -> None:
    summary = await h.sender.send_all([h.batch(1, A, B), h.batch(2, B)])
    assert (summary.due, summary.claimed, summary.messages, summary.sent) == (3, 3, 2, 3)
    assert [call["chat_id"] for call in h.bot.calls] == [1, 2]
    text = h.bot.calls[0]["text"]
    assert f"SCUOLA {A}" in text and f"SCUOLA {B}" in text
    assert len(h.bot.calls[0]["reply_markup"].inline_keyboard) == 2
    assert await h.states() == [
        (1, A, ReminderState.SENT),
        (1, B, ReminderState.SENT),
        (2, B, ReminderState.SENT),
    ]
    again = await h.sender.send_all([h.batch(1, A, B), h.batch(2, B)])
    assert (again.claimed, again.messages) == (0, 0) and len(h.bot.calls) == 2


async def test_a_batch_half_logged_sends_only_the_rest(h: Harness) -> None:
    await h.sender.send(h.batch(1, A))
    summary = await h.sender.send(h.batch(1, A, B))
    assert (summary.claimed, summary.sent) == (1, 1)
    second = h.bot.calls[1]["text"]
    assert f"SCUOLA {B}" in second and f"SCUOLA {A}" not in second


async def test_a_429_is_waited_out_then_retried(h: Harness) -> None:
    h.bot.errors[1] = [RetryAfter(3)]
    summary = await h.sender.send(h.batch(1, A))
    assert (summary.messages, h.sleeps, len(h.bot.calls)) == (1, [3.0], 2)
    assert await h.states() == [(1, A, ReminderState.SENT)]


async def test_429s_are_waited_out_within_the_run_as_telegram_asks(h: Harness) -> None:
    # Flood control for four minutes, in 20 s steps: waited out, it goes in this run.
    h.bot.errors[1] = [RetryAfter(20)] * 12
    summary = await h.sender.send(h.batch(1, A))
    assert (summary.messages, summary.released) == (1, 0)
    assert h.sleeps == [20.0] * 12 and len(h.bot.calls) == 13
    assert await h.states() == [(1, A, ReminderState.SENT)]


async def test_a_429_that_outlasts_the_budget_gives_the_run_back_for_a_later_one(
    h: Harness,
) -> None:
    h.bot.errors[1] = [RetryAfter(25)] * 1000  # Telegram's flood control does not end
    summary = await h.sender.send_all([h.batch(1, A, B), h.batch(2, B), h.batch(3, A)])
    assert sum(h.sleeps) == RETRY_BUDGET  # 12 waits of 25 s, then no 13th
    # The claim is given back, and the run stops: the others would wait as long. Nothing
    # of it is logged, so the next run (the hourly job) finds all three due.
    assert (summary.messages, summary.released) == (0, 3)
    assert {call["chat_id"] for call in h.bot.calls} == {1}
    assert await h.states() == []
    h.bot.errors[1] = []
    again = await h.sender.send_all([h.batch(1, A, B), h.batch(2, B), h.batch(3, A)])
    assert (again.messages, again.sent) == (3, 4)


async def test_a_flood_wait_beyond_the_budget_is_not_slept_through(h: Harness) -> None:
    h.bot.errors[1] = [RetryAfter(3600)]
    summary = await h.sender.send(h.batch(1, A))
    assert (summary.released, h.sleeps, len(h.bot.calls)) == (1, [], 1)
    assert await h.states() == []


async def test_stopping_the_bot_mid_wait_gives_the_claim_back(tmp_path: Path) -> None:
    seeded = await seed(tmp_path, {1: [A]})
    bot = FakeBot(errors={1: [RetryAfter(30)]})

    async def stopped(seconds: float) -> None:
        raise ShuttingDown  # what RetryingRateLimiter.pause raises on SIGTERM

    sender = ReminderSender(
        bot,  # type: ignore[arg-type]
        seeded.log,
        clock=lambda: NOW,
        timezone=ROME,
        rate_per_second=30,
        sleep=stopped,
    )
    summary = await sender.send(Harness(seeded, bot, sender, []).batch(1, A))
    assert (summary.released, len(bot.calls)) == (1, 1)
    assert await seeded.log.for_days([TUESDAY], None) == []  # the next start-up sends it
    await seeded.db.close()


async def test_a_blocked_referent_is_unreachable_and_the_others_still_get_theirs(
    h: Harness,
) -> None:
    h.bot.errors[2] = [Forbidden("Forbidden: bot was blocked by the user")]
    h.bot.errors[3] = [BadRequest("Chat not found")]
    summary = await h.sender.send_all([h.batch(1, A), h.batch(2, B), h.batch(3, A)])
    assert (summary.messages, summary.unreachable) == (1, 2)
    assert sorted(summary.unreachable_ids) == sorted([h.seeded.ids[2], h.seeded.ids[3]])
    assert await h.seeded.log.unreachable_ids() == {h.seeded.ids[2], h.seeded.ids[3]}
    assert await h.states() == [
        (1, A, ReminderState.SENT),
        (2, B, ReminderState.UNREACHABLE),
        (3, A, ReminderState.UNREACHABLE),
    ]
    reasons = {u.referent_id: u.reason for u in await h.seeded.log.unreachable(None)}
    assert reasons == {h.seeded.ids[2]: "blocked", h.seeded.ids[3]: "chat_not_found"}


@pytest.mark.parametrize(
    ("error", "state", "released"),
    [
        (TimedOut(), ReminderState.FAILED, 0),  # may have arrived: not sent again
        (NetworkError("connection refused"), None, 1),  # surely not arrived: a later run
        (BadRequest("can't parse entities"), ReminderState.FAILED, 0),
        (RuntimeError("a bug"), ReminderState.FAILED, 0),
    ],
)
async def test_other_failures_never_stop_the_batch(
    h: Harness, error: Exception, state: ReminderState | None, released: int
) -> None:
    h.bot.errors[1] = [error]
    summary = await h.sender.send_all([h.batch(1, A), h.batch(2, B)])
    assert (summary.messages, summary.released) == (1, released)
    expected = [(2, B, ReminderState.SENT)]
    if state is not None:
        expected.insert(0, (1, A, state))
    assert await h.states() == expected


async def test_sends_are_evenly_paced(tmp_path: Path) -> None:
    users = {user: [A] for user in range(10, 26)}
    seeded = await seed(tmp_path, users)
    try:
        bot, rate = FakeBot(), 30
        sender = sender_for(seeded, bot, [], rate=rate)
        harness = Harness(seeded, bot, sender, [])
        await sender.send_all([harness.batch(user, A) for user in users])
        assert len(bot.at) == 16
        elapsed = bot.at[-1] - bot.at[0]
        assert elapsed >= (len(bot.at) - 1) / rate * 0.9
        gaps = [later - earlier for earlier, later in zip(bot.at, bot.at[1:], strict=False)]
        assert min(gaps) >= 1 / rate * 0.5  # no burst
    finally:
        await seeded.db.close()
