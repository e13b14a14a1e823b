"""A citizen signs in from the SMS link: /start TOKEN → «Condividi il mio numero» (only the
sender's own contact) → the codice fiscale of the positive person. Both must match the
register row; three failures lock the chat out for 30 minutes, never saying which half was
wrong. The messages that carried the phone and the codice fiscale are deleted once done.

Routing: `/start <token>` with a citizen token (domain.isolation.TOKEN_PATTERN) is matched
here by its filter, and this flow is registered before the referents' onboarding, which
keeps every other /start.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.access import public
from bot.catalog import citizens as texts
from bot.catalog import render
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.menus import set_citizen_menu
from conversations.citizens.common import MENU_KEYBOARD, send
from conversations.citizens.menu import show_menu
from conversations.common import link_signin
from conversations.common.link_signin import CONTACT_KEYBOARD, Step
from domain.isolation import TOKEN_PATTERN
from services import citizens
from services.citizens import SignInRefusal, SignInStep

flow: Flow[Step] = Flow("citizen_signin", Step, button_steps=[Step.CONTACT], personal=True)


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.CONTACT:
        await send(update, texts.ASK_CONTACT, CONTACT_KEYBOARD)
    else:
        await send(update, texts.ASK_CF)


@public
async def start(update: Update, context: BotContext) -> int:
    return await link_signin.open_link(update, context, flow, citizens.open_link, _refused)


@public
async def contact_shared(update: Update, context: BotContext) -> Step:
    return await link_signin.take_contact(update, context, flow)


@public
async def cf_typed(update: Update, context: BotContext) -> int:
    assert update.effective_user is not None
    result = await link_signin.check_codice_fiscale(update, context, flow, citizens.sign_in)
    if result.refused is SignInRefusal.WRONG:
        await send(update, render(texts.SIGNIN_WRONG, left=result.attempts_left))
        return Step.CODICE_FISCALE
    if result.refused is not None:
        await flow.delete_personal_messages(update, context)
        await _refused(update, context, result)
        return ConversationHandler.END
    assert result.citizen is not None
    await send(update, render(texts.SIGNED_IN, initials=result.citizen.initials), MENU_KEYBOARD)
    await flow.delete_personal_messages(update, context)
    await set_citizen_menu(context.bot, update.effective_user.id)
    await show_menu(update, context)
    return ConversationHandler.END


async def _refused(update: Update, context: BotContext, result: SignInStep) -> None:
    assert update.effective_user is not None
    if result.refused is SignInRefusal.LOCKED_OUT and result.locked_until is not None:
        local = result.locked_until.astimezone(context.services.settings.tz)
        await send(
            update,
            render(texts.SIGNIN_LOCKED, until=f"{local:%H:%M}", chat=update.effective_user.id),
        )
    else:
        await send(update, texts.LINK_INVALID)


def build() -> FlowHandler:
    token_link = filters.Regex(rf"^/start\s+{TOKEN_PATTERN}\s*$")
    return flow.handler(
        entry_points=[CommandHandler("start", start, filters=token_link)],
        states={
            Step.CONTACT: [MessageHandler(filters.CONTACT, contact_shared)],
            Step.CODICE_FISCALE: [MessageHandler(filters.TEXT & ~filters.COMMAND, cf_typed)],
        },
    )
