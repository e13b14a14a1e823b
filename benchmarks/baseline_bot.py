"""The baseline of the load benchmark: a bare python-telegram-bot 22 application with the
same conversations as Sentinella, in memory, with python-telegram-bot's default settings.

    python -m benchmarks.baseline_bot --token T --base-url URL/bot --file-url URL/file/bot

What it shares with the real bot is the shape of every conversation (benchmarks._flows): the
same steps, and at each step the same Bot API calls (the same number of messages sent,
keyboards removed, callback queries answered, reviews rewritten once saved, user messages
deleted in one call; the class file is downloaded and read with openpyxl). What it lacks is
everything that makes the real bot what it is and what its architecture decides: one
ConversationHandler, the answers kept in `user_data`, no database, no validation, and the
defaults (httpx, one update at a time, the standard asyncio loop, `run_polling`).

It knows which conversation a user plays from their user id, as the load benchmark assigns
them.
"""

from __future__ import annotations

import argparse
import io
import logging
import warnings
from collections.abc import Sequence
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from benchmarks._flows import Conversation, Kind, Step, absences, case, class_file, kind_of

TEXT, TAP, FILE = range(3)
STATE_OF = {"send": TEXT, "tap": TAP, "file": FILE}
FILLER = "Rispondi a questo messaggio per andare avanti."
MASKED = "Salvato (codice fiscale nascosto)."

Context = ContextTypes.DEFAULT_TYPE


def conversation_of(user_id: int, args: Sequence[str]) -> Conversation:
    index = user_id - 10_000
    kind = kind_of(index)
    if kind is Kind.ABSENCES:
        return absences(index)
    if kind is Kind.CASE:
        return case(index)
    return class_file(index, int(args[0]) if args else 0, b"")


async def begin(update: Update, context: Context) -> int:
    assert update.effective_user is not None and context.user_data is not None
    conversation = conversation_of(update.effective_user.id, context.args or [])
    context.user_data.update(conversation=conversation, step=0, answers=[], typed=[])
    message = update.effective_message
    return await _step(update, context, (message.text or "") if message is not None else "")


async def text(update: Update, context: Context) -> int:
    assert update.effective_message is not None
    return await _step(update, context, update.effective_message.text or "")


async def tap(update: Update, context: Context) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    return await _step(update, context, query.data or "")


async def document(update: Update, context: Context) -> int:
    message = update.effective_message
    assert message is not None and message.document is not None
    file = await context.bot.get_file(message.document.file_id)
    content = bytes(await file.download_as_bytearray())
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook.active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(row)] if sheet else []
    return await _step(update, context, f"{len(rows)} righe")


async def _step(update: Update, context: Context, answer: str) -> int:
    data: dict[str, Any] = context.user_data if context.user_data is not None else {}
    conversation: Conversation = data["conversation"]
    index: int = data["step"]
    step = conversation.steps[index]
    data["answers"].append(answer)
    message = update.effective_message
    chat = update.effective_chat
    assert chat is not None
    if step.action != "tap" and message is not None:
        data["typed"].append(message.message_id)
    if step.in_place and update.callback_query is not None:
        await update.callback_query.edit_message_text(
            f"{step.expect}\n\n{FILLER}", reply_markup=_markup(_next(conversation, index))
        )
    else:
        if step.edits and update.callback_query is not None:
            await update.callback_query.edit_message_reply_markup(None)
        await _reply(context, chat.id, step, _next(conversation, index))
        if step.masks and update.callback_query is not None:
            await update.callback_query.edit_message_text(f"{MASKED}\n\n{FILLER}")
    if step.deletes:
        typed: list[int] = data["typed"]
        await context.bot.delete_messages(chat.id, typed[-step.deletes :])
        data["typed"] = []
    if index + 1 == len(conversation.steps):
        records: list[Any] = context.bot_data.setdefault("records", [])
        records.append((conversation.kind.value, chat.id, tuple(data["answers"])))
        return ConversationHandler.END
    data["step"] = index + 1
    return STATE_OF[conversation.steps[index + 1].action]


def _next(conversation: Conversation, index: int) -> Step | None:
    return conversation.steps[index + 1] if index + 1 < len(conversation.steps) else None


async def _reply(context: Context, chat_id: int, step: Step, following: Step | None) -> None:
    for _ in range(step.sent - 1):
        await context.bot.send_message(chat_id, FILLER)
    await context.bot.send_message(
        chat_id, f"{step.expect}\n\n{FILLER}", reply_markup=_markup(following)
    )


def _markup(following: Step | None) -> InlineKeyboardMarkup | None:
    if following is None or following.action != "tap":
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(following.value, callback_data="b")]])


def build(token: str, base_url: str, file_url: str) -> Application[Any, Any, Any, Any, Any, Any]:
    # Defaults everywhere: httpx, no concurrent updates, no rate limiter, no persistence.
    application = (
        Application.builder().token(token).base_url(base_url).base_file_url(file_url).build()
    )
    with warnings.catch_warnings():
        # per_message=False with a CallbackQueryHandler: what a bare bot does.
        warnings.simplefilter("ignore", PTBUserWarning)
        handler: ConversationHandler[Any] = ConversationHandler(
            entry_points=[CommandHandler(["assenze", "nuovocaso", "caso"], begin)],
            states={
                TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, text)],
                TAP: [CallbackQueryHandler(tap)],
                FILE: [MessageHandler(filters.Document.ALL, document)],
            },
            fallbacks=[],
        )
    application.add_handler(handler)
    return application


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--file-url", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    build(args.token, args.base_url, args.file_url).run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
