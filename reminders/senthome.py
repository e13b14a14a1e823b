"""Sent-home reports in the background: the ATS's messages and the daily outcome question.

- The outbox (storage/senthome.py, migration 013) written with each report: a new report, a
  re-report of the same person, a cluster alert, one text message per ATS admin (like the
  case hand-over, reminders/handover.py, through reminders/outbox.py: claim, send, mark,
  back-off, given up after MAX_ATTEMPTS). The texts name the person by initials and class:
  never symptoms.
- The outcome question, daily at SENT_HOME_QUESTION_TIME on school days: each referent gets
  one message listing the open reports of their plessi, a button per person. The log of
  questions asked (one per referent and day) keeps a restart from asking twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import Application

from bot import keyboards
from bot.callbacks import Buttons
from bot.catalog import render
from bot.catalog import senthome as texts
from bot.context import BotContext, Services, services_of
from domain.dates import format_date
from domain.senthome import NoticeKind, SentHomeReport
from reminders.outbox import deliver_each, pacing, schedule
from reminders.scheduling import job_queue
from reminders.sender import send_with_retries
from services import senthome as service
from storage.senthome import SentHomeNotice

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

RUNTIME_KEY = "senthome.runtime"
JOB_RETRY = "senthome:retry"
JOB_START = "senthome:start-up"
JOB_QUESTION = "senthome:question"
QUESTION_MAX = 20  # people per message: the keyboard stays usable, the text short
MISFIRE_GRACE_SECONDS = 3600

# sho:<verb>:<id>[:<outcome>]: the question's buttons (conversations/senthome/lists.py
# answers them; declared here, where the question is made).
OUTCOMES = Buttons("sho", "the daily outcome question of the sent-home reports")
ASK = "ask"
SET = "set"


# --- the ATS's messages ---------------------------------------------------------------------


async def notice_text(services: Services, item: SentHomeNotice) -> str | None:
    repo = services.sent_home
    if item.kind is NoticeKind.CLUSTER:
        cluster = await repo.cluster(item.cluster_id) if item.cluster_id else None
        if cluster is None:
            return None
        plesso = await services.plessi.get(cluster.plesso_code)
        return render(
            texts.CLUSTER_ALERT,
            count=cluster.reports,
            class_name=cluster.class_name,
            section=cluster.section,
            plesso=plesso.name if plesso else cluster.plesso_code,
            code=cluster.plesso_code,
            first=format_date(cluster.first_day),
            last=format_date(cluster.last_day),
        )
    report = await repo.get(item.report_id) if item.report_id else None
    if report is None:
        return None
    data = report.data
    plesso = await services.plessi.get(data.plesso_code)
    week = await repo.count_since(data.plesso_code, data.day - timedelta(days=6))
    return render(
        texts.NOTICE_NEW if item.kind is NoticeKind.NEW else texts.NOTICE_RESENT,
        report_id=report.id,
        plesso=plesso.name if plesso else data.plesso_code,
        code=data.plesso_code,
        comune=plesso.comune_name if plesso else "",
        initials=data.initials,
        role=texts.ROLE_LABELS[data.role].lower(),
        class_name=data.class_name,
        section=data.section,
        day=format_date(data.day),
        week=week,
    )


async def deliver(application: AnyApplication) -> int:
    """Send every message due now; returns how many went."""
    services = services_of(application)
    pace = pacing(application, RUNTIME_KEY)
    async with pace.lock:
        items = await services.sent_home.due(services.now())

        async def send(item: SentHomeNotice) -> None:
            text = await notice_text(services, item)
            if text is None:
                return  # its report is gone (retention): nothing left to say
            await _send(application, pace.limiter, item.admin_user_id, text)

        return await deliver_each(items, services.sent_home, services.now, send, _label)


def _label(item: SentHomeNotice) -> str:
    return f"sent-home {item.kind} {item.report_id or item.cluster_id}: admin {item.admin_user_id}"


async def _send(
    application: AnyApplication, limiter: AsyncLimiter, chat_id: int, text: str, markup: Any = None
) -> None:
    async def once() -> int:
        async with limiter:
            message = await application.bot.send_message(
                chat_id=chat_id, text=text, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        return int(message.message_id)

    await send_with_retries(once, asyncio.sleep)


def deliver_soon(application: AnyApplication) -> None:
    """After a report: its messages now, without holding up the referent's reply."""
    application.create_task(deliver(application), name="senthome:soon")


async def _outbox_job(context: BotContext) -> None:
    sent = await deliver(context.application)
    if sent:
        log.info("sent-home messages: %d delivered", sent)


# --- the daily outcome question ------------------------------------------------------------


def question(reports: list[SentHomeReport]) -> tuple[str, InlineKeyboardMarkup]:
    """One message: the open reports by initials and class, a button per person."""
    shown = reports[:QUESTION_MAX]
    lines = [
        render(
            texts.QUESTION_LINE,
            initials=r.data.initials,
            class_name=r.data.class_name,
            section=r.data.section,
            day=format_date(r.data.day),
        )
        for r in shown
    ]
    rows = [
        [
            (
                texts.QUESTION_BUTTON.format(
                    initials=r.data.initials,
                    class_name=r.data.class_name,
                    section=r.data.section,
                    day=r.data.day.strftime("%d/%m"),
                ),
                OUTCOMES.data(ASK, r.id),
            )
        ]
        for r in shown
    ]
    return render(texts.QUESTION, lines="") + "\n".join(lines), keyboards.inline(rows)


async def ask_outcomes(application: AnyApplication, today: date | None = None) -> int:
    """Ask each referent about their open reports (once a day); returns messages sent."""
    services = services_of(application)
    day = today or services.local_now().date()
    due = await service.questions_due(services, day)
    pace = pacing(application, RUNTIME_KEY)
    sent = 0
    for user_id, reports in due.items():
        if not await services.sent_home.mark_asked(user_id, day, services.now()):
            continue
        text, keyboard = question(reports)
        try:
            await _send(application, pace.limiter, user_id, text, keyboard)
            sent += 1
        except Exception as error:  # one referent's failure never stops the others
            log.warning("sent-home question to one referent failed: %s", type(error).__name__)
    if sent:
        log.info("sent-home outcome question: %d referents asked", sent)
    return sent


async def _question_job(context: BotContext) -> None:
    await ask_outcomes(context.application)


def install(application: AnyApplication) -> None:
    """The outbox every minute and at start-up; the outcome question daily."""
    schedule(application, _outbox_job, retry_name=JOB_RETRY, start_name=JOB_START)
    settings = services_of(application).settings
    if not settings.reminders_enabled:
        return
    queue = job_queue(application)
    queue.run_daily(
        _question_job,
        time=settings.sent_home_question_time.replace(tzinfo=settings.tz),
        name=JOB_QUESTION,
        job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True},
    )
