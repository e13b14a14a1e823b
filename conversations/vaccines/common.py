"""What the school's and the ATS's vaccination handlers share: the campaign year, the
rules from the settings, the protected files, the upload flow's draft."""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.catalog import render
from bot.catalog import vaccines as texts
from bot.context import BotContext
from bot.drafts import FlowDraft
from domain.calendar import italian_holidays
from domain.vaccines import campaign_year
from services.vaccines import Rules

MAX_FILE_BYTES = 1024 * 1024
MAX_LISTED = 25  # lines of a list in one message (the rest summarised: 4,096 characters)


class UploadDraft(FlowDraft):
    """The plesso whose file (the school's list, or the ATS's answer) is awaited."""

    plesso_code: str = ""


def year_of(context: BotContext) -> int:
    return campaign_year(context.services.local_now().date())


def today_of(context: BotContext) -> date:
    return context.services.local_now().date()


def rules_of(context: BotContext) -> Rules:
    return Rules(context.services.settings.vaccine_calendar, italian_holidays())


def day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def days_left(due: date, today: date) -> str:
    left = (due - today).days
    if left > 1:
        return render(texts.DAYS_LEFT, days=left)
    if left == 1:
        return texts.DAY_LEFT
    if left == 0:
        return texts.TODAY
    return render(texts.OVERDUE, days=-left)


async def send_protected(update: Update, content: bytes, filename: str, caption: str) -> None:
    """A file with names: protect_content, so Telegram refuses to forward or save it."""
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        document=content, filename=filename, caption=caption, protect_content=True
    )
