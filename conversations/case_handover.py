"""Handing a closed case to the ATS: deliver the outbox written by the closing.

Each notice is one Telegram document: the case summary as its caption and the XLSX of the
case and its contacts (built off the event loop). It goes through the reminders' sending
policy (`reminders.sender.send_with_retries`: 429, network errors, time-outs) at a paced
rate, and its outcome is recorded on its outbox row:

- sent → SENT; blocked / chat not found → UNREACHABLE (logged, not retried);
- anything else → retried with back-off (1, 2, 4 … minutes, at most an hour) by the job
  every minute, up to MAX_ATTEMPTS, then FAILED (logged).

A failure never touches the case: the closing is done and stays done. The row is claimed
(attempt counted, pushed ahead) before sending, so two runs never send it at once; a crash
mid-send leaves it to the next run, which may repeat one notice rather than lose it.

Recipients: the admins of the plesso's ATS; an ATS without its own admin: the regional
admins (see `domain.closing.recipients`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import ParseMode
from telegram.ext import Application, JobQueue

from bot.catalog import closing as texts
from bot.catalog import render
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from bot.context import BotContext, Services, services_of
from domain.case_export import ExportLabels, case_workbook
from domain.cases import Case
from domain.closing import OutboxItem, export_filename, recipients
from domain.codice_fiscale import mask_codice_fiscale
from domain.contacts import Contact
from domain.dates import format_date
from domain.registry import Plesso
from reminders.sender import Release, send_with_retries, unreachable_reason

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

RUNTIME_KEY = "handover.runtime"
JOB_RETRY = "handover:retry"
JOB_START = "handover:start-up"
RETRY_EVERY = timedelta(minutes=1)
CLAIM_HOLD = timedelta(minutes=5)  # a claimed row is left alone this long (a send in flight)
CONTACTS_LIMIT = 10_000


def case_recipients(services: Services, ats_code: str) -> list[int]:
    admins = [(entry.user_id, entry.ats_code) for entry in services.settings.admin_ids]
    return recipients(admins, ats_code)


def closed_at_text(case: Case, services: Services) -> str:
    assert case.closed_at is not None
    return case.closed_at.astimezone(services.settings.tz).strftime("%d/%m/%Y %H:%M")


def plesso_label(plesso: Plesso | None, code: str) -> str:
    return f"{plesso.name} ({code})" if plesso is not None else code


async def case_file(services: Services, case: Case) -> tuple[bytes, list[Contact]]:
    """The XLSX of the case and its contacts (built in a thread), and the contacts."""
    page = await services.contacts.page(case.id, 1, size=CONTACTS_LIMIT)
    plesso = await services.plessi.get(case.data.plesso_code)
    labels = ExportLabels(
        roles=ROLE_LABELS, school_types=SCHOOL_TYPE_LABELS, timezone=services.settings.tz,
        plesso=plesso_label(plesso, case.data.plesso_code),
    )
    content = await asyncio.to_thread(case_workbook, case, page.items, labels)
    return content, page.items


def notice_text(services: Services, case: Case, plesso: Plesso | None, contacts: int) -> str:
    data = case.data
    return render(
        texts.NOTICE, case_id=case.id, receipt=case.receipt_code or "",
        plesso=plesso.name if plesso else data.plesso_code, code=data.plesso_code,
        comune=plesso.comune_name if plesso else "", class_name=data.class_name,
        section=data.section, role=ROLE_LABELS[data.role], surname=data.surname,
        name=data.name, cf=mask_codice_fiscale(data.codice_fiscale),
        last_attendance=format_date(data.last_attendance), contacts=contacts,
        closed_at=closed_at_text(case, services),
    )


class _Runtime:
    def __init__(self, rate_per_second: int) -> None:
        self.lock = asyncio.Lock()
        self.limiter = AsyncLimiter(1, 1.0 / rate_per_second)


def _runtime(application: AnyApplication) -> _Runtime:
    runtime = application.bot_data.get(RUNTIME_KEY)
    if not isinstance(runtime, _Runtime):
        rate = services_of(application).settings.reminder_rate_per_second
        runtime = application.bot_data[RUNTIME_KEY] = _Runtime(rate)
    return runtime


async def deliver(application: AnyApplication, case_id: int | None = None) -> int:
    """Send every notice due now (of one case, or all); returns how many went."""
    services = services_of(application)
    runtime = _runtime(application)
    sent = 0
    async with runtime.lock:
        items = await services.closing.due(services.now(), case_id)
        files: dict[int, tuple[Case, bytes, str]] = {}
        for item in items:
            if not await services.closing.claim(item, services.now(), CLAIM_HOLD):
                continue
            try:
                if item.case_id not in files:
                    files[item.case_id] = await _prepare(services, item.case_id)
                case, content, caption = files[item.case_id]
                await _send(application, runtime, item, case, content, caption)
            except Exception as error:  # every failure is recorded, none raised
                await _failed(services, item, error)
                continue
            await services.closing.sent(item.id, services.now())
            sent += 1
    return sent


async def _prepare(services: Services, case_id: int) -> tuple[Case, bytes, str]:
    case = await services.cases.get(case_id)
    assert case is not None and case.closed_at is not None
    content, contacts = await case_file(services, case)
    plesso = await services.plessi.get(case.data.plesso_code)
    return case, content, notice_text(services, case, plesso, len(contacts))


async def _send(
    application: AnyApplication, runtime: _Runtime, item: OutboxItem, case: Case,
    content: bytes, caption: str,
) -> None:
    async def once() -> int:
        async with runtime.limiter:
            message = await application.bot.send_document(
                chat_id=item.admin_user_id, document=content, filename=export_filename(case),
                caption=caption, parse_mode=ParseMode.HTML,
            )
        return int(message.message_id)

    await send_with_retries(once, asyncio.sleep)


async def _failed(services: Services, item: OutboxItem, error: Exception) -> None:
    now = services.now()
    name = type(error.__cause__ if isinstance(error, Release) and error.__cause__ else error)
    reason = unreachable_reason(error)
    if reason is not None:
        await services.closing.unreachable(item.id, now, reason)
        log.warning("case %s: admin %s unreachable (%s)", item.case_id, item.admin_user_id,
                    reason)
        return
    status = await services.closing.retry_later(item.id, now, name.__name__)
    log.warning(
        "case %s: notice to admin %s failed (%s), %s", item.case_id, item.admin_user_id,
        name.__name__, "given up" if status.value == "failed" else "will retry",
    )


# --- the jobs ------------------------------------------------------------------------------------


def install(application: AnyApplication) -> None:
    """Retry pending notices every minute, and once at start-up (a crash after a closing)."""
    queue: JobQueue[Any] | None = application.job_queue
    if queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    queue.run_repeating(
        _job, interval=RETRY_EVERY, first=RETRY_EVERY, name=JOB_RETRY,
        job_kwargs={"coalesce": True, "misfire_grace_time": 60},
    )
    queue.run_once(_job, when=0, name=JOB_START, job_kwargs={"misfire_grace_time": None})


async def _job(context: BotContext) -> None:
    sent = await deliver(context.application)
    if sent:
        log.info("ATS hand-over: %d notices delivered", sent)


def deliver_soon(application: AnyApplication, case_id: int) -> None:
    """After a closing: deliver its notices now, without holding up the referent's reply."""
    application.create_task(deliver(application, case_id), name=f"handover:{case_id}")
