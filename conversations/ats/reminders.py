"""/promemoria (admins): the reminder schedule and, for the current or last recording day,
who recorded, who is missing, who was reminded and who cannot be reached; a button reminds
the missing ones now, at most once an hour."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import common, render
from bot.catalog import reminders as texts
from bot.catalog.absences import describe_day
from bot.context import BotContext
from bot.replies import answer_tap, close_buttons, reply
from bot.settings import Settings
from domain.access import Role
from domain.reminder_report import DayReport, PlessoStatus
from reminders import jobs
from services import reminders as reminders_service
from services.reminders import PushRefusal

# Verb-less data, the bytes of the buttons already in admins' chats: prm:ATS-CODE:YYYY-MM-DD,
# or prm:all:YYYY-MM-DD for a regional admin.
PUSH = Buttons("prm", "/promemoria: remind the missing ones now")
ALL_ATS = "all"
MAX_LISTED = 15  # lines per section; the rest is counted


@requires(Role.ADMIN)
async def show(update: Update, context: BotContext) -> None:
    services = context.services
    ats = context.actor.admin_ats
    settings = services.settings
    parts = [schedule_text(settings, ats)]
    report = await reminders_service.day_report(
        services, ats, services.now(), start_date=settings.absence_start_date, timezone=settings.tz
    )
    if report is None:
        await reply(update, "\n\n".join([*parts, texts.NO_RECORDING_DAY]))
        return
    parts.append(report_text(report, services.settings.tz))
    await reply(update, "\n\n".join(parts), _push_keyboard(report, ats))


def _push_keyboard(report: DayReport, ats: str | None) -> InlineKeyboardMarkup | None:
    reachable = report.can_push
    if not reachable:
        return None
    data = PUSH.bare(ats or ALL_ATS, report.day.isoformat())
    return keyboards.column([(texts.BUTTON_REMIND_NOW.format(n=reachable), data)])


# --- texts --------------------------------------------------------------------------------


def schedule_text(settings: Settings, ats: str | None) -> str:
    month, day = settings.school_year_reminder
    return render(
        texts.SCHEDULE,
        scope=ats or texts.SCOPE_ALL,
        recording_days=texts.RECORDING_DAYS,
        reminder_time=f"{settings.reminder_time:%H:%M}",
        deadline_time=f"{settings.deadline_reminder_time:%H:%M}",
        enrolment_date=f"{day:02d}/{month:02d}",
    )


def report_text(report: DayReport, tz: ZoneInfo) -> str:
    template = texts.DAY_OPEN if report.open else texts.DAY_CLOSED
    deadline = describe_day(report.day + timedelta(days=1))
    lines = [render(template, day=describe_day(report.day), deadline=deadline)]
    lines.append(render(texts.RECORDED_HEADER, n=len(report.recorded)))
    lines += _listed([render(texts.PLESSO_LINE, plesso=p.name) for p in report.recorded])
    lines.append(render(texts.MISSING_HEADER, n=len(report.missing)))
    lines += _listed([_missing_line(p, tz) for p in report.missing])
    lines.append(render(texts.REMINDED_HEADER, n=len(report.reminded)))
    lines += _listed(
        [
            render(texts.REMINDED_LINE, time=_hhmm(r.at, tz), name=r.name, plesso=r.plesso_name)
            for r in report.reminded
        ]
    )
    if report.unreachable:
        lines.append(render(texts.UNREACHABLE_HEADER, n=len(report.unreachable)))
        lines += _listed(
            [
                render(texts.UNREACHABLE_LINE, name=u.full_name, since=_when(u.since, tz))
                for u in report.unreachable
            ]
        )
    return "\n".join(lines)


def _missing_line(plesso: PlessoStatus, tz: ZoneInfo) -> str:
    people = []
    for referent in plesso.referents:
        if referent.unreachable:
            people.append(render(texts.REFERENT_UNREACHABLE, name=referent.name))
        elif referent.reminded_at is not None:
            people.append(
                render(
                    texts.REFERENT_REMINDED,
                    name=referent.name,
                    time=_hhmm(referent.reminded_at, tz),
                )
            )
        else:
            people.append(render(texts.REFERENT_NOT_REMINDED, name=referent.name))
    who = ", ".join(people) if people else texts.NO_REFERENT
    return render(texts.PLESSO_LINE, plesso=plesso.name) + texts.REFERENTS_SEPARATOR + who


def _listed(lines: list[str]) -> list[str]:
    if not lines:
        return [texts.NONE_LINE]
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], render(texts.MORE_LINES, n=len(lines) - MAX_LISTED)]


def _hhmm(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}"


# --- the push -----------------------------------------------------------------------------


@requires(Role.ADMIN)
async def push(update: Update, context: BotContext) -> None:
    tapped = PUSH.tapped_bare(update, 2)
    try:
        if tapped is None:
            raise ValueError("not a push button")
        scope, day_text = tapped
        day = date.fromisoformat(day_text)
    except ValueError:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    ats = None if scope == ALL_ATS else scope
    if not reminders_service.may_push(context.actor, ats):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await close_buttons(update)
    outcome = await jobs.push_now(context.application, ats_code=ats, day=day, actor=context.actor)
    await reply(update, push_text(outcome, day, context.services.settings.tz))


def push_text(outcome: jobs.PushOutcome, day: date, tz: ZoneInfo) -> str:
    if outcome.refused is PushRefusal.TOO_SOON:
        assert outcome.last_push is not None and outcome.retry_from is not None
        return render(
            texts.PUSH_TOO_SOON,
            time=_hhmm(outcome.last_push, tz),
            next=_hhmm(outcome.retry_from, tz),
        )
    if outcome.refused is PushRefusal.WINDOW_CLOSED:
        return render(texts.PUSH_WINDOW_CLOSED, day=describe_day(day))
    summary = outcome.summary
    if summary is None:
        return texts.PUSH_NOBODY
    text = render(texts.PUSH_DONE, sent=summary.messages)
    if summary.unreachable:
        text += render(texts.PUSH_UNREACHABLE, unreachable=summary.unreachable)
    if summary.failed or summary.released:
        text += render(texts.PUSH_FAILED, failed=summary.failed + summary.released)
    return text


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("promemoria", show),
        CallbackQueryHandler(push, pattern=PUSH.bare_pattern()),
    ]
