"""The real bot, over real HTTP, against the Bot API emulator on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.context import BotApplication, Services
from bot.runner import initialize_with_retry, start_receiving, stop_receiving
from bot.settings import Settings
from emulator.demo import seed_demo_schools
from emulator.driver import ChatUser
from emulator.server import BotApiEmulator
from storage.db import Database

ROME = ZoneInfo("Europe/Rome")
TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

ADMIN_MILANO = 100
ADMIN_REGIONAL = 101
ADMIN_VALPADANA = 102
SYSTEM_SEEDER = 0


class MutableClock:
    """The time the bot sees; tests move it."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Harness:
    tmp_path: Path
    clock: MutableClock
    emulator: BotApiEmulator = field(init=False)
    settings: Settings = field(init=False)
    db: Database | None = None
    services: Services | None = None
    application: BotApplication | None = None
    extra_settings: dict[str, Any] = field(default_factory=dict)

    async def start(self) -> None:
        self.emulator = BotApiEmulator(token=TOKEN, clock=self.clock)
        await self.emulator.start()
        self.settings = Settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url=self.emulator.base_url,
            telegram_api_file_url=self.emulator.base_file_url,
            database_path=self.tmp_path / "sentinella.sqlite3",
            admin_ids=f"{ADMIN_MILANO}:ATS-MILANO,{ADMIN_REGIONAL},{ADMIN_VALPADANA}:ATS-VALPADANA",
            **self.extra_settings,
        )
        await self.start_bot()

    async def start_bot(self) -> None:
        self.db = Database(self.settings.database_path)
        await self.db.connect()
        self.services = Services(settings=self.settings, db=self.db, clock=self.clock)
        self.application = build_application(self.services)
        await initialize_with_retry(self.application, first_delay=0.05, max_attempts=20)
        await start_receiving(self.application, self.settings, poll_timeout=5)

    async def stop_bot(self) -> None:
        if self.application is not None:
            await stop_receiving(self.application)
            self.application = None
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def restart_bot(self) -> None:
        await self.stop_bot()
        await self.start_bot()

    async def stop(self) -> None:
        await self.stop_bot()
        await self.emulator.stop()

    def user(self, user_id: int, first_name: str = "Utente") -> ChatUser:
        return ChatUser(self.emulator, user_id, first_name=first_name)

    async def seed_schools(self) -> None:
        assert self.services is not None
        await seed_demo_schools(self.services, actor=SYSTEM_SEEDER)

    @property
    def svc(self) -> Services:
        assert self.services is not None
        return self.services
