"""What the citizens' handlers share: the reply keyboard, who the chat acts for, refusals."""

from __future__ import annotations

import contextlib

from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.catalog import citizens as texts
from bot.catalog import render
from bot.context import BotContext
from bot.replies import answer_tap, reply
from domain.dates import format_date
from services import citizens
from services.citizens import Standing

MENU_KEYBOARD = ReplyKeyboardMarkup(
    [[KeyboardButton(label) for label in row] for row in texts.MENU], resize_keyboard=True
)
MENU_LABELS = frozenset(label for row in texts.MENU for label in row)


async def send(
    update: Update, text: str, keyboard: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
) -> None:
    """A message with a reply keyboard (bot.replies.reply only takes inline keyboards)."""
    chat = update.effective_chat
    if chat is None:
        return
    await answer_tap(update)
    await chat.send_message(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def delete_at_once(update: Update, context: BotContext) -> None:
    """Delete the user's message now (a codice fiscale, a shared phone), not only when the
    flow saves: a flow abandoned half-way must not leave it in the chat. Best effort, and
    off with DELETE_PERSONAL_MESSAGES=false, as the flow engine's deletion."""
    message = update.message
    if message is None or not context.services.settings.delete_personal_messages:
        return
    with contextlib.suppress(TelegramError):
        await message.delete()


async def current(update: Update, context: BotContext) -> Standing | None:
    """The person the chat acts for; tells anyone else this is not for them."""
    services = context.services
    user = update.effective_user
    found = (
        await citizens.standing(services, user.id, services.local_now().date())
        if user is not None
        else None
    )
    if found is None:
        await answer_tap(update, texts.NOT_A_CITIZEN)
        await reply(update, texts.NOT_A_CITIZEN)
    return found


def header(found: Standing) -> str:
    citizen = found.citizen
    if not citizen.is_open:
        return render(texts.HEADER_CLOSED, who=citizen.initials)
    return render(
        texts.HEADER,
        d0=format_date(citizen.d0)[:5],
        day=found.day,
        swab=format_date(found.swab_from)[:5],
    )
