"""A start-up that fails after `initialize` (the webhook port taken, say) still shuts the
application down: its HTTP sessions closed, its jobs and persistence stopped."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot import runner
from bot.app import build_application
from bot.settings import Settings
from emulator.server import BotApiEmulator
from tests.harness import TOKEN


async def test_a_webhook_port_taken_still_shuts_the_application_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shut_down: list[object] = []
    real_shutdown = Application.shutdown

    async def shutdown(self: Application[Any, Any, Any, Any, Any, Any]) -> None:
        shut_down.append(self)
        await real_shutdown(self)

    monkeypatch.setattr(Application, "shutdown", shutdown)
    # run() settles the process's memory (gc.freeze): not this test process's.
    monkeypatch.setattr(runner, "_settle_memory", lambda: None)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        async with BotApiEmulator(token=TOKEN) as emulator:
            settings = Settings(
                telegram_bot_token=TOKEN,
                telegram_api_base_url=emulator.base_url,
                database_path=tmp_path / "db.sqlite3",
                webhook_url="https://sentinella.example.org/telegram",
                webhook_secret="s3cret-webhook-token-for-tests",
                webhook_listen="127.0.0.1",
                webhook_port=port,
            )
            with pytest.raises(OSError) as failure:
                await runner.run(settings, build_application, first_delay=0.01)
            assert emulator.stats.calls["getMe"] >= 1  # it failed after initialize
    assert len(shut_down) == 1, f"start-up failed ({failure.value!r}) and nothing shut down"
