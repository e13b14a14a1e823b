"""Telegram answers 429 or 5xx, times out, or drops the connection: the bot retries with
back-off, keeps polling, loses no answer the user gave, and delivers each reply and each
notification once the API is back.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.errors import RetryingRateLimiter, ShuttingDown
from conversations.cases.steps import Step
from tests.reliability.figures import FIGURES
from tests.reliability.steps import case_until_surname, stored_step
from tests.reliability.world import REFERENT_A, VICTIM, ErrorLog, World, idle, settle

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def fast_retries(world: World) -> RetryingRateLimiter:
    """The application's own limiter, with back-off in tens of milliseconds."""
    assert world.harness.application is not None
    limiter = world.harness.application.bot.rate_limiter
    assert isinstance(limiter, RetryingRateLimiter)
    limiter.first_delay, limiter.max_delay = 0.02, 0.1
    return limiter


def _sent(world: World, user_id: int, fragment: str) -> int:
    return sum(fragment in m.content for m in world.harness.emulator.messages(user_id))


async def test_a_reply_is_sent_once_after_server_errors_and_a_dropped_connection(
    world: World, errors: ErrorLog
) -> None:
    emulator = world.harness.emulator
    referent = world.harness.user(REFERENT_A, "Orsola")
    await case_until_surname(referent)
    limiter = fast_retries(world)
    emulator.stats.reset()
    emulator.fail_next("sendMessage", status=500, times=2)
    emulator.fail_next("sendMessage", status=502, times=1)
    emulator.drop_connection_next("sendMessage")  # before Telegram took it
    await referent.send("Rossi")
    await referent.expect("Nome del caso", timeout=20)
    assert _sent(world, REFERENT_A, "Nome del caso") == 1
    assert emulator.stats.calls["sendMessage"] == 5
    assert limiter.transient_retries == 4
    FIGURES.faults += 4
    await referent.send("Luca")  # the conversation goes on where it was
    await referent.expect("Codice fiscale del caso")
    assert errors.unhandled == []


async def test_a_429_is_waited_out_for_retry_after(world: World) -> None:
    emulator = world.harness.emulator
    stranger = world.harness.user(999, "S")
    emulator.fail_next("sendMessage", status=429, retry_after=1)
    started = time.monotonic()
    await stranger.send("ciao")
    await stranger.expect("Non sei registrato", timeout=10)
    assert time.monotonic() - started >= 1.0
    assert _sent(world, 999, "Non sei registrato") == 1
    FIGURES.faults += 1


async def test_an_answer_survives_an_outage_longer_than_the_retries(
    world: World, errors: ErrorLog
) -> None:
    """The answer is stored before the question is asked: when Telegram refuses everything
    for a while, the next message is read as the answer to the next step, not to the old one."""
    harness = world.harness
    emulator = harness.emulator
    referent = harness.user(REFERENT_A, "Orsola")
    await case_until_surname(referent)
    fast_retries(world)
    start = await idle(harness)
    emulator.fail_next("sendMessage", status=500, times=10)  # more than the retries, twice
    await referent.send("Rossi")
    await settle(harness, 1, start)
    assert emulator.stats.errors[500] == 10
    emulator.clear_faults()
    FIGURES.faults += 10
    state, draft = stored_step(harness.settings.database_path, REFERENT_A)
    assert state == Step.NAME  # stored before the question was (not) sent
    assert draft["draft"]["surname"] == "ROSSI"
    assert _sent(world, REFERENT_A, "Nome del caso") == 0  # the question never got through
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")
    _, draft = stored_step(harness.settings.database_path, REFERENT_A)
    assert (draft["draft"]["surname"], draft["draft"]["name"]) == ("ROSSI", "LUCA")
    assert errors.unhandled == []  # failures to reach Telegram are warnings, not bugs


async def test_a_notification_is_delivered_once_when_the_api_comes_back(world: World) -> None:
    harness = world.harness
    emulator = harness.emulator
    fast_retries(world)
    admin = harness.user(100, "Anna")
    await admin.send("/revoca")
    await admin.tap("VITTORIA VITTIMA")
    await admin.expect("Revocare a")
    seq = emulator.seq

    def fail_the_notice_once_the_admin_is_answered() -> bool:
        # Runs before the bot can send anything else (see BotApiEmulator.wait_for).
        if not any("Accesso revocato" in e.text for e in emulator.events(100, seq)):
            return False
        emulator.fail_next("sendMessage", status=500, times=3)
        return True

    await admin.tap("Sì")
    await emulator.wait_for(fail_the_notice_once_the_admin_is_answered, 10, chat_id=100)
    await emulator.wait_for(lambda: bool(emulator.messages(VICTIM)), 20, chat_id=VICTIM)
    await asyncio.sleep(0.3)  # time for a duplicate to show up, were there one
    notices = [m.content for m in emulator.messages(VICTIM)]
    assert len(notices) == 1 and "MIAA8AB01P" in notices[0]
    assert emulator.stats.errors[500] >= 3
    FIGURES.faults += 3


async def test_polling_goes_on_through_server_errors_and_drops(world: World) -> None:
    emulator = world.harness.emulator
    stranger = world.harness.user(999, "S")
    emulator.fail_next("getUpdates", status=500)
    emulator.drop_connection_next("getUpdates")
    emulator.drop_connection_next("getUpdates", after_processing=True)
    for n in range(3):
        await stranger.send(f"messaggio {n}")
        await stranger.expect("Non sei registrato", timeout=20)
    assert _sent(world, 999, "Non sei registrato") == 3
    FIGURES.faults += 3


# --- the retry policy, on its own ---------------------------------------------------------


class _Calls:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.count = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> bool:
        self.count += 1
        if self.failures:
            raise self.failures.pop(0)
        return True


async def _run(limiter: RetryingRateLimiter, calls: _Calls, endpoint: str = "sendMessage") -> Any:
    return await limiter.process_request(calls, (), {}, endpoint, {"chat_id": 1}, None)


@pytest.mark.parametrize(
    "failure", [NetworkError("Bad Gateway"), TimedOut("Timed out"), NetworkError("boom (500)")]
)
async def test_transient_failures_are_retried_with_backoff(failure: Exception) -> None:
    limiter = RetryingRateLimiter(first_delay=0.01, retries=3)
    calls = _Calls(failure, failure)
    assert await _run(limiter, calls) is True
    assert calls.count == 3 and limiter.transient_retries == 2


async def test_retries_give_up_after_the_last_one() -> None:
    limiter = RetryingRateLimiter(first_delay=0.01, retries=2)
    calls = _Calls(*[NetworkError("down")] * 5)
    with pytest.raises(NetworkError):
        await _run(limiter, calls)
    assert calls.count == 3


@pytest.mark.parametrize("failure", [BadRequest("Message is too long"), Forbidden("blocked")])
async def test_what_would_fail_again_is_not_retried(failure: Exception) -> None:
    calls = _Calls(failure)
    with pytest.raises(type(failure)):
        await _run(RetryingRateLimiter(first_delay=0.01), calls)
    assert calls.count == 1


async def test_start_up_and_polling_calls_keep_their_own_retry_loops() -> None:
    for endpoint in ("getMe", "getUpdates", "setWebhook"):
        calls = _Calls(NetworkError("down"))
        with pytest.raises(NetworkError):
            await _run(RetryingRateLimiter(first_delay=0.01), calls, endpoint)
        assert calls.count == 1


async def test_a_429_is_still_retried_after_retry_after() -> None:
    calls = _Calls(RetryAfter(0))
    assert await _run(RetryingRateLimiter(first_delay=0.01), calls) is True
    assert calls.count == 2


# --- stopping (SIGTERM) cuts every wait short -------------------------------------------


async def _inside(calls: _Calls, count: int) -> None:
    # The call has been answered `count` times: now it waits. (A counter of a fake, polled.)
    while calls.count < count:  # noqa: ASYNC110
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    "failure", [RetryAfter(30), NetworkError("Bad Gateway")], ids=["429", "502"]
)
async def test_stop_waiting_ends_a_wait_at_once(failure: Exception) -> None:
    limiter = RetryingRateLimiter(first_delay=30)
    calls = _Calls(*[failure] * 10)
    call = asyncio.create_task(_run(limiter, calls))
    await asyncio.wait_for(_inside(calls, 1), 5)
    limiter.stop_waiting()
    with pytest.raises(ShuttingDown):
        await asyncio.wait_for(call, 1)  # not 30 s
    assert calls.count == 1
    # From then on a call is tried once, never waits, and is not retried.
    again = _Calls(*[failure] * 10)
    with pytest.raises(ShuttingDown if isinstance(failure, RetryAfter) else NetworkError):
        await asyncio.wait_for(_run(limiter, again), 1)
    assert again.count == 1
    assert await _run(limiter, _Calls()) is True


async def test_stop_waiting_ends_the_calls_held_back_by_another_ones_429() -> None:
    limiter = RetryingRateLimiter()
    first = _Calls(*[RetryAfter(30)] * 10)
    second = _Calls()
    waiting = asyncio.create_task(_run(limiter, first))
    await asyncio.wait_for(_inside(first, 1), 5)
    held = asyncio.create_task(_run(limiter, second))
    await asyncio.sleep(0.05)
    assert second.count == 0  # held back while the first waits out Telegram's 429
    limiter.stop_waiting()
    with pytest.raises(ShuttingDown):
        await asyncio.wait_for(waiting, 1)
    # The held call gives up too, unsent: Telegram asked for 30 s of silence.
    with pytest.raises(ShuttingDown):
        await asyncio.wait_for(held, 1)
    assert second.count == 0


async def test_stop_waiting_cuts_a_senders_own_pause() -> None:
    limiter = RetryingRateLimiter()
    pause = asyncio.create_task(limiter.pause(30))
    await asyncio.sleep(0.01)
    limiter.stop_waiting()
    with pytest.raises(ShuttingDown):
        await asyncio.wait_for(pause, 1)
    with pytest.raises(ShuttingDown):
        await limiter.pause(30)  # no new wait once stopping


async def test_a_flood_wait_beyond_max_retry_after_goes_to_the_caller_unslept() -> None:
    calls = _Calls(RetryAfter(3600))
    with pytest.raises(RetryAfter):
        await asyncio.wait_for(_run(RetryingRateLimiter(max_retry_after=60), calls), 1)
    assert calls.count == 1
