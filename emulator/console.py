"""`python -m bot console`: the real bot against the in-process Bot API emulator,
chatted with from the terminal. No Telegram account, no network."""

from __future__ import annotations

import functools
import logging
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.clock import ShiftedClock
from bot.context import BotApplication, Services
from bot.logs import setup_logging
from bot.runner import initialize_with_retry, owned_database, start_receiving, stop_receiving
from bot.settings import Settings
from emulator.demo import seed_demo_absences, seed_demo_schools
from emulator.frontend import ConsoleFrontend
from emulator.server import BotApiEmulator
from reminders import jobs as reminder_jobs
from storage.db import Database

CONSOLE_TOKEN = "100000:CONSOLE-TOKEN-not-a-real-one-xxxxxxxx"
ADMIN_ID = 1001
REFERENT_ID = 2001
SECOND_REFERENT_ID = 2002
REGIONAL_ADMIN_ID = 1000

USERS = {
    "admin": ADMIN_ID,
    "regione": REGIONAL_ADMIN_ID,
    "referente": REFERENT_ID,
    "referente2": SECOND_REFERENT_ID,
}


async def _move_clock(
    clock: ShiftedClock, tz: ZoneInfo, argument: str, application: BotApplication | None = None
) -> str:
    """`!ora` shows the bot's time; `!ora 17/11/2026 09:30` moves it; `!ora reale` resets.

    Once moved, the reminders due at the new time go out, as the scheduler would have sent
    them had the time really passed (its jobs run on the machine's clock)."""
    text = argument.strip().lower()
    if text == "reale":
        clock.reset()
    elif text:
        try:
            moment = datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=tz)
        except ValueError:
            return "Formato: !ora GG/MM/AAAA HH:MM (oppure !ora reale)"
        clock.set(moment)
    shown = clock().astimezone(tz)
    answer = f"Ora del bot: {WEEKDAYS[shown.weekday()]} {shown:%d/%m/%Y %H:%M}"
    if text and application is not None:
        summary = await reminder_jobs.run_due(application)
        answer += f"\nPromemoria inviati: {summary.messages}"
    return answer


async def _demo_absences(services: Services, argument: str) -> str:
    """`!demo`: absences of the sentinel plessi for the school year so far (for /report)."""
    written = await seed_demo_absences(services, actor=0)
    return f"Assenze demo registrate: {written}. Ora prova /report."


WEEKDAYS = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")


async def run_console(database: Path) -> int:
    # Logs would mix with the chat: only warnings, to stderr.
    setup_logging("WARNING", [CONSOLE_TOKEN])
    clock = ShiftedClock()
    emulator = BotApiEmulator(token=CONSOLE_TOKEN, bot_username="SentinellaBot", clock=clock)
    await emulator.start()
    settings = Settings(
        telegram_bot_token=CONSOLE_TOKEN,
        telegram_api_base_url=emulator.base_url,
        telegram_api_file_url=emulator.base_file_url,
        database_path=database,
        admin_ids=f"{ADMIN_ID}:ATS-MILANO,{REGIONAL_ADMIN_ID}",
    )
    try:
        # The bot's own lock: a second console (or a bot) on this file stops with one line.
        async with owned_database(settings) as db:
            await _chat(emulator, settings, db, clock)
    finally:
        await emulator.stop()
    return 0


async def _chat(
    emulator: BotApiEmulator, settings: Settings, db: Database, clock: ShiftedClock
) -> None:
    services = Services(settings=settings, db=db, clock=clock)
    await seed_demo_schools(services, actor=0)
    application = build_application(services)
    try:
        await initialize_with_retry(application, first_delay=0.1, max_attempts=10)
        await start_receiving(application, settings, poll_timeout=10)
        print(
            f"Sentinella console · database {settings.database_path} · utenti: {', '.join(USERS)}\n"
            "Scrivi come in Telegram; #N tocca il pulsante N; !aiuto per i comandi della console;\n"
            "!ora 17/11/2026 09:30 sposta l'orologio del bot (per provare un martedì).",
            file=sys.stdout,
        )
        commands = {
            "ora": functools.partial(_move_clock, clock, settings.tz, application=application),
            "demo": functools.partial(_demo_absences, services),
        }
        await ConsoleFrontend(
            emulator, USERS, start_as="admin", extra_commands=commands, timezone=settings.tz
        ).run()
    finally:
        logging.getLogger(__name__).debug("console stopping")
        await stop_receiving(application)
