"""/report (admins): the absence early-warning report of the latest recording day, or of a
day typed after the command, with its chart. An ATS admin sees their ATS; a regional admin
sees every ATS together."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler

from bot.access import requires
from bot.catalog import ats as texts
from bot.catalog import render
from bot.catalog import senthome as senthome_texts
from bot.catalog.absences import describe_day
from bot.context import BotContext
from bot.replies import reply
from domain.access import Role
from domain.dates import parse_date
from domain.errors import ValidationFailed
from domain.text import fit
from reminders import early_warning
from services import report as report_service
from services import senthome as senthome_service
from services.report import NoReport

MAX_MESSAGE = 4096


@requires(Role.ADMIN)
async def show(update: Update, context: BotContext) -> None:
    services = context.services
    ats = context.actor.admin_ats
    calendar = await early_warning.calendar_for(services, ats)
    today = calendar.local_today(services.now())
    typed = " ".join(context.args or [])
    asked: date | None = None
    if typed:
        try:
            asked = parse_date(typed, today)
        except ValidationFailed:
            await reply(update, render(texts.REPORT_BAD_DATE, text=typed))
            return
    day = await report_service.report_day(services, ats, asked, today)
    if day is NoReport.NOT_RECORDING_DAY:
        await reply(
            update, render(texts.REPORT_NOT_RECORDING_DAY, day=describe_day(asked or today))
        )
        return
    if day is NoReport.NO_DATA:
        await reply(update, render(texts.REPORT_NO_DATA, scope=early_warning.scope_label(ats)))
        return
    assert not isinstance(day, NoReport)
    chat = update.effective_chat
    if chat is not None:
        await chat.send_action(ChatAction.UPLOAD_PHOTO)
    report = await report_service.compute(services, ats, day)
    text = early_warning.report_text(report, ats)
    rate = await senthome_service.sent_home_rate(services, ats, day)
    if rate is not None:
        text += "\n" + render(
            senthome_texts.REPORT_RATE,
            day=describe_day(day),
            reports=rate.reports,
            rate=f"{rate.per_thousand:.1f}".replace(".", ","),
            enrolled=rate.enrolled,
        )
    await reply(update, fit(text, MAX_MESSAGE, "…"))  # the added line must still fit
    if chat is not None and report.timeline:
        png = await early_warning.chart(report, ats)
        await chat.send_photo(png, caption=early_warning.chart_title(report, ats))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CommandHandler("report", show)]
