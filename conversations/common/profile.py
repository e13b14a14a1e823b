"""/profilo: the referent's own name, phone and e-mail, changed once for every later case.

The case form takes them from here (shown in its review, changeable there for one case).
/profilo shows them with a ✏️ per field; a tap asks that field, the typed answer is checked
and saved, and the profile is shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum, auto
from typing import Any, Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import common, error_text, render
from bot.catalog import onboarding as texts
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import END, Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.errors import ValidationFailed
from domain.people import display_name, format_phone, parse_email, parse_full_name, parse_phone
from domain.registry import Referent, ReferentProfile
from services import onboarding


class Step(IntEnum):
    # Stored in the database as numbers: append new steps, never reorder.
    VALUE = auto()


ProfileField = Literal["full_name", "phone", "email"]

flow: Flow[Step] = Flow("profile", Step, personal=True)
BUTTONS = Buttons("pf", "/profilo: change the referent's name, phone or e-mail")
CHANGE = "ch"

_QUESTIONS: dict[ProfileField, str] = {
    "full_name": texts.ASK_FULL_NAME,
    "phone": texts.ASK_PHONE,
    "email": texts.ASK_EMAIL,
}
_PARSERS: dict[ProfileField, Callable[[str], str]] = {
    "full_name": parse_full_name,
    "phone": parse_phone,
    "email": parse_email,
}


class ProfileDraft(FlowDraft):
    """The field being changed."""

    field: ProfileField = "full_name"


@flow.asker
async def _ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    await reply(update, _QUESTIONS[ProfileDraft.load(data).field])


def _keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline(
        [
            [(texts.BUTTON_PROFILE_NAME, BUTTONS.data(CHANGE, "full_name"))],
            [
                (texts.BUTTON_PROFILE_PHONE, BUTTONS.data(CHANGE, "phone")),
                (texts.BUTTON_PROFILE_EMAIL, BUTTONS.data(CHANGE, "email")),
            ],
        ]
    )


async def _show(update: Update, referent: Referent) -> None:
    text = render(
        texts.PROFILE,
        full_name=display_name(referent.full_name),
        phone=format_phone(referent.phone),
        email=referent.email,
    )
    await reply(update, text, _keyboard())


@requires(Role.REFERENT)
async def show_profile(update: Update, context: BotContext) -> int:
    """/profilo"""
    referent = context.actor.referent
    assert referent is not None  # requires(Role.REFERENT)
    await _show(update, referent)
    return END


@requires(Role.REFERENT)
async def change(update: Update, context: BotContext) -> int:
    """ "✏️ Telefono": ask that field."""
    found = BUTTONS.tapped_args(update, CHANGE, 1)
    if found is None or found[0] not in _QUESTIONS:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return END
    await close_buttons(update)
    field: ProfileField = found[0]  # checked just above
    return await flow.go(update, context, Step.VALUE, ProfileDraft(field=field).dump())


@requires(Role.REFERENT)
async def typed(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    referent = context.actor.referent
    assert referent is not None
    draft = ProfileDraft.load(await flow.load(update, context))
    try:
        value = _PARSERS[draft.field](update.message.text)
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, Step.VALUE, draft.dump())
        return Step.VALUE
    current = ReferentProfile(
        full_name=referent.full_name, phone=referent.phone, email=referent.email
    )
    profile = current.model_copy(update={draft.field: value})
    services = context.services
    stored = await onboarding.change_profile(services, context.actor, profile, services.now())
    if stored is None:
        return END
    await reply(update, texts.PROFILE_SAVED)
    await _show(update, stored)
    await flow.delete_personal_messages(update, context)
    return END


def build() -> FlowHandler:
    return flow.handler(
        entry_points=[
            CommandHandler("profilo", show_profile),
            CallbackQueryHandler(change, pattern=BUTTONS.pattern(CHANGE)),
        ],
        states={Step.VALUE: [MessageHandler(filters.TEXT & ~filters.COMMAND, typed)]},
    )
