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
mid-send leaves it to the next run, which may repeat one notice rather than lose it. The
claiming, marking and jobs are every outbox's (reminders/outbox.py, storage/outbox.py).

Recipients: the admins of the plesso's ATS; an ATS without its own admin: the regional
admins (see `domain.closing.recipients`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import ParseMode
from telegram.ext import Application

from bot.catalog import closing as texts
from bot.catalog import render
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from bot.context import BotContext, Services, services_of
from bot.errors import pause_for
from domain.cases import Case
from domain.closing import OutboxItem, export_filename
from domain.codice_fiscale import mask_codice_fiscale
from domain.contacts import Contact
from domain.dates import format_date
from domain.registry import Plesso
from formats.case_export import ExportLabels, case_workbook
from reminders.outbox import deliver_each, pacing, schedule
from reminders.sender import send_with_retries

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

RUNTIME_KEY = "handover.runtime"
JOB_RETRY = "handover:retry"
JOB_START = "handover:start-up"


def admins_of(services: Services) -> list[tuple[int, str | None]]:
    """The configured admins as (user id, their ATS or None for a regional admin)."""
    return [(entry.user_id, entry.ats_code) for entry in services.settings.admin_ids]


def closed_at_text(case: Case, services: Services) -> str:
    assert case.closed_at is not None
    return case.closed_at.astimezone(services.settings.tz).strftime("%d/%m/%Y %H:%M")


def plesso_label(plesso: Plesso | None, code: str) -> str:
    return f"{plesso.name} ({code})" if plesso is not None else code


async def case_file(services: Services, case: Case) -> tuple[bytes, list[Contact]]:
    """The XLSX of the case and every one of its contacts (built in a thread), and the
    contacts. All of them: the ATS traces each one, so there is no cap to cut the list."""
    contacts = await services.contacts.all_of(case.id)
    plesso = await services.plessi.get(case.data.plesso_code)
    labels = ExportLabels(
        roles=ROLE_LABELS,
        school_types=SCHOOL_TYPE_LABELS,
        timezone=services.settings.tz,
        plesso=plesso_label(plesso, case.data.plesso_code),
    )
    content = await asyncio.to_thread(case_workbook, case, contacts, labels)
    return content, contacts


def notice_text(services: Services, case: Case, plesso: Plesso | None, contacts: int) -> str:
    data = case.data
    return render(
        texts.NOTICE,
        case_id=case.id,
        receipt=case.receipt_code or "",
        plesso=plesso.name if plesso else data.plesso_code,
        code=data.plesso_code,
        comune=plesso.comune_name if plesso else "",
        class_name=data.class_name,
        section=data.section,
        role=ROLE_LABELS[data.role],
        surname=data.surname,
        name=data.name,
        cf=mask_codice_fiscale(data.codice_fiscale),
        last_attendance=format_date(data.last_attendance),
        contacts=contacts,
        closed_at=closed_at_text(case, services),
    )


async def deliver(application: AnyApplication, case_id: int | None = None) -> int:
    """Send every notice due now (of one case, or all); returns how many went."""
    services = services_of(application)
    pace = pacing(application, RUNTIME_KEY)
    async with pace.lock:
        items = await services.closing.due(services.now(), case_id)
        files: dict[int, tuple[Case, bytes, str]] = {}

        async def send(item: OutboxItem) -> None:
            if item.case_id not in files:  # one file per case, whatever its admins
                files[item.case_id] = await _prepare(services, item.case_id)
            case, content, caption = files[item.case_id]
            await _send(application, pace.limiter, item, case, content, caption)

        return await deliver_each(items, services.closing, services.now, send, _label)


def _label(item: OutboxItem) -> str:
    return f"case {item.case_id}: notice to admin {item.admin_user_id}"


async def _prepare(services: Services, case_id: int) -> tuple[Case, bytes, str]:
    case = await services.cases.get(case_id)
    assert case is not None and case.closed_at is not None
    content, contacts = await case_file(services, case)
    plesso = await services.plessi.get(case.data.plesso_code)
    return case, content, notice_text(services, case, plesso, len(contacts))


async def _send(
    application: AnyApplication,
    limiter: AsyncLimiter,
    item: OutboxItem,
    case: Case,
    content: bytes,
    caption: str,
) -> None:
    async def once() -> int:
        async with limiter:
            message = await application.bot.send_document(
                chat_id=item.admin_user_id,
                document=content,
                filename=export_filename(case),
                caption=caption,
                parse_mode=ParseMode.HTML,
            )
        return int(message.message_id)

    await send_with_retries(once, pause_for(application.bot))


# --- the jobs ------------------------------------------------------------------------------------


def install(application: AnyApplication) -> None:
    """Retry pending notices every minute, and once at start-up (a crash after a closing)."""
    schedule(application, _job, retry_name=JOB_RETRY, start_name=JOB_START)


async def _job(context: BotContext) -> None:
    sent = await deliver(context.application)
    if sent:
        log.info("ATS hand-over: %d notices delivered", sent)


def deliver_soon(application: AnyApplication, case_id: int) -> None:
    """After a closing: deliver its notices now, without holding up the referent's reply."""
    application.create_task(deliver(application, case_id), name=f"handover:{case_id}")
