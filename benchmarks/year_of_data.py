"""A year of data (issue 9, benchmark 3): how the bot answers on a region's two school years.

    .venv/bin/python -m benchmarks.year_of_data                 # 2,000 plessi, 1,000,000 contacts
    .venv/bin/python -m benchmarks.year_of_data --scale 0.01    # a quick run
    .venv/bin/python -m benchmarks.year_of_data --db copy.sqlite3 --now 2026-06-04T11:00+02:00

The database is generated once per scale (benchmarks/_year_data.py says what it holds) and
kept in `data/benchmarks/` (`--folder`), so a rerun starts measuring at once; a changed
generator or migration makes a new one. `--db` measures an existing file instead (a copy of
a real one: the measurements only read it, the retention job runs on a copy of it; the
first connection applies any pending migration).

Each measurement is one small function below, calling what the handler calls: the
repositories, the pure rules and the catalog's texts of `conversations/` (everything but
the Bot API call that sends the answer). Each runs once to warm up (the "1st run" column),
then `--runs` times; the table shows the median. The start-up is the real `python -m bot`
on a copy of the file, timed from its start to its first getUpdates at the emulator, after a
clean stop and after a `kill -9` (benchmarks/_startup_probe.py). The export runs as a child
process (its peak memory is that process's VmHWM, read from /proc); the retention job runs
once per night on a copy. Targets are issue 9's: start-up
under 2 s, any list page under 20 ms, a case with 50 contacts under 20 ms, the report under
1 s, the export of 10,000 cases under 5 s and 150 MB (issue 16's; XlsxWriter's time on the
same export is shown beside it). The exit status is 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

from benchmarks import _startup_probe as probe
from benchmarks import _year_data as data
from bot.app import build_application
from bot.catalog import closing as closing_texts
from bot.catalog import render
from bot.catalog.validation import ROLE_LABELS
from bot.context import BotContext, Services
from bot.runner import initialize_with_retry, open_database
from bot.settings import Settings
from conversations.ats import cases as ats_cases
from conversations.ats import log as ats_log
from conversations.ats import status as ats_status
from conversations.cases import lists as cases
from conversations.cases.views import case_fields_text, case_view_keyboard, case_view_text
from conversations.contacts import views as contact_views
from domain.access import Actor
from domain.closing import ClosedFilter, last_days
from domain.dates import format_date
from domain.early_warning import EarlyWarningReport
from emulator.server import BotApiEmulator
from formats.chart import render_png
from reminders import early_warning
from reminders import retention as retention_job
from services import ats_cases as ats_service
from services import report as report_service
from services import status as status_service
from storage.db import Database, parse_utc

LIST_MS = 20.0
CASE_MS = 20.0
REPORT_MS = 1000.0
STARTUP_MS = 2000.0
EXPORT_MS = 5_000.0  # issue 16's targets for the export (issue 9's were 15 s and 300 MB)
EXPORT_MB = 150.0
EXPORT_CASES = 10_000
DEEP = 10_000  # a page number past the end: the repositories clamp it to the last page


@dataclass
class Bench:
    """What the measurements share: the services on the database, and who and what to ask
    about (found in the data before timing anything)."""

    path: Path
    settings: Settings
    services: Services
    now: datetime
    ats: str
    admin: Actor
    regional: Actor
    referent: Actor  # of the busiest plesso
    referent_of_case: Actor  # of the case with 50 contacts
    busy_plesso: str
    quiet_plesso: str
    case_50: int
    case_50_contacts: int
    emulator: BotApiEmulator | None = None
    chart_ms: list[float] = field(default_factory=list)
    export_days: tuple[str, str] | None = None
    process_copy: Path | None = None  # the file the fresh processes run on
    export_cpu: dict[str, list[float]] = field(default_factory=dict)  # seconds, per writer

    def context(self, actor: Actor) -> BotContext:
        """What the admins' list and case view read of a BotContext: services and actor."""
        return cast(BotContext, _Context(services=self.services, actor=actor))


@dataclass
class _Context:
    services: Services
    actor: Actor


@dataclass(frozen=True)
class Measurement:
    name: str
    target_ms: float | None
    run: Callable[[Bench], Awaitable[object]]
    runs: int | None = None  # fewer for the slow ones; 0: one run only (it changes the data)
    target_mb: float | None = None  # for those that report their peak memory


@dataclass(frozen=True)
class Reported:
    """What a measurement timed itself (in a child process, or without its set-up)."""

    ms: float
    peak_mb: float | None = None
    note: str = ""


# --- start-up ------------------------------------------------------------------------------


async def startup(bench: Bench) -> None:
    """bot/runner.py's `run` up to the network: open, migrate, quick_check, build."""
    await probe.start(bench.settings)


async def startup_initialized(bench: Bench) -> None:
    """The same, then `initialize` against the emulator on loopback: getMe, the command
    menus, the conversations' steps and the recent update ids loaded from the database."""
    assert bench.emulator is not None
    settings = bench.settings.model_copy(
        update={
            "telegram_api_base_url": bench.emulator.base_url,
            "telegram_api_file_url": bench.emulator.base_file_url,
        }
    )
    db = await open_database(settings)
    try:
        application = build_application(Services(settings=settings, db=db, clock=lambda: bench.now))
        await initialize_with_retry(application, max_attempts=1)
        await application.shutdown()
    finally:
        await db.close()


async def quick_check(bench: Bench) -> None:
    """The part of the start-up that grows with the file: SQLite reads every page."""
    assert await bench.services.db.integrity_check() == "ok"


async def process_after_clean_stop(bench: Bench) -> Reported:
    """A fresh `python -m bot` from its start to its first getUpdates, the last stop clean:
    the integrity check runs once it polls (benchmarks/_startup_probe.py)."""
    assert bench.emulator is not None
    started = await probe.start_once(await _process_copy(bench), bench.emulator)
    return Reported(ms=started.to_get_updates * 1000, note=started.line())


async def process_after_kill_9(bench: Bench) -> Reported:
    """The same after a `kill -9` of the previous process: the check runs before it polls."""
    assert bench.emulator is not None
    copy = await _process_copy(bench)
    await probe.start_once(copy, bench.emulator, crash=True)
    started = await probe.start_once(copy, bench.emulator)
    return Reported(ms=started.to_get_updates * 1000, note=started.line())


def _remove_process_copy(copy: Path) -> None:
    data.remove(copy)
    for side in (".lock", ".clean", ".probe.log"):
        Path(f"{copy}{side}").unlink(missing_ok=True)


async def _process_copy(bench: Bench) -> Path:
    """The copy the processes run on (they write: update ids, deliveries), made once, then
    started and stopped once unmeasured (pending migrations, the clean-stop marker)."""
    if bench.process_copy is None:
        assert bench.emulator is not None
        copy = bench.path.with_name(f"{bench.path.stem}-process.sqlite3").resolve()
        await bench.services.db.backup_to(copy)
        bench.process_copy = copy
        await probe.start_once(copy, bench.emulator)
    return bench.process_copy


async def imports(bench: Bench) -> None:
    """A fresh interpreter that only imports what `python -m bot` imports (its bytecode
    cached as the probe's processes have it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(probe.BYTECODE_CACHE)
    await _child("-c", "import bot.__main__", env=env)


async def _child(*args: str, env: dict[str, str] | None = None) -> str:
    """Run `python ARGS` from the project's folder; its standard output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=Path(__file__).parents[1],
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{args} failed")
    return output.decode()


# --- /casi ---------------------------------------------------------------------------------


async def referent_page(bench: Bench, number: int) -> None:
    """conversations/cases.py `_show_page`: the plesso, the page, its text and buttons."""
    services = bench.services
    plesso = await services.plessi.get(bench.busy_plesso)
    assert plesso is not None
    page = await services.cases.page(plesso.code, number)
    cases.list_text(plesso, page)
    cases.list_keyboard(plesso, page)


async def admin_page(bench: Bench, actor: Actor, filters: ClosedFilter, number: int) -> None:
    """conversations/ats/cases.py `show_list`."""
    context = bench.context(actor)
    found = await ats_service.closed_cases(
        bench.services, actor, filters, number, bench.settings.tz
    )
    ats_cases.list_text(context, found)
    ats_cases.list_keyboard(found)


def last_30_days(bench: Bench) -> ClosedFilter:
    return last_days(bench.now.astimezone(bench.settings.tz).date(), 30)


# --- /caso ---------------------------------------------------------------------------------


async def admin_case_view(bench: Bench) -> None:
    """conversations/ats/cases.py `show_case`: the case, its plesso, all its contacts, the
    texts (the contact lines as the handler renders them)."""
    view = await ats_service.case_view(bench.services, bench.admin, bench.case_50)
    assert view is not None
    case, plesso, contacts = view.case, view.plesso, view.contacts
    assert len(contacts) == bench.case_50_contacts
    lines = [
        render(
            closing_texts.ADMIN_CONTACT_LINE,
            contact_id=c.id,
            surname=c.data.surname,
            name=c.data.name,
            cf=c.data.codice_fiscale,
            role=ROLE_LABELS[c.data.role],
            class_name=c.data.class_name,
            section=c.data.section,
            last_contact=format_date(c.data.last_contact),
            phone=c.data.phone or "-",
        )
        for c in contacts
    ]
    case_fields_text(case.data.as_draft(), plesso)
    "\n".join(lines)


async def referent_case_view(bench: Bench) -> None:
    """conversations/cases.py `_show_case`, then "Vedi contatti" (contact_list.py): the
    case card with its count, and the first page of ten contacts."""
    services = bench.services
    actor = bench.referent_of_case
    case = await services.cases.get(bench.case_50)
    assert case is not None and actor.holds_plesso(case.data.plesso_code)
    plesso = await services.plessi.get(case.data.plesso_code)
    count = (await services.cases.contact_counts([case.id])).get(case.id, 0)
    case_view_text(case, plesso, count)
    case_view_keyboard(case)
    found = await services.contacts.page(case.id, 1)
    contact_views.list_text(case, found)
    contact_views.list_keyboard(case, found)


# --- /report, /stato, /registro ------------------------------------------------------------


async def report(bench: Bench, ats: str | None) -> EarlyWarningReport:
    """conversations/ats/report.py `show` without a date: the latest recording day, the
    report over the school year so far, its text."""
    services = bench.services
    calendar = await early_warning.calendar_for(services, ats)
    day = await report_service.report_day(services, ats, None, calendar.local_today(services.now()))
    assert isinstance(day, date)
    computed = await report_service.compute(services, ats, day)
    early_warning.report_text(computed, ats)
    return computed


async def report_chart(bench: Bench) -> None:
    """The PNG of the ATS's report (matplotlib; the handler runs it in a thread)."""
    computed = await report(bench, bench.ats)
    started = time.perf_counter()
    render_png(computed, f"Assenze – {bench.ats}")
    bench.chart_ms.append((time.perf_counter() - started) * 1000)


async def status(bench: Bench, ats: str | None) -> None:
    """conversations/ats/status.py `show`: the four sections and their texts."""
    services = bench.services
    now = services.now()
    tz = services.settings.tz
    found = await status_service.ats_status(services, ats, now, tz)
    ats_status.stale_text(found.stale, tz)
    ats_status.closed_text(found.closed, tz)
    ats_status.missed_text(found.missed)
    ats_status.unreachable_text(found, tz)


async def log_of_case(bench: Bench) -> None:
    """conversations/ats/log.py: `/registro 12`, its first page of ten."""
    found = await ats_log.case_log(bench.services, bench.admin, bench.case_50)
    await ats_log.page_text(bench.services, found, 0)


async def log_of_plesso(bench: Bench, code: str) -> None:
    """`/registro MIEE8AB01T`: the plesso's rows, its cases', their contacts', ..."""
    found = await ats_log.plesso_log(bench.services, bench.admin, code)
    await ats_log.page_text(bench.services, found, 0)


async def who_is_asking(bench: Bench) -> None:
    """Every update (bot/access.py): the referent behind the user id, the unreachable flag."""
    services = bench.services
    referent = await services.referents.by_user(bench.referent.user_id)
    assert referent is not None
    await services.reminders.clear_unreachable(referent.id, bench.now)


# --- /esporta and the retention job (issue 8's) --------------------------------------------


async def export_xlsx(bench: Bench, writer: str = "ours") -> Reported:
    """/esporta, regional: the days of the 10,000 latest closed cases, with their contacts,
    as XLSX, in a process of its own (benchmarks/_export_probe.py): time and peak memory.
    `writer`: the bot's own; "xlsxwriter", XlsxWriter's constant_memory mode on the same
    tables (issue 16's comparison); "none", the rows read and dropped (the reading's share)."""
    tz = bench.settings.tz
    if bench.export_days is None:
        closed = await _pick(
            bench.services.db, "SELECT COUNT(*) FROM cases WHERE status = 'closed'"
        )
        first = await _pick(
            bench.services.db,
            "SELECT closed_at FROM cases WHERE status = 'closed'"
            " ORDER BY closed_at DESC LIMIT 1 OFFSET ?",
            (min(EXPORT_CASES, closed[0]) - 1,),
        )
        bench.export_days = (
            parse_utc(first[0]).astimezone(tz).date().isoformat(),
            bench.now.astimezone(tz).date().isoformat(),
        )
    output = await _child(
        "-m", "benchmarks._export_probe", str(bench.path), *bench.export_days, "--writer", writer
    )
    figures = json.loads(output)
    cpu = bench.export_cpu.setdefault(writer, [])
    cpu.append(figures["cpu_seconds"])
    return Reported(
        ms=figures["seconds"] * 1000,
        peak_mb=figures["peak_mb"],
        note=f"{figures['cases']:,} cases and {figures['contacts']:,} contacts closed from"
        f" {bench.export_days[0]} to {bench.export_days[1]}, a {figures['mb']:.1f} MB file;"
        f" CPU (every thread) {', '.join(f'{s:.1f}' for s in cpu)} s, median"
        f" {statistics.median(cpu):.1f} s; the process held {figures['before_mb']:.0f} MB"
        " before the export",
    )


async def retention_first(bench: Bench) -> Reported:
    """reminders/retention.py's run on a copy of the database, the first night: every case
    closed more than RETENTION_DAYS ago goes, with its contacts, then VACUUM."""
    copy = bench.path.with_name(f"{bench.path.stem}-retention.sqlite3")
    await bench.services.db.backup_to(copy)  # the copy's time is not the job's
    return await _retention(bench, copy, bench.now)


async def retention_next(bench: Bench) -> Reported:
    """The same copy the next night: one day of closed cases goes (the steady state)."""
    copy = bench.path.with_name(f"{bench.path.stem}-retention.sqlite3")
    try:
        reported = await _retention(bench, copy, bench.now + timedelta(days=1))
        # What the start-up costs once retention keeps the file small (quick_check reads
        # every page: its time follows the file's size).
        started = time.perf_counter()
        await probe.start(probe.settings_for(copy))
        startup_ms = (time.perf_counter() - started) * 1000
        return Reported(
            ms=reported.ms, note=f"{reported.note}; the start-up on this file: {_ms(startup_ms)}"
        )
    finally:
        data.remove(copy)


async def _retention(bench: Bench, path: Path, now: datetime) -> Reported:
    before = _size_mb(path)
    db = Database(path)
    await db.connect()
    try:
        settings = bench.settings.model_copy(update={"database_path": path})
        application = build_application(Services(settings=settings, db=db, clock=lambda: now))
        started = time.perf_counter()
        purge = await retention_job.run(application, now=now)
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        await db.close()
    return Reported(
        ms=elapsed,
        note=f"{purge.cases:,} cases and {purge.contacts:,} contacts deleted (closed before"
        f" {purge.cutoff:%d/%m/%Y}, RETENTION_DAYS {bench.settings.retention_days}), the file"
        f" {before:,.0f} -> {_size_mb(path):,.0f} MB, vacuumed: {purge.vacuumed}",
    )


def _size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6


MEASUREMENTS: list[Measurement] = [
    Measurement("fresh python -m bot to 1st getUpdates", STARTUP_MS, process_after_clean_stop, 3),
    Measurement("  after kill -9 (checked before getUpdates)", STARTUP_MS, process_after_kill_9, 3),
    Measurement("  of which the imports", None, imports, 3),
    Measurement("  of which PRAGMA quick_check", None, quick_check, 5),
    Measurement("in process: open, migrate, check, build", None, startup, 5),
    Measurement("  the same + initialize (loopback)", None, startup_initialized, 5),
    Measurement("every update: who is asking", LIST_MS, who_is_asking),
    Measurement("/casi referent, first page", LIST_MS, lambda b: referent_page(b, 1)),
    Measurement(
        "/casi referent, last page (busiest plesso)", LIST_MS, lambda b: referent_page(b, DEEP)
    ),
    Measurement(
        "/casi admin ATS, first page", LIST_MS, lambda b: admin_page(b, b.admin, ClosedFilter(), 1)
    ),
    Measurement(
        "/casi admin ATS, last page",
        LIST_MS,
        lambda b: admin_page(b, b.admin, ClosedFilter(), DEEP),
    ),
    Measurement(
        "/casi admin ATS, one plesso",
        LIST_MS,
        lambda b: admin_page(b, b.admin, ClosedFilter(plesso_code=b.busy_plesso), 1),
    ),
    Measurement(
        "/casi admin ATS, last 30 days",
        LIST_MS,
        lambda b: admin_page(b, b.admin, last_30_days(b), 1),
    ),
    Measurement(
        "/casi regional, first page",
        LIST_MS,
        lambda b: admin_page(b, b.regional, ClosedFilter(), 1),
    ),
    Measurement(
        "/casi regional, last page",
        LIST_MS,
        lambda b: admin_page(b, b.regional, ClosedFilter(), DEEP),
    ),
    Measurement("/caso admin, case with 50 contacts", CASE_MS, admin_case_view),
    Measurement("/caso referent + Vedi contatti", CASE_MS, referent_case_view),
    Measurement("/report ATS (without the chart)", REPORT_MS, lambda b: report(b, b.ats)),
    Measurement("/report regional (without the chart)", REPORT_MS, lambda b: report(b, None)),
    Measurement("/report ATS with the chart", REPORT_MS, report_chart, 5),
    Measurement("/stato ATS", REPORT_MS, lambda b: status(b, b.ats)),
    Measurement("/stato regional", REPORT_MS, lambda b: status(b, None)),
    Measurement("/registro case", LIST_MS, log_of_case),
    Measurement("/registro plesso (busiest)", LIST_MS, lambda b: log_of_plesso(b, b.busy_plesso)),
    Measurement("/registro plesso (quiet)", LIST_MS, lambda b: log_of_plesso(b, b.quiet_plesso)),
    Measurement(
        "/esporta XLSX, 10,000 cases + contacts", EXPORT_MS, export_xlsx, 3, target_mb=EXPORT_MB
    ),
    # Issue 16's comparison on the same tables (`--only esporta` runs the three): XlsxWriter's
    # constant_memory mode, and the reading alone (what a writer adds is the difference).
    Measurement(
        "/esporta XLSX by XlsxWriter (constant_memory)",
        None,
        lambda b: export_xlsx(b, "xlsxwriter"),
        3,
    ),
    Measurement("/esporta, the rows read, no file", None, lambda b: export_xlsx(b, "none"), 3),
    Measurement("retention job, first night (copy)", None, retention_first, 0),
    Measurement("retention job, the next night", None, retention_next, 0),
]


# --- running -------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    target_ms: float | None
    target_mb: float | None = None
    first_ms: float = 0.0
    times_ms: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else self.first_ms

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        return "ok" if self.median_ms < self.target_ms else "MISSED"

    @property
    def memory_verdict(self) -> str:
        if self.target_mb is None or not self.peaks_mb:
            return ""
        return "ok" if max(self.peaks_mb) < self.target_mb else "MISSED"


async def measure(bench: Bench, measurement: Measurement, runs: int) -> Result:
    result = Result(measurement.name, measurement.target_ms, measurement.target_mb)

    async def once() -> float:
        started = time.perf_counter()
        outcome = await measurement.run(bench)
        elapsed = (time.perf_counter() - started) * 1000
        if not isinstance(outcome, Reported):
            return elapsed
        if outcome.peak_mb is not None:
            result.peaks_mb.append(outcome.peak_mb)
        result.note = outcome.note or result.note
        return outcome.ms

    result.first_ms = await once()
    count = runs if measurement.runs is None else measurement.runs
    for _ in range(count):
        result.times_ms.append(await once())
    return result


def _ms(value: float) -> str:
    return f"{value:,.1f} ms" if value < 10_000 else f"{value / 1000:,.1f} s"


def header(width: int) -> str:
    return f"{'measurement':<{width}}  {'median':>10}  {'1st run':>10}  {'target':>11}\n" + "-" * (
        width + 46
    )


def row(result: Result, width: int) -> str:
    target = f"< {result.target_ms:,.0f} ms" if result.target_ms is not None else ""
    first = _ms(result.first_ms) if result.times_ms else "(one run)"
    line = (
        f"{result.name:<{width}}  {_ms(result.median_ms):>10}  {first:>10}"
        f"  {target:>11}  {result.verdict}"
    )
    if result.peaks_mb:
        target = f"< {result.target_mb:,.0f} MB" if result.target_mb is not None else ""
        peak = f"{max(result.peaks_mb):,.0f} MB"
        line += (
            f"\n{'  peak memory (VmHWM, max)':<{width}}  {peak:>10}  {'':>10}  {target:>11}"
            f"  {result.memory_verdict}"
        )
    return line


async def _pick(db: Database, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row:
    row = await db.fetchone(sql, params)
    if row is None:
        raise SystemExit(f"the database has no data for: {sql}")
    return row


async def prepare(path: Path, now: datetime, ats: str | None) -> Bench:
    """Open the database (applying pending migrations, timed apart) and pick the subjects."""
    settings = probe.settings_for(path)
    raw = sqlite3.connect(path)
    try:
        before = raw.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]
    finally:
        raw.close()
    started = time.perf_counter()
    db = Database(path)
    await db.connect()
    after = await db.schema_version()
    if after != before:
        print(
            f"migrations {before + 1}..{after} applied to the file in "
            f"{time.perf_counter() - started:.1f} s"
        )
    services = Services(settings=settings, db=db, clock=lambda: now)
    if ats is None:
        ats = str(
            (
                await _pick(
                    db,
                    "SELECT ats_code FROM plessi GROUP BY ats_code ORDER BY COUNT(*) DESC LIMIT 1",
                )
            )[0]
        )
    admin_id = next(e.user_id for e in settings.admin_ids if e.ats_code == ats)
    regional_id = next(e.user_id for e in settings.admin_ids if e.ats_code is None)
    busy = await _pick(
        db,
        "SELECT c.plesso_code, COUNT(*) FROM cases c JOIN plessi p ON p.code = c.plesso_code"
        " WHERE p.ats_code = ? GROUP BY c.plesso_code ORDER BY 2 DESC LIMIT 1",
        (ats,),
    )
    quiet = await _pick(
        db,
        "SELECT p.code FROM plessi p WHERE p.ats_code = ? ORDER BY"
        " (SELECT COUNT(*) FROM cases c WHERE c.plesso_code = p.code), p.code LIMIT 1",
        (ats,),
    )
    case = await _pick(
        db,
        "SELECT c.id, (SELECT COUNT(*) FROM contacts k WHERE k.case_id = c.id) AS n"
        " FROM cases c JOIN plessi p ON p.code = c.plesso_code"
        " WHERE p.ats_code = ? AND c.status = 'closed'"
        " ORDER BY n = 50 DESC, n DESC, c.id DESC LIMIT 1",
        (ats,),
    )
    referent_of = await _pick(
        db,
        "SELECT r.telegram_user_id FROM referent_plessi rp"
        " JOIN referents r ON r.id = rp.referent_id JOIN cases c ON c.plesso_code ="
        " rp.plesso_code WHERE c.id = ? AND rp.revoked_at IS NULL LIMIT 1",
        (case[0],),
    )
    referent = await _pick(
        db,
        "SELECT r.telegram_user_id FROM referent_plessi rp"
        " JOIN referents r ON r.id = rp.referent_id"
        " WHERE rp.plesso_code = ? AND rp.revoked_at IS NULL LIMIT 1",
        (busy[0],),
    )

    async def referent_actor(user_id: int) -> Actor:
        found = await services.referents.by_user(user_id)
        return Actor(user_id=user_id, referent=found)

    return Bench(
        path=path,
        settings=settings,
        services=services,
        now=now,
        ats=ats,
        admin=Actor(user_id=admin_id, is_admin=True, admin_ats=ats),
        regional=Actor(user_id=regional_id, is_admin=True),
        referent=await referent_actor(int(referent[0])),
        referent_of_case=await referent_actor(int(referent_of[0])),
        busy_plesso=str(busy[0]),
        quiet_plesso=str(quiet[0]),
        case_50=int(case[0]),
        case_50_contacts=int(case[1]),
    )


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({model}), Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}, load average {os.getloadavg()[0]:.1f}"
    )


async def describe(bench: Bench) -> str:
    db = bench.services.db
    counts = []
    for table_name in (
        "plessi",
        "cases",
        "contacts",
        "absences",
        "enrolments",
        "audit_log",
        "ats_outbox",
        "reminder_log",
    ):
        row = await db.fetchone(f"SELECT COUNT(*) FROM {table_name}")
        counts.append(f"{table_name} {int(row[0]) if row else 0:,}")
    size = bench.path.stat().st_size / 1e6
    return (
        f"database {bench.path} ({size:,.0f} MB): "
        + ", ".join(counts)
        + f"\nsubjects: {bench.ats}, busiest plesso {bench.busy_plesso}, quiet plesso"
        f" {bench.quiet_plesso}, case {bench.case_50} ({bench.case_50_contacts} contacts),"
        f" now {bench.now.isoformat()}"
    )


def database_file(args: argparse.Namespace) -> Path:
    """The file to measure: --db as it is, else the cached one of --scale (made if needed)."""
    if args.db is not None:
        path = Path(args.db)
        if not path.exists():
            raise SystemExit(f"{path}: no such file")
        return path
    return data.ensure(Path(args.folder), args.scale, print)[0]


async def run(args: argparse.Namespace, path: Path) -> int:
    now = datetime.fromisoformat(args.now) if args.now else data.NOW
    bench = await prepare(path, now, args.ats)
    print(machine())
    print(await describe(bench))
    chosen = [m for m in MEASUREMENTS if not args.only or args.only.lower() in m.name.lower()]
    results: list[Result] = []
    width = max(len(m.name) for m in chosen)
    print(header(width), flush=True)
    async with BotApiEmulator(token=probe.TOKEN) as emulator:
        bench.emulator = emulator
        for measurement in chosen:
            results.append(await measure(bench, measurement, args.runs))
            print(row(results[-1], width), flush=True)
    await bench.services.db.close()
    if bench.process_copy is not None:
        _remove_process_copy(bench.process_copy)
    if bench.chart_ms:
        print(
            f"the chart alone (domain/report_chart.py): median"
            f" {_ms(statistics.median(bench.chart_ms))}"
        )
    for result in results:
        if result.note:
            print(f"{result.name.strip()}: {result.note}")
    missed = [r for r in results if "MISSED" in (r.verdict, r.memory_verdict)]
    return 1 if missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 = 2,000 plessi, 50,000 cases, 1,000,000 contacts",
    )
    parser.add_argument("--db", help="measure this database file (not generated)")
    parser.add_argument(
        "--folder", default="data/benchmarks", help="where generated databases are kept"
    )
    parser.add_argument("--runs", type=int, default=9, help="timed runs per measurement")
    parser.add_argument("--now", help="the bot's clock, ISO 8601 (default: the data's end)")
    parser.add_argument("--ats", help="the ATS measured (default: the one with most plessi)")
    parser.add_argument("--only", help="only the measurements whose name contains this")
    args = parser.parse_args(argv)
    return asyncio.run(run(args, database_file(args)))


if __name__ == "__main__":
    sys.exit(main())
