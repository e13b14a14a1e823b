"""Sending answers: one place that knows how a reply reaches the user."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError


async def reply(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Answer in the chat of the update (message or button tap), HTML formatted."""
    chat = update.effective_chat
    if chat is None:
        return None
    record = _take_record(update)
    if record is not None:
        edited = await _edit_into(update, f"{record}\n\n{text}", keyboard)
        if edited is not None:
            return edited
    send = chat.send_message(
        text, parse_mode=ParseMode.HTML, reply_markup=keyboard, disable_web_page_preview=True
    )
    if update.callback_query is None or not _first_answer(update):
        return await send
    # The tap's answer and the reply travel together: one round trip to Telegram before the
    # user reads the reply, not two (50 ms less a tap: benchmarks/load.py).
    _, sent = await asyncio.gather(answer_tap(update), send)
    return sent


# The tap answered by a reply of this update: a second reply does not answer it again.
_answered: ContextVar[str | None] = ContextVar("answered_query", default=None)


def _first_answer(update: Update) -> bool:
    """Whether the replies of this update have not answered its tap yet (and now do)."""
    query = update.callback_query
    if query is None or _answered.get() == query.id:
        return False
    _answered.set(query.id)
    return True


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


# --- the tapped message as the record of the answer ----------------------------------------------


@dataclass(frozen=True)
class _Record:
    query_id: str
    text: str


# Set by `record_answer` while one update is handled; the same task sends the next question.
_pending: ContextVar[_Record | None] = ContextVar("pending_answer_record", default=None)


def record_answer(update: Update, record: str) -> None:
    """The tapped question becomes `record` (HTML, e.g. "✓ Tipo scuola: <b>Scuola primaria</b>")
    followed by the next reply and its keyboard: ONE edit instead of removing the keyboard and
    sending a new message (one Bot API call and one round trip fewer a tap), and the chat
    keeps each answer in sight. Call `flush_record` once the handler is done."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    _pending.set(_Record(query.id, record))


async def flush_record(update: Update) -> None:
    """A recorded answer no reply took (the handler sent nothing): show it alone, no keys."""
    record = _take_record(update)
    if record is not None and await _edit_into(update, record, None) is None:
        await close_buttons(update)


def _take_record(update: Update) -> str | None:
    pending = _pending.get()
    query = update.callback_query
    if pending is None or query is None or pending.query_id != query.id:
        return None
    _pending.set(None)
    return pending.text


async def _edit_into(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None
) -> Message | None:
    """The tapped message rewritten (the tap answered in the same round trip); None when it
    cannot be edited any more (too old, deleted), and the caller sends instead."""
    query = update.callback_query
    assert query is not None
    edit = query.edit_message_text(
        text, parse_mode=ParseMode.HTML, reply_markup=keyboard, disable_web_page_preview=True
    )
    try:
        if _first_answer(update):
            _, edited = await asyncio.gather(answer_tap(update), edit)
        else:
            edited = await edit
    except TelegramError:
        await close_buttons(update)
        return None
    return edited if isinstance(edited, Message) else None
