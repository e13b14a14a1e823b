"""Running the bot: start-up with retries, polling or webhook, a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.clock import system_clock
from bot.context import ApplicationFactory, BotApplication, Clock, Services
from bot.errors import stop_waiting
from bot.settings import Settings
from services import registry
from storage import clean_stop
from storage.db import Database, DatabaseUnavailable, not_writable
from storage.lock import InstanceLock, InstanceLocked

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0
GC_YOUNG_THRESHOLD = 10_000  # allocations between young collections (Python's default: 700)
CHECK_AFTER_SECONDS = 1.0  # after polling started, before the deferred integrity check


class StartupError(Exception):
    """Start-up cannot go on (a rejected token, a damaged database): one clear line."""


async def open_database(settings: Settings, *, check: bool = True) -> Database:
    """The database, writable and (with `check`) whole, or StartupError with one line. See
    `owned_database` for the process's own copy (with the single-instance lock)."""
    path = settings.database_path
    problem = not_writable(path)
    if problem is not None:
        raise StartupError(f"database {path} cannot be written: {problem}")
    db = Database(path)
    try:
        await db.connect()
        await db.check_writable()
    except (OSError, sqlite3.Error, DatabaseUnavailable) as error:
        # A file SQLite opened read-only, another owner, a full disk: no traceback, and no
        # "running" bot that fails at its first write. The messages name files, not data.
        await db.close()
        raise StartupError(f"database {path} cannot be written: {error}") from error
    if check:
        try:
            await verify(db)
        except StartupError:
            await db.close()
            raise
    return db


async def verify(db: Database) -> None:
    """`PRAGMA quick_check`, or StartupError with one line (SQLite's finding may quote the
    damaged rows: it is not logged)."""
    if await db.integrity_check() != "ok":
        raise StartupError(f"database {db.path} failed its integrity check")


@dataclass(frozen=True)
class Opened:
    """The process's database, and whether its integrity check is still to run: the last
    owner stopped cleanly and nothing touched the file since (storage/clean_stop.py), so
    the check may run once the bot is serving (`run`)."""

    db: Database
    check_pending: bool


@asynccontextmanager
async def owned_database(settings: Settings) -> AsyncIterator[Database]:
    """The database for this process alone (storage/lock.py), checked, open until the block
    ends: a second bot or console on the same file stops with one line, before it reads or
    migrates anything. A block that ends without an exception leaves the clean-stop marker
    (storage/clean_stop.py) for the next start."""
    async with _owned(settings, defer_check=False) as opened:
        yield opened.db


@asynccontextmanager
async def _owned(settings: Settings, *, defer_check: bool) -> AsyncIterator[Opened]:
    """`owned_database`; with `defer_check`, the integrity check is left to the caller when
    the file was closed cleanly (`Opened.check_pending`)."""
    path = settings.database_path
    problem = not_writable(path)  # before the lock file, which goes beside the database
    if problem is not None:
        raise StartupError(f"database {path} cannot be written: {problem}")
    lock = InstanceLock(path)
    try:
        lock.acquire()
    except InstanceLocked as held:
        raise StartupError(
            f"another Sentinella (process {held.pid if held.pid is not None else '?'}) "
            f"is already running on {path}: stop it first (a backup may run meanwhile)"
        ) from None
    except OSError as error:
        raise StartupError(f"cannot lock {lock.path}: {error}") from error
    try:
        # Read and removed before the file is opened for writing: from here a crash leaves
        # no marker, and the next start checks the file before it serves.
        clean = clean_stop.consume(path)
        later = defer_check and clean
        db = await open_database(settings, check=not later)
        try:
            yield Opened(db, check_pending=later)
        finally:
            await db.close()
        # Reached only when the block ended without an exception: a start-up that failed,
        # or a check that found damage, leave no marker behind.
        try:
            clean_stop.record(path)
        except OSError as error:  # a full disk: the next start checks before it serves
            log.warning("clean-stop marker not written beside %s: %s", path, error.strerror)
    finally:
        lock.release()


async def initialize_with_retry(
    application: BotApplication, *, first_delay: float = 1.0, max_attempts: int | None = None
) -> None:
    """getMe until Telegram answers: a 429, a 5xx or a refused connection is waited out;
    a rejected token is not."""
    delay, attempt = first_delay, 0
    while True:
        attempt += 1
        try:
            await application.initialize()
            if application.post_init is not None:
                # run_polling() would call it; we drive the application ourselves.
                await application.post_init(application)
            return
        except InvalidToken as error:
            raise StartupError("TELEGRAM_BOT_TOKEN was rejected by Telegram") from error
        except RetryAfter as error:
            wait = float(
                error.retry_after
                if isinstance(error.retry_after, int | float)
                else error.retry_after.total_seconds()
            )
        except (NetworkError, TimedOut, OSError) as error:
            wait = delay
            log.warning(
                "Bot API at %s not reachable at start-up (%s: %s); check the network, a"
                " proxy or firewall, or TELEGRAM_API_BASE_URL; retrying in %.0f s",
                api_host(application),
                type(error).__name__,
                error,
                wait,
            )
        if max_attempts is not None and attempt >= max_attempts:
            raise StartupError("the Bot API could not be reached at start-up")
        await asyncio.sleep(wait)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)


def api_host(application: BotApplication) -> str:
    """The Bot API's host, without the path (the path carries the token)."""
    return urlparse(application.bot.base_url).netloc or "?"


# The token of .env.example: a copied file not filled in.
PLACEHOLDER_TOKEN = "123456789:replace-with-the-token-from-BotFather"


async def startup_warnings(services: Services) -> list[str]:
    """One line per setting that looks wrong but need not stop the bot."""
    settings = services.settings
    warnings: list[str] = []
    if settings.telegram_bot_token.get_secret_value() == PLACEHOLDER_TOKEN:
        warnings.append(
            "TELEGRAM_BOT_TOKEN is still the placeholder of .env.example:"
            " put the token @BotFather gave you"
        )
    admin_ats = [entry.ats_code for entry in settings.admin_ids if entry.ats_code is not None]
    for code in await registry.ats_without_plessi(services, admin_ats):
        warnings.append(
            f"ADMIN_IDS names {code}, which no plesso uses: a typo, or load the schools"
            " with /scuole"
        )
    return warnings


async def start_receiving(
    application: BotApplication, settings: Settings, poll_timeout: int = 30
) -> None:
    updater = application.updater
    assert updater is not None
    if settings.webhook_url:
        if settings.webhook_secret is None:
            # Settings refuse this already; settings made some other way must not open an
            # unauthenticated door either.
            raise StartupError("webhook mode needs WEBHOOK_SECRET")
        secret = settings.webhook_secret.get_secret_value()
        await updater.start_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=urlparse(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        await updater.start_polling(timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
    await application.start()


async def stop_receiving(application: BotApplication) -> None:
    updater = application.updater
    if updater is not None and updater.running:
        await updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (everywhere but Windows), else asyncio's."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return None
    return uvloop.new_event_loop


def run_process(settings: Settings, build: ApplicationFactory) -> None:
    """The real process: `run` on uvloop when available (tests keep asyncio's own loop)."""
    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(run(settings, build))


async def run(
    settings: Settings,
    build: ApplicationFactory,
    clock: Clock = system_clock,
    first_delay: float = 1.0,
) -> None:
    """The bot until SIGTERM, as `build` (bot.app's factory, passed in by the entry point so
    that this toolkit module does not import the wiring) makes it. `clock` is the real time
    but for the benchmarks' process (benchmarks/bot_process.py), which runs on a Tuesday
    morning whatever the day.

    After a clean stop the database's integrity check runs on a thread once the bot polls
    (it reads the whole file: 1.9 s on a year of data); if it finds damage the bot stops as
    a failed start-up does, with StartupError. After anything else it runs before."""
    timer = StartupTimer()
    async with _owned(settings, defer_check=True) as opened:
        db = opened.db
        timer.mark("database (checked later)" if opened.check_pending else "database")
        services = Services(settings=settings, db=db, clock=clock)
        for warning in await startup_warnings(services):
            log.warning("%s", warning)
        application = build(services)
        timer.mark("application")
        stop = asyncio.Event()
        checking: asyncio.Task[bool] | None = None
        try:
            await initialize_with_retry(application, first_delay=first_delay)
            timer.mark("initialize")
            _settle_memory()
            await start_receiving(application, settings)
            timer.mark("polling")
            log.info("Sentinella is running (%s)", "webhook" if settings.webhook_url else "polling")
            log.info("%s", timer.summary())
            log.debug("event loop: %s", type(asyncio.get_running_loop()).__module__)
            if opened.check_pending:
                checking = asyncio.create_task(_check_while_serving(db, stop))
            await _wait_for_signal(stop)
            log.info("stopping")
            # Calls waiting out a 429 or a back-off (a reminder run, a reply) give up now:
            # Application.stop waits for the jobs and updates in hand, which would wait them.
            stop_waiting(application.bot)
        finally:
            if checking is not None and not checking.done():
                checking.cancel()  # SQLite is interrupted: the next start checks again
                with contextlib.suppress(asyncio.CancelledError):
                    await checking
            # Also when start-up failed after `initialize` (the webhook port taken): the
            # HTTP sessions, the job queue and the persistence are closed all the same.
            await stop_receiving(application)
        if checking is not None and not checking.cancelled() and not checking.result():
            raise StartupError(f"database {settings.database_path} failed its integrity check")


async def _check_while_serving(db: Database, stop: asyncio.Event) -> bool:
    """The integrity check left for after the start (`Opened.check_pending`): True when the
    file is whole; else one line in the log, and the bot is stopped. It begins a moment
    after polling did: its thread takes a core for seconds, and on a busy machine it slowed
    the first getUpdates going out (connect, send) by 0.15-0.2 s."""
    await asyncio.sleep(CHECK_AFTER_SECONDS)
    log.info("integrity check of the database running (the bot serves meanwhile)")
    try:
        whole = await db.integrity_check() == "ok"
    except (OSError, sqlite3.Error) as error:  # it could not even read the file
        log.error("integrity check of the database could not run: %s", type(error).__name__)
        whole = False
    if whole:
        log.info("integrity check of the database: ok")
    else:
        log.error(
            "database %s failed its integrity check after start-up: stopping"
            " (restore the last backup, README: Backup and restore)",
            db.path,
        )
        stop.set()
    return whole


class StartupTimer:
    """The phases of the start-up after the imports, for one line in the log (the
    benchmarks read it: benchmarks/_startup_probe.py)."""

    def __init__(self) -> None:
        self._started = self._last = time.perf_counter()
        self._phases: list[tuple[str, float]] = []

    def mark(self, phase: str) -> None:
        now = time.perf_counter()
        self._phases.append((phase, now - self._last))
        self._last = now

    def summary(self) -> str:
        phases = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in self._phases)
        return (
            f"started in {(self._last - self._started) * 1000:.0f} ms after the imports: {phases}"
        )


def _settle_memory() -> None:
    """What start-up loaded stays for the process's life: the collector stops walking it
    (gc.freeze), and collects young objects less often than every 700 allocations, since
    each update allocates thousands of short-lived ones (python-telegram-bot's objects).
    The garbage of the start-up is collected first from the young generations only: a full
    collection walks every object the imports made (0.05-0.2 s before the first getUpdates)
    and found about 800 more objects, which stay frozen (measured, issue 16)."""
    gc.collect(1)
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


async def _wait_for_signal(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
