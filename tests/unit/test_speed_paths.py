"""Issue 16's shortcuts, each checked on its own: the update ids finished in one turn of the
event loop go to the database in one transaction, and the calls whose answer nobody reads
skip python-telegram-bot's parsing but keep their parameters."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.processor import PerChatUpdateProcessor
from bot.request import call_unparsed
from storage.db import Database
from storage.updates import ProcessedUpdates
from tests.reliability.test_bookkeeping import _update

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)


class _CountingStore(ProcessedUpdates):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.batches: list[list[int]] = []

    async def record(self, update_ids: Iterable[int], now: datetime) -> None:
        ids = list(update_ids)
        self.batches.append(ids)
        await super().record(ids, now)


async def test_updates_finished_together_are_recorded_in_one_transaction(tmp_path: Path) -> None:
    db = Database(tmp_path / "updates.sqlite3")
    await db.connect()
    try:
        store = _CountingStore(db)
        processor = PerChatUpdateProcessor(store=store, clock=lambda: NOW)

        async def work() -> None:
            await asyncio.sleep(0)

        commits = db.commits
        # Ten chats answered in the same turns of the loop.
        await asyncio.gather(
            *(processor.process_update(_update(n, chat_id=n), work()) for n in range(1, 11))
        )
        assert store.batches == [list(range(1, 11))]
        assert db.commits - commits == 1
        # Every id is on disk once its update's handling is over, as before.
        rows = await db.fetchall("SELECT update_id FROM processed_updates ORDER BY update_id")
        assert [row[0] for row in rows] == list(range(1, 11))
        await processor.process_update(_update(11, chat_id=1), work())
        assert store.batches[-1] == [11]
    finally:
        await db.close()


class _Bot:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, Any]) -> object:
        self.calls.append((endpoint, api_kwargs))
        return {"message_id": 5, "chat": {"id": 1, "type": "private"}, "date": 0}


async def test_a_call_nobody_reads_returns_the_raw_answer() -> None:
    bot = _Bot()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sì", callback_data="x:y")]])
    result = await call_unparsed(
        cast(Bot, bot),
        "sendMessage",
        chat_id=1,
        text="<b>t</b>",
        reply_markup=keyboard,
        parse_mode="HTML",
        message_thread_id=None,
    )
    assert isinstance(result, dict)  # not a Message: nothing parsed
    assert bot.calls == [
        (
            "sendMessage",
            {"chat_id": 1, "text": "<b>t</b>", "reply_markup": keyboard, "parse_mode": "HTML"},
        )
    ]
