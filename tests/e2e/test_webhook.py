"""Webhook mode: Telegram's calls carry the secret; anything else is refused and ignored.
Webhook mode does not start without a secret, listens on 127.0.0.1 unless told otherwise, and
an update whose private chat is not its sender's is dropped (issue 15, item 1)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import build_application
from bot.context import Services
from bot.runner import StartupError, initialize_with_retry, start_receiving, stop_receiving
from bot.settings import Settings
from emulator.demo import seed_demo_schools
from emulator.driver import ChatUser
from emulator.server import BotApiEmulator
from storage.db import Database
from tests.harness import ADMIN_MILANO, TOKEN

SECRET = "s3cret-webhook-token-for-tests"
HOOK = "https://sentinella.example.org/telegram"
ATTACKER = 555


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def update_json(
    update_id: int, user_id: int, text: str, chat_id: int | None = None
) -> dict[str, object]:
    message: dict[str, object] = {
        "message_id": update_id,
        "date": int(datetime(2026, 11, 17, 9, 0).timestamp()),
        "chat": {"id": chat_id or user_id, "type": "private", "first_name": "W"},
        "from": {"id": user_id, "is_bot": False, "first_name": "W"},
        "text": text,
    }
    if text.startswith("/"):  # as Telegram marks a command
        command = text.split()[0]
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"update_id": update_id, "message": message}


def webhook_settings(tmp_path: Path, emulator: BotApiEmulator, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base_url": emulator.base_url,
        "database_path": tmp_path / "db.sqlite3",
        "webhook_url": HOOK,
        "webhook_secret": SECRET,
        "webhook_port": free_port(),
        "admin_ids": f"{ADMIN_MILANO}:ATS-MILANO",
    }
    return Settings(**{**values, **extra})


@asynccontextmanager
async def webhook_bot(settings: Settings) -> AsyncIterator[Services]:
    db = Database(settings.database_path)
    await db.connect()
    services = Services(settings=settings, db=db)
    application = build_application(services)
    await initialize_with_retry(application, first_delay=0.01, max_attempts=5)
    try:
        await start_receiving(application, settings)
        yield services
    finally:
        await stop_receiving(application)
        await db.close()


async def test_webhook_requires_the_secret(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        settings = webhook_settings(tmp_path, emulator)
        async with webhook_bot(settings):
            assert emulator.webhook_url == HOOK
            user = ChatUser(emulator, 555, first_name="W")
            url = f"http://127.0.0.1:{settings.webhook_port}/telegram"
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


async def test_an_admins_id_in_another_chat_gets_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Even with the secret (leaked, or a compromised proxy), an update with an admin's
    from.id in the attacker's own private chat is dropped: no invitation link, no list."""
    async with BotApiEmulator(token=TOKEN) as emulator:
        settings = webhook_settings(tmp_path, emulator)
        async with webhook_bot(settings) as services:
            await seed_demo_schools(services, actor=0)
            attacker = ChatUser(emulator, ATTACKER, first_name="W")
            admin = ChatUser(emulator, ADMIN_MILANO, first_name="Anna")
            url = f"http://127.0.0.1:{settings.webhook_port}/telegram"
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            caplog.set_level(logging.INFO)
            async with aiohttp.ClientSession() as http:
                for update_id, text in enumerate(("/invita MIEE8AB01T", "/referenti"), 1):
                    forged = update_json(update_id, ADMIN_MILANO, text, chat_id=ATTACKER)
                    answer = await http.post(url, json=forged, headers=headers)
                    assert answer.status == 200  # Telegram is not told: it would retry
                await attacker.expect_no_reply(within=1.0)
                await admin.expect_no_reply(within=0.1)
                rows = await services.db.fetchall("SELECT id FROM invitations")
                assert rows == []
                dropped = [r for r in caplog.records if "not its sender's" in r.getMessage()]
                assert len(dropped) == 2
                assert all(str(ADMIN_MILANO) not in r.getMessage() for r in dropped)
                assert all(str(ATTACKER) not in r.getMessage() for r in dropped)
                # The admin's own chat still works: the drop is not a blanket refusal.
                genuine = update_json(9, ADMIN_MILANO, "/referenti")
                assert (await http.post(url, json=genuine, headers=headers)).status == 200
            await admin.expect("Nessun referente registrato")


async def test_the_webhook_listens_on_loopback_by_default(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        settings = webhook_settings(tmp_path, emulator)
        assert settings.webhook_listen == "127.0.0.1"
        async with webhook_bot(settings):
            port = settings.webhook_port
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()
            # 127.0.0.2 is the loopback interface too: a server on 0.0.0.0 would answer it.
            with pytest.raises(OSError):
                await asyncio.open_connection("127.0.0.2", port)


def test_webhook_mode_without_a_secret_is_refused(tmp_path: Path) -> None:
    for secret in (None, "", "   ", "short", "has spaces in it, 123456789"):
        extra: dict[str, Any] = {"webhook_url": HOOK, "telegram_bot_token": TOKEN}
        if secret is not None:
            extra["webhook_secret"] = secret
        with pytest.raises(ValueError, match=r"(?i)webhook_secret"):
            Settings(database_path=tmp_path / "db.sqlite3", **extra)


async def test_a_secretless_webhook_never_starts_receiving(tmp_path: Path) -> None:
    """The runner checks too (settings made without validation)."""
    async with BotApiEmulator(token=TOKEN) as emulator:
        valid = webhook_settings(tmp_path, emulator)
        settings = valid.model_copy(update={"webhook_secret": None})
        db = Database(settings.database_path)
        await db.connect()
        application = build_application(Services(settings=settings, db=db))
        await initialize_with_retry(application, first_delay=0.01, max_attempts=5)
        try:
            with pytest.raises(StartupError, match="WEBHOOK_SECRET"):
                await start_receiving(application, settings)
            assert emulator.webhook_url in (None, "")
        finally:
            await stop_receiving(application)
            await db.close()


async def test_the_process_refuses_a_webhook_without_secret_in_one_line(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_", "WEBHOOK_"))
    }
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL="http://127.0.0.1:9/bot",  # never reached
        DATABASE_PATH=str(tmp_path / "process.sqlite3"),
        WEBHOOK_URL=HOOK,
        WEBHOOK_PORT=str(free_port()),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    lines = err.decode().strip().splitlines()
    assert process.returncode == 2, lines
    assert len(lines) == 1 and lines[0].startswith("sentinella: Setting WEBHOOK_SECRET"), lines
    assert not (tmp_path / "process.sqlite3").exists()
