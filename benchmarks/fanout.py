"""Reminder fan-out at Telegram's limit: 5,000 referents owed Tuesday's absences reminder.

    .venv/bin/python -m benchmarks.fanout               # REMINDER_RATE_PER_SECOND 20 (default)
    .venv/bin/python -m benchmarks.fanout --rate 30     # at Telegram's own limit
    .venv/bin/python -m benchmarks.fanout --referents 50   # a smoke check
    .venv/bin/python -m benchmarks.fanout --rate 30 --limit 25   # 429s, and how they end

A fresh SQLite file holds N sentinel plessi of ATS-MILANO, one registered referent each,
every enrolment recorded and no absences for Tuesday 17/11/2026. The Bot API emulator runs on
127.0.0.1 and, like Telegram, answers 429 with `retry_after` 1 whenever more than 30 messages
arrive within one second. The real application (bot.app.build_application, its sender and
rate limiter) is built in this process against it, with the clock at 10:05 that Tuesday,
and the real reminder run (reminders.jobs.run_due, what the 10:00 job and the catch-up at
start-up call) sends what is due.

Figures: messages per second achieved (first to last message the emulator took) against
the configured rate, 429s received and whether each was honoured (no call reached the
emulator within `retry_after` of it), reminders lost (a referent who got no message),
reminders sent twice (a referent who got more than one), total time of the run, and the
reminder log in SQLite (every reminder marked sent).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from benchmarks._flows import user_id_of
from benchmarks._world import ROME, TOKEN, seed
from bot.app import build_application
from bot.clock import ShiftedClock
from bot.context import Services
from bot.runner import initialize_with_retry
from bot.settings import Settings
from emulator.server import BotApiEmulator
from reminders.jobs import run_due
from storage.db import Database

TUESDAY_AFTER_REMINDER_TIME = datetime(2026, 11, 17, 10, 5, tzinfo=ROME)
TELEGRAM_LIMIT = 30  # messages within one second, before Telegram answers 429
RETRY_AFTER = 1.0  # seconds: what the emulator's 429 says


@dataclass
class FanoutResult:
    referents: int
    rate: int  # configured, messages per second
    limit: int  # messages within one second the emulator takes before answering 429
    achieved: float = 0.0  # messages per second, first to last
    seconds: float = 0.0  # the whole run: claim, send and record every reminder
    delivered: int = 0  # referents who got a message
    lost: int = 0  # referents owed a reminder who got none
    twice: int = 0  # referents who got more than one
    throttled: int = 0  # 429s received
    not_honoured: int = 0  # calls that reached the emulator within retry_after of a 429
    logged_sent: int = 0  # reminder_log rows marked sent

    @property
    def share(self) -> float:
        return self.achieved / self.rate if self.rate else 0.0


async def run(
    referents: int, rate: int, workdir: Path, limit: int = TELEGRAM_LIMIT
) -> FanoutResult:
    database = workdir / "fanout.sqlite3"
    indexes = range(referents)
    await seed(database, indexes, now=TUESDAY_AFTER_REMINDER_TIME, sentinel=lambda _: True)
    clock = ShiftedClock()
    clock.set(TUESDAY_AFTER_REMINDER_TIME)
    result = FanoutResult(referents, rate, limit)
    async with BotApiEmulator(token=TOKEN, clock=clock) as emulator:
        emulator.rate_limit_per_second = limit
        for index in indexes:
            emulator.open_chat(user_id_of(index), "Referente")
        settings = Settings(
            telegram_bot_token=TOKEN,
            telegram_api_base_url=emulator.base_url,
            telegram_api_file_url=emulator.base_file_url,
            database_path=database,
            admin_ids="100:ATS-MILANO",
            reminder_rate_per_second=rate,
        )
        db = Database(database)
        await db.connect()
        try:
            application = build_application(Services(settings=settings, db=db, clock=clock))
            await initialize_with_retry(application, first_delay=0.05, max_attempts=20)
            try:
                emulator.stats.reset()
                started = time.monotonic()
                await run_due(application)
                result.seconds = time.monotonic() - started
            finally:
                await application.shutdown()
        finally:
            await db.close()
        _count(result, emulator, indexes)
    result.logged_sent = _logged_sent(database)
    return result


def _count(result: FanoutResult, emulator: BotApiEmulator, indexes: range) -> None:
    stats = emulator.stats
    result.achieved = stats.messages_per_second()
    result.throttled = stats.throttled
    for index in indexes:
        received = sum(1 for event in emulator.events(user_id_of(index)) if event.kind == "sent")
        result.delivered += received > 0
        result.lost += received == 0
        result.twice += received > 1
    result.not_honoured = not_honoured(stats.throttled_at, stats.sent_at)


def not_honoured(throttled_at: Sequence[float], sent_at: Sequence[float]) -> int:
    """Calls (accepted or refused) that reached the emulator less than RETRY_AFTER after a
    429 the bot had been given."""
    attempts = sorted([*throttled_at, *sent_at])
    early = 0
    for moment in throttled_at:
        early += sum(1 for other in attempts if moment < other < moment + RETRY_AFTER)
    return early


def _logged_sent(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        row = conn.execute("SELECT COUNT(*) FROM reminder_log WHERE state = 'sent'").fetchone()
    return int(row[0])


def report(result: FanoutResult) -> str:
    ok = (
        result.share >= 0.95
        and result.lost == 0
        and result.twice == 0
        and result.not_honoured == 0
        and result.logged_sent == result.referents
    )
    return "\n".join(
        [
            f"referents owed a reminder   {result.referents}",
            f"configured rate             {result.rate} messages/s "
            f"(the emulator's limit: {result.limit} within one second)",
            f"achieved                    {result.achieved:.2f} messages/s "
            f"({result.share:.1%} of the configured rate)",
            f"total time                  {result.seconds:.1f} s",
            f"429s received               {result.throttled} "
            f"({result.not_honoured} calls within retry_after of one)",
            f"reminders lost              {result.lost}",
            f"reminders sent twice        {result.twice}",
            f"reminder log: sent          {result.logged_sent} of {result.referents}",
            "",
            f"[{'ok' if ok else 'MISSED'}] target (issue 9): >= 95% of the configured rate, "
            "0 lost, 0 twice, 429s honoured"
            if result.limit == TELEGRAM_LIMIT
            else "(no rate target below Telegram's limit: this run shows how 429s are handled)",
        ]
    )


def main(argv: Sequence[str] | None = None) -> FanoutResult:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fanout", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--referents", type=int, default=5000)
    parser.add_argument(
        "--rate",
        type=int,
        default=Settings.model_fields["reminder_rate_per_second"].default,
        help="REMINDER_RATE_PER_SECOND, 1-30 (20)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=TELEGRAM_LIMIT,
        help="messages within one second before the emulator answers 429 "
        "(30, Telegram's; lower it to see 429s honoured)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    print(f"seeding {args.referents} referents, then sending at {args.rate}/s ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="sentinella-fanout-") as folder:
        result = asyncio.run(run(args.referents, args.rate, Path(folder), args.limit))
    print(report(result))
    if args.json is not None:
        payload = asdict(result) | {"share": result.share}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
