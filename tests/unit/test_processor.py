"""One chat's updates strictly in order, different chats at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.processor import PerChatUpdateProcessor


def update(update_id: int, chat_id: int) -> Update:
    user = User(id=chat_id, first_name="x", is_bot=False)
    message = Message(
        message_id=update_id,
        date=datetime(2026, 11, 17, tzinfo=UTC),
        chat=Chat(id=chat_id, type="private"),
        from_user=user,
        text="t",
    )
    return Update(update_id=update_id, message=message)


async def test_same_chat_in_order_other_chats_concurrently() -> None:
    processor = PerChatUpdateProcessor()
    log: list[tuple[str, int, int]] = []
    running = {"now": 0, "max": 0}

    async def work(chat_id: int, n: int, delay: float) -> None:
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
        log.append(("start", chat_id, n))
        await asyncio.sleep(delay)
        log.append(("end", chat_id, n))
        running["now"] -= 1

    tasks = []
    for n in range(5):
        # The first update of chat 1 is the slowest: the later ones must still wait for it.
        delay = 0.05 if n == 0 else 0.001
        tasks.append(asyncio.create_task(processor.process_update(update(n, 1), work(1, n, delay))))
        tasks.append(
            asyncio.create_task(processor.process_update(update(100 + n, 2), work(2, n, 0.001)))
        )
    await asyncio.gather(*tasks)

    for chat_id in (1, 2):
        events = [(kind, n) for kind, c, n in log if c == chat_id]
        assert events == [(kind, n) for n in range(5) for kind in ("start", "end")]
    assert running["max"] == 2  # the two chats overlapped
    # Chat 2 finished everything while chat 1's first update was still running.
    first_end_chat_1 = log.index(("end", 1, 0))
    assert log.index(("end", 2, 4)) < first_end_chat_1


async def test_duplicate_update_is_processed_once() -> None:
    processor = PerChatUpdateProcessor()
    calls: list[int] = []

    async def work(n: int) -> None:
        calls.append(n)

    await processor.process_update(update(7, 1), work(1))
    await processor.process_update(update(7, 1), work(2))
    await processor.process_update(update(8, 1), work(3))
    assert calls == [1, 3]
    assert processor.duplicates_skipped == 1


async def test_locks_are_released_when_idle() -> None:
    processor = PerChatUpdateProcessor()

    async def work() -> None:
        await asyncio.sleep(0)

    await asyncio.gather(*(processor.process_update(update(i, i), work()) for i in range(50)))
    assert processor._locks == {} and processor._waiting == {}


async def test_at_most_max_running_updates_are_handled_at_once() -> None:
    processor = PerChatUpdateProcessor(max_running=2)
    release = asyncio.Event()
    started: list[int] = []

    async def work(chat_id: int) -> None:
        started.append(chat_id)
        await release.wait()

    tasks = [
        asyncio.create_task(processor.process_update(update(chat_id, chat_id), work(chat_id)))
        for chat_id in range(1, 5)
    ]
    for _ in range(5):
        await asyncio.sleep(0)
    assert started == [1, 2]  # the other two wait for a place, in arrival order
    release.set()
    await asyncio.gather(*tasks)
    assert started == [1, 2, 3, 4] and processor.processed == 4


async def test_an_update_waiting_for_its_chat_holds_no_place() -> None:
    # One referent's slow update and four typed after it must not keep another chat waiting:
    # only the slow one holds one of the two places.
    processor = PerChatUpdateProcessor(max_running=2)
    release = asyncio.Event()
    done: list[tuple[int, int]] = []

    async def work(chat_id: int, n: int, slow: bool) -> None:
        if slow:
            await release.wait()
        done.append((chat_id, n))

    tasks = [
        asyncio.create_task(processor.process_update(update(n, 1), work(1, n, slow=n == 0)))
        for n in range(5)
    ]
    other = asyncio.create_task(processor.process_update(update(100, 2), work(2, 0, slow=False)))
    await asyncio.wait_for(other, 1)
    assert done == [(2, 0)]  # chat 1's first is still running, its next ones wait for it
    release.set()
    await asyncio.gather(*tasks)
    assert done == [(2, 0), *((1, n) for n in range(5))]
