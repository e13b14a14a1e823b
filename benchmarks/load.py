"""Tuesday-morning load: the real bot against a bare python-telegram-bot baseline.

    .venv/bin/python -m benchmarks.load                     # N = 50, 200, 1000; 0 and 50 ms
    .venv/bin/python -m benchmarks.load --users 200 --latency-ms 0,50
    .venv/bin/python -m benchmarks.load --users 1000 --no-baseline
    .venv/bin/python -m benchmarks.load --users 200 --burst
    .venv/bin/python -m benchmarks.load --quick             # a smoke check, a few seconds

Each run starts a fresh Bot API emulator on 127.0.0.1 (in this process, with the simulated
referents) and the bot in a subprocess, over real HTTP: Sentinella as `python -m bot` runs
it (benchmarks.bot_process: the same application with its clock on Tuesday 17/11/2026 09:30,
so /assenze has a recording day; reminders off, so only the referents talk), on a fresh
SQLite file seeded with one plesso and one registered referent per simulated user; then the
baseline (benchmarks.baseline_bot: the same conversations, in memory, default settings).

N referents start at once, each playing one conversation (benchmarks._flows: 70% the whole
/assenze flow, 25% /nuovocaso and 3 contacts one by one, 5% a class of 25 from an XLSX
file), waiting for each answer before the next step, or with --burst typing ahead without
waiting (only taps wait for their button). The emulator adds --latency-ms to every Bot API
call (50 ms: a realistic round trip to Telegram).

Figures per run: updates per second sustained (answered steps over the time until 95% of
them were answered, so the last few long conversations do not dilute it), the latency of
each step from its update being available in the emulator to the emulator taking the bot's
answer (p50, p95, p99), conversations done / failed (no final answer, or the database does
not hold what was sent) / cut by the deadline, peak RSS of the bot process (VmHWM), its CPU
per update (and this process's: the emulator and the referents), and the database size.
After each run of the real bot the SQLite file is checked: every referent's absences, case
and contacts as sent, and every update recorded as handled. Then the ratios ours / baseline
and the targets of issue 9.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from benchmarks import _verify
from benchmarks._flows import Conversation, Kind, conversations, kind_of
from benchmarks._process import BotProcess
from benchmarks._users import Outcome, play_all
from benchmarks._world import ROME, TOKEN, seed_load
from bot.clock import ShiftedClock
from emulator.server import BotApiEmulator

START = datetime(2026, 11, 17, 9, 30, tzinfo=ROME)  # a Tuesday morning
# Bot API calls that make the conversations' shape (the rest is start-up and polling).
SHAPE_CALLS = (
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "deleteMessage",
    "deleteMessages",
    "getFile",
)
OURS, BASELINE = "sentinella", "baseline"


@dataclass
class RunResult:
    bot: str
    users: int
    latency_ms: int
    burst: bool
    updates: int = 0  # steps answered
    seconds: float = 0.0  # to the last answer (or the deadline)
    sustained: float = 0.0  # updates per second up to the 95th percentile answer
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    done: int = 0
    failed: int = 0
    cut: int = 0
    peak_rss_mb: float = 0.0
    cpu_ms_per_update: float = 0.0
    emulator_cpu_ms_per_update: float = 0.0  # this process: the emulator and the referents
    db_mb: float | None = None
    updates_recorded: int | None = None  # rows of processed_updates (ours)
    calls: dict[str, int] = field(default_factory=dict)
    # The bot's own counters over the run (ours only): transactions committed, updates handled.
    transactions: int | None = None
    handled: int | None = None
    problems: list[str] = field(default_factory=list)  # the first few, for the reader
    # The slowest kinds of step: (step, p95 ms, p99 ms, how many), where the tail comes from.
    slowest: list[tuple[str, float, float, int]] = field(default_factory=list)
    # How long the updates waited in the emulator before a getUpdates took them (the polling
    # cycle's share of a step, not the bot's): mean and median, ms.
    queue_wait_mean_ms: float = 0.0
    queue_wait_p50_ms: float = 0.0
    mean_ms: float = 0.0  # mean step latency, to split into the wait and the rest

    @property
    def throughput(self) -> float:
        return self.sustained

    @property
    def mode(self) -> str:
        return "burst" if self.burst else "normal"


@dataclass(frozen=True)
class RunConfig:
    bot: str
    users: int
    latency_ms: int
    burst: bool
    deadline: float
    step_timeout: float


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def sustained(answered: Sequence[float], started: float, end: float, cut: bool) -> float:
    """Updates per second while the load lasts: up to the moment 95% of the answers had come,
    so the tail of the longest conversations (a few referents left, the bot mostly idle) does
    not dilute it. A run cut by the deadline was loaded to its end: all of it counts."""
    if not answered:
        return 0.0
    if cut:
        return len(answered) / (end - started)
    count = max(1, math.ceil(0.95 * len(answered)))
    moment = sorted(answered)[count - 1]
    return count / (moment - started) if moment > started else 0.0


def _file_cases_placeholder(users: int) -> dict[int, int]:
    """The ids the seeding gives the class-file cases (1, 2, ... in index order): what the
    baseline's referents type after /caso."""
    indexes = [index for index in range(users) if kind_of(index) is Kind.CLASS_FILE]
    return {index: number for number, index in enumerate(indexes, start=1)}


def _process(config: RunConfig, emulator: BotApiEmulator, workdir: Path) -> BotProcess:
    if config.bot == OURS:
        env = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "TELEGRAM_API_FILE_URL": emulator.base_file_url,
            "DATABASE_PATH": str(workdir / "sentinella.sqlite3"),
            "ADMIN_IDS": "100:ATS-MILANO",
            "REMINDERS_ENABLED": "false",
        }
        args = ["-m", "benchmarks.bot_process", "--now", START.isoformat()]
        return BotProcess(args, env, workdir, OURS)
    args = [
        "-m",
        "benchmarks.baseline_bot",
        "--token",
        TOKEN,
        "--base-url",
        emulator.base_url,
        "--file-url",
        emulator.base_file_url,
    ]
    return BotProcess(args, {}, workdir, BASELINE)


async def run_once(config: RunConfig, workdir: Path) -> RunResult:
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    database = workdir / "sentinella.sqlite3"
    if config.bot == OURS:
        file_cases = await seed_load(database, config.users, START)
    else:
        file_cases = _file_cases_placeholder(config.users)
    played = conversations(config.users, file_cases)
    clock = ShiftedClock()
    clock.set(START)
    result = RunResult(config.bot, config.users, config.latency_ms, config.burst)
    async with BotApiEmulator(token=TOKEN, clock=clock) as emulator:
        emulator.latency = config.latency_ms / 1000
        process = _process(config, emulator, workdir)
        await process.start(emulator)
        try:
            await asyncio.sleep(0.5)  # let the start-up calls settle
            calls_before = Counter(emulator.stats.calls)
            waits_before = len(emulator.stats.queue_waits)
            figures_before = await process.figures() if config.bot == OURS else None
            cpu_before = process.cpu_seconds()
            own_cpu_before = time.process_time()
            started = time.monotonic()
            outcomes = await play_all(
                emulator,
                played,
                burst=config.burst,
                step_timeout=config.step_timeout,
                deadline=started + config.deadline,
            )
            _measure(result, outcomes, started)
            _measure_queue_waits(result, emulator.stats.queue_waits[waits_before:])
            cpu = process.cpu_seconds() - cpu_before
            own_cpu = time.process_time() - own_cpu_before
            if result.updates:
                result.cpu_ms_per_update = 1000 * cpu / result.updates
                result.emulator_cpu_ms_per_update = 1000 * own_cpu / result.updates
            result.peak_rss_mb = process.peak_rss_mb()
            # The deletions after a final answer are still on their way: let them land.
            await _settled(emulator)
            result.calls = {
                name: emulator.stats.calls[name] - calls_before[name] for name in SHAPE_CALLS
            }
            if figures_before is not None:
                figures_after = await process.figures()
                if figures_after is not None:
                    result.transactions = figures_after["commits"] - figures_before["commits"]
                    result.handled = figures_after["updates"] - figures_before["updates"]
        finally:
            await process.stop()
    if config.bot == OURS:
        await asyncio.to_thread(_check_database, result, database, played, outcomes)
    return result


async def _settled(emulator: BotApiEmulator, quiet: float = 0.3, limit: float = 5.0) -> None:
    """Return once the bot made no call for `quiet` seconds (at most `limit`)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        before = sum(emulator.stats.calls[name] for name in SHAPE_CALLS)
        await asyncio.sleep(quiet)
        if sum(emulator.stats.calls[name] for name in SHAPE_CALLS) == before:
            return


def _measure(result: RunResult, outcomes: list[Outcome], started: float) -> None:
    latencies = [latency for outcome in outcomes for latency in outcome.latencies]
    answered = [moment for outcome in outcomes for moment in outcome.answered_at]
    cut = any(outcome.cut for outcome in outcomes)
    end = time.monotonic() if cut or not answered else max(answered)
    result.updates = len(latencies)
    result.seconds = end - started
    result.sustained = sustained(answered, started, end, cut)
    result.p50_ms, result.p95_ms, result.p99_ms = (
        1000 * percentile(latencies, share) for share in (0.50, 0.95, 0.99)
    )
    result.slowest = slowest_steps(outcomes)
    if latencies:
        result.mean_ms = 1000 * sum(latencies) / len(latencies)
    for outcome in outcomes:
        if outcome.done:
            result.done += 1
        elif outcome.cut:
            result.cut += 1
        else:
            result.failed += 1
            _problem(result, outcome.conversation, outcome.error or "?")


def _measure_queue_waits(result: RunResult, waits: Sequence[float]) -> None:
    if waits:
        result.queue_wait_mean_ms = 1000 * sum(waits) / len(waits)
        result.queue_wait_p50_ms = 1000 * percentile(waits, 0.50)


def _problem(result: RunResult, conversation: Conversation, text: str) -> None:
    if len(result.problems) < 5:
        result.problems.append(f"user {conversation.user_id} ({conversation.kind}): {text}")


def _check_database(
    result: RunResult, database: Path, played: list[Conversation], outcomes: list[Outcome]
) -> None:
    """A conversation whose final answer came but whose records differ from what was sent
    fails too."""
    finished = [outcome.conversation for outcome in outcomes if outcome.done]
    wrong = _verify.check_all(database, finished)
    for conversation in finished:
        if conversation.user_id in wrong:
            result.done -= 1
            result.failed += 1
            _problem(result, conversation, wrong[conversation.user_id])
    result.updates_recorded = _verify.updates_recorded(database)
    result.db_mb = _verify.size_mb(database)
    sent = sum(outcome.sent for outcome in outcomes)
    if result.cut == 0 and result.updates_recorded != sent:
        result.problems.append(f"{result.updates_recorded} updates recorded, {sent} sent")


# --- the report ---------------------------------------------------------------------------


def table(results: Sequence[RunResult]) -> str:
    header = (
        f"{'bot':<11}{'mode':<7}{'N':>6}{'lat ms':>7}{'updates':>9}{'upd/s':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>9}{'done':>6}{'failed':>7}{'cut':>5}"
        f"{'RSS MB':>8}{'CPU ms/upd':>11}{'emu CPU':>8}{'DB MB':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        db = f"{r.db_mb:.1f}" if r.db_mb is not None else "-"
        lines.append(
            f"{r.bot:<11}{r.mode:<7}{r.users:>6}{r.latency_ms:>7}{r.updates:>9}"
            f"{r.throughput:>8.0f}{r.p50_ms:>8.0f}{r.p95_ms:>8.0f}{r.p99_ms:>9.0f}"
            f"{r.done:>6}{r.failed:>7}{r.cut:>5}{r.peak_rss_mb:>8.0f}"
            f"{r.cpu_ms_per_update:>11.2f}{r.emulator_cpu_ms_per_update:>8.2f}{db:>7}"
        )
    return "\n".join(lines)


def slowest_steps(outcomes: list[Outcome], count: int = 4) -> list[tuple[str, float, float, int]]:
    """The kinds of step with the highest p99 (a step: what the referent did, and the answer
    it waits for), each with its p95, p99 and how many were answered."""
    by_step: dict[str, list[float]] = {}
    for outcome in outcomes:
        for step, latency in zip(outcome.conversation.steps, outcome.latencies, strict=False):
            label = f"{step.action} {step.value[:14]!r} → {step.expect[:22]!r}"
            by_step.setdefault(label, []).append(latency)
    stats = [
        (label, 1000 * percentile(values, 0.95), 1000 * percentile(values, 0.99), len(values))
        for label, values in by_step.items()
    ]
    return sorted(stats, key=lambda item: item[2], reverse=True)[:count]


def tails(results: Sequence[RunResult]) -> list[str]:
    """Where each run's tail comes from: its slowest kinds of step."""
    lines = []
    for r in results:
        steps = "; ".join(
            f"{label} p95 {p95:.0f} / p99 {p99:.0f} ms (×{n})" for label, p95, p99, n in r.slowest
        )
        lines.append(f"  {r.bot:<11}N={r.users:<5} {r.latency_ms:>3} ms {r.mode:<7} {steps}")
    return lines


def per_update(results: Sequence[RunResult]) -> list[str]:
    """Bot API calls per update, by method, and database transactions per update (ours)."""
    lines = []
    for r in results:
        if not r.updates:
            continue
        total = sum(r.calls.values()) / r.updates
        methods = ", ".join(
            f"{name} {count / r.updates:.2f}" for name, count in r.calls.items() if count
        )
        line = f"  {r.bot:<11}N={r.users:<5} {r.latency_ms:>3} ms {r.mode:<7} calls {total:.2f}"
        line += f" ({methods})"
        if r.transactions is not None and r.handled:
            line += f"; DB transactions {r.transactions / r.handled:.2f}"
        lines.append(line)
    return lines


def step_time(results: Sequence[RunResult]) -> list[str]:
    """A step's mean time split in two: waiting in the emulator for a getUpdates to take the
    update (the polling cycle), then from its delivery to the answer taken (the bot's work and
    its calls' round trips). With no think time, a referent's next update comes the instant
    the answer lands, while the getUpdates the bot sent with its answers is already waiting
    out the same latency: it tends to miss them, and they wait for the next one."""
    lines = []
    for r in results:
        if not r.updates or not r.mean_ms:
            continue
        rest = r.mean_ms - r.queue_wait_mean_ms
        waiting = f"{r.queue_wait_mean_ms:.0f} waiting for a getUpdates"
        lines.append(
            f"  {r.bot:<11}N={r.users:<5} {r.latency_ms:>3} ms {r.mode:<7} mean {r.mean_ms:.0f} ms"
            f" = {waiting} (p50 {r.queue_wait_p50_ms:.0f}) + {rest:.0f} from delivery to the"
            f" answer ({r.latency_ms} ms a call)"
        )
    return lines


def _pairs(results: Sequence[RunResult]) -> list[tuple[RunResult, RunResult | None]]:
    ours = [r for r in results if r.bot == OURS]
    return [
        (
            r,
            next(
                (
                    b
                    for b in results
                    if b.bot == BASELINE
                    and (b.users, b.latency_ms, b.burst) == (r.users, r.latency_ms, r.burst)
                ),
                None,
            ),
        )
        for r in ours
    ]


def ratios(results: Sequence[RunResult]) -> list[str]:
    lines = []
    for ours, base in _pairs(results):
        if base is None or base.throughput == 0 or base.p99_ms == 0:
            continue
        note = " (baseline cut by the deadline: its p99 is a lower bound)" if base.cut else ""
        lines.append(
            f"N={ours.users:<5} {ours.latency_ms:>3} ms {ours.mode:<7} ours/baseline: "
            f"throughput {ours.throughput / base.throughput:5.1f}x, "
            f"p99 {ours.p99_ms / base.p99_ms:6.3f}x{note}"
        )
    return lines


def targets(results: Sequence[RunResult]) -> list[str]:
    """Issue 16's targets, for the runs this invocation made."""
    lines: list[str] = []

    def verdict(ok: bool, text: str) -> None:
        lines.append(f"[{'ok' if ok else 'MISSED'}] {text}")

    for ours, base in _pairs(results):
        where = f"N={ours.users}, {ours.latency_ms} ms, {ours.mode}"
        lost = ours.failed + ours.cut
        if ours.burst or ours.users >= 1000:
            verdict(lost == 0, f"{where}: {lost} failed (target 0)")
        if ours.users == 200 and ours.latency_ms == 0 and not ours.burst:
            verdict(
                ours.peak_rss_mb <= 100, f"{where}: peak RSS {ours.peak_rss_mb:.0f} MB (<= 100)"
            )
            verdict(
                ours.cpu_ms_per_update <= 2,
                f"{where}: CPU {ours.cpu_ms_per_update:.2f} ms per update (<= 2)",
            )
            if base is not None:
                thr = ours.throughput / base.throughput if base.throughput else float("inf")
                verdict(
                    thr >= 2 and ours.p99_ms <= base.p99_ms and lost == 0,
                    f"{where}: throughput {thr:.1f}x the baseline (>= 2x), p99 {ours.p99_ms:.0f}"
                    f" ms vs {base.p99_ms:.0f} (<= the baseline's), {lost} failed (0)",
                )
        if ours.users == 50 and ours.latency_ms == 50 and not ours.burst and base is not None:
            thr = ours.throughput / base.throughput if base.throughput else float("inf")
            verdict(
                thr >= 12 and ours.p99_ms <= 300 and lost == 0,
                f"{where}: throughput {thr:.1f}x (>= 12x), p99 {ours.p99_ms:.0f} ms (<= 300),"
                f" {lost} failed (0)",
            )
        if ours.users == 1000:
            verdict(
                ours.peak_rss_mb <= 120, f"{where}: peak RSS {ours.peak_rss_mb:.0f} MB (<= 120)"
            )
    return lines


def machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average before the runs {load}"
    )


# --- the command --------------------------------------------------------------------------


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--users",
        type=_numbers,
        default=[50, 200, 1000],
        help="simulated referents per run, comma-separated (50,200,1000)",
    )
    parser.add_argument(
        "--latency-ms",
        type=_numbers,
        default=[0, 50],
        help="milliseconds added to every Bot API call, comma-separated (0,50)",
    )
    parser.add_argument(
        "--burst", action="store_true", help="referents type ahead without waiting for the answers"
    )
    parser.add_argument(
        "--baseline",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="run the bare python-telegram-bot baseline too (default: yes)",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=120.0,
        help="seconds a run may last; conversations still going are 'cut'",
    )
    parser.add_argument(
        "--step-timeout",
        type=float,
        default=60.0,
        help="seconds a referent waits for one answer before giving up",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke check: 6 referents, loopback only, 30 s deadline",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="keep the databases and logs here (default: a temporary folder)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.users, args.latency_ms, args.deadline = [6], [0], 30.0
    return args


async def run_all(args: argparse.Namespace, workdir: Path) -> list[RunResult]:
    results: list[RunResult] = []
    bots = [OURS, BASELINE] if args.baseline else [OURS]
    for latency in args.latency_ms:
        for users in args.users:
            for bot in bots:
                config = RunConfig(
                    bot, users, latency, args.burst, args.deadline, args.step_timeout
                )
                name = f"{bot}-{users}-{latency}ms-{'burst' if args.burst else 'normal'}"
                print(f"running {name} ...", flush=True)
                result = await run_once(config, workdir / name)
                results.append(result)
                for problem in result.problems:
                    print(f"  {problem}", flush=True)
    return results


def report(results: Sequence[RunResult]) -> str:
    lines = ["", table(results)]
    if any(r.bot == BASELINE for r in results):
        lines += ["", *ratios(results)]
        calls = [
            f"  {r.bot:<11}N={r.users:<5} {r.latency_ms:>3} ms {r.mode:<7} "
            + ", ".join(f"{name} {count}" for name, count in r.calls.items())
            for r in results
            if r.done == r.users
        ]
        lines += ["", "Bot API calls of the conversations (the same shape for both bots):", *calls]
    lines += ["", "Per update (a regression in either shows here):", *per_update(results)]
    lines += ["", "Slowest steps (where the tail comes from):", *tails(results)]
    lines += ["", "Where a step's time goes (means):", *step_time(results)]
    checks = targets(results)
    if checks:
        lines += ["", "Targets (issue 16):", *checks]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[RunResult]:
    args = parse(argv)
    print(machine(), flush=True)
    if args.workdir is not None:
        results = asyncio.run(run_all(args, args.workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="sentinella-load-") as folder:
            results = asyncio.run(run_all(args, Path(folder)))
    print(report(results))
    if args.json is not None:
        payload = [asdict(r) | {"throughput": r.throughput} for r in results]
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
