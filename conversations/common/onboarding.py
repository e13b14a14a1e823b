"""A referent joins: invitation code, name, phone, e-mail, summary, confirm."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from enum import IntEnum, auto
from typing import Any, Literal

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import public
from bot.callbacks import Buttons
from bot.catalog import common, error_text, render
from bot.catalog import onboarding as texts
from bot.catalog import vaccines as vaccine_texts
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler, Progress, offer_paused_drafts
from bot.menus import set_admin_menu, set_user_menu
from bot.replies import close_buttons, reply
from conversations.citizens import menu as citizen_menu
from conversations.common.basics import help_text
from domain.access import Role
from domain.errors import ValidationFailed
from domain.people import display_name, format_phone, parse_email, parse_full_name, parse_phone
from domain.registry import ReferentProfile
from services import onboarding
from services.onboarding import CodeRefusal


class Step(IntEnum):
    CODE = auto()
    FULL_NAME = auto()
    PHONE = auto()
    EMAIL = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow(
    "onboarding",
    Step,
    button_steps=[Step.CONFIRM],
    personal=True,
    # The code (one answer, three fields), the name, the phone, the e-mail.
    progress=lambda data: Progress(
        sum(bool(data.get(k)) for k in ("invitation_hash", "full_name", "phone", "email")), 4
    ),
)

# Verb-less data (`onb_ok`, `onb_redo`): the bytes of the buttons already in users' chats.
CONFIRM = Buttons("onb_ok", "joining: the details are right")
REDO = Buttons("onb_redo", "joining: type the details again")


class OnboardingDraft(FlowDraft):
    """The answers so far: the invitation (from the code step), then the profile."""

    invitation_hash: str = ""
    plesso_code: str = ""
    plesso_name: str = ""
    role: str = "referent"  # what the invitation grants: "vaccini" for issue 18's role
    full_name: str = ""
    phone: str = ""
    email: str = ""


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.CODE:
        await reply(update, texts.ASK_CODE)
    elif step is Step.FULL_NAME:
        await reply(update, texts.ASK_FULL_NAME)
    elif step is Step.PHONE:
        await reply(update, texts.ASK_PHONE)
    elif step is Step.EMAIL:
        await reply(update, texts.ASK_EMAIL)
    else:
        draft = OnboardingDraft.load(data)
        summary = render(
            texts.SUMMARY,
            plesso=draft.plesso_name,
            code=draft.plesso_code,
            full_name=display_name(draft.full_name),
            phone=format_phone(draft.phone),
            email=draft.email,
        )
        await reply(update, summary, _confirm_keyboard())


def _confirm_keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline(
        [[(common.BUTTON_CONFIRM, CONFIRM.bare()), (texts.BUTTON_REDO, REDO.bare())]]
    )


@public
async def start(update: Update, context: BotContext) -> int:
    """/start, with or without an invitation code (deep link payload)."""
    actor = context.actor
    payload = context.args[0] if context.args else None
    if payload is None:
        if actor.is_known:
            await _welcome(update, context)
            await offer_paused_drafts(context, update)
            return ConversationHandler.END
        if await citizen_menu.greet(update, context):  # a citizen in isolation (issue 19)
            return ConversationHandler.END
        return await flow.go(update, context, Step.CODE, OnboardingDraft().dump())
    return await _try_code(update, context, payload)


async def _welcome(update: Update, context: BotContext) -> None:
    actor = context.actor
    if actor.referent is not None and actor.is_referent:
        plessi = await onboarding.my_plessi(context.services, actor)
        listing = "\n".join(f"• {p.name} ({p.code})" for p in plessi)
        await reply(
            update,
            render(
                common.WELCOME_REFERENT,
                name=display_name(actor.referent.full_name),
                plessi=listing,
            ),
        )
    if actor.is_admin:
        scope = (
            render(common.SCOPE_ATS, ats=actor.admin_ats)
            if actor.admin_ats
            else (common.SCOPE_REGIONAL)
        )
        await reply(update, render(common.WELCOME_ADMIN, scope=scope))
        await set_admin_menu(context.bot, actor.user_id)
    elif actor.is_vaccines:
        await set_user_menu(context.bot, actor.user_id, actor, vaccines=True)
    await reply(update, help_text(actor))


@public
async def code_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    return await _try_code(update, context, update.message.text)


async def _try_code(update: Update, context: BotContext, typed: str) -> int:
    services = context.services
    checked = await onboarding.check_code(services, context.actor.user_id, typed, services.now())
    if checked.refused is CodeRefusal.LOCKED_OUT:
        assert checked.locked_until is not None
        local = checked.locked_until.astimezone(services.settings.tz)
        await reply(update, render(texts.LOCKED_OUT, until=local.strftime("%H:%M")))
        return ConversationHandler.END
    if checked.refused is CodeRefusal.WRONG:
        await reply(update, render(texts.CODE_WRONG, left=checked.attempts_left))
        return await flow.save(update, context, Step.CODE, OnboardingDraft().dump())
    if checked.refused is CodeRefusal.USED:
        await reply(update, texts.CODE_USED)
        return ConversationHandler.END
    if checked.refused is CodeRefusal.EXPIRED:
        await reply(update, texts.CODE_EXPIRED)
        return ConversationHandler.END
    plesso = checked.plesso
    assert plesso is not None
    draft = OnboardingDraft(
        invitation_hash=checked.invitation_hash,
        plesso_code=plesso.code,
        plesso_name=plesso.name,
        role=checked.role,
    )
    await reply(
        update,
        render(texts.INVITED_TO, plesso=plesso.name, code=plesso.code, comune=plesso.comune_name),
    )
    if context.actor.referent is not None:
        return await _join(update, context, draft, profile=None)
    return await flow.go(update, context, Step.FULL_NAME, draft.dump())


ProfileField = Literal["full_name", "phone", "email"]


def _text_step(
    step: Step, parse: Callable[[str], str], field: ProfileField
) -> Callable[[Update, BotContext], Coroutine[Any, Any, Step]]:
    """A handler for a step whose answer is one parsed text field of the profile."""

    @public
    async def handle(update: Update, context: BotContext) -> Step:
        assert update.message is not None and update.message.text is not None
        draft = OnboardingDraft.load(await flow.load(update, context))
        try:
            draft = draft.model_copy(update={field: parse(update.message.text)})
        except ValidationFailed as error:
            await reply(update, error_text(error))
            await flow.ask(update, context, step, draft.dump())
            return step
        return await flow.go(update, context, _NEXT[step], draft.dump())

    handle.__name__ = f"onboarding_{field}"
    return handle


_NEXT = {Step.FULL_NAME: Step.PHONE, Step.PHONE: Step.EMAIL, Step.EMAIL: Step.CONFIRM}


@public
async def confirm(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    draft = OnboardingDraft.load(await flow.load(update, context))
    profile = ReferentProfile(full_name=draft.full_name, phone=draft.phone, email=draft.email)
    return await _join(update, context, draft, profile)


@public
async def redo(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    draft = OnboardingDraft.load(await flow.load(update, context))
    return await flow.go(update, context, Step.FULL_NAME, draft.dump())


async def _join(
    update: Update, context: BotContext, draft: OnboardingDraft, profile: ReferentProfile | None
) -> int:
    services = context.services
    joined = await onboarding.join(
        services, context.actor.user_id, draft.invitation_hash, profile, services.now()
    )
    if not joined:
        await reply(update, texts.INVITATION_GONE)
        return ConversationHandler.END
    template = texts.JOINED if profile is not None else texts.JOINED_ANOTHER
    if draft.role == Role.VACCINES.value:
        template = vaccine_texts.JOINED
        await set_user_menu(context.bot, context.actor.user_id, context.actor, vaccines=True)
    await reply(update, render(template, plesso=draft.plesso_name, code=draft.plesso_code))
    await flow.delete_personal_messages(update, context)
    return ConversationHandler.END


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND
    return flow.handler(
        entry_points=[CommandHandler("start", start)],
        states={
            Step.CODE: [MessageHandler(text, code_typed)],
            Step.FULL_NAME: [
                MessageHandler(text, _text_step(Step.FULL_NAME, parse_full_name, "full_name"))
            ],
            Step.PHONE: [MessageHandler(text, _text_step(Step.PHONE, parse_phone, "phone"))],
            Step.EMAIL: [MessageHandler(text, _text_step(Step.EMAIL, parse_email, "email"))],
            Step.CONFIRM: [
                CallbackQueryHandler(confirm, pattern=CONFIRM.bare_pattern()),
                CallbackQueryHandler(redo, pattern=REDO.bare_pattern()),
            ],
        },
    )
