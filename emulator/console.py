"""`python -m bot console`: the real bot against the in-process Bot API emulator,
chatted with from the terminal. No Telegram account, no network."""

from __future__ import annotations

import functools
import logging
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_application
from bot.clock import ShiftedClock
from bot.context import BotApplication, Services
from bot.logs import setup_logging
from bot.runner import initialize_with_retry, owned_database, start_receiving, stop_receiving
from bot.settings import Settings
from emulator.demo import seed_demo_absences, seed_demo_citizen, seed_demo_schools
from emulator.frontend import ConsoleFrontend
from emulator.server import BotApiEmulator
from reminders import jobs as reminder_jobs
from storage.db import Database

CONSOLE_TOKEN = "100000:CONSOLE-TOKEN-not-a-real-one-xxxxxxxx"
ADMIN_ID = 1001
REFERENT_ID = 2001
SECOND_REFERENT_ID = 2002
REGIONAL_ADMIN_ID = 1000
CITIZEN_ID = 3001

USERS = {
    "admin": ADMIN_ID,
    "regione": REGIONAL_ADMIN_ID,
    "referente": REFERENT_ID,
    "referente2": SECOND_REFERENT_ID,
    "cittadino": CITIZEN_ID,
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
        moment = clock_target(text, clock().astimezone(tz))
        if moment is None:
            return (
                "Formato: !ora GG/MM/AAAA HH:MM, !ora martedì [HH:MM], !ora +N "
                "(giorni), oppure !ora reale"
            )
        clock.set(moment)
    shown = clock().astimezone(tz)
    answer = f"Ora del bot: {WEEKDAYS[shown.weekday()]} {shown:%d/%m/%Y %H:%M}"
    if text and application is not None:
        summary = await reminder_jobs.run_due(application)
        answer += f"\nPromemoria inviati: {summary.messages}"
    return answer


def clock_target(text: str, now: datetime) -> datetime | None:
    """Where `!ora TEXT` moves the clock from `now` (local): a date and time; `+N` days
    ahead; or the next weekday named (`martedì 09:30`, 09:30 by default), never backwards,
    so the README's tour works whatever today is. None: not understood."""
    if text.startswith("+") and text[1:].isdigit():
        return now + timedelta(days=int(text[1:]))
    name, _, hour = text.partition(" ")
    plain = name.replace("ì", "i")
    names = [day.replace("ì", "i") for day in WEEKDAYS]
    if plain in names:
        try:
            at = datetime.strptime(hour or "09:30", "%H:%M").time()
        except ValueError:
            return None
        ahead = (names.index(plain) - now.weekday()) % 7
        moment = datetime.combine(now.date() + timedelta(days=ahead), at, tzinfo=now.tzinfo)
        return moment if moment > now else moment + timedelta(days=7)
    try:
        return datetime.strptime(text, "%d/%m/%Y %H:%M").replace(tzinfo=now.tzinfo)
    except ValueError:
        return None


async def _demo_absences(services: Services, argument: str) -> str:
    """`!demo`: absences of the sentinel plessi for the school year so far (for /report)."""
    written = await seed_demo_absences(services, actor=0)
    return f"Assenze demo registrate: {written}. Ora prova /report."


async def _demo_citizen(services: Services, argument: str) -> str:
    """`!cittadino`: a person in isolation linked to the "cittadino" chat (issue 19)."""
    citizen_id = await seed_demo_citizen(services, ADMIN_ID, CITIZEN_ID)
    if not citizen_id:
        return "Il cittadino demo c'è già: passa a «cittadino» e scrivi /start."
    return (
        f"Cittadino demo #{citizen_id} (MARIO ROSSI, in isolamento da 5 giorni) collegato a "
        "«cittadino»: passa a quell'utente e scrivi /start; l'admin lo vede in /isolamenti."
    )


EXTRA_HELP = """\
  !ora GG/MM/AAAA HH:MM  sposta l'orologio del bot (!ora reale per tornare all'ora vera)
  !ora +N          sposta l'orologio avanti di N giorni (es. !ora +1)
  !ora martedì [HH:MM]  porta l'orologio al prossimo martedì (alle 09:30)
  !demo            registra assenze demo dei plessi sentinella (per provare /report)
  !cittadino       crea un cittadino in isolamento per l'utente «cittadino»"""

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
    # The bot remembers the update ids it handled: a fresh emulator numbering from 1 again
    # would have its first messages skipped as replays.
    emulator.continue_updates_after(await services.updates.last_id())
    await seed_demo_schools(services, actor=0)
    application = build_application(services)
    try:
        await initialize_with_retry(application, first_delay=0.1, max_attempts=10)
        await start_receiving(application, settings, poll_timeout=10)
        print(
            f"Sentinella console · database {settings.database_path} · utenti: {', '.join(USERS)}\n"
            "Scrivi come in Telegram; #N tocca il pulsante N; !aiuto per i comandi della console;\n"
            "!ora martedì sposta l'orologio del bot al prossimo martedì (per le assenze);\n"
            "!cittadino crea un cittadino in isolamento per l'utente «cittadino».",
            file=sys.stdout,
        )
        commands = {
            "ora": functools.partial(_move_clock, clock, settings.tz, application=application),
            "demo": functools.partial(_demo_absences, services),
            "cittadino": functools.partial(_demo_citizen, services),
        }
        await ConsoleFrontend(
            emulator,
            USERS,
            start_as="admin",
            extra_commands=commands,
            extra_help=EXTRA_HELP,
            timezone=settings.tz,
        ).run()
    finally:
        logging.getLogger(__name__).debug("console stopping")
        await stop_receiving(application)
