"""A referent joins: invitation code, name, phone, e-mail, summary, confirm."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

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
from bot.catalog import common, error_text, render
from bot.catalog import onboarding as texts
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.menus import set_admin_menu
from bot.replies import close_buttons, reply
from conversations.common.basics import help_text
from domain.errors import ValidationFailed
from domain.invitations import hash_invitation_code, normalize_invitation_code
from domain.people import parse_email, parse_full_name, parse_phone
from domain.registry import LOCKOUT_DURATION, LOCKOUT_FAILURES, LOCKOUT_WINDOW, ReferentProfile
from domain.registry import lockout_until as compute_lockout


class Step(IntEnum):
    CODE = auto()
    FULL_NAME = auto()
    PHONE = auto()
    EMAIL = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow("onboarding", Step, button_steps=[Step.CONFIRM], personal=True)

CB_CONFIRM = "onb_ok"
CB_REDO = "onb_redo"


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
        await reply(update, render(texts.SUMMARY, **_summary_values(data)), _confirm_keyboard())


def _summary_values(data: dict[str, Any]) -> dict[str, object]:
    return {
        "plesso": data["plesso_name"],
        "code": data["plesso_code"],
        "full_name": data["full_name"],
        "phone": data["phone"],
        "email": data["email"],
    }


def _confirm_keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline([[(common.BUTTON_CONFIRM, CB_CONFIRM), (texts.BUTTON_REDO, CB_REDO)]])


@public
async def start(update: Update, context: BotContext) -> int:
    """/start, with or without an invitation code (deep link payload)."""
    actor = context.actor
    payload = context.args[0] if context.args else None
    if payload is None:
        if actor.is_known:
            await _welcome(update, context)
            return ConversationHandler.END
        return await flow.go(update, context, Step.CODE, {})
    return await _try_code(update, context, payload)


async def _welcome(update: Update, context: BotContext) -> None:
    actor = context.actor
    if actor.referent is not None and actor.is_referent:
        plessi = await context.services.plessi.many(actor.referent.plessi)
        listing = "\n".join(f"• {p.name} ({p.code})" for p in plessi)
        await reply(
            update,
            render(common.WELCOME_REFERENT, name=actor.referent.full_name, plessi=listing),
        )
    if actor.is_admin:
        scope = (
            render(common.SCOPE_ATS, ats=actor.admin_ats)
            if actor.admin_ats
            else (common.SCOPE_REGIONAL)
        )
        await reply(update, render(common.WELCOME_ADMIN, scope=scope))
        await set_admin_menu(context.bot, actor.user_id)
    await reply(update, help_text(actor))


@public
async def code_typed(update: Update, context: BotContext) -> int:
    assert update.message is not None and update.message.text is not None
    return await _try_code(update, context, update.message.text)


async def _try_code(update: Update, context: BotContext, typed: str) -> int:
    services = context.services
    user_id = context.actor.user_id
    now = services.now()
    if await _locked_until(context, user_id) is not None:
        return await _lockout(update, context)
    code = normalize_invitation_code(typed)
    invitation = await services.invitations.by_hash(hash_invitation_code(code)) if code else None
    if invitation is None:
        await services.invitations.record_failure(user_id, now)
        if await _locked_until(context, user_id) is not None:
            return await _lockout(update, context)
        left = LOCKOUT_FAILURES - len(await _recent_failures(context, user_id))
        await reply(update, render(texts.CODE_WRONG, left=max(left, 1)))
        return await flow.save(update, context, Step.CODE, {})
    if invitation.used_at is not None:
        await reply(update, texts.CODE_USED)
        return ConversationHandler.END
    if invitation.expires_at <= now:
        await reply(update, texts.CODE_EXPIRED)
        return ConversationHandler.END
    plesso = await services.plessi.get(invitation.plesso_code)
    assert plesso is not None  # invitations reference plessi (foreign key)
    data = {
        "invitation_hash": hash_invitation_code(code or ""),
        "plesso_code": plesso.code,
        "plesso_name": plesso.name,
    }
    await reply(
        update,
        render(texts.INVITED_TO, plesso=plesso.name, code=plesso.code, comune=plesso.comune_name),
    )
    if context.actor.referent is not None:
        return await _join(update, context, data, profile=None)
    return await flow.go(update, context, Step.FULL_NAME, data)


async def _recent_failures(context: BotContext, user_id: int) -> list[Any]:
    now = context.services.now()
    return await context.services.invitations.failures_since(user_id, now - LOCKOUT_WINDOW)


async def _locked_until(context: BotContext, user_id: int) -> Any:
    now = context.services.now()
    failures = await context.services.invitations.failures_since(
        user_id, now - LOCKOUT_WINDOW - LOCKOUT_DURATION
    )
    return compute_lockout(failures, now)


async def _lockout(update: Update, context: BotContext) -> int:
    until = await _locked_until(context, context.actor.user_id)
    local = until.astimezone(context.services.settings.tz)
    await reply(update, render(texts.LOCKED_OUT, until=local.strftime("%H:%M")))
    return ConversationHandler.END


def _text_step(step: Step, parse: Any, field: str) -> Any:
    """A handler for a step whose answer is one parsed text field."""

    @public
    async def handle(update: Update, context: BotContext) -> Step:
        assert update.message is not None and update.message.text is not None
        data = await flow.load(update, context)
        try:
            data[field] = parse(update.message.text)
        except ValidationFailed as error:
            await reply(update, error_text(error))
            await flow.ask(update, context, step, data)
            return step
        return await flow.go(update, context, _NEXT[step], data)

    handle.__name__ = f"onboarding_{field}"
    return handle


_NEXT = {Step.FULL_NAME: Step.PHONE, Step.PHONE: Step.EMAIL, Step.EMAIL: Step.CONFIRM}


@public
async def confirm(update: Update, context: BotContext) -> int:
    await close_buttons(update)
    data = await flow.load(update, context)
    profile = ReferentProfile(full_name=data["full_name"], phone=data["phone"], email=data["email"])
    return await _join(update, context, data, profile)


@public
async def redo(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    data = await flow.load(update, context)
    return await flow.go(update, context, Step.FULL_NAME, data)


async def _join(
    update: Update, context: BotContext, data: dict[str, Any], profile: ReferentProfile | None
) -> int:
    services = context.services
    joined = await services.referents.join(
        telegram_user_id=context.actor.user_id,
        profile=profile,
        invitation_hash=data["invitation_hash"],
        now=services.now(),
    )
    if joined is None:
        await reply(update, texts.INVITATION_GONE)
        return ConversationHandler.END
    template = texts.JOINED if profile is not None else texts.JOINED_ANOTHER
    await reply(update, render(template, plesso=data["plesso_name"], code=data["plesso_code"]))
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
                CallbackQueryHandler(confirm, pattern=keyboards.pattern(CB_CONFIRM)),
                CallbackQueryHandler(redo, pattern=keyboards.pattern(CB_REDO)),
            ],
        },
    )
