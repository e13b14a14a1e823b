"""/casi, /caso and "Vedi caso": a plesso's reported cases, page by page, and one case.

A referent sees the cases of their own plessi only; a case of another plesso gets the same
answer as an id that does not exist.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import keyboards
from bot.access import requires
from bot.catalog import cases as texts
from bot.catalog import common, render
from bot.catalog import contacts as contact_texts
from bot.context import BotContext
from bot.forms import refusal_text, send_page
from bot.replies import answer_tap, reply
from conversations.cases.questions import actor_plessi
from conversations.cases.views import (
    CASES,
    EDIT,
    LIST,
    NEW,
    PAGE,
    VIEW,
    case_view_keyboard,
    case_view_text,
    close_button,
)
from conversations.contacts.buttons import add_contacts, list_contacts
from domain.access import Role
from domain.cases import CasePage, CaseSummary
from domain.dates import format_date
from domain.registry import Plesso
from services import cases as cases_service


def _line(item: CaseSummary) -> str:
    return render(
        texts.LIST_LINE,
        case_id=item.id,
        surname=item.surname,
        name=item.name,
        cf=item.masked_codice_fiscale,
        last_attendance=format_date(item.last_attendance),
        contacts=item.contacts,
        status=texts.STATUS_OPEN if item.is_open else texts.STATUS_CLOSED,
    )


def list_text(plesso: Plesso, page: CasePage) -> str:
    if page.total == 0:
        return render(texts.LIST_EMPTY, plesso=plesso.name, code=plesso.code)
    header = render(texts.LIST_HEADER, plesso=plesso.name, code=plesso.code)
    info = render(texts.LIST_PAGE, page=page.page, pages=page.pages, total=page.total)
    return "\n\n".join([header, info, "\n".join(_line(item) for item in page.items)])


def _case_rows(item: CaseSummary) -> list[list[keyboards.Button]]:
    """Vedi caso and Vedi contatti; while open also Modifica caso, Aggiungi contatti and
    Chiudi e invia."""
    view = (texts.BUTTON_VIEW.format(case_id=item.id), CASES.data(VIEW, item.id))
    contacts = (contact_texts.BUTTON_LIST_FOR.format(case_id=item.id), list_contacts(item.id))
    if not item.is_open:
        return [[view, contacts]]
    edit = (texts.BUTTON_EDIT.format(case_id=item.id), CASES.data(EDIT, item.id))
    add = (contact_texts.BUTTON_ADD_FOR.format(case_id=item.id), add_contacts(item.id))
    return [[view, edit], [add, contacts], [close_button(item.id, short=True)]]


def list_keyboard(plesso: Plesso, page: CasePage) -> InlineKeyboardMarkup:
    """The buttons of each case (see `_case_rows`), the pages, Nuovo caso."""
    rows = [row for item in page.items for row in _case_rows(item)]
    paging: list[keyboards.Button] = []
    if page.page > 1:
        paging.append((common.BUTTON_PREVIOUS, CASES.data(PAGE, plesso.code, page.page - 1)))
    if page.page < page.pages:
        paging.append((common.BUTTON_NEXT, CASES.data(PAGE, plesso.code, page.page + 1)))
    if paging:
        rows.append(paging)
    rows.append([(texts.BUTTON_NEW_CASE, CASES.data(NEW, plesso.code))])
    return keyboards.inline(rows)


async def _show_page(
    update: Update, context: BotContext, plesso: Plesso, number: int, in_place: bool = False
) -> None:
    page = await cases_service.cases_page(context.services, plesso, number)
    await send_page(update, list_text(plesso, page), list_keyboard(plesso, page), in_place)


@requires(Role.REFERENT)
async def list_cases(update: Update, context: BotContext) -> None:
    """/casi: the cases of the plesso, or first the plesso when the referent has several."""
    plessi = await actor_plessi(context)
    if len(plessi) == 1:
        await _show_page(update, context, plessi[0], 1)
        return
    buttons = [
        (
            texts.PLESSO_BUTTON.format(name=p.name, comune=p.comune_name),
            CASES.data(PAGE, p.code, 1),
        )
        for p in plessi
    ]
    await reply(update, texts.ASK_LIST_PLESSO, keyboards.column(buttons))


@requires(Role.REFERENT)
async def turn_page(update: Update, context: BotContext) -> None:
    """Next / Previous, or a plesso picked for /casi: the page replaces the message."""
    query = update.callback_query
    try:
        code, number = CASES.args(query.data if query else None, PAGE, 2)
        page = keyboards.parse_int(number)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    plesso = await cases_service.own_plesso(context.services, context.actor, code)
    if plesso is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await _show_page(update, context, plesso, page, in_place=True)


@requires(Role.REFERENT)
async def open_list(update: Update, context: BotContext) -> None:
    """ "Elenco dei casi" under a case: the first page, in a new message."""
    query = update.callback_query
    try:
        (code,) = CASES.args(query.data if query else None, LIST, 1)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    plesso = await cases_service.own_plesso(context.services, context.actor, code)
    if plesso is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await _show_page(update, context, plesso, 1)


async def _show_case(update: Update, context: BotContext, case_id: int | None) -> None:
    found = await cases_service.view_case(context.services, context.actor, case_id)
    if isinstance(found, cases_service.Refusal):
        await reply(update, refusal_text(found, case_id))
        return
    await reply(
        update,
        case_view_text(found.case, found.plesso, found.contacts),
        case_view_keyboard(found.case),
    )


@requires(Role.REFERENT)
async def view_case(update: Update, context: BotContext) -> None:
    """ "Vedi caso" button."""
    tapped = CASES.tapped_ids(update, VIEW)
    if tapped is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await _show_case(update, context, tapped[0])


@requires(Role.REFERENT)
async def case_command(update: Update, context: BotContext) -> None:
    """/caso 12"""
    if not context.args:
        await reply(update, texts.CASE_USAGE)
        return
    typed = context.args[0].lstrip("#")
    try:
        case_id: int | None = keyboards.parse_int(typed)
    except keyboards.BadCallback:
        case_id = None
    await _show_case(update, context, case_id)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        # /casi and /caso are routed by conversations/ats/cases.py (referent or admin view).
        CallbackQueryHandler(turn_page, pattern=CASES.pattern(PAGE)),
        CallbackQueryHandler(open_list, pattern=CASES.pattern(LIST)),
        CallbackQueryHandler(view_case, pattern=CASES.pattern(VIEW)),
    ]
