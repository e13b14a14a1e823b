"""A fresh process's start-up, timed from outside by benchmarks/year_of_data.py.

    .venv/bin/python -m benchmarks._startup_probe DATABASE

Imports what `python -m bot` imports (bot.runner, which builds the application), then does
what bot/runner.py's `run` does before it reaches the network: open the database, apply the
migrations, `PRAGMA quick_check`, build the application. Nothing of the benchmark's own.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from benchmarks._year_data import ABSENCE_START, NOW, admin_ids_setting
from bot.app import build_application
from bot.context import Services
from bot.runner import open_database
from bot.settings import Settings

TOKEN = "123456:BENCHMARK-TOKEN-abcdefghijklmnopqrstuvwxyz"


def settings_for(path: Path) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        database_path=path,
        admin_ids=admin_ids_setting(),
        absence_start_date=ABSENCE_START,
        _env_file=None,
    )


async def start(settings: Settings) -> None:
    db = await open_database(settings)
    try:
        build_application(Services(settings=settings, db=db, clock=lambda: NOW))
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(start(settings_for(Path(sys.argv[1]))))
