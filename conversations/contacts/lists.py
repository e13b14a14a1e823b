"""Vedi contatti, one contact, and Elimina contatto (with a Sì / No that names the person).

A referent sees the contacts of their own plessi' cases only; another plesso's contact
gets the same answer as an id that does not exist. Deleting needs the case open.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import keyboards
from bot.access import requires
from bot.catalog import cases as case_texts
from bot.catalog import common, render
from bot.catalog import contacts as texts
from bot.context import BotContext
from bot.forms import own_case, send_page
from bot.replies import answer_tap, close_buttons, reply
from conversations.contacts.buttons import (
    CONTACTS,
    DELETE,
    DELETE_NO,
    DELETE_YES,
    LIST,
    VIEW,
)
from conversations.contacts.views import contact_keyboard, contact_text, list_keyboard, list_text
from domain.access import Role
from domain.cases import Case
from domain.contacts import Contact, Outcome
from services import contacts as contacts_service
from services.contacts import OwnContact


async def show_contacts(
    update: Update, context: BotContext, case: Case, page: int, in_place: bool = False
) -> None:
    found = await contacts_service.contacts_page(context.services, case, page)
    await send_page(update, list_text(case, found), list_keyboard(case, found), in_place)


@requires(Role.REFERENT)
async def list_contacts(update: Update, context: BotContext) -> None:
    """ "Vedi contatti": the first page in a new message; Next / Previous turn it in place."""
    ids = CONTACTS.tapped_ids(update, LIST, 1) or CONTACTS.tapped_ids(update, LIST, 2)
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    case_id, *page = ids
    case = await own_case(update, context, case_id, for_change=False)
    if case is not None:
        await show_contacts(update, context, case, page[0] if page else 1, in_place=bool(page))


async def own_contact(
    update: Update, context: BotContext, verb: str, *, for_change: bool
) -> OwnContact | None:
    """The tapped contact and its case, if the case is of the actor's plessi;
    `for_change`: only while the case is open."""
    ids = CONTACTS.tapped_ids(update, verb)
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return None
    found = await contacts_service.own_contact(context.services, context.actor, ids[0])
    if found is None:
        await reply(update, texts.CONTACT_NOT_FOUND)
        return None
    if for_change and not found.case.is_open:
        await reply(update, render(case_texts.CASE_READ_ONLY, case_id=found.case.id))
        return None
    return found


@requires(Role.REFERENT)
async def view_contact(update: Update, context: BotContext) -> None:
    found = await own_contact(update, context, VIEW, for_change=False)
    if found is not None:
        contact = found.contact
        await reply(update, contact_text(contact), contact_keyboard(contact, found.case.is_open))


def _named(template: str, contact: Contact) -> str:
    return render(
        template, contact_id=contact.number, surname=contact.data.surname, name=contact.data.name
    )


@requires(Role.REFERENT)
async def ask_delete(update: Update, context: BotContext) -> None:
    """ "Elimina contatto": Sì / No, naming the person."""
    found = await own_contact(update, context, DELETE, for_change=True)
    if found is None:
        return
    contact = found.contact
    keyboard = keyboards.inline(
        [
            [
                (texts.BUTTON_DELETE_YES, CONTACTS.data(DELETE_YES, contact.id)),
                (texts.BUTTON_DELETE_NO, CONTACTS.data(DELETE_NO, contact.id)),
            ]
        ]
    )
    await reply(update, _named(texts.ASK_DELETE, contact), keyboard)


@requires(Role.REFERENT)
async def delete_confirmed(update: Update, context: BotContext) -> None:
    found = await own_contact(update, context, DELETE_YES, for_change=True)
    if found is None:
        return
    await close_buttons(update)
    contact, case = found.contact, found.case
    services = context.services
    result = await contacts_service.delete_contact(
        services, context.actor, contact.id, services.now()
    )
    if result.outcome is Outcome.CLOSED:
        await reply(update, render(case_texts.CASE_READ_ONLY, case_id=case.id))
        return
    if result.outcome is Outcome.MISSING:
        await reply(update, texts.CONTACT_NOT_FOUND)
        return
    await reply(update, _named(texts.DELETED, contact))
    await show_contacts(update, context, case, 1)


@requires(Role.REFERENT)
async def delete_declined(update: Update, context: BotContext) -> None:
    found = await own_contact(update, context, DELETE_NO, for_change=False)
    if found is None:
        return
    await close_buttons(update)
    await reply(update, _named(texts.DELETE_KEPT, found.contact))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CallbackQueryHandler(list_contacts, pattern=CONTACTS.pattern(LIST)),
        CallbackQueryHandler(view_contact, pattern=CONTACTS.pattern(VIEW)),
        CallbackQueryHandler(ask_delete, pattern=CONTACTS.pattern(DELETE)),
        CallbackQueryHandler(delete_confirmed, pattern=CONTACTS.pattern(DELETE_YES)),
        CallbackQueryHandler(delete_declined, pattern=CONTACTS.pattern(DELETE_NO)),
    ]
