"""The real bot over its aiohttp transport, when Telegram throttles, fails or drops a call.

The first getUpdates is usually already waiting on the emulator when a test starts, so a fault
set on getUpdates hits the poll after it: the first message is answered by the waiting poll,
the next polls fail, and the second message shows that polling went on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.request import AiohttpRequest
from emulator.driver import ChatUser
from tests.harness import Harness

# PTB itself warns, inside RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

NOT_REGISTERED = "Non sei registrato"


async def _until(condition: Callable[[], bool], timeout: float = 10.0) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110 - the emulator's counters signal nothing
            await asyncio.sleep(0.02)


def _answers(harness: Harness, user: ChatUser) -> int:
    return sum(NOT_REGISTERED in m.content for m in harness.emulator.messages(user.user_id))


async def test_the_bot_talks_to_telegram_through_aiohttp(harness: Harness) -> None:
    assert harness.application is not None
    assert isinstance(harness.application.bot.request, AiohttpRequest)


async def test_a_429_on_the_answer_is_waited_out_and_sent_once(
    harness: Harness, stranger: ChatUser
) -> None:
    emulator = harness.emulator
    emulator.stats.reset()
    emulator.fail_next("sendMessage", status=429, retry_after=1)
    await stranger.send("ciao")
    await stranger.expect(NOT_REGISTERED, timeout=10)
    assert emulator.stats.throttled == 1
    assert emulator.stats.calls["sendMessage"] == 2  # the rate limiter's one retry
    assert _answers(harness, stranger) == 1


async def test_polling_goes_on_after_server_errors_on_get_updates(
    harness: Harness, stranger: ChatUser
) -> None:
    emulator = harness.emulator
    emulator.fail_next("getUpdates", status=500, times=2)
    await stranger.send("ciao")
    await stranger.expect(NOT_REGISTERED, timeout=15)
    await _until(lambda: emulator.stats.errors[500] == 2)
    await stranger.send("ci sei?")
    await stranger.expect(NOT_REGISTERED, timeout=15)
    assert _answers(harness, stranger) == 2


async def test_polling_goes_on_after_a_dropped_get_updates_connection(
    harness: Harness, stranger: ChatUser
) -> None:
    emulator = harness.emulator
    emulator.drop_connection_next("getUpdates")
    await stranger.send("ciao")
    await stranger.expect(NOT_REGISTERED, timeout=15)
    await _until(lambda: emulator.stats.dropped == 1)
    await stranger.send("ci sei?")
    await stranger.expect(NOT_REGISTERED, timeout=15)
    assert _answers(harness, stranger) == 2


async def test_updates_lost_with_a_dropped_answer_come_again_and_are_answered_once(
    harness: Harness, stranger: ChatUser
) -> None:
    """The poll took the update, then its answer was lost: the next poll, with the same offset,
    gets it again, and the person gets one answer, not none and not two."""
    emulator = harness.emulator
    emulator.drop_connection_next("getUpdates", after_processing=True)
    await stranger.send("ciao")
    await stranger.expect(NOT_REGISTERED, timeout=15)
    await stranger.send("ci sei?")
    await stranger.expect(NOT_REGISTERED, timeout=15)
    await _until(lambda: emulator.stats.dropped == 1)
    await asyncio.sleep(0.5)  # time for a duplicate answer to show up, were there one
    assert _answers(harness, stranger) == 2
