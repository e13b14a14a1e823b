"""The database's integrity check at start-up (bot/runner.py, storage/clean_stop.py): after a
clean stop it runs once the bot polls, and damage it finds still stops the bot; after a
`kill -9` it runs before the bot polls, as it always did. Asserted on the order of events
(what the emulator had been asked when the check began and ended), never on durations."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot import runner
from bot.app import build_application
from bot.settings import Settings
from emulator.server import BotApiEmulator
from storage import clean_stop
from storage.db import Database
from tests.harness import TOKEN
from tests.reliability.figures import FIGURES
from tests.reliability.test_integrity_and_backup import _overwrite_index, with_audit_rows

START_TIMEOUT = 30.0  # a cold start of the process on a slow machine
DAMAGED_INDEX = "audit_by_entity"


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.01)


@dataclass
class CheckSpy:
    """`Database.integrity_check`, recording what the emulator had been asked when it began
    and when it ended; held at `gate` until the test opens it."""

    emulator: BotApiEmulator | None = None
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    began: dict[str, int] | None = None
    ended: dict[str, int] | None = None

    def calls(self) -> dict[str, int]:
        assert self.emulator is not None
        return dict(self.emulator.stats.calls)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Iterator[CheckSpy]:
    watched = CheckSpy()
    real_check = Database.integrity_check

    async def integrity_check(db: Database) -> str:
        watched.began = watched.calls()
        await watched.gate.wait()
        verdict = await real_check(db)
        watched.ended = watched.calls()
        return verdict

    monkeypatch.setattr(Database, "integrity_check", integrity_check)
    yield watched


@pytest.fixture
def stop_now(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """`runner.run` in this process: the test stops it (instead of a SIGTERM), and the
    process's memory is not frozen (gc.freeze) for the tests that follow."""
    stop = asyncio.Event()

    async def wait_for_signal(own: asyncio.Event) -> None:
        waits = {asyncio.ensure_future(own.wait()), asyncio.ensure_future(stop.wait())}
        _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in pending:
            waiting.cancel()

    monkeypatch.setattr(runner, "_wait_for_signal", wait_for_signal)
    monkeypatch.setattr(runner, "_settle_memory", lambda: None)
    return stop


def _settings(database: Path, emulator: BotApiEmulator) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_base_url=emulator.base_url,
        telegram_api_file_url=emulator.base_file_url,
        database_path=database,
        _env_file=None,
    )


async def _run_in_process(
    database: Path, stop_now: asyncio.Event, spy: CheckSpy, meanwhile: Callable[[], Awaitable[None]]
) -> None:
    """One start of `runner.run` against a fresh emulator, `meanwhile` once it polls, then
    stopped."""
    stop_now.clear()
    async with BotApiEmulator(token=TOKEN) as emulator:
        spy.emulator, spy.began, spy.ended = emulator, None, None
        running = asyncio.create_task(
            runner.run(_settings(database, emulator), build_application, first_delay=0.01)
        )
        try:
            await _until(
                lambda: emulator.stats.calls["getUpdates"] > 0 or running.done(), "getUpdates"
            )
            await meanwhile()
        finally:
            spy.gate.set()  # a check still held (the test failed) would hold the stop
            stop_now.set()
            await asyncio.wait_for(running, START_TIMEOUT)  # its exception fails the test


async def _polls_while_the_check_is_held(spy: CheckSpy) -> None:
    """Called once the bot polled, with the check held at its gate: it had begun and not
    ended, so polling did not wait for it. Then the check is let go, and ends."""
    await _until(lambda: spy.began is not None, "the check begins")
    assert spy.ended is None
    assert spy.calls()["getUpdates"] >= 1
    spy.gate.set()
    await _until(lambda: spy.ended is not None, "the check ends")


def _env(database: Path, emulator: BotApiEmulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator.base_url,
        TELEGRAM_API_FILE_URL=emulator.base_file_url,
        DATABASE_PATH=str(database),
        ADMIN_IDS="100:ATS-MILANO",
    )
    return env


async def _process(database: Path, emulator: BotApiEmulator) -> asyncio.subprocess.Process:
    """The real `python -m bot`, polling."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=database.parent,
        env=_env(database, emulator),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    await _until(
        lambda: emulator.stats.calls["getUpdates"] > 0 or process.returncode is not None,
        "the process polls",
    )
    return process


async def _clean_stop_of_the_real_process(database: Path) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await _process(database, emulator)
        process.terminate()  # SIGTERM, as a service manager stops it
        _, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
    assert process.returncode == 0, err.decode()
    assert clean_stop.marker_path_of(database).exists()


async def test_after_a_clean_stop_the_bot_polls_before_the_check_ends(
    tmp_path: Path, spy: CheckSpy, stop_now: asyncio.Event
) -> None:
    database = tmp_path / "db.sqlite3"
    spy.gate.set()

    async def nothing() -> None:
        pass

    await _run_in_process(database, stop_now, spy, nothing)  # a new file: checked first
    assert spy.began is not None and spy.began.get("getUpdates", 0) == 0
    assert clean_stop.marker_path_of(database).exists()  # the stop was clean

    spy.gate.clear()  # the next check is held until the bot has polled
    await _run_in_process(database, stop_now, spy, lambda: _polls_while_the_check_is_held(spy))
    assert clean_stop.marker_path_of(database).exists()


async def test_after_kill_9_the_check_runs_before_the_first_get_updates(
    tmp_path: Path, spy: CheckSpy, stop_now: asyncio.Event
) -> None:
    database = tmp_path / "db.sqlite3"
    await _clean_stop_of_the_real_process(database)
    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await _process(database, emulator)
        process.kill()  # SIGKILL: no shutdown, no marker
        await process.wait()
    FIGURES.faults += 1
    assert not clean_stop.marker_path_of(database).exists()  # consumed by the killed start
    spy.gate.set()

    async def nothing() -> None:
        pass

    await _run_in_process(database, stop_now, spy, nothing)
    assert spy.began is not None and spy.ended is not None
    assert spy.began.get("getMe", 0) == 0  # before even initialize
    assert spy.ended.get("getUpdates", 0) == 0  # done before the bot polled


async def test_damage_found_after_a_clean_stop_stops_the_bot(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    await with_audit_rows(database)
    await _clean_stop_of_the_real_process(database)
    recorded = json.loads(clean_stop.marker_path_of(database).read_text(encoding="ascii"))
    # The disk spoils pages under the file system: nothing about the file says so. The
    # marker is written again for the spoilt file, as if it still matched.
    _overwrite_index(database, DAMAGED_INDEX)
    assert clean_stop.record(database)
    assert recorded["inode"] == clean_stop.state_of(database).inode  # type: ignore[union-attr]

    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await _process(database, emulator)
        _, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
    FIGURES.faults += 1
    log = err.decode()
    assert process.returncode == 1, log
    assert log.strip().splitlines()[-1] == (
        f"sentinella: database {database} failed its integrity check"
    )
    running = log.index("Sentinella is running")
    found = log.index(f"database {database} failed its integrity check after start-up")
    assert running < found  # it served meanwhile, then stopped
    assert not clean_stop.marker_path_of(database).exists()  # the next start checks first

    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await _process(database, emulator)
        _, err = await asyncio.wait_for(process.communicate(), START_TIMEOUT)
        assert emulator.stats.calls["getUpdates"] == 0  # refused before it polled
    assert process.returncode == 1
    assert err.decode().strip().splitlines() == [
        f"sentinella: database {database} failed its integrity check"
    ]


async def test_a_backup_of_a_stopped_bot_keeps_the_clean_stop(
    tmp_path: Path, spy: CheckSpy, stop_now: asyncio.Event
) -> None:
    database = tmp_path / "db.sqlite3"
    await _clean_stop_of_the_real_process(database)
    backup = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "backup",
        str(tmp_path / "copy.sqlite3"),
        "--database",
        str(database),
        stdout=asyncio.subprocess.DEVNULL,
    )
    assert await backup.wait() == 0
    await _run_in_process(database, stop_now, spy, lambda: _polls_while_the_check_is_held(spy))
