"""/stato (admins, issue 8): the follow-up indicators of the admin's ATS (every ATS for a
regional admin): open cases older than 48 hours by plesso with their referent, cases closed
this week with their mean contacts and median time to close, sentinel plessi that missed
one of their last four recording days, unreachable referents. Loads, computes, renders."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.access import requires
from bot.catalog import plural, render
from bot.catalog import status as texts
from bot.context import BotContext
from bot.replies import reply
from domain.access import Role
from domain.indicators import ClosedThisWeek, MissedRecording, StalePlesso
from services import status as status_service
from services.status import AtsStatus

MAX_LISTED = 15  # lines per section; the rest is counted


@requires(Role.ADMIN)
async def show(update: Update, context: BotContext) -> None:
    services = context.services
    ats = context.actor.admin_ats
    tz = services.settings.tz
    status = await status_service.ats_status(services, ats, services.now(), tz)
    parts = [
        render(texts.HEADER, scope=ats or texts.SCOPE_ALL, now=_when(status.now, tz)),
        stale_text(status.stale, tz),
        closed_text(status.closed, tz),
        missed_text(status.missed),
        unreachable_text(status, tz),
        render(texts.SENT_HOME_OPEN, n=status.sent_home_without_outcome),
    ]
    await reply(update, "\n".join(parts))


# --- texts --------------------------------------------------------------------------------


def stale_text(groups: list[StalePlesso], tz: ZoneInfo) -> str:
    lines = [render(texts.STALE_HEADER, n=sum(len(g.cases) for g in groups))]
    body: list[str] = []
    for group in groups:
        body.append(render(texts.STALE_PLESSO, plesso=group.plesso_name, code=group.plesso_code))
        body += [
            render(
                texts.STALE_CASE,
                case_id=case.case_id,
                opened=_when(case.created_at, tz),
                age=duration(case.age),
                referent=case.referent_name,
            )
            for case in group.cases
        ]
    return "\n".join(lines + _listed(body))


def closed_text(closed: ClosedThisWeek, tz: ZoneInfo) -> str:
    since = f"{closed.since.astimezone(tz):%d/%m}"
    lines = [render(texts.CLOSED_HEADER, since=since, n=closed.count)]
    if closed.mean_contacts is None or closed.median_time_to_close is None:
        lines.append(texts.CLOSED_NONE)
    else:
        mean = f"{closed.mean_contacts:.1f}".replace(".", ",")
        lines.append(render(texts.CLOSED_CONTACTS, contacts=closed.contacts, mean=mean))
        lines.append(render(texts.CLOSED_MEDIAN, median=duration(closed.median_time_to_close)))
    return "\n".join(lines)


def missed_text(missed: list[MissedRecording]) -> str:
    lines = [render(texts.MISSED_HEADER, n=len(missed))]
    body = [
        render(
            plural(len(m.missed), texts.MISSED_LINE),
            plesso=m.plesso_name,
            code=m.plesso_code,
            days=", ".join(f"{day:%d/%m}" for day in m.missed),
        )
        for m in missed
    ]
    return "\n".join(lines + _listed(body))


def unreachable_text(status: AtsStatus, tz: ZoneInfo) -> str:
    lines = [render(texts.UNREACHABLE_HEADER, n=len(status.unreachable))]
    body = [
        render(texts.UNREACHABLE_LINE, name=u.full_name, since=_when(u.since, tz))
        for u in status.unreachable
    ]
    return "\n".join(lines + _listed(body))


def duration(span: timedelta) -> str:
    """ "1 g 3 h", or "5 h 20 min" under a day."""
    minutes = max(int(span.total_seconds() // 60), 0)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        return render(texts.DURATION_DAYS, days=hours // 24, hours=hours % 24)
    if hours == 0:
        return render(texts.DURATION_MINUTES, minutes=minutes) if minutes else texts.DURATION_NONE
    return render(texts.DURATION_HOURS, hours=hours, minutes=minutes)


def _listed(lines: list[str]) -> list[str]:
    if not lines:
        return [texts.NONE_LINE]
    if len(lines) <= MAX_LISTED:
        return lines
    return [*lines[:MAX_LISTED], render(texts.MORE_LINES, n=len(lines) - MAX_LISTED)]


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}"


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CommandHandler("stato", show)]
