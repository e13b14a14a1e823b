"""Start-up and shutdown of the real process: retries, a rejected token, SIGTERM, logs."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.app import build_application
from bot.context import Services
from bot.runner import PLACEHOLDER_TOKEN, StartupError, initialize_with_retry, startup_warnings
from bot.settings import Settings
from emulator.driver import ChatUser
from emulator.server import BotApiEmulator
from storage.db import Database
from tests.harness import TOKEN
from tests.unit.test_storage import plesso

ROOT = Path(__file__).resolve().parents[2]


async def _application(tmp_path: Path, base_url: str, token: str = TOKEN):
    settings = Settings(
        telegram_bot_token=token,
        telegram_api_base_url=base_url,
        database_path=tmp_path / "db.sqlite3",
    )
    db = Database(settings.database_path)
    await db.connect()
    return build_application(Services(settings=settings, db=db)), db


async def _close_requests(application) -> None:
    """A bot whose getMe never succeeded is not "initialized", so Application.shutdown
    leaves its HTTP sessions open (a real process just exits): close them here, or their
    garbage collection logs "Unclosed client session" during some later test. The bot's own
    shutdown closes them (it only needs its requests to have been initialized)."""
    await application.bot.shutdown()


async def test_transient_failures_at_start_up_are_retried(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        emulator.fail_next("getMe", status=502, times=2)
        emulator.fail_next("getMe", status=429, retry_after=1, times=1)
        application, db = await _application(tmp_path, emulator.base_url)
        await initialize_with_retry(application, first_delay=0.01, max_attempts=10)
        assert emulator.stats.calls["getMe"] == 4
        await application.shutdown()
        await db.close()


async def test_refused_connection_is_retried_then_given_up(tmp_path: Path) -> None:
    application, db = await _application(tmp_path, "http://127.0.0.1:9/bot")
    with pytest.raises(StartupError, match="could not be reached"):
        await initialize_with_retry(application, first_delay=0.01, max_attempts=3)
    await _close_requests(application)
    await db.close()


async def test_rejected_token_stops_with_a_clear_error(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        other = "999999:ANOTHER-TOKEN-abcdefghijklmnopqrstuv"
        application, db = await _application(tmp_path, emulator.base_url, token=other)
        with pytest.raises(StartupError, match="TELEGRAM_BOT_TOKEN was rejected"):
            await initialize_with_retry(application, first_delay=0.01, max_attempts=3)
        await _close_requests(application)
        await db.close()


def _env(tmp_path: Path, emulator: BotApiEmulator, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator.base_url,
        TELEGRAM_API_FILE_URL=emulator.base_file_url,
        DATABASE_PATH=str(tmp_path / "process.sqlite3"),
        ADMIN_IDS="100:ATS-MILANO",
        **extra,
    )
    return env


async def test_process_answers_logs_nothing_personal_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=_env(tmp_path, emulator, LOG_LEVEL="DEBUG"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stranger = ChatUser(emulator, 4242, first_name="Giovanna")
            await stranger.send("Sono GIOVANNA BIANCHI, RSSMRA80A01F205X, 3331234567, g@x.it")
            await stranger.expect("Non sei registrato", timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, err.decode()
        log = err.decode()
        assert "Sentinella is running" in log and "stopping" in log
        for secret in (TOKEN, "GIOVANNA", "Giovanna", "RSSMRA80A01F205X", "3331234567", "g@x.it"):
            assert secret not in log


async def test_missing_setting_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 2
    assert err.decode().strip().splitlines() == [
        "sentinella: Setting TELEGRAM_BOT_TOKEN is missing (set it in the environment or .env)"
    ]


async def _start_process(tmp_path: Path, emulator: BotApiEmulator) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_env(tmp_path, emulator),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_kill_9_mid_conversation_resumes_at_the_same_step(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await _start_process(tmp_path, emulator)
        try:
            admin = ChatUser(emulator, 100, first_name="Anna")
            await admin.send("/scuole")
            await admin.expect("Plessi caricati", timeout=30)
            demo = (ROOT / "emulator/demo/plessi_demo.csv").read_bytes()
            await admin.send_file("plessi.csv", demo)
            await admin.expect("Caricamento completato")
            await admin.send("/invita MIEE8AB01T")
            invitation = await admin.expect("start=")
            code = (invitation.text or "").split("start=")[1].split()[0]
            referent = ChatUser(emulator, 300, first_name="Bruno")
            await referent.send(f"/start {code}")
            await referent.expect("nome e cognome")
            await referent.send("Bruno Neri")
            await referent.expect("telefono")
        finally:
            process.kill()  # SIGKILL: no shutdown, no final persistence flush
            await process.wait()
        restarted = await _start_process(tmp_path, emulator)
        try:
            await referent.send("3331112222")
            await referent.expect("e-mail", timeout=30)
            await referent.send("bruno@example.it")
            summary = await referent.expect("Controlla i tuoi dati")
            assert "bruno neri" in (summary.text or "").lower()  # names in title case
        finally:
            restarted.send_signal(signal.SIGTERM)
            await restarted.wait()


async def test_an_unreachable_bot_api_is_explained(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 22: more than "(NetworkError)": where, why, what to check; never the token."""
    application, db = await _application(tmp_path, "http://127.0.0.1:9/bot")
    with caplog.at_level("WARNING", logger="bot.runner"), pytest.raises(StartupError):
        await initialize_with_retry(application, first_delay=0.01, max_attempts=2)
    await _close_requests(application)
    await db.close()
    (line, *_) = [r.getMessage() for r in caplog.records if "not reachable" in r.getMessage()]
    assert "Bot API at 127.0.0.1:9 not reachable" in line
    assert "NetworkError: " in line and "TELEGRAM_API_BASE_URL" in line
    assert TOKEN not in line


async def test_start_up_warns_of_the_placeholder_token_and_an_unused_ats(tmp_path: Path) -> None:
    settings = Settings(
        telegram_bot_token=PLACEHOLDER_TOKEN,
        database_path=tmp_path / "db.sqlite3",
        admin_ids="100:ATS-MILANO,101:ATS-MILNO,102",
    )
    db = Database(settings.database_path)
    await db.connect()
    try:
        services = Services(settings=settings, db=db)
        await services.plessi.upsert_many([plesso("MIEE00001A")], actor=0, now=services.now())
        warnings = await startup_warnings(services)
    finally:
        await db.close()
    assert warnings == [
        "TELEGRAM_BOT_TOKEN is still the placeholder of .env.example:"
        " put the token @BotFather gave you",
        "ADMIN_IDS names ATS-MILNO, which no plesso uses: a typo, or load the schools with /scuole",
    ]


async def test_the_process_logs_its_start_up_warnings(tmp_path: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=_env(tmp_path, emulator),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            someone = ChatUser(emulator, 4243, first_name="Ada")
            await someone.send("/mioid")
            await someone.expect("Il tuo id Telegram è 4243", timeout=30)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), timeout=30)
        # No plesso yet: the ATS of ADMIN_IDS is named, in one line.
        lines = [line for line in err.decode().splitlines() if "ADMIN_IDS names" in line]
        assert len(lines) == 1 and "ATS-MILANO" in lines[0]
