"""The ATS's CSV uploads (/scuole, /positivi, /puntitampone, /esiti, /segnalazioni): a flow
of one step waiting for the file; the file downloaded and read in a thread (a big file must
not hold the event loop); a file refused as a whole answered with its reason and the
question again, the flow staying on the file. Also the words of a refused line's reason,
for every file a user sends (the referents' contact lists and vaccine lists too)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from enum import IntEnum, auto
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.catalog import error_text
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.replies import reply
from domain.errors import ValidationFailed
from domain.schools import RowError

T = TypeVar("T")


class Step(IntEnum):
    FILE = auto()


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, Step | int]]


class FileDraft(FlowDraft):
    """Nothing to remember but the step (waiting for the file)."""


def reason(error: RowError) -> str:
    """What is wrong with a refused line, in the catalog's words."""
    return error_text(ValidationFailed(error.code, **error.params))


async def download(update: Update) -> bytes:
    """The bytes of the document the message carries."""
    assert update.message is not None and update.message.document is not None
    telegram_file = await update.message.document.get_file()
    return bytes(await telegram_file.download_as_bytearray())


async def read_upload(
    update: Update,
    context: BotContext,
    flow: Flow[Step],
    parse: Callable[[bytes], T],
    *,
    refused: str = "",
) -> T | None:
    """The document read by `parse`; None when it refused the whole file: the admin was
    told why (after `refused`) and asked for the file again, and the flow stays on it."""
    content = await download(update)
    try:
        return await asyncio.to_thread(parse, content)
    except ValidationFailed as error:
        await reply(update, refused + error_text(error))
        await flow.ask(update, context, Step.FILE, FileDraft().dump())
        return None


def upload_handler(
    flow: Flow[Step], command: str, start: Callback, file_received: Callback
) -> FlowHandler:
    """The flow's handler: `command` asks for the file, a document answers it."""
    return flow.handler(
        entry_points=[CommandHandler(command, start)],
        states={Step.FILE: [MessageHandler(filters.Document.ALL, file_received)]},
    )
