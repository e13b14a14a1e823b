"""/aiuto, /annulla, and the answers to anything no flow took."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.access import public
from bot.catalog import common, render
from bot.catalog import vaccines as vaccine_texts
from bot.context import BotContext
from bot.replies import answer_tap, reply
from domain.access import Actor


def help_text(actor: Actor) -> str:
    sections: list[str] = []
    if actor.is_referent or not (actor.is_admin or actor.is_vaccines):
        sections.append(_section(common.HELP_HEADER_REFERENT, common.REFERENT_COMMANDS))
    if actor.is_vaccines:  # the school's vaccination-duty check (issue 18)
        sections.append(_section(vaccine_texts.HELP_HEADER, vaccine_texts.COMMANDS[3:]))
    if actor.is_admin:
        sections.append(_section(common.HELP_HEADER_ADMIN, common.ADMIN_COMMANDS))
    return "\n\n".join(sections) + "\n" + common.HELP_FOOTER


def _section(header: str, commands: list[tuple[str, str]]) -> str:
    lines = [render(common.HELP_LINE, command=c, description=d) for c, d in commands]
    return "\n".join([header, *lines])


@public
async def show_help(update: Update, context: BotContext) -> None:
    actor = context.actor
    if not actor.is_known:
        await reply(update, common.NOT_REGISTERED)
        return
    await reply(update, help_text(actor))


@public
async def cancel(update: Update, context: BotContext) -> None:
    # The access guard has already ended the flow, if any, when it saw the command.
    await reply(update, common.CANCELLED if context.abandoned_flows else common.NOTHING_TO_CANCEL)


@public
async def anything_else(update: Update, context: BotContext) -> None:
    """A message no flow expected."""
    actor = context.actor
    await reply(update, common.NOT_UNDERSTOOD if actor.is_known else common.NOT_REGISTERED)


@public
async def stale_button(update: Update, context: BotContext) -> None:
    """A button from an old message, or one whose flow has ended."""
    if not context.actor.is_known:
        await answer_tap(update)
        await reply(update, common.NOT_REGISTERED)
        return
    await answer_tap(update, common.STALE_BUTTON, alert=True)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("aiuto", show_help),
        CommandHandler("help", show_help),
        CommandHandler("annulla", cancel),
    ]


def last_resort_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Registered after every flow."""
    return [
        MessageHandler(filters.ALL, anything_else),
        CallbackQueryHandler(stale_button),
    ]
