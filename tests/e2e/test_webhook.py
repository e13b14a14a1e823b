"""Webhook mode: Telegram's calls carry the secret; anything else is refused and ignored."""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import Path

import aiohttp

from bot.app import build_application
from bot.context import Services
from bot.runner import initialize_with_retry, start_receiving, stop_receiving
from bot.settings import Settings
from emulator.driver import ChatUser
from emulator.server import BotApiEmulator
from storage.db import Database
from tests.harness import TOKEN

SECRET = "s3cret-webhook-token-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def update_json(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(datetime(2026, 11, 17, 9, 0).timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": "W"},
            "from": {"id": user_id, "is_bot": False, "first_name": "W"},
            "text": text,
        },
    }


async def test_webhook_requires_the_secret(tmp_path: Path) -> None:
    port = free_port()
    async with BotApiEmulator(token=TOKEN) as emulator:
        settings = Settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url=emulator.base_url,
            database_path=tmp_path / "db.sqlite3",
            webhook_url="https://sentinella.example.org/telegram",
            webhook_secret=SECRET,
            webhook_listen="127.0.0.1",
            webhook_port=port,
        )
        db = Database(settings.database_path)
        await db.connect()
        application = build_application(Services(settings=settings, db=db))
        await initialize_with_retry(application, first_delay=0.01, max_attempts=5)
        await start_receiving(application, settings)
        try:
            assert emulator.webhook_url == "https://sentinella.example.org/telegram"
            user = ChatUser(emulator, 555, first_name="W")
            url = f"http://127.0.0.1:{port}/telegram"
            async with aiohttp.ClientSession() as http:
                forged = await http.post(url, json=update_json(1, 555, "ciao"))
                assert forged.status == 403
                wrong = await http.post(
                    url,
                    json=update_json(2, 555, "ciao"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                )
                assert wrong.status == 403
                await user.expect_no_reply(within=0.5)
                genuine = await http.post(
                    url,
                    json=update_json(3, 555, "ciao"),
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
                assert genuine.status == 200
            await user.expect("Non sei registrato")
        finally:
            await stop_receiving(application)
            await db.close()
