"""The last line: an unexpected error gets an apology, a logged traceback, no personal data."""

from __future__ import annotations

import logging

from telegram import Update

from bot.catalog import common
from bot.context import BotContext
from bot.replies import reply
from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    if isinstance(error, DatabaseUnavailable):
        log.warning("database unavailable: %s", error)
        text = common.DATABASE_BUSY
    else:
        # The traceback goes to the log, through the redacting filter (bot.logs).
        log.error("unhandled error while handling an update", exc_info=error)
        text = common.UNEXPECTED_ERROR
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await reply(update, text)
        except Exception:
            log.warning("could not tell the user about the error")
