"""The application factory: wires settings, storage, access control and the flows."""

from __future__ import annotations

import importlib
import logging
import sys
from datetime import date

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    ApplicationBuilder,
    ContextTypes,
    Defaults,
    TypeHandler,
)

from bot import flows
from bot.access import resolve_actor
from bot.context import SERVICES_KEY, BotApplication, BotContext, Services, services_of
from bot.errors import RetryingRateLimiter, on_error
from bot.menus import set_command_menus
from bot.processor import PerChatUpdateProcessor
from bot.request import AiohttpRequest
from bot.routing import Router
from conversations import registered_handlers
from domain import comuni
from domain.calendar import preload_holidays
from domain.people import parse_phone
from reminders import broadcast as broadcast_delivery
from reminders import citizens as citizen_reminders
from reminders import early_warning, handover, retention
from reminders import jobs as reminder_jobs
from reminders import notices as referent_notices
from reminders import senthome as sent_home
from reminders import swabs as swab_reminders
from reminders import vaccines as vaccine_reminders

log = logging.getLogger(__name__)

REQUEST_POOL_SIZE = 256  # concurrent Bot API calls, as PTB's default
GET_UPDATES_READ_TIMEOUT = 5.0  # seconds beyond the long-poll timeout, as PTB's default


def build_application(services: Services) -> BotApplication:
    settings = services.settings
    processor = PerChatUpdateProcessor(store=services.updates, clock=services.clock)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(processor)
        # aiohttp instead of PTB's httpx: under half the CPU per Bot API call (measured).
        # Same pool sizes and timeouts as PTB's defaults; getUpdates has its own connection,
        # and PTB adds the long-poll timeout to its read timeout on every call.
        .request(AiohttpRequest(connection_pool_size=REQUEST_POOL_SIZE))
        .get_updates_request(
            AiohttpRequest(connection_pool_size=1, read_timeout=GET_UPDATES_READ_TIMEOUT)
        )
        # No overall cap on replies (each chat answers at its own pace); a 429 is retried
        # after Telegram's retry_after, a 5xx, a time-out or a dropped connection with
        # back-off (bot.errors). Pushes to many users pace themselves (reminders).
        .rate_limiter(RetryingRateLimiter(overall_max_rate=0, max_retries=3))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .post_init(_post_init)
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
    if settings.telegram_api_file_url:
        builder = builder.base_file_url(settings.telegram_api_file_url)
    application: BotApplication = builder.build()
    application.bot_data[SERVICES_KEY] = services
    _register(application)
    reminder_jobs.install(application)
    early_warning.install(application)
    handover.install(application)
    referent_notices.install(application)
    broadcast_delivery.install(application)
    retention.install(application)
    citizen_reminders.install(application)
    sent_home.install(application)
    vaccine_reminders.install(application)
    swab_reminders.install(application)
    return application


def _register(application: BotApplication) -> None:
    application.add_handler(TypeHandler(Update, resolve_actor), group=-1)
    application.add_handler(Router(registered_handlers()))
    application.add_error_handler(on_error)


async def _post_init(application: BotApplication) -> None:
    # The flows keep their steps in our own table (bot.flows): no python-telegram-bot
    # persistence; the steps in progress are read here, before the first update.
    await flows.start(application)
    warm_up(services_of(application).local_now().date())
    await set_command_menus(application.bot, services_of(application).settings)


def warm_up(today: date) -> None:
    """Load now, before the first update, what the first referent typing a comune, a phone
    or a date, or sending a class list would otherwise load on the event loop while every
    other chat waits (0.2-2 s under load, the p99 of benchmarks/load.py): the comuni index
    built from domain/data/comuni.tsv (3.5 MB, 0.1 s), the holiday tables around `today`,
    phonenumbers' Italian metadata (20 ms) and openpyxl. Memory loaded at start-up stays in
    the main heap, where the collector no longer walks it (gc.freeze)."""
    comuni.comune_by_code("F205")
    preload_holidays(today)
    parse_phone("02 1234 5678")
    import_openpyxl_for_reading()


# What openpyxl imports if it can, for what the bot never does with it: write numpy numbers
# into cells (numpy, 13 MB) and read the images of a workbook, which read-only mode skips
# (PIL, 2 MB). Both stay importable afterwards (matplotlib's pictures need numpy).
_NOT_FOR_OPENPYXL = ("numpy", "PIL")


def import_openpyxl_for_reading() -> None:
    """Import openpyxl (it reads the class lists sent as XLSX, read-only) now, at start-up,
    on the main thread, without numpy and PIL. Imported by the first file instead, it came
    mid-load on a worker thread: 0.3 s of a core while the other chats wait, and its memory
    in that thread's own heap (the peak RSS under load went from 81 to 137 MB)."""
    if "openpyxl" in sys.modules:
        return
    blocked = [name for name in _NOT_FOR_OPENPYXL if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # "import numpy" fails
    try:
        importlib.import_module("openpyxl")
    finally:
        for name in blocked:
            del sys.modules[name]
