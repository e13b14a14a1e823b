"""The early-warning report: computed for /report and pushed when a window closes.

The push: every night just after midnight (REPORT_PUSH_TIME, local time), and once at
start-up, the job looks at the recording day whose window closed last (Tuesday's closes on
Wednesday at 23:59, Thursday's on Friday at 23:59), if it closed within PUSH_WITHIN; for each
ATS with a plesso flagged that day, the admins of that ATS get the report and its chart,
unasked; and likewise when the ATS-wide absence signal (domain.signals) fires for the first
recording day of an episode (a run of days at "segnale"), so a wave is pushed once, not
every night of it. Running after the close, not at 23:59, means a figure corrected in the last
minute is in the report. Each (ATS, day, admin) is claimed in `report_pushes` before the
send, so a second run or a restart sends nothing twice; a send that surely did not reach
Telegram gives its claim back for the next run. A long report goes as several messages
(bot.replies splits it); a part refused or timed out is tried again PUSH_ATTEMPTS times, and
if it still fails the admin gets a short line saying the alert exists and /report shows it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import Application

from bot.catalog import ats as texts
from bot.catalog import render
from bot.catalog.absences import describe_day
from bot.context import BotContext, Services, services_of
from bot.replies import send_text
from domain.absences import format_percent
from domain.calendar import SchoolCalendar
from domain.early_warning import EarlyWarningReport, required_history
from domain.signals import Kind
from reminders.scheduling import job_queue
from services import report as report_service

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

REPORT_PUSH_TIME = time(0, 0, 30)
PUSH_WITHIN = timedelta(days=2)
JOB_PUSH = "early-warning:push"
JOB_PUSH_CATCH_UP = "early-warning:catch-up"
MAX_LINES = 25
PUSH_ATTEMPTS = 3  # per part of a push (the report, the chart), in one run
PUSH_RETRY_SECONDS = 2.0  # times the attempt number, between attempts

Send = Callable[[], Awaitable[object]]
Sleep = Callable[[float], Awaitable[None]]


def scope_label(ats_code: str | None) -> str:
    return ats_code or texts.SCOPE_ALL


async def calendar_for(services: Services, ats_code: str | None) -> SchoolCalendar:
    settings = services.settings
    region = SchoolCalendar(start_date=settings.absence_start_date, timezone=settings.tz)
    return await report_service.calendar_for(services, ats_code, region)


async def compute(services: Services, ats_code: str | None, day: date) -> EarlyWarningReport:
    """The report of `day` for one ATS (None: every ATS), over its school year so far."""
    return await report_service.compute(services, ats_code, day)


def _value(kind: Kind, value: float) -> str:
    if kind is Kind.SENT_HOME:
        return f"{value * 1000:.1f}".replace(".", ",") + " per 1.000 alunni"
    return format_percent(value)


def trend_lines(report: EarlyWarningReport) -> list[str]:
    """The headline (Andamento regionale) and one line per series of the pandemic signal."""
    headline = report.headline
    if headline is None:
        return [texts.REPORT_TREND_NONE]
    lines = [
        render(texts.REPORT_TREND, icon=texts.REPORT_TREND_ICONS[headline], level=str(headline))
    ]
    for series in report.signals:
        last = series.last
        if last is None:
            continue
        if last.expected is None:
            lines.append(
                render(
                    texts.REPORT_SIGNAL_LINE_NO_BASE,
                    kind=str(series.kind).capitalize(),
                    value=_value(series.kind, last.value),
                )
            )
            continue
        lines.append(
            render(
                texts.REPORT_SIGNAL_LINE,
                kind=str(series.kind).capitalize(),
                value=_value(series.kind, last.value),
                expected=_value(series.kind, last.expected),
                baseline=str(last.baseline),
                level=str(last.level),
            )
        )
    if len(report.agreeing) >= 2:
        lines.append(render(texts.REPORT_SIGNALS_AGREE, kinds=", ".join(report.agreeing)))
    return lines


def report_text(report: EarlyWarningReport, ats_code: str | None) -> str:
    scope = scope_label(ats_code)
    lines = [render(texts.REPORT_HEADER, day=describe_day(report.day), scope=scope)]
    lines.extend(trend_lines(report))
    lines.append(render(texts.REPORT_RECORDED, recorded=report.recorded, expected=report.expected))
    if report.today is None:
        lines.append(texts.REPORT_NO_RATE)
    else:
        line = render(texts.REPORT_RATE, rate=format_percent(report.today.rate))
        if report.today.ill_rate is not None:
            line += render(texts.REPORT_ILL_RATE, rate=format_percent(report.today.ill_rate))
        lines.append(line)
    if report.without_enrolment:
        lines.append(render(texts.REPORT_WITHOUT_ENROLMENT, n=report.without_enrolment))
    if report.flagged:
        lines.append(render(texts.REPORT_FLAGGED_HEADER, n=len(report.flagged)))
        for flagged in report.flagged[:MAX_LINES]:
            verdict = flagged.assessment
            baseline = (
                texts.REPORT_BASELINE.format(baseline=format_percent(verdict.baseline_mean))
                if verdict.baseline_mean is not None
                else ""
            )
            lines.append(
                render(
                    texts.REPORT_FLAGGED_LINE,
                    name=flagged.name,
                    code=flagged.code,
                    rate=format_percent(verdict.rate),
                    baseline=baseline,  # plain text: "attese 3,1%"
                    rules=", ".join(str(rule) for rule in verdict.rules),
                )
            )
    else:
        lines.append(texts.REPORT_NONE_FLAGGED)
    if report.compared_with_peers:
        lines.append(
            render(
                texts.REPORT_PEERS,
                needed=required_history(report.method),
                n=report.compared_with_peers,
            )
        )
    if report.short_history:
        names = ", ".join(report.short_history[:MAX_LINES])
        lines.append(
            render(
                texts.REPORT_SHORT_HISTORY,
                needed=required_history(report.method),
                names=names,
            )
        )
    lines.append(render(texts.REPORT_METHOD, method=report.method.value))
    return "\n".join(lines)


def chart_title(report: EarlyWarningReport, ats_code: str | None) -> str:
    return render(texts.REPORT_CHART_CAPTION, scope=scope_label(ats_code))


async def chart(report: EarlyWarningReport, ats_code: str | None) -> bytes:
    """The PNG, drawn off the event loop (matplotlib is CPU work)."""
    return await asyncio.to_thread(_draw, report, f"Assenze – {scope_label(ats_code)}")


def _draw(report: EarlyWarningReport, title: str) -> bytes:
    # matplotlib is imported on the first chart, in the worker thread: about 50 MB of
    # resident memory (a third of the bot's) that a process drawing no chart never carries.
    from formats.chart import render_png

    return render_png(report, title)


# --- the push when a window closes ------------------------------------------------------


def install(application: AnyApplication) -> None:
    """Put the nightly push (and its start-up catch-up) on the JobQueue."""
    services = services_of(application)
    if not services.settings.reminders_enabled:
        return
    queue = job_queue(application)
    queue.run_daily(
        _scheduled,
        time=REPORT_PUSH_TIME.replace(tzinfo=services.settings.tz),
        name=JOB_PUSH,
        job_kwargs={"misfire_grace_time": 3600, "coalesce": True},
    )
    queue.run_once(
        _scheduled, when=5, name=JOB_PUSH_CATCH_UP, job_kwargs={"misfire_grace_time": None}
    )


async def _scheduled(context: BotContext) -> None:
    await push_closed_windows(context.application)


def closed_day(calendar: SchoolCalendar, now: datetime) -> date | None:
    """The recording day whose window closed last, if it closed within PUSH_WITHIN."""
    today = calendar.local_today(now)
    for day in calendar.last_recording_days(today, 2)[::-1]:
        deadline = calendar.deadline(day).astimezone(UTC)
        moment = now.astimezone(UTC)
        if deadline < moment and moment - deadline <= PUSH_WITHIN:
            return day
    return None


def signal_opens(report: EarlyWarningReport) -> bool:
    """The aggregate absence signal fires on the report's day for the first time in its
    episode: the push goes once per episode, not every night of it."""
    return any(s.kind is Kind.ABSENCE and s.episode_starts for s in report.signals)


def ats_admins(services: Services, ats_code: str) -> list[int]:
    return [e.user_id for e in services.settings.admin_ids if e.ats_code == ats_code]


async def push_closed_windows(
    application: AnyApplication, *, now: datetime | None = None
) -> dict[str, int]:
    """Push the report of the day just closed to the admins of every ATS with a plesso
    flagged or whose aggregate signal opens an episode; returns {ATS: reports sent}."""
    services = services_of(application)
    moment = now or services.now()
    sent: dict[str, int] = {}
    for ats_code in await services.closures.ats_codes():
        admins = ats_admins(services, ats_code)
        day = closed_day(await services.closures.calendar(ats_code), moment)
        if not admins or day is None:
            continue
        report = await compute(services, ats_code, day)
        if not report.flagged and not signal_opens(report):
            continue
        png: bytes | None = None
        for admin in admins:
            if not await report_service.claim_push(
                services, ats_code, day, admin, len(report.flagged), moment
            ):
                continue
            png = png or await chart(report, ats_code)
            state = await _deliver(application.bot, admin, report, ats_code, png)
            if state is None:
                await report_service.release_push(services, ats_code, day, admin)
                continue
            await report_service.finish_push(services, ats_code, day, admin, state, services.now())
            sent[ats_code] = sent.get(ats_code, 0) + (state == "sent")
    if sent:
        log.info("early-warning push: %s", sent)
    return sent


async def _deliver(
    bot: Bot,
    chat_id: int,
    report: EarlyWarningReport,
    ats_code: str,
    png: bytes,
    sleep: Sleep = asyncio.sleep,
) -> str | None:
    """'sent', 'unreachable', 'failed', or None when nothing reached Telegram (retry).

    The report (split over several messages when long: bot.replies) and then its chart,
    each tried up to PUSH_ATTEMPTS times; when one still fails, a short line tells the
    admin that the alert exists and /report shows it, so the alert itself is never lost.
    """
    header = render(texts.REPORT_PUSH_HEADER, day=describe_day(report.day))
    if signal_opens(report):
        header += "\n" + texts.REPORT_SIGNAL_EPISODE
    text = header + "\n\n" + report_text(report, ats_code)
    parts: list[Send] = [
        lambda: send_text(bot, chat_id, text),
        lambda: bot.send_photo(chat_id, png, caption=chart_title(report, ats_code)),
    ]
    for number, part in enumerate(parts):
        state = await _attempts(part, sleep)
        if state == "sent":
            continue
        if state == "failed" or (state is None and number > 0):
            # The report or its chart did not go; the alert must still reach the admin.
            await _tell_failed(bot, chat_id, report)
            return "failed"
        return state
    return "sent"


async def _attempts(part: Send, sleep: Sleep) -> str | None:
    """One part of the push, tried up to PUSH_ATTEMPTS times (a refusal or a time-out may
    be passing: Telegram under load); 'sent', 'unreachable', 'failed' or None."""
    for attempt in range(1, PUSH_ATTEMPTS + 1):
        try:
            await part()
        except Forbidden:
            return "unreachable"
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return "unreachable"  # the admin never wrote to the bot
            log.warning("early-warning push: attempt %d failed: %s", attempt, type(error).__name__)
        except TimedOut as error:
            log.warning("early-warning push: attempt %d failed: %s", attempt, type(error).__name__)
        except NetworkError:
            return None
        else:
            return "sent"
        await sleep(PUSH_RETRY_SECONDS * attempt)
    return "failed"


async def _tell_failed(bot: Bot, chat_id: int, report: EarlyWarningReport) -> None:
    text = render(
        texts.REPORT_PUSH_FAILED,
        day=describe_day(report.day),
        n=len(report.flagged),
        attempts=PUSH_ATTEMPTS,
    )
    try:
        await send_text(bot, chat_id, text)
    except TelegramError as error:
        log.warning("early-warning push: the failure notice failed too: %s", type(error).__name__)
