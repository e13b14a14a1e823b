"""Fault injection and counters: 429s, errors, dropped connections, latency, the rate limit."""

from __future__ import annotations

import time

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter

from emulator.server import BotApiEmulator
from tests.emulator.conftest import USER, retry_seconds

# PTB itself warns, inside RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def test_injected_429_raises_retry_after_with_its_delay(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "subito")
    assert retry_seconds(caught.value) == 7
    assert (await bot.send_message(USER, "dopo")).text == "dopo"
    assert emulator.stats.throttled == 1 and emulator.stats.errors[429] == 1


async def test_any_method_status_and_description_can_fail_several_times(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.fail_next("*", status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.get_me()
    emulator.fail_next("sendmessage", status=400, description="Bad Request: boom")
    await bot.send_chat_action(USER, "typing")  # other methods are untouched
    with pytest.raises(BadRequest, match="Boom"):
        await bot.send_message(USER, "x")
    assert (await bot.get_me()).username == "SentinellaTestBot"


async def test_rate_limit_answers_429_beyond_n_sends_per_second(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.rate_limit_per_second = 3
    outcomes = []
    for number in range(5):
        try:
            await bot.send_message(USER, f"messaggio {number}")
            outcomes.append("ok")
        except RetryAfter as error:
            outcomes.append(f"retry {retry_seconds(error):.0f}")
    assert outcomes == ["ok", "ok", "ok", "retry 1", "retry 1"]
    assert await bot.send_chat_action(USER, "typing")  # not a send: not limited
    stats = emulator.stats
    assert (stats.calls["sendMessage"], stats.throttled, len(stats.sent_at)) == (5, 2, 3)
    assert stats.messages_per_second() > 3


async def test_dropped_connection_before_or_after_processing(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.drop_connection_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "perso")
    assert emulator.messages(USER) == []
    emulator.drop_connection_next("sendMessage", after_processing=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "arrivato, risposta persa")
    assert [m.text for m in emulator.messages(USER)] == ["arrivato, risposta persa"]
    assert emulator.stats.dropped == 2


async def test_latency_is_added_to_every_call(emulator: BotApiEmulator, bot: Bot) -> None:
    emulator.latency = 0.05
    started = time.monotonic()
    await bot.get_me()
    await bot.send_message(USER, "lento")
    assert time.monotonic() - started >= 0.1
