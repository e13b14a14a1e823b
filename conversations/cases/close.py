""" "Chiudi e invia il caso all'ATS": the review, the reminders, Sì / No, the receipt.

Stateless buttons (`cc:<verb>:<case id>`): the case in the database decides. The review and
the closing are use cases (services/closing.py); the closing is one conditional UPDATE
(storage/closing.py), so a double tap, a Sì from an old message or two referents at once
close the case once; the others are told when it was closed. After the commit the ATS
notices go (reminders/handover.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import keyboards
from bot.access import requires
from bot.catalog import cases as case_texts
from bot.catalog import closing as texts
from bot.catalog import common, plural, render
from bot.catalog import contacts as contact_texts
from bot.catalog.validation import ROLE_LABELS
from bot.context import BotContext
from bot.forms import refusal_text
from bot.replies import answer_tap, close_buttons, reply
from conversations.cases.views import CLOSE, CLOSE_ASK, case_view_keyboard, case_view_text
from domain.access import Role
from domain.cases import Case
from domain.closing import CloseOutcome, Incomplete, Reminder, Review
from domain.codice_fiscale import mask_codice_fiscale
from domain.contacts import ContactPage
from domain.dates import format_date
from reminders.handover import admins_of, closed_at_text, deliver_soon
from services import cases as cases_service
from services import closing as closing_service
from services.cases import Refusal

MORE = "more"
YES = "yes"
NO = "no"


def _contacts_text(page: ContactPage) -> str:
    lines = [
        render(
            texts.REVIEW_CONTACT_LINE,
            contact_id=c.number,
            surname=c.data.surname,
            name=c.data.name,
            role=ROLE_LABELS[c.data.role],
            class_name=c.data.class_name,
            section=c.data.section,
            last_contact=format_date(c.data.last_contact),
        )
        for c in page.items
    ]
    header = render(texts.REVIEW_CONTACTS, page=page.page, pages=page.pages)
    return "\n".join([header, *lines])


def _more_keyboard(case_id: int, page: ContactPage) -> InlineKeyboardMarkup | None:
    if page.page >= page.pages:
        return None
    return keyboards.inline(
        [[(texts.BUTTON_MORE_CONTACTS, CLOSE.data(MORE, case_id, page.page + 1))]]
    )


async def _already_closed(update: Update, context: BotContext, case: Case) -> None:
    await reply(
        update,
        render(
            texts.ALREADY_CLOSED,
            case_id=case.id,
            closed_at=closed_at_text(case, context.services),
            receipt=case.receipt_code or "",
        ),
    )


async def _tapped_ids(update: Update, verb: str, arity: int = 1) -> list[int] | None:
    """The ids of the tapped `cc:<verb>:<id>...` button; None (and the tap answered) for a
    forged or malformed one."""
    ids = CLOSE.tapped_ids(update, verb, arity)
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
    return ids


def _some_ids(ids: Sequence[int]) -> str:
    """The first ids and how many more: "1, 2, … 20 e altri 480"."""
    shown = ", ".join(str(i) for i in ids[: texts.WARN_IDS_SHOWN])
    more = len(ids) - texts.WARN_IDS_SHOWN
    return texts.WARN_IDS_MORE.format(ids=shown, more=more) if more > 0 else shown


INCOMPLETE_SHOWN = 10  # contacts listed by name; the rest counted (the message stays short)


def _incomplete_lines(incomplete: tuple[Incomplete, ...]) -> list[str]:
    """What is missing, per contact: the first few by name, then how many more."""
    lines = [plural(len(incomplete), texts.WARN_INCOMPLETE)]
    for item in incomplete[:INCOMPLETE_SHOWN]:
        missing = ", ".join(contact_texts.FIELD_LABELS[field].lower() for field in item.missing)
        lines.append(
            render(
                texts.WARN_INCOMPLETE_LINE, surname=item.surname, name=item.name, missing=missing
            )
        )
    more = len(incomplete) - INCOMPLETE_SHOWN
    if more > 0:
        lines.append(plural(more, texts.WARN_INCOMPLETE_MORE))
    lines.append(texts.WARN_INCOMPLETE_HINT)
    return lines


def _warnings_text(case: Case, review: Review) -> str:
    """The reminders (if any), the warning and the question."""
    data = case.data
    parts: list[str] = []
    if review.reminders:
        parts.append(texts.WARNINGS_HEADER)
    if Reminder.NO_CONTACTS in review.reminders:
        parts.append(texts.WARN_NO_CONTACTS)
    if Reminder.OUTSIDE_WINDOW in review.reminders:
        parts.append(
            render(
                plural(len(review.outside_window), texts.WARN_OUTSIDE_WINDOW),
                ids=_some_ids(review.outside_window),
            )
        )
    if Reminder.INCOMPLETE_CONTACTS in review.reminders:
        parts.extend(_incomplete_lines(review.incomplete))
    if Reminder.NO_CLASSMATES in review.reminders:
        parts.append(
            render(texts.WARN_NO_CLASSMATES, class_name=data.class_name, section=data.section)
        )
    if parts:
        parts.append("")
    parts += [texts.WARNING, "", texts.QUESTION]
    return "\n".join(parts)


@requires(Role.REFERENT)
async def ask_close(update: Update, context: BotContext) -> None:
    """The review, the contacts (paged), the reminders, the warning, then Sì / No."""
    ids = await _tapped_ids(update, CLOSE_ASK)
    if ids is None:
        return
    await show_closing_review(update, context, ids[0])


async def show_closing_review(update: Update, context: BotContext, case_id: int) -> None:
    """The closing review of the case (also right after a class list: «Conferma e chiudi»)."""
    found = await closing_service.review_closing(context.services, context.actor, case_id)
    if isinstance(found, Refusal):
        await reply(update, refusal_text(found, case_id))
        return
    case = found.case
    if not case.is_open:
        await _already_closed(update, context, case)
        return
    data = case.data
    await reply(
        update,
        render(
            texts.REVIEW,
            case_id=case.id,
            surname=data.surname,
            name=data.name,
            cf=mask_codice_fiscale(data.codice_fiscale),
            last_attendance=format_date(data.last_attendance),
            contacts=found.contacts,
        ),
    )
    if found.first_page is not None:
        page = found.first_page
        await reply(update, _contacts_text(page), _more_keyboard(case.id, page))
    keyboard = keyboards.inline(
        [
            [
                (texts.BUTTON_YES, CLOSE.data(YES, case.id)),
                (texts.BUTTON_NO, CLOSE.data(NO, case.id)),
            ]
        ]
    )
    await reply(update, _warnings_text(case, found.review), keyboard)


@requires(Role.REFERENT)
async def more_contacts(update: Update, context: BotContext) -> None:
    ids = await _tapped_ids(update, MORE, 2)
    if ids is None:
        return
    page = await closing_service.contacts_page(context.services, context.actor, ids[0], ids[1])
    if isinstance(page, Refusal):
        await reply(update, refusal_text(page, ids[0]))
        return
    await reply(update, _contacts_text(page), _more_keyboard(ids[0], page))


@requires(Role.REFERENT)
async def confirm_close(update: Update, context: BotContext) -> None:
    """Sì: close once, give the receipt, hand over to the ATS."""
    ids = await _tapped_ids(update, YES)
    if ids is None:
        return
    services = context.services
    result = await closing_service.close_case(
        services, context.actor, ids[0], services.now(), admins_of(services)
    )
    if isinstance(result, Refusal):
        await reply(update, refusal_text(result, ids[0]))
        return
    await close_buttons(update)
    if result.outcome is CloseOutcome.MISSING or result.case is None:
        await reply(update, case_texts.CASE_NOT_FOUND)
        return
    if result.outcome is CloseOutcome.ALREADY_CLOSED:
        await _already_closed(update, context, result.case)
        return
    closed = result.case
    await reply(
        update,
        render(
            texts.RECEIPT,
            case_id=closed.id,
            closed_at=closed_at_text(closed, services),
            contacts=result.contacts,
            receipt=closed.receipt_code or "",
        ),
        case_view_keyboard(closed),
    )
    deliver_soon(context.application, closed.id)


@requires(Role.REFERENT)
async def decline_close(update: Update, context: BotContext) -> None:
    """No: back to the case, nothing changed."""
    ids = await _tapped_ids(update, NO)
    if ids is None:
        return
    found = await cases_service.view_case(context.services, context.actor, ids[0])
    if isinstance(found, Refusal):
        await reply(update, refusal_text(found, ids[0]))
        return
    await close_buttons(update)
    case = found.case
    if not case.is_open:
        await _already_closed(update, context, case)
        return
    await reply(update, render(texts.DECLINED, case_id=case.id))
    await reply(
        update, case_view_text(case, found.plesso, found.contacts), case_view_keyboard(case)
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CallbackQueryHandler(ask_close, pattern=CLOSE.pattern(CLOSE_ASK)),
        CallbackQueryHandler(more_contacts, pattern=CLOSE.pattern(MORE)),
        CallbackQueryHandler(confirm_close, pattern=CLOSE.pattern(YES)),
        CallbackQueryHandler(decline_close, pattern=CLOSE.pattern(NO)),
    ]
