"""/casi and /caso for the ATS admins: the closed cases of their ATS (a regional admin: of
every ATS), newest first, filtered by plesso and by days, and one case in full.

Who gets which /casi: a referent (also one who is an admin) gets their plessi's list; an
admin who is not a referent gets this one, and so does an admin-referent who adds a filter
(`/casi MIEE8AB01T`, `/casi 01/11/2026 30/11/2026`, or `/casi ats`). /caso with a receipt
code is always this view; /caso NUMBER is the referent's view for a case of their plessi.
A case of another ATS, or one not closed yet, is "Caso non trovato".
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.access import public, refuse, requires
from bot.callbacks import Buttons
from bot.catalog import cases as case_texts
from bot.catalog import closing as texts
from bot.catalog import common, render
from bot.catalog.validation import ROLE_LABELS
from bot.context import BotContext
from bot.forms import send_page
from bot.replies import answer_tap, reply
from conversations.cases import lists as referent_cases
from conversations.cases.views import case_fields_text
from domain.access import Role
from domain.cases import Case
from domain.closing import (
    ClosedFilter,
    export_filename,
    is_plesso_code,
    last_days,
    normalize_receipt_code,
)
from domain.dates import format_date, parse_date
from domain.errors import ValidationFailed
from reminders.handover import case_file, closed_at_text
from services import ats_cases
from services.ats_cases import ClosedCases

ADMIN = Buttons("ac")
PAGE = "pg"
LAST = "last"
VIEW = "view"
FILE = "file"
CONTACTS = "ct"
CONTACTS_PER_PAGE = 20
NONE = "-"
ADMIN_KEYWORD = "ats"
LAST_DAYS = (7, 30)


def _local(context: BotContext, moment_text: Case) -> str:
    return closed_at_text(moment_text, context.services)


def parse_filters(args: list[str], today: date) -> ClosedFilter:
    """`[ats] [PLESSO] [GG/MM/AAAA [GG/MM/AAAA]]` in any order; ValueError names a bad word."""
    plesso: str | None = None
    days: list[date] = []
    for word in args:
        if word.lower() == ADMIN_KEYWORD:
            continue
        if is_plesso_code(word):
            plesso = word.upper()
            continue
        try:
            days.append(parse_date(word, today))
        except ValidationFailed:
            raise ValueError(word) from None
    if len(days) > 2:
        raise ValueError(" ".join(args))
    since = min(days) if days else None
    until = max(days) if len(days) == 2 else (today if days else None)
    return ClosedFilter(plesso_code=plesso, since=since, until=until)


def _page_data(filters: ClosedFilter, page: int) -> str:
    def arg(value: object | None) -> str:
        return NONE if value is None else str(value)

    return ADMIN.data(PAGE, arg(filters.plesso_code), arg(filters.since), arg(filters.until), page)


def _filters_of(args: list[str]) -> tuple[ClosedFilter, int]:
    plesso, since, until, number = args
    if plesso != NONE and not is_plesso_code(plesso):
        raise keyboards.BadCallback("plesso")
    try:
        first = date.fromisoformat(since) if since != NONE else None
        last = date.fromisoformat(until) if until != NONE else None
    except ValueError:
        raise keyboards.BadCallback("date") from None
    filters = ClosedFilter(plesso_code=None if plesso == NONE else plesso, since=first, until=last)
    return filters, keyboards.parse_int(number)


def list_text(context: BotContext, found: ClosedCases) -> str:
    filters, page = found.filters, found.page
    ats = context.actor.admin_ats
    scope = [ats if ats is not None else common.SCOPE_REGIONAL]
    if filters.plesso_code:
        scope.append(texts.ADMIN_FILTER_PLESSO.format(code=filters.plesso_code))
    if filters.since and filters.until:
        scope.append(
            texts.ADMIN_FILTER_DAYS.format(
                since=format_date(filters.since), until=format_date(filters.until)
            )
        )
    header = render(texts.ADMIN_LIST_HEADER, scope=" · ".join(scope))
    if page.total == 0:
        return "\n\n".join([header, texts.ADMIN_LIST_EMPTY, texts.ADMIN_LIST_HINT])
    info = render(texts.ADMIN_LIST_PAGE, page=page.page, pages=page.pages, total=page.total)
    tz = context.services.settings.tz
    lines = [
        render(
            texts.ADMIN_LIST_LINE,
            case_id=item.id,
            surname=item.surname,
            name=item.name,
            cf=item.masked_codice_fiscale,
            code=item.plesso_code,
            closed_at=item.closed_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
            contacts=item.contacts,
            receipt=item.receipt_code,
        )
        for item in page.items
    ]
    return "\n\n".join([header, info, "\n".join(lines), texts.ADMIN_LIST_HINT])


def list_keyboard(found: ClosedCases) -> InlineKeyboardMarkup:
    filters, page = found.filters, found.page
    views = [
        (texts.BUTTON_VIEW_CASE.format(case_id=item.id), ADMIN.data(VIEW, item.id))
        for item in page.items
    ]
    rows = [views[i : i + 2] for i in range(0, len(views), 2)]
    paging: list[keyboards.Button] = []
    if page.page > 1:
        paging.append((common.BUTTON_PREVIOUS, _page_data(filters, page.page - 1)))
    if page.page < page.pages:
        paging.append((common.BUTTON_NEXT, _page_data(filters, page.page + 1)))
    if paging:
        rows.append(paging)
    rows.append(
        [
            (texts.BUTTON_LAST_7, ADMIN.data(LAST, 7)),
            (texts.BUTTON_LAST_30, ADMIN.data(LAST, 30)),
            (texts.BUTTON_ALL, _page_data(ClosedFilter(), 1)),
        ]
    )
    return keyboards.inline(rows)


async def show_list(
    update: Update, context: BotContext, filters: ClosedFilter, number: int, in_place: bool
) -> None:
    services = context.services
    found = await ats_cases.closed_cases(
        services, context.actor, filters, number, services.settings.tz
    )
    await send_page(update, list_text(context, found), list_keyboard(found), in_place)


@public
async def casi_command(update: Update, context: BotContext) -> None:
    """/casi: the referent's list, or the ATS's closed cases (see the module's doc)."""
    actor = context.actor
    args = list(context.args or [])
    if actor.is_referent and not (actor.is_admin and args):
        await referent_cases.list_cases(update, context)
        return
    if not actor.is_admin:
        await refuse(update, actor, Role.ADMIN)
        return
    try:
        filters = parse_filters(args, context.services.local_now().date())
    except ValueError as error:
        await reply(update, render(texts.ADMIN_USAGE, typed=str(error)))
        return
    await show_list(update, context, filters, 1, in_place=False)


@requires(Role.ADMIN)
async def turn_page(update: Update, context: BotContext) -> None:
    found = ADMIN.tapped_args(update, PAGE, 4)
    try:
        if found is None:
            raise keyboards.BadCallback("shape")
        filters, number = _filters_of(found)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await show_list(update, context, filters, number, in_place=True)


@requires(Role.ADMIN)
async def last_days_tapped(update: Update, context: BotContext) -> None:
    ids = ADMIN.tapped_ids(update, LAST)
    if ids is None or ids[0] not in LAST_DAYS:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    filters = last_days(context.services.local_now().date(), ids[0])
    await show_list(update, context, filters, 1, in_place=True)


async def show_case(update: Update, context: BotContext, case_id: int | None) -> None:
    view = await ats_cases.case_view(context.services, context.actor, case_id)
    if view is None:
        await reply(update, case_texts.CASE_NOT_FOUND)
        return
    case, plesso = view.case, view.plesso
    text = "\n".join(
        [
            render(
                texts.ADMIN_CASE_HEADER,
                case_id=case.id,
                closed_at=_local(context, case),
                receipt=case.receipt_code or "",
            ),
            "",
            case_fields_text(case.data.as_draft(), plesso),
        ]
    )
    keyboard = keyboards.inline([[(texts.BUTTON_FILE, ADMIN.data(FILE, case.id))]])
    await reply(update, text, keyboard)
    await _contacts_page(update, view, 1, in_place=False)


async def _contacts_page(
    update: Update, view: ats_cases.ClosedCaseView, number: int, *, in_place: bool
) -> None:
    """The case's contacts, CONTACTS_PER_PAGE a page, «Avanti»/«Indietro» between pages."""
    case, contacts = view.case, view.contacts
    header = render(texts.ADMIN_CONTACTS_HEADER, case_id=case.id, total=len(contacts))
    if not contacts:
        await reply(update, "\n".join([header, texts.ADMIN_NO_CONTACTS]))
        return
    pages = -(-len(contacts) // CONTACTS_PER_PAGE)
    number = min(max(number, 1), pages)
    shown = contacts[(number - 1) * CONTACTS_PER_PAGE : number * CONTACTS_PER_PAGE]
    lines = [header]
    if pages > 1:
        lines.append(render(texts.ADMIN_CONTACTS_PAGE, page=number, pages=pages))
    lines += [
        render(
            texts.ADMIN_CONTACT_LINE,
            contact_id=c.number,
            surname=c.data.surname,
            name=c.data.name,
            cf=c.data.codice_fiscale,
            role=ROLE_LABELS[c.data.role],
            class_name=c.data.class_name,
            section=c.data.section,
            last_contact=format_date(c.data.last_contact),
            phone=c.data.phone or "-",
        )
        for c in shown
    ]
    row: list[keyboards.Button] = []
    if number > 1:
        row.append((common.BUTTON_PREVIOUS, ADMIN.data(CONTACTS, case.id, number - 1)))
    if number < pages:
        row.append((common.BUTTON_NEXT, ADMIN.data(CONTACTS, case.id, number + 1)))
    if not row:
        await reply(update, "\n".join(lines))
        return
    await send_page(update, "\n".join(lines), keyboards.inline([row]), in_place)


@requires(Role.ADMIN)
async def contacts_tapped(update: Update, context: BotContext) -> None:
    """«Avanti»/«Indietro» of a closed case's contacts (the case read again, scoped)."""
    ids = ADMIN.tapped_ids(update, CONTACTS, 2)
    view = await ats_cases.case_view(context.services, context.actor, ids[0]) if ids else None
    if ids is None or view is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await _contacts_page(update, view, ids[1], in_place=True)


@public
async def caso_command(update: Update, context: BotContext) -> None:
    """/caso 12 or /caso ABCD-EFGH."""
    actor = context.actor
    typed = " ".join(context.args or []).strip().lstrip("#")
    receipt = normalize_receipt_code(typed) if typed else None
    case_id: int | None = None
    if receipt is None and typed:
        try:
            case_id = keyboards.parse_int(typed)
        except keyboards.BadCallback:
            case_id = None
    if actor.is_referent and receipt is None:
        mine = await ats_cases.holds_case(context.services, actor, case_id)
        if not actor.is_admin or mine or not typed:
            await referent_cases.case_command(update, context)
            return
    if not actor.is_admin:
        await refuse(update, actor, Role.ADMIN)
        return
    if not typed:
        await reply(update, texts.ADMIN_CASE_USAGE)
        return
    if receipt is not None:
        case_id = await ats_cases.case_with_receipt(context.services, receipt)
    await show_case(update, context, case_id)


@requires(Role.ADMIN)
async def view_tapped(update: Update, context: BotContext) -> None:
    ids = ADMIN.tapped_ids(update, VIEW)
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await show_case(update, context, ids[0])


@requires(Role.ADMIN)
async def file_tapped(update: Update, context: BotContext) -> None:
    """The XLSX again, to this admin."""
    ids = ADMIN.tapped_ids(update, FILE)
    case = await ats_cases.closed_case(context.services, context.actor, ids[0] if ids else None)
    if case is None:
        await answer_tap(update)
        await reply(update, case_texts.CASE_NOT_FOUND)
        return
    await answer_tap(update)
    content, _ = await case_file(context.services, case)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        document=content,
        filename=export_filename(case),
        caption=render(texts.NOTICE_CAPTION, case_id=case.id, receipt=case.receipt_code or ""),
    )


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """/casi and /caso for everyone (routed), and the admins' buttons."""
    return [
        CommandHandler("casi", casi_command),
        CommandHandler("caso", caso_command),
        CallbackQueryHandler(turn_page, pattern=ADMIN.pattern(PAGE)),
        CallbackQueryHandler(last_days_tapped, pattern=ADMIN.pattern(LAST)),
        CallbackQueryHandler(view_tapped, pattern=ADMIN.pattern(VIEW)),
        CallbackQueryHandler(file_tapped, pattern=ADMIN.pattern(FILE)),
        CallbackQueryHandler(contacts_tapped, pattern=ADMIN.pattern(CONTACTS)),
    ]
