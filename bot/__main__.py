"""`python -m bot` runs the bot; `python -m bot console` chats with it in the terminal;
`python -m bot backup PATH` copies the database while the bot runs."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.app import build_application
from bot.logs import setup_logging
from bot.runner import StartupError, run_process
from bot.settings import SettingsError, database_path_setting, load_settings
from storage.db import backup_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Sentinella bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (default)")
    console = sub.add_parser("console", help="chat with the bot in the terminal, offline")
    console.add_argument("--database", type=Path, default=Path("data/console.sqlite3"))
    backup = sub.add_parser("backup", help="consistent copy of the database, while it runs")
    backup.add_argument("path", type=Path)
    backup.add_argument("--database", type=Path, help="default: DATABASE_PATH")
    args = parser.parse_args(argv)

    if args.command == "console":
        from emulator.console import run_console

        try:
            return asyncio.run(run_console(args.database))
        except KeyboardInterrupt:
            # Ctrl-C leaves like !esci: the bot and the emulator were stopped on the way out.
            print("\nConsole chiusa.")
            return 0
        except StartupError as error:  # another console or bot on the file, a read-only file
            print(f"sentinella: {error}", file=sys.stderr)
            return 1
    if args.command == "backup":
        return asyncio.run(_backup(args.database or database_path_setting(), args.path))
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"sentinella: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.telegram_bot_token.get_secret_value()])
    try:
        run_process(settings, build_application)
    except StartupError as error:
        print(f"sentinella: {error}", file=sys.stderr)
        return 1
    return 0


async def _backup(source: Path, target: Path) -> int:
    if not source.exists():  # noqa: ASYNC240 - one stat before anything runs
        print(f"sentinella: no database at {source}", file=sys.stderr)
        return 1
    await backup_file(source, target)
    print(f"backup of {source} written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
