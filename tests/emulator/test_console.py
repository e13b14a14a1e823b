"""The console front end, driven through fake stdin/stdout against the echo bot."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from typing import Any, TypeAlias

import pytest
from telegram import Bot
from telegram.ext import Application

from emulator.frontend import ConsoleFrontend
from emulator.server import BotApiEmulator

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
PEOPLE = {"admin": 1, "referente": 2}


class Screen(io.StringIO):
    """A stdout the test can wait on: every write wakes `wait_for_text`."""

    def __init__(self) -> None:
        super().__init__()
        self._written = asyncio.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        self._written.set()
        return written

    async def wait_for_text(self, fragment: str, seconds: float = 3.0) -> None:
        async with asyncio.timeout(seconds):
            while fragment not in self.getvalue():
                self._written.clear()
                await self._written.wait()


async def run_script(emulator: BotApiEmulator, script: str, download_dir: Path) -> str:
    screen = io.StringIO()
    console = ConsoleFrontend(
        emulator,
        PEOPLE,
        start_as="admin",
        stdin=io.StringIO(script),
        stdout=screen,
        download_dir=download_dir,
        settle=2.0,
    )
    await asyncio.wait_for(console.run(), 15)
    return screen.getvalue()


async def test_typing_tapping_and_files(
    emulator: BotApiEmulator, echo_bot: App, tmp_path: Path
) -> None:
    upload = tmp_path / "elenco.csv"
    upload.write_bytes(b"a;b\n1;2\n")
    script = f"ciao\n/start\n#1\n/doc\n!file {upload}\n!esci\nnon letto\n"
    screen = await run_script(emulator, script, tmp_path)
    assert "Eco: ciao" in screen
    assert "Ciao! Scegli:\n[1] Salva   [2] Annulla\n[3] Sito ↗" in screen
    assert "Sentinella (modificato) ──\nHai scelto: save" in screen
    assert "💬 Fatto: save" in screen
    assert f"📎 report.csv (20 byte) salvato in {tmp_path}" in screen
    assert "Ricevuto elenco.csv: 8 byte" in screen
    assert "non letto" not in screen
    saved = tmp_path / "6-report.csv"  # message 6 of admin's chat
    assert saved.read_bytes().startswith(b"plesso;casi")


async def test_switching_people_and_console_commands(
    emulator: BotApiEmulator, echo_bot: App, tmp_path: Path
) -> None:
    script = "/avvisa 2\n!utenti\n!utente referente\n#9\n!boh\n!aiuto\n!utente nessuno\n"
    screen = await run_script(emulator, script, tmp_path)
    assert "(nuovo messaggio per referente)" in screen
    assert "* admin (id 1)\n  referente (id 2)" in screen
    assert "Ora scrivi come referente (id 2).\n\n──" in screen
    assert screen.count("Avviso per te") == 1  # shown once, when switching to referente
    assert "Nessun messaggio con pulsanti da premere." in screen
    assert "Comando sconosciuto: !boh" in screen
    assert "!file PERCORSO" in screen
    assert "Utente sconosciuto: nessuno. Utenti: admin, referente" in screen


async def test_bot_messages_print_while_waiting_for_input(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    read_end, write_end = os.pipe()
    screen = Screen()
    with os.fdopen(read_end, encoding="utf-8") as stdin:
        console = ConsoleFrontend(
            emulator, PEOPLE, start_as="admin", stdin=stdin, stdout=screen, settle=0
        )
        running = asyncio.create_task(console.run())
        async with Bot(emulator.token, base_url=emulator.base_url) as bot:
            await bot.send_message(1, "Promemoria: registra le assenze")
        await screen.wait_for_text("Promemoria: registra le assenze")
        assert not running.done()  # still waiting for the person to type
        os.write(write_end, b"!esci\n")
        await asyncio.wait_for(running, 3)
        os.close(write_end)  # EOF lets the reader thread finish before stdin is closed


def test_unknown_start_user_is_refused(emulator: BotApiEmulator) -> None:
    with pytest.raises(ValueError, match="nessuno"):
        ConsoleFrontend(emulator, PEOPLE, start_as="nessuno")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def test_switching_shows_what_arrived_meanwhile_deleted_messages_and_png_names(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    """Issue 22: after !utente every message that arrived meanwhile shows (not only the
    last); a deleted message shows without «»; a PNG is saved as .png; the temporary folder
    of the saved files is removed at exit; !aiuto lists the extra commands."""
    read_end, write_end = os.pipe()
    screen = Screen()
    with os.fdopen(read_end, encoding="utf-8") as stdin:
        console = ConsoleFrontend(
            emulator,
            PEOPLE,
            start_as="admin",
            stdin=stdin,
            stdout=screen,
            settle=0,
            extra_help="  !demo            assenze demo",
        )
        running = asyncio.create_task(console.run())
        async with Bot(emulator.token, base_url=emulator.base_url) as bot:
            await bot.send_message(2, "Promemoria uno")
            await bot.send_message(2, "Promemoria due")
            gone = await bot.send_message(1, "Da cancellare")
            await bot.delete_message(1, gone.message_id)
            await bot.send_photo(1, PNG)
        await screen.wait_for_text("🖼 foto")
        os.write(write_end, b"!utente referente\n!aiuto\n")
        await screen.wait_for_text("!demo")
        text = screen.getvalue()
        saved = next(line for line in text.splitlines() if "🖼 foto" in line).split(" in ")[-1]
        assert saved.endswith("-foto.png") and Path(saved).exists()  # noqa: ASYNC240 - one stat
        os.write(write_end, b"!esci\n")
        await asyncio.wait_for(running, 3)
        os.close(write_end)
    assert "🗑 messaggio eliminato\n" in text and "eliminato: «" not in text
    switched = text.split("Ora scrivi come referente (id 2).")[1]
    assert "Promemoria uno" in switched and "Promemoria due" in switched
    assert "!foto PERCORSO" in text and "!demo" in text
    assert not Path(saved).parent.exists()
