"""Sending answers: one place that knows how a reply reaches the user."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode


async def reply(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat of the update (message or button tap), HTML formatted."""
    chat = update.effective_chat
    if chat is None:
        return None
    if update.callback_query is not None:
        await answer_tap(update)
    return await chat.send_message(
        text, parse_mode=ParseMode.HTML, reply_markup=keyboard, disable_web_page_preview=True
    )


async def answer_tap(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Stop the button's spinner; Telegram allows one answer per tap."""
    query = update.callback_query
    if query is None:
        return
    try:
        await query.answer(text, show_alert=alert)
    except Exception:
        return


async def close_buttons(update: Update) -> None:
    """Remove the keyboard of the tapped message, so it cannot be tapped twice."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except Exception:
        return
