"""A citizen signs in from the SMS link: /start TOKEN → «Condividi il mio numero» (only the
sender's own contact) → the codice fiscale of the positive person. Both must match the
register row; three failures lock the chat out for 30 minutes, never saying which half was
wrong. The messages that carried the phone and the codice fiscale are deleted once done.

Routing: `/start <token>` with a citizen token (domain.isolation.TOKEN_PATTERN) is matched
here by its filter, and this flow is registered before the referents' onboarding, which
keeps every other /start.
"""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.access import public
from bot.catalog import citizens as texts
from bot.catalog import render
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.menus import set_citizen_menu
from conversations.citizens.common import MENU_KEYBOARD, delete_at_once, send
from conversations.citizens.menu import show_menu
from domain.isolation import TOKEN_PATTERN
from services import citizens
from services.citizens import SignInRefusal, SignInStep


class Step(IntEnum):
    CONTACT = auto()
    CODICE_FISCALE = auto()


flow: Flow[Step] = Flow("citizen_signin", Step, button_steps=[Step.CONTACT], personal=True)

CONTACT_KEYBOARD = ReplyKeyboardMarkup(
    [[KeyboardButton(texts.BUTTON_SHARE_CONTACT, request_contact=True)]],
    resize_keyboard=True,
    one_time_keyboard=True,
)


class SignInDraft(FlowDraft):
    token_hash: str = ""
    phone: str = ""


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.CONTACT:
        await send(update, texts.ASK_CONTACT, CONTACT_KEYBOARD)
    else:
        await send(update, texts.ASK_CF)


@public
async def start(update: Update, context: BotContext) -> int:
    """/start TOKEN: nothing is written for a token that opens nothing (a stranger's try)."""
    assert update.effective_user is not None
    token = context.args[0] if context.args else ""
    services = context.services
    opened = await citizens.open_link(services, update.effective_user.id, token, services.now())
    if opened.refused is not None:
        await _refused(update, context, opened)
        return ConversationHandler.END
    draft = SignInDraft(token_hash=opened.token_hash)
    return await flow.go(update, context, Step.CONTACT, draft.dump())


@public
async def contact_shared(update: Update, context: BotContext) -> Step:
    assert update.message is not None and update.message.contact is not None
    assert update.effective_user is not None
    contact = update.message.contact
    draft = SignInDraft.load(await flow.load(update, context))
    # Anyone can forward someone else's card: only the sender's own number proves anything.
    if contact.user_id != update.effective_user.id:
        await send(update, texts.CONTACT_NOT_YOURS, CONTACT_KEYBOARD)
        return Step.CONTACT
    draft = draft.model_copy(update={"phone": contact.phone_number})
    await delete_at_once(update, context)
    return await flow.go(update, context, Step.CODICE_FISCALE, draft.dump())


@public
async def cf_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    assert update.effective_user is not None
    draft = SignInDraft.load(await flow.load(update, context))
    services = context.services
    await delete_at_once(update, context)
    result = await citizens.sign_in(
        services,
        update.effective_user.id,
        draft.token_hash,
        draft.phone,
        update.message.text,
        services.now(),
    )
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
