"""/esporta of closed cases with their contacts as XLSX, in a process of its own, so that its
peak memory is its own: benchmarks/year_of_data.py runs it and reads the JSON it prints.

    .venv/bin/python -m benchmarks._export_probe DATABASE FIRST_DAY LAST_DAY [ATS]
        [--writer ours|xlsxwriter|none] [--save FILE]

What /esporta does after the admin's last tap (services/exports.py): the closed cases of
the period (of the ATS, or of every ATS), their tables read a page of cases at a time while
the workbook is written in a thread (`_tables`, `_build`). The time is the export's alone
(not the interpreter's start nor the imports), wall-clock and CPU (every thread of the
process: steadier than the wall clock on a machine busy with other work); the peak is the
process's VmHWM (peak resident memory, from /proc/self/status), the imports and the open
database included.

`--writer` chooses what writes the workbook (issue 16's comparison): `ours`, the bot's own
(`formats.xlsx`, through services/exports.py's `_build`, as /esporta does); `xlsxwriter`,
XlsxWriter's `constant_memory` mode on the same tables (benchmarks/_xlsxwriter.py); `none`,
every row read and dropped: the database's and the records' share of the time.

`--save FILE` keeps the file written, to compare two versions of the code: the same export
must hold the same sheets byte for byte (`unzip -p FILE xl/worksheets/sheet2.xml`; the ZIP's
own bytes differ, its entries carry the time they were written).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from benchmarks import _xlsxwriter
from benchmarks._startup_probe import settings_for
from benchmarks._year_data import NOW
from bot.context import Services
from conversations.ats import export as ats_export
from domain.exports import ExportFormat, ExportKind, Period
from formats.xlsx import Table
from services import exports as exports_service
from services.exports import ExportRequest
from storage.db import Database

Build = Callable[[Sequence[Table]], tuple[tuple[int, ...], bytes]]


def build_ours(tables: Sequence[Table]) -> tuple[tuple[int, ...], bytes]:
    written, content = exports_service._build(tables, ExportFormat.XLSX)
    return written.rows, content


def build_xlsxwriter(tables: Sequence[Table]) -> tuple[tuple[int, ...], bytes]:
    buffer = io.BytesIO()
    return _xlsxwriter.write_xlsx(tables, buffer), buffer.getvalue()


def read_only(tables: Sequence[Table]) -> tuple[tuple[int, ...], bytes]:
    return tuple(sum(1 for _ in table.rows) for table in tables), b""


WRITERS: dict[str, Build] = {"ours": build_ours, "xlsxwriter": build_xlsxwriter, "none": read_only}


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of this process, in MB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


async def export(
    path: Path, period: Period, ats: str | None, build: Build
) -> tuple[dict[str, float], bytes]:
    """The figures of one export, and the file it wrote."""
    db = Database(path)
    await db.connect()
    try:
        services = Services(settings=settings_for(path), db=db, clock=lambda: NOW)
        before = memory_mb("VmRSS")
        started, cpu = time.perf_counter(), time.process_time()
        request = ExportRequest(ExportKind.CASES, period, ExportFormat.XLSX, NOW.date())
        labels = ats_export.export_labels(services)
        tables = await exports_service._tables(services.exports, ats, request, labels)
        rows, content = await asyncio.to_thread(build, tables)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await db.close()
    cases, contacts = rows
    figures = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "cases": cases,
        "contacts": contacts,
        "mb": len(content) / 1e6,
        "before_mb": before,
        "peak_mb": memory_mb("VmHWM"),
    }
    return figures, content


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("database", type=Path)
    parser.add_argument("first", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    parser.add_argument("last", type=date.fromisoformat, help="last day, YYYY-MM-DD")
    parser.add_argument("ats", nargs="?", help="the ATS (default: every ATS)")
    parser.add_argument("--writer", choices=sorted(WRITERS), default="ours")
    parser.add_argument("--save", type=Path, help="write the exported file there too")
    args = parser.parse_args()
    period = Period(args.first, args.last)
    figures, content = asyncio.run(export(args.database, period, args.ats, WRITERS[args.writer]))
    if args.save is not None:
        args.save.write_bytes(content)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
