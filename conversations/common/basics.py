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

from bot import flows
from bot.access import public
from bot.catalog import citizens as citizen_texts
from bot.catalog import common, render
from bot.catalog import vaccines as vaccine_texts
from bot.context import BotContext
from bot.replies import answer_tap, reply
from conversations.citizens import menu as citizen_menu
from domain.access import Actor


def help_text(actor: Actor) -> str:
    sections: list[str] = []
    if actor.is_referent or not (actor.is_admin or actor.is_vaccines):
        sections.append(_section(common.HELP_HEADER_REFERENT, common.REFERENT_COMMANDS))
    if actor.is_vaccines:  # the school's vaccination-duty check (issue 18)
        sections.append(_section(vaccine_texts.HELP_HEADER, vaccine_texts.COMMANDS[3:]))
    if actor.is_admin:
        admin_commands = common.ADMIN_COMMANDS + citizen_texts.ADMIN_CITIZEN_COMMANDS
        sections.append(_section(common.HELP_HEADER_ADMIN, admin_commands))
    return "\n\n".join(sections) + "\n" + common.HELP_FOOTER


def _section(header: str, commands: list[tuple[str, str]]) -> str:
    lines = [render(common.HELP_LINE, command=c, description=d) for c, d in commands]
    return "\n".join([header, *lines])


@public
async def show_help(update: Update, context: BotContext) -> None:
    actor = context.actor
    if not actor.is_known:
        if not await citizen_menu.citizen_help(update, context):  # issue 19
            await reply(update, common.NOT_REGISTERED)
        return
    await reply(update, help_text(actor))
    # In the middle of a form: the question it was waiting for, again.
    await flows.ask_pending(context, update)


@public
async def my_id(update: Update, context: BotContext) -> None:
    """/mioid: the sender's own Telegram user id, to put in ADMIN_IDS (anyone may ask)."""
    await reply(update, render(common.MY_ID, user_id=context.actor.user_id))


@public
async def cancel(update: Update, context: BotContext) -> None:
    """/annulla: a form holding answers asks Sì/No first (bot.flows.Flow.cancel)."""
    if not await flows.cancel_in_progress(context, update):
        await reply(update, common.NOTHING_TO_CANCEL)


@public
async def anything_else(update: Update, context: BotContext) -> None:
    """A message no flow expected."""
    actor = context.actor
    if not actor.is_known:
        if await citizen_menu.greet(update, context):
            return  # a citizen in isolation (issue 19): their menu, not "not registered"
        await reply(update, common.NOT_REGISTERED)
    elif flows.has_paused_drafts(context, update):
        await reply(update, common.DRAFT_KEPT_HINT)
    else:
        await reply(update, common.NOT_UNDERSTOOD)


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
        CommandHandler("mioid", my_id),
    ]


def draft_buttons() -> BaseHandler[Update, BotContext, None]:
    """«Riprendi», «Ricomincia», and Sì/No to a cancel: registered before every flow."""
    return flows.draft_buttons_handler()


def last_resort_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Registered after every flow."""
    return [
        MessageHandler(filters.ALL, anything_else),
        CallbackQueryHandler(stale_button),
    ]
