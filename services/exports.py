"""/esporta's use case (issue 8): the data of an admin's ATS (every ATS for a regional admin)
as one Excel or CSV file, and the change-log row that says it left.

The rules live here, not in the handler: which tables a kind of export is made of, the
reading a page of cases at a time while the file is written off the event loop, the size
cap (Telegram takes documents up to 50 MB), and the audit row (who, what, which days, how
many rows, never whose data), written before the file is sent.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from domain.access import Actor
from domain.exports import (
    MAX_DOCUMENT_BYTES,
    PAGE_CASES,
    ExportFormat,
    ExportKind,
    Period,
    export_filename,
    utc_bounds,
)
from formats.exports import (
    ExportLabels,
    Written,
    absences_table,
    cases_table,
    contacts_table,
    isolation_tables,
    plessi_table,
    referents_table,
    sent_home_table,
    write_export,
)
from formats.xlsx import Table
from services import citizens
from services.unit_of_work import UnitOfWork
from storage.exports import REGION, ExportsRepository

PAGE_TIMEOUT = 120.0  # seconds a page read may take before the export gives up

T = TypeVar("T")


@dataclass(frozen=True)
class ExportRequest:
    """What the admin chose: the kind, its period (None for the registry's snapshot of
    `today`), the format."""

    kind: ExportKind
    period: Period | None
    fmt: ExportFormat
    today: date


@dataclass(frozen=True)
class Exported:
    """The file to send: its bytes and name, and the data rows of each of its tables."""

    content: bytes
    filename: str
    extension: str
    """"xlsx", "csv", or "zip" (one CSV per table)."""
    counts: tuple[tuple[str, int], ...]
    """(table name, data rows), in the file's order."""


@dataclass(frozen=True)
class TooBig:
    """The file came out larger than Telegram takes: nothing sent, nothing logged."""

    size: int


async def export(
    uow: UnitOfWork,
    actor: Actor,
    request: ExportRequest,
    labels: ExportLabels,
    now: datetime,
    *,
    writing: Callable[[], Awaitable[None]] | None = None,
) -> Exported | TooBig | None:
    """The export the admin asked for; None when there is nothing in the period.

    `writing` is awaited once there is something to write, before the (slow) file is built.
    The audit row is written before the caller sends the file: a file that may have left is
    in the log, even if the send then fails."""
    ats = actor.admin_ats
    if request.kind is ExportKind.SENT_HOME:
        tables = await _sent_home_tables(uow, ats, request, labels)
    elif request.kind is ExportKind.ISOLATIONS:
        tables = await _isolation_tables(uow, actor, request, labels, now)
    else:
        tables = await _tables(uow.exports, ats, request, labels)
    if not tables:
        return None
    if writing is not None:
        await writing()
    written, content = await asyncio.to_thread(_build, tables, request.fmt)
    if len(content) > MAX_DOCUMENT_BYTES:
        return TooBig(len(content))
    counts = tuple((table.name, count) for table, count in zip(tables, written.rows, strict=True))
    await uow.exports.record_export(
        actor=actor.user_id,
        ats_code=ats,
        kind=request.kind,
        fmt=request.fmt,
        period=request.period,
        rows={name.lower(): count for name, count in counts},
        now=now,
    )
    filename = export_filename(
        request.kind, ats or REGION, request.period, request.today, written.extension
    )
    return Exported(content, filename, written.extension, counts)


async def _tables(
    repository: ExportsRepository, ats: str | None, request: ExportRequest, labels: ExportLabels
) -> list[Table]:
    """The tables of the export, their rows still to be read; none when there is nothing."""
    if request.kind is ExportKind.REGISTRY:
        plessi = await repository.plessi(ats, request.today)
        if not plessi:
            return []
        referents = await repository.referents(ats)
        return [plessi_table(plessi, labels), referents_table(referents, labels)]
    period = request.period
    assert period is not None
    if request.kind is ExportKind.ABSENCES:
        figures = await repository.absences(ats, period)
        return [absences_table(figures, labels)] if figures else []
    case_ids = await repository.closed_case_ids(ats, *utc_bounds(period, labels.timezone))
    if not case_ids:
        return []
    # Thousands of cases and their contacts: read a page at a time while the file is written.
    loop = asyncio.get_running_loop()
    return [
        cases_table(paged(loop, repository.cases, case_ids), labels),
        contacts_table(paged(loop, repository.contacts, case_ids), labels),
    ]


async def _sent_home_tables(
    uow: UnitOfWork, ats: str | None, request: ExportRequest, labels: ExportLabels
) -> list[Table]:
    """The sent-home reports of the period (issue 17): one table, none when there is none."""
    period = request.period
    assert period is not None
    records = await uow.sent_home.for_export(ats, period.start, period.end)
    return [sent_home_table(records, labels)] if records else []


async def _isolation_tables(
    uow: UnitOfWork, actor: Actor, request: ExportRequest, labels: ExportLabels, now: datetime
) -> list[Table]:
    """The isolation follow-up (issue 19): people, diary entries, household members; none
    when nobody's isolation touches the period."""
    rows = await citizens.isolation_rows(
        uow,
        actor,
        now,
        request.period,
        yes=labels.yes,
        no=labels.no,
        timezone=labels.timezone,
    )
    if not rows.people:
        return []
    return isolation_tables(rows.people, rows.diary, rows.household)


def paged(
    loop: asyncio.AbstractEventLoop,
    read: Callable[[Sequence[int]], Coroutine[Any, Any, list[T]]],
    ids: Sequence[int],
) -> Iterator[T]:
    """The records of `ids`, for the thread that writes the file: each page is read on the
    event loop (where the database connections live) while the thread waits for it, so one
    page at most is in memory. On the event loop itself it would wait for itself: refused."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        raise RuntimeError("pages are read for a worker thread, not on the event loop")
    for index in range(0, len(ids), PAGE_CASES):
        page = list(ids[index : index + PAGE_CASES])
        future = asyncio.run_coroutine_threadsafe(read(page), loop)
        yield from future.result(timeout=PAGE_TIMEOUT)


def _build(tables: Sequence[Table], fmt: ExportFormat) -> tuple[Written, bytes]:
    buffer = io.BytesIO()
    written = write_export(tables, fmt, buffer)
    return written, buffer.getvalue()
