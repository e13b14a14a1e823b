"""getUpdates: offsets confirm, long polls wait and wake, a second poller wins, replays."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Conflict

from emulator.server import BotApiEmulator
from tests.emulator.conftest import USER


async def poll(emulator: BotApiEmulator, **params: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with aiohttp.ClientSession() as session:
        url = f"{emulator.base_url}{emulator.token}/getUpdates"
        async with session.post(url, json=params) as response:
            return response.status, await response.json()


async def test_offset_confirms_and_confirmed_updates_never_come_back(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    for text in ("uno", "due", "tre"):
        emulator.send_text(USER, text)
    first = await bot.get_updates()
    assert [u.message.text for u in first] == ["uno", "due", "tre"]  # type: ignore[union-attr]
    again = await bot.get_updates()
    assert [u.update_id for u in again] == [u.update_id for u in first]  # not confirmed yet
    rest = await bot.get_updates(offset=first[1].update_id)
    assert [u.message.text for u in rest] == ["due", "tre"]  # type: ignore[union-attr]
    assert await bot.get_updates(offset=first[-1].update_id + 1) == ()
    assert await bot.get_updates() == ()


async def test_limit_caps_the_batch(emulator: BotApiEmulator, bot: Bot) -> None:
    for number in range(5):
        emulator.send_text(USER, str(number))
    assert len(await bot.get_updates(limit=2)) == 2


async def test_long_poll_times_out_with_an_empty_list(emulator: BotApiEmulator, bot: Bot) -> None:
    started = time.monotonic()
    status, body = await poll(emulator, timeout=0.3)
    assert (status, body) == (200, {"ok": True, "result": []})
    assert time.monotonic() - started >= 0.3


async def test_long_poll_wakes_as_soon_as_an_update_arrives(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)  # let the request reach the emulator and start waiting
    started = time.monotonic()
    emulator.send_text(USER, "sveglia")
    [update] = await asyncio.wait_for(waiting, 2)
    assert update.message is not None and update.message.text == "sveglia"
    assert time.monotonic() - started < 1


async def test_a_second_poller_terminates_the_first_with_409(emulator: BotApiEmulator) -> None:
    # Raw requests: PTB keeps a single connection for getUpdates, so it never overlaps itself.
    emulator.open_chat(USER, "Mario")
    first = asyncio.create_task(poll(emulator, timeout=10))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(poll(emulator, timeout=10))
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409 and body["description"].startswith(
        "Conflict: terminated by other getUpdates request"
    )
    emulator.send_text(USER, "non perso")
    status, body = await asyncio.wait_for(second, 2)
    assert status == 200 and body["result"][0]["message"]["text"] == "non perso"


async def test_redelivered_update_comes_again_with_the_same_id(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.send_text(USER, "una volta")
    [update] = await bot.get_updates()
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    emulator.redeliver(update.update_id)
    emulator.send_text(USER, "dopo")
    replay, fresh = await bot.get_updates(offset=update.update_id + 1)
    assert replay.update_id == update.update_id and replay.message == update.message
    assert fresh.message is not None and fresh.message.text == "dopo"
    assert await bot.get_updates(offset=fresh.update_id + 1) == ()


async def test_allowed_updates_filter_what_is_queued(emulator: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Scegli")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()
    emulator.send_text(USER, "ignorato")
    emulator.forge_callback(USER, sent.message_id, "x")
    [update] = await bot.get_updates(allowed_updates=[])
    assert update.callback_query is not None
    emulator.send_text(USER, "di nuovo ammesso")
    [last] = await bot.get_updates(offset=update.update_id + 1)
    assert last.message is not None


async def test_webhook_blocks_polling_and_drop_pending_clears(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.send_text(USER, "in coda")
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).pending_update_count == 1
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()


async def test_edited_messages_arrive_as_edited_message(emulator: BotApiEmulator, bot: Bot) -> None:
    sent = emulator.send_text(USER, "Rosi")
    emulator.edit_text(USER, sent["message_id"], "Rossi")
    _, edit = await bot.get_updates()
    assert edit.edited_message is not None and edit.edited_message.text == "Rossi"
    assert edit.edited_message.message_id == sent["message_id"]


async def test_stop_releases_a_waiting_long_poll() -> None:
    emulator = BotApiEmulator()
    await emulator.start()
    waiting = asyncio.create_task(poll(emulator, timeout=30))
    await asyncio.sleep(0.05)
    await asyncio.wait_for(emulator.stop(), 3)
    status, body = await asyncio.wait_for(waiting, 3)
    assert (status, body["result"]) == (200, [])


async def test_queue_waits_time_each_update_once_from_queued_to_first_taken(
    emulator: BotApiEmulator, bot: Bot
) -> None:
    emulator.stats.reset()
    emulator.send_text(USER, "uno")
    await asyncio.sleep(0.05)
    emulator.send_text(USER, "due")
    first = await bot.get_updates()
    assert len(first) == 2
    waits = list(emulator.stats.queue_waits)
    assert len(waits) == 2
    assert waits[0] >= 0.05 > waits[1] >= 0  # "uno" waited the sleep, "due" did not
    # Taken again (not confirmed) or redelivered: the wait was measured already.
    await bot.get_updates()
    emulator.redeliver(first[0].update_id)
    await bot.get_updates(offset=first[-1].update_id + 1)
    assert emulator.stats.queue_waits == waits
