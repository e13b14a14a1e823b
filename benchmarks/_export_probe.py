"""/esporta of closed cases with their contacts as XLSX, in a process of its own, so that its
peak memory is its own: benchmarks/year_of_data.py runs it and reads the JSON it prints.

    .venv/bin/python -m benchmarks._export_probe DATABASE FIRST_DAY LAST_DAY [ATS]

What /esporta does after the admin's last tap (services/exports.py): the closed cases of
the period (of the ATS, or of every ATS), their tables read a page of cases at a time while
the workbook is written in a thread (`_tables`, `_build`). The time is the export's alone
(not the interpreter's start nor the imports); the peak is the process's VmHWM (peak
resident memory, from /proc/self/status), the imports and the open database included.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks._startup_probe import settings_for
from benchmarks._year_data import NOW
from bot.context import Services
from conversations.ats import export as ats_export
from domain.exports import ExportFormat, ExportKind, Period
from services import exports as exports_service
from services.exports import ExportRequest
from storage.db import Database


def memory_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (the peak so far) of this process, in MB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


async def export(path: Path, period: Period, ats: str | None) -> dict[str, float]:
    db = Database(path)
    await db.connect()
    try:
        services = Services(settings=settings_for(path), db=db, clock=lambda: NOW)
        before = memory_mb("VmRSS")
        started = time.perf_counter()
        request = ExportRequest(ExportKind.CASES, period, ExportFormat.XLSX, NOW.date())
        labels = ats_export.export_labels(services)
        tables = await exports_service._tables(services.exports, ats, request, labels)
        written, content = await asyncio.to_thread(exports_service._build, tables, request.fmt)
        seconds = time.perf_counter() - started
    finally:
        await db.close()
    cases, contacts = written.rows
    return {
        "seconds": seconds,
        "cases": cases,
        "contacts": contacts,
        "mb": len(content) / 1e6,
        "before_mb": before,
        "peak_mb": memory_mb("VmHWM"),
    }


if __name__ == "__main__":
    database, first, last, *scope = sys.argv[1:]
    period = Period(date.fromisoformat(first), date.fromisoformat(last))
    figures = asyncio.run(export(Path(database), period, scope[0] if scope else None))
    print(json.dumps(figures))
