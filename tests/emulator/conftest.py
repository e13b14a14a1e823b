"""Fixtures: a started emulator, a PTB Bot pointed at it, and a tiny echo bot polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from emulator.server import BotApiEmulator

USER = 4242  # a person who opened the chat in the `bot` fixture


@pytest.fixture
async def emulator() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator() as running:
        yield running


@pytest.fixture
async def bot(emulator: BotApiEmulator) -> AsyncIterator[Bot]:
    emulator.open_chat(USER, "Mario", "Rossi", "mrossi")
    async with Bot(
        emulator.token, base_url=emulator.base_url, base_file_url=emulator.base_file_url
    ) as client:
        yield client


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- the echo bot: just enough behaviour to drive the driver and the console ------------------

Context = ContextTypes.DEFAULT_TYPE
MENU = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Salva", callback_data="save"),
            InlineKeyboardButton("Annulla", callback_data="cancel"),
        ],
        [InlineKeyboardButton("Sito", url="https://example.org")],
    ]
)


async def _start(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    payload = " ".join(context.args or [])
    text = f"Ciao! Payload: {payload}" if payload else "Ciao! Scegli:"
    await update.effective_message.reply_text(text, reply_markup=MENU)


async def _document_out(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_document(
        b"plesso;casi\nMI001;3\n", filename="report.csv", caption="Ecco il <b>report</b>",
        parse_mode="HTML",
    )  # fmt: skip


async def _notify(update: Update, context: Context) -> None:
    # "/avvisa 7": a message to someone else, as the bot's reminders will send
    target = int((context.args or ["0"])[0])
    await context.bot.send_message(target, "Avviso per te")


async def _silence(update: Update, context: Context) -> None:
    return None


async def _pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"Fatto: {query.data}")
    await query.edit_message_text(f"Hai scelto: {query.data}")


async def _echo(update: Update, context: Context) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text(f"Eco: {update.effective_message.text}")


async def _document_in(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    data = await (await message.document.get_file()).download_as_bytearray()
    await message.reply_text(f"Ricevuto {message.document.file_name}: {len(data)} byte")


async def _sticker(update: Update, context: Context) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Bello lo sticker, ma mi serve un testo")


def build_echo_app(emulator: BotApiEmulator) -> Application:  # type: ignore[type-arg]
    app = (
        Application.builder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handlers(
        [
            CommandHandler("start", _start),
            CommandHandler("doc", _document_out),
            CommandHandler("avvisa", _notify),
            CommandHandler("silenzio", _silence),
            CallbackQueryHandler(_pressed),
            MessageHandler(filters.Document.ALL, _document_in),
            MessageHandler(filters.Sticker.ALL, _sticker),
            MessageHandler(filters.TEXT & ~filters.COMMAND, _echo),
        ]
    )
    return app


@pytest.fixture
async def echo_bot(emulator: BotApiEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    app = build_echo_app(emulator)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=2))
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
