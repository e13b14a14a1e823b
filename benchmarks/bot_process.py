"""The real bot for the benchmarks: what `python -m bot` runs, with the clock set to a
chosen moment (a Tuesday morning, so /assenze has a recording day open).

    TELEGRAM_BOT_TOKEN=... TELEGRAM_API_BASE_URL=... DATABASE_PATH=... \
        python -m benchmarks.bot_process --now 2026-11-17T09:30:00+01:00

Same settings (from the environment), same services, application, polling, uvloop and
SIGTERM handling as `bot.runner.run_process`; only the services' clock differs: real time
moved to `--now` (bot.clock.ShiftedClock, as the console's `!ora`). It is not a setting of
the production bot on purpose.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.app import build_application
from bot.clock import ShiftedClock
from bot.context import BotApplication, Services
from bot.logs import setup_logging
from bot.processor import PerChatUpdateProcessor
from bot.runner import (
    StartupError,
    event_loop_factory,
    run,
)
from bot.settings import SettingsError, load_settings


def _clock_at(now: datetime) -> ShiftedClock:
    clock = ShiftedClock()
    clock.set(now)
    return clock


# Where the process writes its figures when it gets SIGUSR1 (benchmarks/_process.py).
FIGURES_ENV = "SENTINELLA_BENCH_FIGURES"
# Where to write a cProfile of the whole run, when set (by hand: python -m pstats PATH).
PROFILE_ENV = "SENTINELLA_BENCH_PROFILE"


def _with_figures(services: Services) -> BotApplication:
    """The application, plus SIGUSR1: write the database transactions committed and the
    updates handled so far to the file FIGURES_ENV names (the benchmark reads it before and
    after its run: transactions per update)."""
    application = build_application(services)
    target = os.environ.get(FIGURES_ENV)
    if target is None:
        return application
    processor = application.update_processor
    asked = 0

    def dump() -> None:
        nonlocal asked
        asked += 1
        handled = processor.processed if isinstance(processor, PerChatUpdateProcessor) else 0
        figures = {"seq": asked, "commits": services.db.commits, "updates": handled}
        temporary = Path(f"{target}.tmp")
        temporary.write_text(json.dumps(figures), encoding="utf-8")
        temporary.replace(target)

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump)
    return application


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        required=True,
        help="the bot's clock at start-up, ISO 8601 with its UTC offset",
    )
    args = parser.parse_args(argv)
    if args.now.tzinfo is None:
        parser.error("--now needs a UTC offset, e.g. 2026-11-17T09:30:00+01:00")
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"bot_process: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.telegram_bot_token.get_secret_value()])
    profile_to = os.environ.get(PROFILE_ENV)
    profiler = cProfile.Profile() if profile_to else None
    if profiler is not None:
        profiler.enable()
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(run(settings, _with_figures, _clock_at(args.now), first_delay=0.1))
    except StartupError as error:
        print(f"bot_process: {error}", file=sys.stderr)
        return 1
    finally:
        if profiler is not None and profile_to:
            profiler.disable()
            profiler.dump_stats(profile_to)
    return 0


if __name__ == "__main__":
    sys.exit(main())
