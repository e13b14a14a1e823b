"""Admins manage referents: /invita a plesso, /inviti to see and cancel the invitations not
used yet, /referenti to list the referents, /revoca an access (every one reachable: the list
pages, and `/revoca NOME|CODICE_PLESSO` narrows it)."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import admin as texts
from bot.catalog import common, error_text, render
from bot.catalog import vaccines as vaccine_texts
from bot.context import BotContext
from bot.forms import send_page
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.errors import ValidationFailed
from domain.people import display_name, format_phone
from domain.registry import OutstandingInvitation, Page, page_of
from domain.schools import validate_codice_meccanografico
from domain.text import fold
from reminders import notices
from services import registry
from services.registry import Cancellation, Revocation, RevokeTarget

# Verb-less data (`rv:REFERENT:PLESSO`): the bytes of the buttons already in admins' chats.
REVOKE_PICK = Buttons("rv", "/revoca: the access picked to revoke")
REVOKE_YES = Buttons("rvy", "/revoca: yes, revoke it")
REVOKE_NO = Buttons("rvn", "/revoca: no, keep it")
# A page of /revoca: rvl:pg:PAGE (everything), rvl:pf:PAGE:SEARCH (the search folded, ASCII,
# `_` for spaces), rvl:pu:PAGE:B64 (a search in other letters: UTF-8, URL-safe base64).
REVOKE_PAGE = Buttons("rvl", "/revoca: a page of the accesses, with the search typed")
INVITES = Buttons("inv", "/inviti: pg:PAGE turns a page, x:INVITATION:PAGE cancels one")
MAX_LISTED = 40
PAGE_SIZE = 10
PAGE, PLAIN_SEARCH, UNICODE_SEARCH, CANCEL = "pg", "pf", "pu", "x"
REFERENTS = Buttons("rf", "/referenti: turn the page")
REFERENTS_PER_PAGE = 10  # a page of long names and plessi still fits one message


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
    # `/invita CODICE vaccini`: the vaccination-duty role (issue 18) instead of a referent.
    role = context.args[1].lower() if len(context.args) > 1 else "referent"
    if role not in ("referent", Role.VACCINES.value):
        await reply(update, render(vaccine_texts.INVITE_ROLE_UNKNOWN, role=context.args[1]))
        return
    services = context.services
    invited = await registry.invite(
        services,
        context.actor,
        code,
        services.now(),
        timedelta(days=services.settings.invitation_valid_days),
        role=role,
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
        )
        + (vaccine_texts.INVITE_ROLE if role == Role.VACCINES.value else ""),
    )


@requires(Role.ADMIN)
async def list_referents(update: Update, context: BotContext) -> None:
    await _referents_page(update, context, 1, in_place=False)


@requires(Role.ADMIN)
async def referents_page(update: Update, context: BotContext) -> None:
    """«Avanti»/«Indietro» of /referenti: the page asked, turned in place."""
    found = REFERENTS.tapped_ids(update, PAGE)
    if found is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await _referents_page(update, context, found[0], in_place=True)


async def _referents_page(
    update: Update, context: BotContext, number: int, *, in_place: bool
) -> None:
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    referents = await registry.referents_of(context.services, context.actor)
    if not referents:
        await reply(update, render(texts.REFERENTS_NONE, scope=scope))
        return
    pages = max(1, -(-len(referents) // REFERENTS_PER_PAGE))
    number = min(max(number, 1), pages)  # the list may have shrunk since the button was sent
    shown = referents[(number - 1) * REFERENTS_PER_PAGE : number * REFERENTS_PER_PAGE]
    lines = [render(texts.REFERENTS_HEADER, scope=scope, count=len(referents))]
    if pages > 1:
        lines.append(render(texts.REFERENTS_PAGE, page=number, pages=pages))
    for item in shown:
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
    keyboard = _paging(number, pages)
    if keyboard is None:
        await reply(update, "\n".join(lines))
        return
    await send_page(update, "\n".join(lines), keyboard, in_place)


def _paging(number: int, pages: int) -> InlineKeyboardMarkup | None:
    """«Indietro» and «Avanti» as the page has them; None for a list of one page."""
    row: list[keyboards.Button] = []
    if number > 1:
        row.append((common.BUTTON_PREVIOUS, REFERENTS.data(PAGE, number - 1)))
    if number < pages:
        row.append((common.BUTTON_NEXT, REFERENTS.data(PAGE, number + 1)))
    return keyboards.inline([row]) if row else None


@requires(Role.ADMIN)
async def revoke_menu(update: Update, context: BotContext) -> None:
    """/revoca, or /revoca NOME|CODICE_PLESSO: the first page of the accesses (matching)."""
    search = fold(" ".join(context.args or []))
    if _page_data(0, search) is None:
        await reply(update, texts.REVOKE_SEARCH_TOO_LONG)
        return
    await _show_revocable(update, context, search, 0, in_place=False)


@requires(Role.ADMIN)
async def revoke_page(update: Update, context: BotContext) -> None:
    """«Avanti» / «Indietro» of /revoca: the page replaces the message."""
    tapped = _tapped_revoke_page(update)
    if tapped is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    page, search = tapped
    await _show_revocable(update, context, search, page, in_place=True)


async def _show_revocable(
    update: Update, context: BotContext, search: str, page: int, *, in_place: bool
) -> None:
    targets = await registry.revocable(context.services, context.actor, search)
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    if not targets:
        text = (
            render(texts.REVOKE_NO_MATCH, search=search, scope=scope)
            if search
            else render(texts.REFERENTS_NONE, scope=scope)
        )
        await answer_tap(update)
        await reply(update, text)
        return
    shown = page_of(targets, page, PAGE_SIZE)
    lines = [texts.REVOKE_PICK]
    if search:
        lines.append(render(texts.REVOKE_SEARCHED, search=search))
    lines.append(
        render(texts.REVOKE_PAGE, total=shown.total, page=shown.number + 1, pages=shown.pages)
    )
    if not search and shown.pages > 1:
        lines.append(texts.REVOKE_SEARCH_HINT)
    buttons = [
        [
            (
                f"{target.referent_name} – {target.plesso_code}",
                REVOKE_PICK.bare(target.referent_id, target.plesso_code),
            )
        ]
        for target in shown.items
    ]
    turn = _turn_row(shown, lambda number: _page_data(number, search))
    keyboard = keyboards.inline([*buttons, turn] if turn else buttons)
    await send_page(update, "\n".join(lines), keyboard, in_place)


def _page_data(page: int, search: str) -> str | None:
    """The data of a /revoca page button carrying `search` (folded); None when the search is
    too long to fit in a button (64 bytes)."""
    if not search:
        return REVOKE_PAGE.data(PAGE, page)
    plain = search.replace(" ", "_")
    encodings = [(PLAIN_SEARCH, plain)] if plain.isascii() else []
    encodings.append((UNICODE_SEARCH, _to_base64(search)))
    for verb, argument in encodings:
        try:
            return REVOKE_PAGE.data(verb, page, argument)
        except ValueError:  # longer than a button holds
            continue
    return None


def _tapped_revoke_page(update: Update) -> tuple[int, str] | None:
    """(page, search) of a tapped /revoca page button (the search as the button carries it:
    `revocable` folds it); None for a forged or malformed one."""
    try:
        if (found := REVOKE_PAGE.tapped_args(update, PAGE, 1)) is not None:
            return keyboards.parse_int(found[0]), ""
        if (found := REVOKE_PAGE.tapped_args(update, PLAIN_SEARCH, 2)) is not None:
            return keyboards.parse_int(found[0]), found[1].replace("_", " ")
        if (found := REVOKE_PAGE.tapped_args(update, UNICODE_SEARCH, 2)) is not None:
            return keyboards.parse_int(found[0]), _from_base64(found[1])
    except (keyboards.BadCallback, ValueError):  # not a number, not base64, not UTF-8
        return None
    return None


def _to_base64(text: str) -> str:
    # Without the `=` padding, which button data may not hold.
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _from_base64(data: str) -> str:
    """The text of `_to_base64`; ValueError for anything else."""
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()


def _turn_row(page: Page[Any], data: Callable[[int], str | None]) -> list[keyboards.Button]:
    """«Indietro» / «Avanti» for a page, as far as there are pages."""
    row: list[keyboards.Button] = []
    for shown, label, number in (
        (page.has_previous, texts.BUTTON_PREVIOUS, page.number - 1),
        (page.has_next, texts.BUTTON_NEXT, page.number + 1),
    ):
        button = data(number) if shown else None
        if button is not None:
            row.append((label, button))
    return row


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


# --- /inviti ------------------------------------------------------------------------------


@requires(Role.ADMIN)
async def list_invitations(update: Update, context: BotContext) -> None:
    await _show_invitations(update, context, 0, in_place=False)


@requires(Role.ADMIN)
async def invitations_page(update: Update, context: BotContext) -> None:
    found = INVITES.tapped_ids(update, PAGE)
    if found is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await _show_invitations(update, context, found[0], in_place=True)


@requires(Role.ADMIN)
async def cancel_invitation(update: Update, context: BotContext) -> None:
    """«Annulla» on an invitation: its code stops working; the list is shown again."""
    found = INVITES.tapped_ids(update, CANCEL, 2)
    if found is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    invitation_id, page = found
    services = context.services
    outcome, plesso = await registry.cancel_invitation(
        services, context.actor, invitation_id, services.now()
    )
    if outcome is Cancellation.REFUSED or plesso is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    done = outcome is Cancellation.DONE
    text = texts.INVITE_CANCELLED if done else texts.INVITE_CANCEL_NOTHING
    await reply(update, render(text, id=invitation_id, code=plesso.code))
    await _show_invitations(update, context, page, in_place=True)


async def _show_invitations(
    update: Update, context: BotContext, page: int, *, in_place: bool
) -> None:
    services = context.services
    outstanding = await registry.outstanding_invitations(services, context.actor, services.now())
    scope = context.actor.admin_ats or common.SCOPE_REGIONAL
    if not outstanding:
        text = render(texts.INVITES_NONE, scope=scope)
        query = update.callback_query
        if in_place and query is not None:  # the last one cancelled: the list says so
            with contextlib.suppress(TelegramError):  # too old to edit: sent anew below
                await query.edit_message_text(text)
                await answer_tap(update)
                return
        await reply(update, text)
        return
    shown = page_of(outstanding, page, PAGE_SIZE)
    header = render(
        texts.INVITES_HEADER,
        scope=scope,
        total=shown.total,
        page=shown.number + 1,
        pages=shown.pages,
    )
    lines = [header, *(_invitation_line(context, item) for item in shown.items)]
    buttons = [
        [
            (
                render(texts.INVITE_CANCEL_BUTTON, id=item.invitation.id, code=item.plesso.code),
                INVITES.data(CANCEL, item.invitation.id, shown.number),
            )
        ]
        for item in shown.items
    ]
    turn = _turn_row(shown, lambda number: INVITES.data(PAGE, number))
    keyboard = keyboards.inline([*buttons, turn] if turn else buttons)
    await send_page(update, "\n".join(lines), keyboard, in_place)


def _invitation_line(context: BotContext, item: OutstandingInvitation) -> str:
    tz = context.services.settings.tz
    invitation = item.invitation
    return render(
        texts.INVITES_LINE,
        id=invitation.id,
        code=item.plesso.code,
        plesso=item.plesso.name,
        created=f"{invitation.created_at.astimezone(tz):%d/%m/%Y %H:%M}",
        expires=f"{invitation.expires_at.astimezone(tz):%d/%m/%Y %H:%M}",
    ) + (vaccine_texts.INVITES_ROLE if invitation.role == Role.VACCINES.value else "")


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("invita", invite),
        CommandHandler("referenti", list_referents),
        CommandHandler("inviti", list_invitations),
        CallbackQueryHandler(invitations_page, pattern=INVITES.pattern(PAGE)),
        CallbackQueryHandler(cancel_invitation, pattern=INVITES.pattern(CANCEL)),
        CallbackQueryHandler(referents_page, pattern=REFERENTS.pattern(PAGE)),
        CommandHandler("revoca", revoke_menu),
        CallbackQueryHandler(
            revoke_page,
            pattern=rf"{REVOKE_PAGE.pattern(PAGE)}|{REVOKE_PAGE.pattern(PLAIN_SEARCH)}"
            rf"|{REVOKE_PAGE.pattern(UNICODE_SEARCH)}",
        ),
        CallbackQueryHandler(revoke_pick, pattern=REVOKE_PICK.bare_pattern()),
        CallbackQueryHandler(revoke_yes, pattern=REVOKE_YES.bare_pattern()),
        CallbackQueryHandler(revoke_no, pattern=REVOKE_NO.bare_pattern()),
    ]
