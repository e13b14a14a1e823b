"""`kill -9` of the real process in the middle of a citizen's diary, then a restart: the
citizen goes on from the step they were on, the symptoms already ticked still ticked."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from bot.context import Services
from bot.settings import Settings
from emulator.demo import seed_demo_citizen, seed_demo_schools
from emulator.driver import ChatUser
from emulator.server import BotApiEmulator
from storage.db import Database
from tests.harness import TOKEN
from tests.reliability.test_kill_9 import START_TIMEOUT, Bot

CITIZEN = 3001


async def _seed(database: Path) -> None:
    settings = Settings(telegram_bot_token=TOKEN, database_path=database)
    db = Database(database)
    await db.connect()
    try:
        services = Services(settings=settings, db=db)
        await seed_demo_schools(services, actor=0)
        assert await seed_demo_citizen(services, 100, CITIZEN)
    finally:
        await db.close()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    database = tmp_path / "process.sqlite3"
    await _seed(database)
    async with BotApiEmulator(token=TOKEN) as emulator:
        running = Bot(emulator, database)
        await running.start()
        try:
            yield running
        finally:
            await running.stop()


async def test_kill_9_in_the_middle_of_the_diary(bot: Bot) -> None:
    citizen = ChatUser(bot.emulator, CITIZEN, first_name="Mario")
    await citizen.send("📝 Diario")
    await citizen.expect("Come stai oggi?", timeout=START_TIMEOUT)
    await citizen.tap("Ho sintomi")
    await citizen.tap("Tosse")
    await citizen.expect_answer()
    await citizen.tap("Mal di gola")
    await citizen.expect_answer()
    await citizen.tap("Avanti")
    await citizen.expect("Da quando hai i sintomi?")
    await bot.kill_9()
    await bot.start()
    await citizen.send("ieri")
    await citizen.expect("temperatura", timeout=START_TIMEOUT)
    await citizen.tap("Salta")
    await citizen.tap("Avanti")
    review = await citizen.expect("Controlla il diario")
    assert "Tosse" in (review.text or "") and "Mal di gola" in (review.text or "")
    await citizen.tap("Salva")
    await citizen.expect("salvato")
    with closing(sqlite3.connect(bot.database)) as conn:
        rows = conn.execute("SELECT symptoms FROM diary_entries").fetchall()
    assert rows == [("tosse,gola",)]
