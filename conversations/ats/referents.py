"""Admins manage referents: /invita a plesso, /referenti to list them, /revoca access."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import admin as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.errors import ValidationFailed
from domain.people import display_name, format_phone
from domain.schools import validate_codice_meccanografico
from reminders import notices
from services import registry
from services.registry import Revocation, RevokeTarget

# Verb-less data (`rv:REFERENT:PLESSO`): the bytes of the buttons already in admins' chats.
REVOKE_PICK = Buttons("rv", "/revoca: the access picked to revoke")
REVOKE_YES = Buttons("rvy", "/revoca: yes, revoke it")
REVOKE_NO = Buttons("rvn", "/revoca: no, keep it")
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
    invited = await registry.invite(
        services,
        context.actor,
        code,
        services.now(),
        timedelta(days=services.settings.invitation_valid_days),
    )
    if invited is None:
        await reply(update, render(texts.INVITE_UNKNOWN_PLESSO, code=code))
        return
    link = f"https://t.me/{context.bot.username}?start={invited.code}"
    expires = invited.invitation.expires_at.astimezone(services.settings.tz)
    await reply(
        update,
        render(
            texts.INVITE_CREATED,
            plesso=invited.plesso.name,
            code=invited.plesso.code,
            link=link,
            invitation=invited.code,
            expires=expires.strftime("%d/%m/%Y %H:%M"),
        ),
    )


@requires(Role.ADMIN)
async def list_referents(update: Update, context: BotContext) -> None:
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    referents = await registry.referents_of(context.services, context.actor)
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
                name=display_name(item.referent.full_name),
                phone=format_phone(item.referent.phone),
                email=item.referent.email,
                plessi="",
            )
            + plessi
        )
    await reply(update, "\n".join(lines))


@requires(Role.ADMIN)
async def revoke_menu(update: Update, context: BotContext) -> None:
    buttons = [
        (
            f"{target.referent_name} – {target.plesso_code}",
            REVOKE_PICK.bare(target.referent_id, target.plesso_code),
        )
        for target in await registry.revocable(context.services, context.actor)
    ]
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    if not buttons:
        await reply(update, render(texts.REFERENTS_NONE, scope=scope))
        return
    await reply(update, texts.REVOKE_PICK, keyboards.column(buttons[:MAX_LISTED]))


def _tapped(update: Update, family: Buttons) -> tuple[int, str] | None:
    """(referent id, plesso code) of a tapped revoke button; None for a malformed one."""
    found = family.tapped_bare(update, 2)
    if found is None:
        return None
    try:
        return keyboards.parse_int(found[0]), found[1]
    except keyboards.BadCallback:
        return None


async def _target(update: Update, context: BotContext, family: Buttons) -> RevokeTarget | None:
    """The access a revoke button names, if the admin may revoke it; None for a forged,
    stale or foreign one."""
    tapped = _tapped(update, family)
    if tapped is None:
        return None
    return await registry.revoke_target(context.services, context.actor, *tapped)


@requires(Role.ADMIN)
async def revoke_pick(update: Update, context: BotContext) -> None:
    target = await _target(update, context, REVOKE_PICK)
    if target is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await close_buttons(update)
    ids = (target.referent_id, target.plesso_code)
    keyboard = keyboards.inline(
        [[(common.BUTTON_YES, REVOKE_YES.bare(*ids)), (common.BUTTON_NO, REVOKE_NO.bare(*ids))]]
    )
    await reply(
        update,
        render(
            texts.REVOKE_CONFIRM,
            name=target.referent_name,
            plesso=target.plesso_name,
            code=target.plesso_code,
        ),
        keyboard,
    )


@requires(Role.ADMIN)
async def revoke_yes(update: Update, context: BotContext) -> None:
    target = await _target(update, context, REVOKE_YES)
    if target is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await close_buttons(update)
    services = context.services
    outcome = await registry.revoke(
        services, context.actor, target.referent_id, target.plesso_code, services.now()
    )
    if outcome is not Revocation.DONE:  # revoked meanwhile, or no longer the admin's
        await reply(update, texts.REVOKE_NOTHING)
        return
    await reply(
        update, render(texts.REVOKE_DONE, name=target.referent_name, code=target.plesso_code)
    )
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
        CallbackQueryHandler(revoke_pick, pattern=REVOKE_PICK.bare_pattern()),
        CallbackQueryHandler(revoke_yes, pattern=REVOKE_YES.bare_pattern()),
        CallbackQueryHandler(revoke_no, pattern=REVOKE_NO.bare_pattern()),
    ]
