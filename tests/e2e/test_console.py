"""`python -m bot console`: a person runs the whole invitation flow from the terminal."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path


class Terminal:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.screen = ""

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def wait_for(self, pattern: str, seconds: float = 20) -> re.Match[str]:
        assert self.process.stdout is not None
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            match = re.search(pattern, self.screen)
            if match:
                self.screen = self.screen[match.end() :]
                return match
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"{pattern!r} not on screen:\n{self.screen[-2000:]}")
            try:
                chunk = await asyncio.wait_for(self.process.stdout.read(4096), remaining)
            except TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"console ended before {pattern!r}:\n{self.screen}")
            self.screen += chunk.decode()


async def start_console(tmp_path: Path) -> Terminal:
    """`python -m bot console` as a person starts it, on a database in `tmp_path`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "console",
        "--database",
        str(tmp_path / "c.sqlite3"),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    return Terminal(process)


async def test_console_shows_the_whole_invitation_flow(tmp_path: Path) -> None:
    term = await start_console(tmp_path)
    process = term.process
    try:
        await term.wait_for("Sentinella console")
        await term.type("/invita MIEE8AB01T")
        code = (await term.wait_for(r"start=([A-Z0-9]{12})")).group(1)
        await term.type("!utente referente")
        await term.type(f"/start {code}")
        await term.wait_for("nome e cognome")
        await term.type("Mario Rossi")
        await term.wait_for("telefono")
        await term.type("3331234567")
        await term.wait_for("e-mail")
        await term.type("mario.rossi@example.it")
        await term.wait_for(r"\[1\] ✅ Conferma")
        await term.type("#1")
        await term.wait_for("Ora sei referente COVID")
        # Move the bot's clock to a Tuesday and record enrolment and absences.
        await term.type("!ora 17/11/2026 09:30")
        await term.wait_for("Ora del bot: martedì 17/11/2026 09:30")
        await term.type("/assenze")
        await term.wait_for("Quanti alunni")
        await term.type("290")
        await term.wait_for("Quante classi")
        await term.type("14")
        await term.wait_for("Registra le assenze di oggi, martedì 17/11/2026")
        await term.wait_for("assenti")
        await term.type("12")
        await term.wait_for("per malattia")
        await term.type("3")
        await term.wait_for("Tasso di assenza: 4,1%")
        await term.type("!esci")
        await asyncio.wait_for(process.wait(), 20)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_restarted_console_answers_the_first_message(tmp_path: Path) -> None:
    """Issue 22: the bot remembers the update ids it handled; a console started again on the
    same database must not have its first messages skipped as replays."""
    for run in range(2):
        term = await start_console(tmp_path)
        process = term.process
        try:
            await term.wait_for("Sentinella console")
            await term.type(f"/invita MIEE8AB01{'TU'[run]}")
            await term.wait_for("start=|Non trovo|non")
            await term.type("/aiuto")
            await term.wait_for("Comandi per gli operatori ATS", seconds=10)
            await term.type("!esci")
            await asyncio.wait_for(process.wait(), 20)
            assert process.returncode == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()


async def test_ctrl_c_leaves_like_esci(tmp_path: Path) -> None:
    term = await start_console(tmp_path)
    process = term.process
    try:
        await term.wait_for("Sentinella console")
        await term.type("/aiuto")
        await term.wait_for("Comandi per gli operatori ATS")
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 20)
        assert process.stdout is not None
        rest = term.screen + (await process.stdout.read()).decode()
        assert process.returncode == 0
        assert "Traceback" not in rest and "Console chiusa." in rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_tour_moves_the_clock_to_the_next_tuesday_whatever_today_is(
    tmp_path: Path,
) -> None:
    term = await start_console(tmp_path)
    process = term.process
    try:
        await term.wait_for("Sentinella console")
        await term.type("!ora martedì")
        await term.wait_for(r"Ora del bot: martedì \d\d/\d\d/\d{4} 09:30")
        await term.type("!ora +2")
        await term.wait_for(r"Ora del bot: giovedì \d\d/\d\d/\d{4} 09:30")
        await term.type("!esci")
        await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
