"""A bot in a subprocess against the emulator: started, waited for, measured, stopped."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

from emulator.server import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT = 60.0  # seconds: a cold start on a busy 2-core machine
STOP_TIMEOUT = 15.0


class BotProcess:
    def __init__(self, args: list[str], env: dict[str, str], workdir: Path, name: str) -> None:
        self.args, self.env, self.workdir, self.name = args, env, workdir, name
        self.log = workdir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        # Where the bot writes its own figures on SIGUSR1 (benchmarks.bot_process).
        self.figures_file = workdir / f"{name}.figures.json"
        self._figures_asked = 0

    async def start(self, emulator: BotApiEmulator) -> None:
        """Start it and return once it polls for updates."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ADMIN_"))}
        env.update(self.env)
        # The project on the path wherever the process runs (`benchmarks` is not installed).
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env["SENTINELLA_BENCH_FIGURES"] = str(self.figures_file)
        # As the Procfile runs the bot (README, Performance); the baseline gets it too.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        with self.log.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.args,
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while emulator.stats.calls["getUpdates"] == 0:
            if self.process.returncode is not None:
                raise RuntimeError(f"{self.name} exited at start-up:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start polling:\n{self.tail()}")
            await asyncio.sleep(0.05)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def peak_rss_mb(self) -> float:
        """VmHWM: the most resident memory the process ever had, in MB."""
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii")
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc (Linux only)")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1]
        utime, stime = (int(value) for value in fields.split()[11:13])
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    async def figures(self, timeout: float = 5.0) -> dict[str, int] | None:  # noqa: ASYNC109
        """The bot's own counters now (database transactions committed, updates handled),
        or None for a bot that does not write them (the baseline)."""
        assert self.process is not None
        self._figures_asked += 1
        self.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, ValueError):
                figures: dict[str, int] = json.loads(self.figures_file.read_text("utf-8"))
                if figures.get("seq") == self._figures_asked:
                    return figures
            await asyncio.sleep(0.02)
        return None

    async def stop(self) -> None:
        """SIGTERM, as a service manager stops it; SIGKILL if it does not stop in time."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()

    def tail(self, lines: int = 20) -> str:
        if not self.log.exists():
            return ""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])
