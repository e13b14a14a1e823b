"""Sending answers: one place that knows how a message reaches the user.

Every text the bot sends goes through `reply` (answers) or `send_text` (pushes: reminders,
notices, broadcasts, reports), which split a text over Telegram's 4,096 characters into
several messages at line boundaries (`domain.text.split_message`), the keyboard on the last
one: a message can never be refused as too long, whatever a list grows to.

A tapped question, once answered, becomes the record of its answer and the next question in
one edit (`record_answer`): one Bot API call and one round trip fewer a tap, and the chat
keeps each answer in sight. Likewise a preface (the plesso taken, its last recordings) goes
in the same message as the question after it (`lead_with`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.request import call_unparsed
from domain.text import split_message

# Link previews off: a message of ours never quotes a page (and a typed address must not
# be fetched by Telegram). As JSON, as PTB would send {"is_disabled": True}: dumped once.
_NO_PREVIEW = '{"is_disabled": true}'


@dataclass(frozen=True, slots=True)
class Sent:
    """Where a message the bot sent or edited is: all anyone reads of Telegram's echo.

    The echo is not parsed into a python-telegram-bot `Message` (bot.request.call_unparsed):
    parsing every reply's echo was a tenth of the bot's CPU under load (benchmarks/load.py)."""

    chat_id: int
    message_id: int

    @classmethod
    def of(cls, echo: Any) -> Sent | None:
        """The message an API call answered with; None when the answer is not a message
        (an edit of an inline message answers True)."""
        if not isinstance(echo, dict):
            return None
        return cls(chat_id=echo["chat"]["id"], message_id=echo["message_id"])


async def reply(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Sent | None:
    """Answer in the chat of the update (message or button tap), HTML formatted; the last
    message sent (the one with the keyboard) is returned."""
    chat = update.effective_chat
    if chat is None:
        return None
    lead = _take_lead(update)
    if lead is not None:
        together = f"{lead}\n\n{text}"
        if len(split_message(together)) == 1:
            text = together
        else:
            await _send_pieces(update.get_bot(), chat.id, lead, None, update)
    record = _take_record(update)
    if record is not None:
        together = f"{record}\n\n{text}"
        if len(split_message(together)) == 1:
            edited = await _edit_into(update, together, keyboard)
            if edited is not None:
                return edited
        else:
            # Too long to share one message: the record alone, then the reply in pieces (if
            # the question is too old to edit, `_edit_into` has removed its keyboard).
            await _edit_into(update, record, None)
    return await _send_pieces(update.get_bot(), chat.id, text, keyboard, update)


async def send_text(
    bot: Bot, chat_id: int, text: str, keyboard: InlineKeyboardMarkup | None = None
) -> Sent:
    """Push `text` to a chat unasked, HTML formatted, split like `reply`; returns the last
    message (the one with the keyboard)."""
    return await _send_pieces(bot, chat_id, text, keyboard, None)


async def edit_texts(bot: Bot, chat_id: int, message_ids: Sequence[int], text: str) -> int:
    """Replace the text of the bot's own messages (their buttons go): best effort, as Telegram
    lets a bot edit its messages in a private chat for 48 hours; a refusal is ignored.
    Returns how many were edited."""
    results = await asyncio.gather(
        *(
            call_unparsed(
                bot,
                "editMessageText",
                chat_id=chat_id,
                message_id=message_id,
                text=split_message(text)[0],
                parse_mode=ParseMode.HTML,
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
) -> Sent:
    pieces = split_message(text) or [text]
    sent: Sent | None = None
    for number, piece in enumerate(pieces, start=1):
        send = call_unparsed(
            bot,
            "sendMessage",
            chat_id=chat_id,
            text=piece,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard if number == len(pieces) else None,
            link_preview_options=_NO_PREVIEW,
        )
        if number == 1 and update is not None and _first_answer(update):
            # The tap's answer and the reply travel together: one round trip to Telegram
            # before the user reads the reply, not two (50 ms less a tap: benchmarks/load.py).
            _, echo = await asyncio.gather(answer_tap(update), send)
        else:
            echo = await send
        sent = Sent.of(echo)
    assert sent is not None  # split_message gives at least one piece; sendMessage a message
    return sent


def _first_answer(update: Update) -> bool:
    """Whether the replies of this update have not answered its tap yet (and now do)."""
    if update.callback_query is None:
        return False
    owed = _owed_by(update)
    if owed.tap_answered:
        return False
    _owed.set(_Owed(owed.update_id, owed.lead, owed.record, tap_answered=True))
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


# Calls started by a handler and not waited for (`close_buttons_meanwhile`); `settle` awaits
# them once the update's handlers are done.
_background: ContextVar[list[asyncio.Task[None]] | None] = ContextVar("background", default=None)


def close_buttons_meanwhile(update: Update) -> None:
    """`close_buttons` without waiting for it: the keyboard goes while the handler saves and
    replies, one round trip fewer before the user reads the answer (the review's Salva:
    benchmarks/load.py). Only where nothing after it puts a keyboard back on the tapped
    message by another call: an edit through `reply` waits for it first, so that one may."""
    pending = _background.get()
    if pending is None:
        pending = []
        _background.set(pending)
    pending.append(asyncio.ensure_future(close_buttons(update)))


async def _background_done() -> None:
    pending = _background.get()
    if pending:
        _background.set(None)
        await asyncio.gather(*pending)


async def settle(update: Update) -> None:
    """Once the handlers of `update` are done (the update processor calls it): a preface no
    reply took is sent (`lead_with`), the calls started meanwhile are awaited."""
    await flush_lead(update)
    await _background_done()


# --- the tapped message as the record of the answer ----------------------------------------------


def record_answer(update: Update, record: str) -> None:
    """The tapped question becomes `record` (HTML, e.g. "✓ Tipo scuola: <b>Scuola primaria</b>")
    followed by the next reply and its keyboard: ONE edit instead of removing the keyboard and
    sending a new message (one Bot API call and one round trip fewer a tap), and the chat
    keeps each answer in sight. Call `flush_record` once the handler is done."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    owed = _owed_by(update)
    _owed.set(_Owed(owed.update_id, owed.lead, record, owed.tap_answered))


async def flush_record(update: Update) -> None:
    """A recorded answer no reply took (the handler sent nothing): show it alone, no keys."""
    record = _take_record(update)
    if record is not None and await _edit_into(update, record, None) is None:
        await close_buttons(update)


def _take_record(update: Update) -> str | None:
    owed = _owed_now(update)
    if owed is None or owed.record is None:
        return None
    _owed.set(_Owed(owed.update_id, owed.lead, None, owed.tap_answered))
    return owed.record


async def _edit_into(
    update: Update, text: str, keyboard: InlineKeyboardMarkup | None
) -> Sent | None:
    """The tapped message rewritten (the tap answered in the same round trip); None when it
    cannot be edited any more (too old, deleted), and the caller sends instead."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if message is None:
        return None
    # A keyboard closed meanwhile must not land after this edit and take its keyboard away.
    await _background_done()
    edit = call_unparsed(
        query.get_bot(),
        "editMessageText",
        chat_id=message.chat.id,
        message_id=message.message_id,
        text=text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        link_preview_options=_NO_PREVIEW,
    )
    try:
        if _first_answer(update):
            _, edited = await asyncio.gather(answer_tap(update), edit)
        else:
            edited = await edit
    except TelegramError:
        await close_buttons(update)
        return None
    return Sent.of(edited)


# --- a preface sent with the next reply -------------------------------------------------------


def lead_with(update: Update, text: str) -> None:
    """The next reply of this update starts with `text` (HTML), a blank line between: one
    message, one Bot API call and one round trip instead of two (e.g. a plesso's last
    recordings above the question; benchmarks/load.py). When the two would not fit in one
    message, `text` goes first on its own. A preface no reply took is sent by `flush_lead`,
    which the update processor calls once the handlers are done."""
    owed = _owed_by(update)
    _owed.set(_Owed(owed.update_id, text, owed.record, owed.tap_answered))


async def flush_lead(update: Update) -> None:
    """Send a preface that no reply of the update took (the handler replied otherwise)."""
    lead = _take_lead(update)
    chat = update.effective_chat
    if lead is not None and chat is not None:
        await _send_pieces(update.get_bot(), chat.id, lead, None, update)


def _take_lead(update: Update) -> str | None:
    owed = _owed_now(update)
    if owed is None or owed.lead is None:
        return None
    _owed.set(_Owed(owed.update_id, None, owed.record, owed.tap_answered))
    return owed.lead


# --- what the replies of an update still owe it ---------------------------------------------


@dataclass(frozen=True, slots=True)
class _Owed:
    """What the replies of one update still owe it, set by its handler and taken by the
    replies of the same task: a preface for the next reply (`lead_with`), the tapped question
    rewritten as the record of the answer (`record_answer`), and whether its tap has been
    answered (Telegram takes one answer a tap). Keyed by the update, so that nothing left
    over from another update is ever taken for this one."""

    update_id: int
    lead: str | None = None
    record: str | None = None
    tap_answered: bool = False


# Replaced, never changed in place: a task started by the handler sees what was owed when it
# started, as with any ContextVar, and cannot take it for its parent. (Built field by field:
# `dataclasses.replace` costs several times more, on every reply.)
_owed: ContextVar[_Owed | None] = ContextVar("owed_by_replies", default=None)


def _owed_now(update: Update) -> _Owed | None:
    owed = _owed.get()
    return owed if owed is not None and owed.update_id == update.update_id else None


def _owed_by(update: Update) -> _Owed:
    return _owed_now(update) or _Owed(update.update_id)
