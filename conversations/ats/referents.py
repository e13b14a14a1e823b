"""Admins manage referents: /invita a plesso, /referenti to list them, /revoca access."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.access import requires
from bot.catalog import admin as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.errors import ValidationFailed
from domain.invitations import hash_invitation_code, new_invitation_code
from domain.schools import validate_codice_meccanografico
from reminders import notices

CB_REVOKE_PICK = "rv"
CB_REVOKE_YES = "rvy"
CB_REVOKE_NO = "rvn"
MAX_LISTED = 40


@requires(Role.ADMIN)
async def invite(update: Update, context: BotContext) -> None:
    if not context.args:
        await reply(update, texts.INVITE_USAGE)
        return
    try:
        code = validate_codice_meccanografico(context.args[0])
    except ValidationFailed as error:
        await reply(update, error_text(error) + "\n" + texts.INVITE_USAGE)
        return
    services = context.services
    plesso = await services.plessi.get(code)
    if plesso is None or not context.actor.manages_plesso(plesso):
        await reply(update, render(texts.INVITE_UNKNOWN_PLESSO, code=code))
        return
    invitation_code = new_invitation_code()
    now = services.now()
    invitation = await services.invitations.create(
        code_hash=hash_invitation_code(invitation_code),
        plesso_code=plesso.code,
        created_by=context.actor.user_id,
        now=now,
        expires_at=now + timedelta(days=services.settings.invitation_valid_days),
    )
    link = f"https://t.me/{context.bot.username}?start={invitation_code}"
    expires = invitation.expires_at.astimezone(services.settings.tz).strftime("%d/%m/%Y %H:%M")
    await reply(
        update,
        render(
            texts.INVITE_CREATED,
            plesso=plesso.name,
            code=plesso.code,
            link=link,
            invitation=invitation_code,
            expires=expires,
        ),
    )


@requires(Role.ADMIN)
async def list_referents(update: Update, context: BotContext) -> None:
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    referents = await context.services.referents.list_for_ats(context.actor.admin_ats)
    if not referents:
        await reply(update, render(texts.REFERENTS_NONE, scope=scope))
        return
    lines = [render(texts.REFERENTS_HEADER, scope=scope, count=len(referents))]
    for item in referents[:MAX_LISTED]:
        plessi = ", ".join(
            render(texts.REFERENTS_PLESSO, code=p.code, name=p.name) for p in item.plessi
        )
        lines.append(
            render(
                texts.REFERENTS_LINE,
                name=item.referent.full_name,
                phone=item.referent.phone,
                email=item.referent.email,
                plessi="",
            )
            + plessi
        )
    await reply(update, "\n".join(lines))


@requires(Role.ADMIN)
async def revoke_menu(update: Update, context: BotContext) -> None:
    referents = await context.services.referents.list_for_ats(context.actor.admin_ats)
    buttons = [
        (
            f"{item.referent.full_name} – {plesso.code}",
            keyboards.callback(CB_REVOKE_PICK, item.referent.id, plesso.code),
        )
        for item in referents
        for plesso in item.plessi
        if context.actor.manages_plesso(plesso)
    ]
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    if not buttons:
        await reply(update, render(texts.REFERENTS_NONE, scope=scope))
        return
    await reply(update, texts.REVOKE_PICK, keyboards.column(buttons[:MAX_LISTED]))


async def _target(
    update: Update, context: BotContext, prefix: str
) -> tuple[int, str, str, str] | None:
    """(referent id, referent name, plesso code, plesso name) of a revoke button the admin
    may use; None for a forged, stale or foreign one."""
    query = update.callback_query
    try:
        referent_id_text, plesso_code = keyboards.parse(query.data if query else None, prefix, 2)
        referent_id = keyboards.parse_int(referent_id_text)
    except keyboards.BadCallback:
        return None
    services = context.services
    referent = await services.referents.by_id(referent_id)
    plesso = await services.plessi.get(plesso_code)
    if referent is None or plesso is None or not context.actor.manages_plesso(plesso):
        return None
    return referent.id, referent.full_name, plesso.code, plesso.name


@requires(Role.ADMIN)
async def revoke_pick(update: Update, context: BotContext) -> None:
    target = await _target(update, context, CB_REVOKE_PICK)
    if target is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    referent_id, name, code, plesso_name = target
    await close_buttons(update)
    keyboard = keyboards.inline(
        [
            [
                (common.BUTTON_YES, keyboards.callback(CB_REVOKE_YES, referent_id, code)),
                (common.BUTTON_NO, keyboards.callback(CB_REVOKE_NO, referent_id, code)),
            ]
        ]
    )
    await reply(
        update, render(texts.REVOKE_CONFIRM, name=name, plesso=plesso_name, code=code), keyboard
    )


@requires(Role.ADMIN)
async def revoke_yes(update: Update, context: BotContext) -> None:
    target = await _target(update, context, CB_REVOKE_YES)
    if target is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    referent_id, name, code, _ = target
    await close_buttons(update)
    services = context.services
    changed = await services.referents.revoke(
        referent_id=referent_id, plesso_code=code, actor=context.actor.user_id, now=services.now()
    )
    if not changed:
        await reply(update, texts.REVOKE_NOTHING)
        return
    await reply(update, render(texts.REVOKE_DONE, name=name, code=code))
    # The referent's notice was queued with the revocation: it goes now, in the background,
    # or later by the job if Telegram is down (reminders/notices.py).
    notices.deliver_soon(context.application)


@requires(Role.ADMIN)
async def revoke_no(update: Update, context: BotContext) -> None:
    await close_buttons(update)
    await reply(update, texts.REVOKE_KEPT)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("invita", invite),
        CommandHandler("referenti", list_referents),
        CommandHandler("revoca", revoke_menu),
        CallbackQueryHandler(revoke_pick, pattern=keyboards.pattern(CB_REVOKE_PICK)),
        CallbackQueryHandler(revoke_yes, pattern=keyboards.pattern(CB_REVOKE_YES)),
        CallbackQueryHandler(revoke_no, pattern=keyboards.pattern(CB_REVOKE_NO)),
    ]
