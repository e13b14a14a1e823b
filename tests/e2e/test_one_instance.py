"""One process per database, and a database the bot can write: both checked at start-up by
the real process, which otherwise stops with one line (bot/runner.py, storage/lock.py). And
the real process stops within seconds of SIGTERM, even deep in Telegram's flood control."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks._flows import user_id_of
from benchmarks._world import TOKEN as BENCHMARK_TOKEN
from benchmarks._world import seed
from benchmarks.fanout import TUESDAY_AFTER_REMINDER_TIME
from bot.clock import ShiftedClock
from emulator.driver import ChatUser
from emulator.server import BotApiEmulator
from storage.lock import InstanceLock, InstanceLocked
from tests.e2e.test_console import start_console
from tests.e2e.test_running import _env
from tests.harness import TOKEN

ROOT = Path(__file__).resolve().parents[2]


async def _bot(tmp_path: Path, emulator: BotApiEmulator) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=_env(tmp_path, emulator),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.communicate(), timeout=30)


async def test_a_second_bot_on_the_same_database_stops_with_one_line(tmp_path: Path) -> None:
    database = tmp_path / "process.sqlite3"
    async with BotApiEmulator(token=TOKEN) as emulator:
        first = await _bot(tmp_path, emulator)
        try:
            stranger = ChatUser(emulator, 4242, first_name="Giovanna")
            await stranger.send("ciao")
            await stranger.expect("Non sei registrato", timeout=30)
            # The deploy overlap: a second process on the same file, same token.
            second = await _bot(tmp_path, emulator)
            _, err = await asyncio.wait_for(second.communicate(), timeout=30)
            assert second.returncode == 1
            assert err.decode().strip().splitlines() == [
                f"sentinella: another Sentinella (process {first.pid}) is already running on "
                f"{database}: stop it first (a backup may run meanwhile)"
            ]
            # The first one never noticed: it still answers, alone.
            await stranger.send("buongiorno")
            await stranger.expect("Non sei registrato")
            # A backup only reads: allowed while the bot runs.
            backup = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "backup",
                str(tmp_path / "copy.sqlite3"),
                cwd=tmp_path,
                env=_env(tmp_path, emulator),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, backup_err = await asyncio.wait_for(backup.communicate(), timeout=30)
            assert backup.returncode == 0, backup_err.decode()
        finally:
            await _stop(first)
        assert first.returncode == 0
        # Stopped, the first one let the lock go: a restart takes it.
        restarted = await _bot(tmp_path, emulator)
        try:
            await stranger.send("ciao")
            await stranger.expect("Non sei registrato", timeout=30)
        finally:
            await _stop(restarted)
        assert restarted.returncode == 0


async def test_a_second_console_on_the_same_database_stops_with_one_line(tmp_path: Path) -> None:
    first = await start_console(tmp_path)
    try:
        await first.wait_for("Sentinella console")
        second = await start_console(tmp_path)
        out, _ = await asyncio.wait_for(second.process.communicate(), timeout=30)
        assert second.process.returncode == 1
        lines = out.decode().strip().splitlines()
        assert len(lines) == 1 and "is already running on" in lines[0], lines
        assert f"(process {first.process.pid})" in lines[0]
    finally:
        assert first.process.stdin is not None
        first.process.stdin.close()  # end of input: the console ends
        await asyncio.wait_for(first.process.wait(), timeout=30)


def test_the_lock_is_released_with_the_process_and_refused_while_held(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    with InstanceLock(database):
        with pytest.raises(InstanceLocked) as held, InstanceLock(database):
            pass
        assert held.value.pid == os.getpid()
    with InstanceLock(database):  # released: taken again
        pass
    # kill -9 leaves no stale lock: the kernel drops it with the process.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from storage.lock import InstanceLock;"
            f"InstanceLock(Path({str(database)!r})).acquire(); print('held', flush=True);"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with pytest.raises(InstanceLocked), InstanceLock(database):
            pass
    finally:
        holder.kill()
        holder.wait()
    with InstanceLock(database):
        pass


@contextmanager
def _read_only(database: Path) -> Iterator[None]:
    """The database file made read-only the way the kernel enforces for everybody: root
    ignores the mode bits, not the immutable flag (a read-only mount behaves alike)."""
    if os.geteuid() != 0:
        database.chmod(0o444)
        try:
            yield
        finally:
            database.chmod(0o600)
        return
    if subprocess.run(["chattr", "+i", str(database)], check=False).returncode != 0:
        pytest.skip("cannot make a file read-only for root here (no chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)


async def test_a_read_only_database_stops_the_bot_at_start_with_one_line(tmp_path: Path) -> None:
    database = tmp_path / "process.sqlite3"
    with sqlite3.connect(database) as conn:  # an existing database, as after a restore
        conn.execute("CREATE TABLE notes (body TEXT)")
    conn.close()
    async with BotApiEmulator(token=TOKEN) as emulator:
        with _read_only(database):
            process = await _bot(tmp_path, emulator)
            try:
                _, err = await asyncio.wait_for(process.communicate(), timeout=30)
            finally:
                if process.returncode is None:
                    await _stop(process)
        assert process.returncode == 1
        assert err.decode().strip().splitlines() == [
            f"sentinella: database {database} cannot be written: the file is read-only"
        ]
        assert emulator.stats.calls["getUpdates"] == 0  # it never started "running"


async def _stopped_within(process: asyncio.subprocess.Process) -> float:
    started = asyncio.get_running_loop().time()
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
    return asyncio.get_running_loop().time() - started


@pytest.mark.parametrize("status", [429, 502])
async def test_sigterm_during_a_long_retry_chain_stops_the_bot_in_seconds(
    tmp_path: Path, status: int
) -> None:
    async with BotApiEmulator(token=TOKEN) as emulator:
        process = await _bot(tmp_path, emulator)
        try:
            stranger = ChatUser(emulator, 4242, first_name="Giovanna")
            await stranger.send("ciao")
            await stranger.expect("Non sei registrato", timeout=30)
            # Telegram answers every send with "retry after 30 s" (or 502) from now on.
            emulator.fail_next("sendMessage", status=status, retry_after=30, times=1000)
            await stranger.send("ciao di nuovo")
            # The bot is inside its retries once Telegram refused it (a counter, polled).
            while emulator.stats.errors[status] < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        except BaseException:
            process.kill()
            raise
        elapsed = await _stopped_within(process)
    assert process.returncode == 0
    assert elapsed < 5, f"stopped {elapsed:.1f} s after SIGTERM"


async def test_sigterm_during_a_reminder_run_under_429_stops_it_and_loses_nothing(
    tmp_path: Path,
) -> None:
    """The Tuesday reminders at start-up, Telegram answering "retry after 30 s" to each:
    SIGTERM stops the bot at once, the claims are given back, the next start sends them."""
    database = tmp_path / "process.sqlite3"
    referents = range(3)
    await seed(database, referents, now=TUESDAY_AFTER_REMINDER_TIME, sentinel=lambda _: True)
    now = TUESDAY_AFTER_REMINDER_TIME.isoformat()
    clock = ShiftedClock()
    clock.set(TUESDAY_AFTER_REMINDER_TIME)
    async with BotApiEmulator(token=BENCHMARK_TOKEN, clock=clock) as emulator:
        for index in referents:
            emulator.open_chat(user_id_of(index), "Referente")
        env = _env(tmp_path, emulator) | {"TELEGRAM_BOT_TOKEN": BENCHMARK_TOKEN}
        emulator.fail_next("sendMessage", status=429, retry_after=30, times=1000)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.bot_process", "--now", now, cwd=ROOT, env=env
        )
        try:
            # The start-up run has met Telegram's flood control (a counter, polled).
            while emulator.stats.errors[429] < 1:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        except BaseException:
            process.kill()
            raise
        elapsed = await _stopped_within(process)
        assert process.returncode == 0
        assert elapsed < 5, f"stopped {elapsed:.1f} s after SIGTERM"
        with sqlite3.connect(database) as conn:
            states = conn.execute("SELECT state FROM reminder_log").fetchall()
        conn.close()
        assert states == []  # nothing claimed, nothing marked sent: all given back
        emulator.clear_faults()
        restarted = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.bot_process", "--now", now, cwd=ROOT, env=env
        )
        try:
            for index in referents:
                referent = ChatUser(emulator, user_id_of(index), first_name="Referente")
                await referent.expect("assenze", timeout=30)
        finally:
            await _stop(restarted)
