"""A fresh `python -m bot` process, timed from outside: process start → its first getUpdates.

    .venv/bin/python -m benchmarks._startup_probe DATABASE [--runs 3]

The real entry point (imports, settings, the database opened, migrated and checked, the
application built, `initialize`, polling) against the project's Bot API emulator on
127.0.0.1, on a copy of DATABASE (the bot writes: update ids, outbox deliveries). Timed by
the emulator's side: when the first getMe and the first getUpdates arrive. The bot's own
start-up line (bot/runner.py, "started in ...") gives the phases after the imports.

Two starts are measured: after a clean stop (SIGTERM: the file's clean-stop marker is
written, the integrity check runs once polling has started) and after a crash (`kill -9`:
no marker, the check runs before polling), as issue 16 asks: ≤ 2 s on the year of data.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks._year_data import ABSENCE_START, NOW, admin_ids_setting
from bot.app import build_application
from bot.context import Services
from bot.runner import open_database
from bot.settings import Settings
from emulator.server import BotApiEmulator

TOKEN = "123456:BENCHMARK-TOKEN-abcdefghijklmnopqrstuvwxyz"
ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0  # seconds: a cold start on a busy 2-core machine
# Where the processes keep the project's compiled bytecode (PYTHONPYCACHEPREFIX), as an
# installed bot has it (`pip install .` compiles): this shared environment sets
# PYTHONDONTWRITEBYTECODE, and compiling the project's sources at each start costs ~0.3 s.
BYTECODE_CACHE = ROOT / "data" / "benchmarks" / "pycache"
POLL_INTERVAL = 0.001  # how often the emulator's counters are read: the timing's resolution
STARTED = re.compile(r"started in .*")


def settings_for(path: Path) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        database_path=path,
        admin_ids=admin_ids_setting(),
        absence_start_date=ABSENCE_START,
        _env_file=None,
    )


async def start(settings: Settings) -> None:
    """In this process (the imports done): what `run` does before the network, the
    integrity check included (a start after a crash)."""
    db = await open_database(settings)
    try:
        build_application(Services(settings=settings, db=db, clock=lambda: NOW))
    finally:
        await db.close()


@dataclass(frozen=True)
class Startup:
    """One start: seconds from the process's start to its first getMe and getUpdates, the
    CPU time the process had used by then (user + system, Linux's /proc: on a shared
    machine the steadier figure, as the wall time stretches with the load), and the bot's
    own line of phases."""

    to_get_me: float
    to_get_updates: float
    phases: str
    cpu_seconds: float | None = None

    def line(self) -> str:
        cpu = f", CPU {self.cpu_seconds * 1000:.0f} ms" if self.cpu_seconds is not None else ""
        return (
            f"first getUpdates after {self.to_get_updates * 1000:.0f} ms{cpu} "
            f"(getMe after {self.to_get_me * 1000:.0f} ms); bot: {self.phases}"
        )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of the process so far, or None off Linux."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    utime, stime = (int(value) for value in stat.rsplit(")", 1)[1].split()[11:13])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def environment(
    database: Path, emulator: BotApiEmulator, bytecode_cache: Path | None = BYTECODE_CACHE
) -> dict[str, str]:
    """The bot's settings for the probe; `bytecode_cache` None: the bytecode as the
    environment says (PYTHONDONTWRITEBYTECODE)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_"))}
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=emulator.base_url,
        TELEGRAM_API_FILE_URL=emulator.base_file_url,
        DATABASE_PATH=str(database),
        ADMIN_IDS=admin_ids_setting(),
        ABSENCE_START_DATE=ABSENCE_START.isoformat(),
        LOG_LEVEL="INFO",
        # As the Procfile runs the bot (README, Performance).
        MALLOC_ARENA_MAX="2",
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


async def start_once(
    database: Path,
    emulator: BotApiEmulator,
    *,
    crash: bool = False,
    bytecode_cache: Path | None = BYTECODE_CACHE,
) -> Startup:
    """Start `python -m bot` on `database`, time it up to its first getUpdates, then stop it
    with SIGTERM (a clean stop), or SIGKILL when `crash`."""
    database = Path(os.path.abspath(database))  # noqa: ASYNC240 - the process runs in its folder
    emulator.stats.reset()
    log_path = database.with_name(database.name + ".probe.log")
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=database.parent,
            env=environment(database, emulator, bytecode_cache),
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    try:
        to_get_me = await _first_call(emulator, "getMe", started, process, log_path)
        to_get_updates = await _first_call(emulator, "getUpdates", started, process, log_path)
        cpu = cpu_seconds(process.pid)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        await process.wait()
    found = STARTED.search(log_path.read_text(encoding="utf-8", errors="replace"))
    return Startup(to_get_me, to_get_updates, found.group(0) if found else "?", cpu)


async def _first_call(
    emulator: BotApiEmulator,
    method: str,
    started: float,
    process: asyncio.subprocess.Process,
    log_path: Path,
) -> float:
    deadline = started + START_TIMEOUT
    while emulator.stats.calls[method] == 0:
        if process.returncode is not None or time.perf_counter() > deadline:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]  # noqa: ASYNC240 - failing anyway
            raise RuntimeError(f"the bot did not reach {method}:\n{tail}")
        await asyncio.sleep(POLL_INTERVAL)
    return time.perf_counter() - started


@dataclass(frozen=True)
class Figures:
    after_clean_stop: list[Startup]
    after_crash: list[Startup]


async def measure(
    database: Path,
    runs: int,
    folder: Path | None = None,
    latency: float = 0.0,
    bytecode_cache: Path | None = BYTECODE_CACHE,
) -> Figures:
    """`runs` starts after a clean stop and `runs` after a kill -9, on a copy of `database`
    in `folder` (a temporary one by default), each Bot API call answered after `latency`
    seconds (Telegram's round trip; 0: loopback). One unmeasured start first (it applies
    any pending migration and leaves the clean-stop marker)."""
    with tempfile.TemporaryDirectory(dir=folder) as work:
        copy = Path(work) / database.name
        shutil.copyfile(database, copy)
        async with BotApiEmulator(token=TOKEN) as emulator:
            emulator.latency = latency
            cache = bytecode_cache
            await start_once(copy, emulator, bytecode_cache=cache)
            clean = [await start_once(copy, emulator, bytecode_cache=cache) for _ in range(runs)]
            crashed: list[Startup] = []
            for _ in range(runs):
                # Leaves no marker.
                await start_once(copy, emulator, crash=True, bytecode_cache=cache)
                crashed.append(await start_once(copy, emulator, bytecode_cache=cache))
        for side in ("-wal", "-shm", ".lock", ".clean", ".probe.log"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{copy}{side}").unlink()  # noqa: ASYNC240 - after the measurement
    return Figures(clean, crashed)


def median_seconds(starts: list[Startup]) -> float:
    return statistics.median(start.to_get_updates for start in starts)


def median_cpu_seconds(starts: list[Startup]) -> float | None:
    found = [start.cpu_seconds for start in starts if start.cpu_seconds is not None]
    return statistics.median(found) if found else None


async def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds per Bot API call (0: loopback)"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile the sources at each start if the environment says so",
    )
    args = parser.parse_args()
    cache = None if args.no_bytecode_cache else BYTECODE_CACHE
    print(
        f"load average {os.getloadavg()[0]:.1f}, Bot API latency {args.latency * 1000:.0f} ms,"
        f" bytecode cache: {cache or 'as the environment says'}"
    )
    figures = await measure(args.database, args.runs, args.database.parent, args.latency, cache)
    for title, starts in (
        ("after a clean stop", figures.after_clean_stop),
        ("after kill -9", figures.after_crash),
    ):
        cpu = median_cpu_seconds(starts)
        print(
            f"{title}: median {median_seconds(starts) * 1000:.0f} ms"
            + (f", CPU {cpu * 1000:.0f} ms" if cpu is not None else "")
        )
        for start in starts:
            print(f"  {start.line()}")


if __name__ == "__main__":
    asyncio.run(_main())
