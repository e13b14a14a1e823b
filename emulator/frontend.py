"""The terminal front end of `python -m bot console`: chat with the bot as one of several people.

Bot messages print as they arrive, whatever the person is doing, because stdin is read by a
background thread; everything else (printing, sending) happens on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import shutil
import sys
import tempfile
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import TextIO

from emulator.driver import ChatUser
from emulator.models import BotEvent, BotMessage
from emulator.server import BotApiEmulator

QUIET_GAP = 0.05  # seconds without bot actions after which a reply counts as complete

BANNER = "Console di Sentinella: scrivi come «{name}». !aiuto per i comandi, !esci per uscire."
HELP = """\
Comandi della console:
  testo            invia il testo al bot come utente attivo
  #N               preme il pulsante N dell'ultimo messaggio con pulsanti
  !file PERCORSO   invia un file come documento
  !foto PERCORSO   invia un'immagine come foto
  !utente NOME     scrive come un altro utente (vedi !utenti)
  !utenti          elenca gli utenti
  !aiuto           mostra questo aiuto
  !esci            chiude la console
  !!testo          invia un testo che comincia con "!\""""

# An extra console command: receives the text after the command, returns what to print.
ExtraCommand = Callable[[str], Awaitable[str]]


class ConsoleFrontend:
    def __init__(
        self,
        emulator: BotApiEmulator,
        users: dict[str, int],
        *,
        start_as: str,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        download_dir: Path | None = None,
        settle: float | None = None,
        extra_commands: Mapping[str, ExtraCommand] | None = None,
        extra_help: str = "",
        timezone: tzinfo | None = None,
    ) -> None:
        """`settle`: after each message, wait up to this many seconds for the bot's reply
        before reading the next line. By default 0 on a terminal and 2 for piped input, so a
        script's "#1" finds the buttons the previous line asked for."""
        if start_as not in users:
            raise ValueError(f"{start_as!r} is not one of the users: {', '.join(users)}")
        self._emulator = emulator
        self._people = {name: _person(emulator, name, uid) for name, uid in users.items()}
        self._active = start_as
        self._stdin = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self._interactive = _is_tty(self._stdin)
        self._settle = settle if settle is not None else (0.0 if self._interactive else 2.0)
        self._download_dir = download_dir
        self._own_download_dir = False  # a temporary one we made: removed at exit
        self._cursor = {uid: emulator.seq for uid in users.values()}
        # What each person has been shown: after !utente, what arrived meanwhile is shown.
        self._shown = dict(self._cursor)
        self._saved: dict[tuple[int, int], Path] = {}
        # Commands the embedding program adds (e.g. !ora to move the bot's clock).
        self._extra = dict(extra_commands or {})
        self._extra_help = extra_help
        self._timezone = timezone  # None: the machine's

    async def run(self) -> None:
        """Read commands until end of input or !esci, printing the bot's messages meanwhile."""
        self._write(BANNER.format(name=self._active))
        lines = self._start_reader()
        watcher = asyncio.create_task(self._watch())
        try:
            while (line := await lines.get()) is not None:
                if not await self._handle(line.strip()):
                    break
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            self._flush()
            self._remove_downloads()

    def _remove_downloads(self) -> None:
        """The files the bot sent (exports with personal data) do not outlive the console."""
        if self._own_download_dir and self._download_dir is not None:
            shutil.rmtree(self._download_dir, ignore_errors=True)
            self._download_dir = None

    # --- input --------------------------------------------------------------------------------

    def _start_reader(self) -> asyncio.Queue[str | None]:
        # A daemon thread, not asyncio.to_thread: a blocked readline must not keep the
        # process alive after !esci.
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str | None] = asyncio.Queue()

        def read() -> None:
            try:
                for line in iter(self._stdin.readline, ""):
                    if not _deliver(loop, lines, line):
                        return
            except ValueError:  # stdin closed under us (the console is ending)
                return
            _deliver(loop, lines, None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        return lines

    async def _handle(self, line: str) -> bool:
        """Carry out one input line; False when the person wants to quit."""
        if not line:
            return True
        if not self._interactive:
            self._write(f"{self._active} › {line}")
        if line.startswith("#") and line[1:].strip().isdigit():
            await self._tap(int(line[1:]))
        elif line.startswith("!!"):
            await self._send_text(line[1:])
        elif line.startswith("!"):
            command, _, argument = line[1:].partition(" ")
            return await self._command(command.lower(), argument.strip())
        else:
            await self._send_text(line)
        return True

    async def _command(self, command: str, argument: str) -> bool:
        if command == "esci":
            return False
        if command == "aiuto":
            listed = self._extra_help or "".join(f"\n  !{name}" for name in self._extra)
            self._write(HELP + ("\n" if self._extra_help else "") + listed)
        elif command == "utenti":
            self._list_people()
        elif command == "utente":
            self._switch(argument)
        elif command in ("file", "foto"):
            await self._send_path(argument, as_photo=command == "foto")
        elif command in self._extra:
            self._write(await self._extra[command](argument))
        else:
            self._write(f"Comando sconosciuto: !{command}. Scrivi !aiuto per l'elenco.")
        return True

    async def _send_text(self, text: str) -> None:
        before = self._emulator.seq
        await self._person.send(text)
        await self._await_reply(before)

    async def _tap(self, number: int) -> None:
        person = self._person
        recent = self._emulator.recent_messages(person.user_id)
        message = next((m for m in recent if m.reply_markup), None)
        if message is None:
            self._write("Nessun messaggio con pulsanti da premere.")
            return
        buttons = message.buttons
        if not 1 <= number <= len(buttons):
            self._write(f"Non c'è il pulsante {number}: scegli tra 1 e {len(buttons)}.")
            return
        button = buttons[number - 1]
        if message.is_link(button):
            self._write(f"🔗 «{button.text}» apre {button.data}")
            return
        before = self._emulator.seq
        await person.press(message, button)
        await self._await_reply(before)

    async def _send_path(self, argument: str, *, as_photo: bool) -> None:
        if not argument:
            self._write(f"Uso: !{'foto' if as_photo else 'file'} PERCORSO")
            return
        try:
            path, content = await asyncio.to_thread(_read_local_file, argument)
        except OSError as error:
            self._write(f"Impossibile leggere {argument}: {error.strerror or error}")
            return
        before = self._emulator.seq
        if as_photo:
            await self._person.send_photo(content)
        else:
            await self._person.send_file(path.name, content, mimetypes.guess_type(path.name)[0])
        await self._await_reply(before)

    def _switch(self, name: str) -> None:
        if name not in self._people:
            known = ", ".join(self._people)
            self._write(f"Utente sconosciuto: {name or '(nessuno)'}. Utenti: {known}")
            return
        self._active = name
        person = self._people[name]
        self._write(f"Ora scrivi come {name} (id {person.user_id}).")
        missed = self._emulator.events(person.user_id, self._shown[person.user_id])
        if missed:
            # Everything that arrived since they were last shown (a reminder, then another).
            for event in _latest_per_message(missed):
                self._show_event(event)
            self._shown[person.user_id] = missed[-1].seq
            return
        last = self._emulator.last_message(person.user_id)
        if last is not None:
            self._show_message(last, edited=last.edit_count > 0)

    def _list_people(self) -> None:
        for name, person in self._people.items():
            marker = "*" if name == self._active else " "
            blocked = " (ha bloccato il bot)" if self._emulator.is_blocked(person.user_id) else ""
            self._write(f"{marker} {name} (id {person.user_id}){blocked}")

    async def _await_reply(self, before: int) -> None:
        """With piped input, let the bot answer before the next line is read."""
        if self._settle <= 0:
            return
        emulator = self._emulator
        with contextlib.suppress(TimeoutError):
            await emulator.wait_for(lambda: emulator.seq > before, self._settle)
            while await self._more_within(QUIET_GAP):
                pass
        self._flush()

    async def _more_within(self, seconds: float) -> bool:
        emulator, seen = self._emulator, self._emulator.seq
        try:
            await emulator.wait_for(lambda: emulator.seq > seen, seconds)
        except TimeoutError:
            return False
        return True

    # --- output -------------------------------------------------------------------------------

    @property
    def _person(self) -> ChatUser:
        return self._people[self._active]

    async def _watch(self) -> None:
        emulator = self._emulator
        while True:
            self._flush()
            seen = emulator.seq
            await emulator.wait_for(lambda: emulator.seq > seen, None)  # noqa: B023 -- awaited now

    def _flush(self) -> None:
        """Print what the bot did since the last flush: in full for the active person."""
        for name, person in self._people.items():
            events = self._emulator.events(person.user_id, self._cursor[person.user_id])
            if not events:
                continue
            self._cursor[person.user_id] = events[-1].seq
            if name == self._active:
                for event in _latest_per_message(events):
                    self._show_event(event)
                self._shown[person.user_id] = events[-1].seq
            elif any(event.kind in ("sent", "edited") for event in events):
                self._write(f"(nuovo messaggio per {name})")

    def _show_event(self, event: BotEvent) -> None:
        if event.kind == "answer" and event.text:
            self._write(f"💬 {event.text}")
        elif event.kind == "deleted":
            self._write("🗑 messaggio eliminato")
        elif event.kind in ("sent", "edited") and event.message_id is not None:
            message = self._emulator.message(event.chat_id, event.message_id)
            if message is not None and not message.deleted:
                self._show_message(message, edited=event.kind == "edited")

    def _show_message(self, message: BotMessage, *, edited: bool) -> None:
        moment = (message.edit_date if edited and message.edit_date else message.date).astimezone(
            self._timezone
        )
        name = self._emulator.bot_user["first_name"]
        # A blank line first, so each message stands apart from the typing around it.
        lines = ["", f"── {moment:%H:%M} · {name}{' (modificato)' if edited else ''} ──"]
        if message.text:
            lines.append(message.text)
        if message.document is not None:
            path = self._save(message, message.document.filename, message.document.content)
            size = len(message.document.content)
            lines.append(f"📎 {message.document.filename} ({size} byte) salvato in {path}")
        if message.photo is not None:
            path = self._save(message, _photo_name(message.photo), message.photo)
            lines.append(f"🖼 foto ({len(message.photo)} byte) salvata in {path}")
        if message.caption:
            lines.append(message.caption)
        lines.extend(_button_rows(message))
        if message.reply_keyboard:
            rows = ("   ".join(row) for row in message.reply_keyboard)
            lines.append("⌨ " + "  /  ".join(rows))
        self._write("\n".join(lines))

    def _save(self, message: BotMessage, filename: str, content: bytes) -> Path:
        key = (message.chat_id, message.message_id)
        if key not in self._saved:
            if self._download_dir is None:
                self._download_dir = Path(tempfile.mkdtemp(prefix="sentinella-console-"))
                self._own_download_dir = True
            path = self._download_dir / f"{message.message_id}-{Path(filename).name}"
            path.write_bytes(content)
            self._saved[key] = path
        return self._saved[key]

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


def _photo_name(content: bytes) -> str:
    """The photo's file name by its bytes: the report chart is a PNG, not a JPEG."""
    return "foto.png" if content.startswith(b"\x89PNG\r\n\x1a\n") else "foto.jpg"


def _person(emulator: BotApiEmulator, name: str, user_id: int) -> ChatUser:
    # Keep the profile of a chat opened before the console started (names, language).
    profile = emulator.user(user_id)
    if profile is None:
        return ChatUser(emulator, user_id, first_name=name.capitalize())
    return ChatUser(
        emulator,
        user_id,
        first_name=profile.first_name,
        last_name=profile.last_name,
        username=profile.username,
        language_code=profile.language_code,
    )


def _read_local_file(argument: str) -> tuple[Path, bytes]:
    path = Path(argument).expanduser()
    return path, path.read_bytes()


def _deliver(
    loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str | None], line: str | None
) -> bool:
    try:
        loop.call_soon_threadsafe(lines.put_nowait, line)
    except RuntimeError:  # the loop is gone: the console has quit
        return False
    return True


def _latest_per_message(events: list[BotEvent]) -> list[BotEvent]:
    # A message sent and edited within one flush prints once, in its latest state.
    last_index = {
        event.message_id: index
        for index, event in enumerate(events)
        if event.kind in ("sent", "edited")
    }
    return [
        event
        for index, event in enumerate(events)
        if event.kind not in ("sent", "edited") or last_index[event.message_id] == index
    ]


def _button_rows(message: BotMessage) -> list[str]:
    rows, number = [], 0
    for row in message.reply_markup:
        labels = []
        for button in row:
            number += 1
            link = " ↗" if message.is_link(button) else ""
            labels.append(f"[{number}] {button.text}{link}")
        rows.append("   ".join(labels))
    return rows


def _snippet(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
