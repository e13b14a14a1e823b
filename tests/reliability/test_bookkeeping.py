"""The stored ids of handled updates: kept as long as Telegram may resend, used after a
restart, and never in the way of the user when the database is busy."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Chat, Message, Update, User

from bot.processor import PerChatUpdateProcessor
from storage.db import Database, DatabaseUnavailable
from storage.updates import KEEP_FOR, ProcessedUpdates
from tests.reliability.world import ErrorLog

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)


def _update(update_id: int, chat_id: int = 7) -> Update:
    user = User(id=chat_id, first_name="x", is_bot=False)
    message = Message(
        message_id=update_id,
        date=NOW,
        chat=Chat(id=chat_id, type="private"),
        from_user=user,
        text="t",
    )
    return Update(update_id=update_id, message=message)


async def _database(tmp_path: Path) -> Database:
    db = Database(tmp_path / "updates.sqlite3")
    await db.connect()
    return db


async def test_ids_are_kept_for_as_long_as_telegram_may_resend(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    try:
        store = ProcessedUpdates(db)
        await store.record([1, 2], NOW - KEEP_FOR - timedelta(minutes=1))
        await store.record([3, 4], NOW)
        await store.record([4], NOW)  # recorded twice: once
        assert await store.recent(NOW, limit=10) == [3, 4]
        await store.prune(NOW)
        rows = await db.fetchall("SELECT update_id FROM processed_updates")
        assert [row[0] for row in rows] == [3, 4]
    finally:
        await db.close()


async def test_a_new_process_skips_what_the_last_one_handled(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    handled: list[int] = []

    async def work(n: int) -> None:
        handled.append(n)

    try:
        first = PerChatUpdateProcessor(store=ProcessedUpdates(db), clock=lambda: NOW)
        await first.initialize()
        await first.process_update(_update(10), work(10))
        second = PerChatUpdateProcessor(store=ProcessedUpdates(db), clock=lambda: NOW)
        await second.initialize()
        await second.process_update(_update(10), work(10))
        await second.process_update(_update(11), work(11))
        assert handled == [10, 11]
        assert (second.processed, second.duplicates_skipped) == (1, 1)
    finally:
        await db.close()


class _BusyStore(ProcessedUpdates):
    attempts = 0

    async def record(self, update_ids: object, now: datetime) -> None:
        self.attempts += 1
        raise DatabaseUnavailable("database is locked")


async def test_a_busy_database_does_not_undo_an_answer_already_given(tmp_path: Path) -> None:
    db = await _database(tmp_path)
    done = asyncio.Event()

    async def work() -> None:
        done.set()

    try:
        store = _BusyStore(db)
        processor = PerChatUpdateProcessor(store=store, clock=lambda: NOW)
        with ErrorLog.capture() as log:
            await processor.process_update(_update(5), work())
            await processor.process_update(_update(6), work())
        assert done.is_set() and processor.processed == 2
        assert [r.getMessage() for r in log.records] == [
            "database unavailable while recording an update: database is locked"
        ]
        # The second id was not even tried: the users' own writes come first.
        assert store.attempts == 1
    finally:
        await db.close()
