"""/conservazione (admins, issue 8): how long closed cases are kept (RETENTION_DAYS), when
the next daily run is, and what it and the six after it will delete of the admin's ATS
(every ATS for a regional admin): numbers only, never who. Loads, forecasts, renders."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.access import requires
from bot.catalog import render
from bot.catalog import retention as texts
from bot.catalog.absences import describe_day
from bot.context import BotContext
from bot.replies import reply
from domain.access import Role
from domain.retention import Batch, LastRun
from services import retention as retention_service


@requires(Role.ADMIN)
async def show(update: Update, context: BotContext) -> None:
    services = context.services
    settings = services.settings
    ats = context.actor.admin_ats
    outlook = await retention_service.retention_outlook(
        services,
        ats,
        services.now(),
        run_time=settings.retention_time,
        days=settings.retention_days,
        tz=settings.tz,
    )
    batches = outlook.batches
    parts = [
        render(texts.HEADER, scope=ats or texts.SCOPE_ALL),
        render(texts.POLICY, days=settings.retention_days, time=f"{settings.retention_time:%H:%M}"),
        next_text(batches[0], settings.tz),
        following_text(batches[1:], settings.tz),
        last_text(outlook.last, settings.tz),
    ]
    await reply(update, "\n".join(parts))


def next_text(batch: Batch, tz: ZoneInfo) -> str:
    run_at = batch.run_at.astimezone(tz)
    lines = [render(texts.NEXT_RUN, day=describe_day(run_at.date()), time=f"{run_at:%H:%M}")]
    if batch.cases == 0 or batch.oldest_closed_at is None:
        lines.append(texts.NEXT_NONE)
        return "\n".join(lines)
    lines.append(
        render(
            texts.NEXT_DUE,
            cutoff=_when(batch.cutoff, tz),
            cases=texts.cases_label(batch.cases),
            contacts=texts.contacts_label(batch.contacts),
        )
    )
    oldest = batch.oldest_closed_at.astimezone(tz)
    lines.append(render(texts.NEXT_OLDEST, oldest=f"{oldest:%d/%m/%Y}"))
    return "\n".join(lines)


def following_text(batches: list[Batch], tz: ZoneInfo) -> str:
    lines = [texts.FOLLOWING_HEADER]
    lines += [
        render(
            texts.FOLLOWING_LINE,
            day=describe_day(batch.run_at.astimezone(tz).date()),
            cases=texts.cases_label(batch.cases),
            contacts=texts.contacts_label(batch.contacts),
        )
        for batch in batches
        if batch.cases
    ]
    if len(lines) == 1 and batches:
        last_day = batches[-1].run_at.astimezone(tz).date()
        lines.append(render(texts.FOLLOWING_NONE, day=describe_day(last_day)))
    return "\n".join(lines)


def last_text(last: LastRun | None, tz: ZoneInfo) -> str:
    if last is None:
        return texts.LAST_RUN_NONE
    return render(
        texts.LAST_RUN,
        when=_when(last.at, tz),
        cases=texts.cases_label(last.cases),
        contacts=texts.contacts_label(last.contacts),
    )


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%d/%m/%Y %H:%M}"


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [CommandHandler("conservazione", show)]
