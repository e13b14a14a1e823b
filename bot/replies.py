"""Sending answers: one place that knows how a message reaches the user.

Every text the bot sends goes through `reply` (answers) or `send_text` (pushes: reminders,
notices, broadcasts, reports), which split a text over Telegram's 4,096 characters into
several messages at line boundaries (`domain.text.split_message`), the keyboard on the last
one: a message can never be refused as too long, whatever a list grows to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from domain.text import split_message


async def reply(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat of the update (message or button tap), HTML formatted; the last
    message sent (the one with the keyboard) is returned."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await _send_pieces(update.get_bot(), chat.id, text, keyboard, update)


async def send_text(
    bot: Bot, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message:
    """Push `text` to a chat unasked, HTML formatted, split like `reply`; returns the last
    message (the one with the keyboard)."""
    return await _send_pieces(bot, chat_id, text, keyboard, None)


async def edit_texts(bot: Bot, chat_id: int, message_ids: Sequence[int], text: str) -> int:
    """Replace the text of the bot's own messages (their buttons go): best effort, as Telegram
    lets a bot edit its messages in a private chat for 48 hours; a refusal is ignored.
    Returns how many were edited."""
    results = await asyncio.gather(
        *(
            bot.edit_message_text(
                split_message(text)[0],
                chat_id=chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=None,
            )
            for message_id in message_ids
        ),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, TelegramError):
            raise result
    return sum(not isinstance(result, BaseException) for result in results)


async def _send_pieces(
    bot: Bot,
    chat_id: int,
    text: str,
    keyboard: InlineKeyboardMarkup | None,
    update: Update | None,
) -> Message:
    pieces = split_message(text) or [text]
    sent: Message | None = None
    for number, piece in enumerate(pieces, start=1):
        send = bot.send_message(
            chat_id=chat_id,
            text=piece,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard if number == len(pieces) else None,
            disable_web_page_preview=True,
        )
        if number == 1 and update is not None and update.callback_query is not None:
            # The tap's answer and the reply travel together: one round trip to Telegram
            # before the user reads the reply, not two (50 ms less a tap: benchmarks/load.py).
            _, sent = await asyncio.gather(answer_tap(update), send)
        else:
            sent = await send
    assert sent is not None  # split_message gives at least one piece
    return sent


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
        await query.edit_message_reply_markup(reply_markup=None)
    except TelegramError:
        # The buttons are already gone (tapped twice, the message too old to edit).
        return
