"""Sending answers: one place that knows how a reply reaches the user."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.request import call_unparsed

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def reply(update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat of the update (message or button tap), HTML formatted."""
    chat = update.effective_chat
    if chat is None:
        return
    # Telegram's echo of the sent message is not parsed: nobody reads it (bot.request).
    send = call_unparsed(
        chat.get_bot(),
        "sendMessage",
        chat_id=chat.id,
        text=text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=_NO_PREVIEW,
    )
    if update.callback_query is None:
        await send
        return
    # The tap's answer and the reply travel together: one round trip to Telegram before the
    # user reads the reply, not two (50 ms less a tap: benchmarks/load.py).
    await asyncio.gather(answer_tap(update), send)


async def answer_tap(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner; Telegram allows one answer per tap."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except TelegramError:
        # A tap answered too late or twice: the spinner stops by itself. Anything else is
        # a bug and must surface.
        return


async def close_buttons(update: Update) -> None:
    """Remove the keyboard of the tapped message, so it cannot be tapped twice."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        # The edited message's echo is not parsed: nobody reads it (bot.request).
        await call_unparsed(
            query.get_bot(),
            "editMessageReplyMarkup",
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
        )
    except TelegramError:
        # The buttons are already gone (tapped twice, the message too old to edit).
        return
