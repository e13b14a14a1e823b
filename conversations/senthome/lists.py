"""/allontanamenti (the referent's plessi, or the ATS's), one report, and the answers to the
daily outcome question («Positivo → apri il caso» starts the case form pre-filled)."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot import keyboards
from bot.access import public, refuse, requires
from bot.catalog import common, render
from bot.catalog import senthome as texts
from bot.context import BotContext
from bot.forms import send_page
from bot.replies import answer_tap, close_buttons, reply
from conversations.cases.form import start_prefilled
from conversations.senthome.views import (
    ADMIN,
    LIST,
    NEW,
    PAGE,
    REPORTS,
    SHOW,
    VIEW,
    admin_line,
    fields_text,
    list_line,
    sent_keyboard,
)
from conversations.swabs.school_pass import pass_button
from domain.access import Role
from domain.dates import format_date
from domain.senthome import Outcome, SentHomeReport, SentHomeRow, State
from domain.text import fit
from reminders.senthome import ASK, OUTCOMES, SET
from services import cases as cases_service
from services import senthome as service

ADMIN_PAGE_SIZE = 15
REFERENT_LIST_MAX = 40
ADMIN_KEYWORD = "ats"
TEXT_LIMIT = 4000


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


async def _states(context: BotContext, rows: list[SentHomeRow]) -> list[tuple[SentHomeRow, State]]:
    listed = await service.with_states(context.services, rows, _today(context))
    return [(line.row, line.state) for line in listed]


# --- the referent ---------------------------------------------------------------------------------


async def referent_list(update: Update, context: BotContext) -> None:
    rows = await service.referent_list(context.services, context.actor, _today(context))
    plessi = context.actor.referent.plessi if context.actor.referent else ()
    new_rows = [[(texts.BUTTON_NEW, REPORTS.data(NEW, code))] for code in plessi[:1]]
    if not rows:
        await reply(update, texts.LIST_EMPTY, keyboards.inline(new_rows))
        return
    shown = rows[:REFERENT_LIST_MAX]
    lines = [list_line(row, state) for row, state in await _states(context, shown)]
    text = "\n".join([render(texts.LIST_HEADER, count=len(rows)), "", *lines])
    buttons = [
        (texts.BUTTON_VIEW.format(report_id=row.id), REPORTS.data(VIEW, row.id)) for row in shown
    ]
    rows_of_buttons = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    keyboard = keyboards.inline([*rows_of_buttons, *new_rows])
    await reply(update, fit(text, TEXT_LIMIT, "…"), keyboard)


@requires(Role.REFERENT)
async def list_tapped(update: Update, context: BotContext) -> None:
    await answer_tap(update)
    await referent_list(update, context)


@requires(Role.REFERENT)
async def view_tapped(update: Update, context: BotContext) -> None:
    """One of the referent's reports in full (symptoms too: it is their own report)."""
    ids = REPORTS.tapped_ids(update, VIEW)
    found = await service.own_report(context.services, context.actor, ids[0] if ids else None)
    if isinstance(found, service.Refusal):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await answer_tap(update)
    again: list[keyboards.Button] | None = None
    if found.outcome is Outcome.POSITIVE and found.case_id is None:
        # The case form was left unfinished: it can be started again from here.
        label = texts.OUTCOME_LABELS[Outcome.POSITIVE]
        again = [(label, OUTCOMES.data(SET, found.id, Outcome.POSITIVE.value))]
    # The school pass for direct access (issue 20): asks first who the swab is for.
    keyboard = sent_keyboard(found, [*(again or []), pass_button(found.id)])
    await reply(update, await _full_text(context, found), keyboard)


async def _full_text(context: BotContext, report: SentHomeReport, versions: int = 0) -> str:
    plesso = await cases_service.plesso(context.services, report.data.plesso_code)
    state = await service.report_state(context.services, report, _today(context))
    parts = [
        render(
            texts.VIEW_HEADER,
            report_id=report.id,
            state=texts.STATE_LABELS[state],
            receipt=report.receipt_code,
        ),
        fields_text(report.data, plesso),
    ]
    if versions:
        parts.append(render(texts.VIEW_VERSIONS, count=versions))
    if report.case_id is not None:
        parts.append(render(texts.VIEW_CASE, case_id=report.case_id))
    return "\n\n".join(parts)


# --- the ATS -----------------------------------------------------------------------------------


async def admin_list(update: Update, context: BotContext, page: int, in_place: bool) -> None:
    rows = await service.ats_list(context.services, context.actor, _today(context))
    if not rows:
        await reply(update, texts.LIST_EMPTY)
        return
    pages = max(1, -(-len(rows) // ADMIN_PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * ADMIN_PAGE_SIZE : page * ADMIN_PAGE_SIZE]
    lines = [render(texts.ADMIN_LIST_HEADER, count=len(rows), page=page, pages=pages)]
    last_day = None
    for row, state in await _states(context, shown):
        if row.day != last_day:
            lines.append(render(texts.ADMIN_DAY, day=format_date(row.day)))
            last_day = row.day
        lines.append(admin_line(row, state))
    buttons = [
        (texts.BUTTON_VIEW.format(report_id=row.id), ADMIN.data(SHOW, row.id)) for row in shown
    ]
    rows_of_buttons = [buttons[i : i + 5] for i in range(0, len(buttons), 5)]
    turns = []
    if page > 1:
        turns.append((texts.BUTTON_PREVIOUS, ADMIN.data(PAGE, page - 1)))
    if page < pages:
        turns.append((texts.BUTTON_NEXT, ADMIN.data(PAGE, page + 1)))
    keyboard = keyboards.inline([*rows_of_buttons, *([turns] if turns else [])])
    await send_page(update, fit("\n".join(lines), TEXT_LIMIT, "…"), keyboard, in_place)


@requires(Role.ADMIN)
async def admin_page(update: Update, context: BotContext) -> None:
    ids = ADMIN.tapped_ids(update, PAGE)
    if ids is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await admin_list(update, context, ids[0], in_place=True)


@requires(Role.ADMIN)
async def admin_view(update: Update, context: BotContext) -> None:
    ids = ADMIN.tapped_ids(update, SHOW)
    found = await service.ats_report(context.services, context.actor, ids[0] if ids else None)
    if found is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await answer_tap(update)
    await reply(update, await _full_text(context, found.report, found.versions))


@public
async def list_command(update: Update, context: BotContext) -> None:
    """/allontanamenti: the referent's plessi; an admin's ATS (an admin-referent: `ats`)."""
    actor = context.actor
    args = [a.lower() for a in context.args or []]
    if actor.is_referent and not (actor.is_admin and ADMIN_KEYWORD in args):
        await referent_list(update, context)
        return
    if not actor.is_admin:
        await refuse(update, actor, Role.REFERENT)
        return
    await admin_list(update, context, 1, in_place=False)


# --- the outcome question ------------------------------------------------------------------------


def _label(report: SentHomeReport) -> dict[str, str]:
    data = report.data
    return {
        "initials": data.initials,
        "class_name": data.class_name,
        "section": data.section,
        "day": format_date(data.day),
    }


@requires(Role.REFERENT)
async def outcome_asked(update: Update, context: BotContext) -> None:
    """A person tapped in the daily question: the four outcomes."""
    ids = OUTCOMES.tapped_ids(update, ASK)
    found = await service.own_report(context.services, context.actor, ids[0] if ids else None)
    if isinstance(found, service.Refusal) or found.is_final:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    keyboard = keyboards.column(
        [
            (label, OUTCOMES.data(SET, found.id, outcome.value))
            for outcome, label in texts.OUTCOME_LABELS.items()
        ]
    )
    await reply(update, render(texts.ASK_OUTCOME, **_label(found)), keyboard)


@requires(Role.REFERENT)
async def outcome_set(update: Update, context: BotContext) -> None:
    found_args = OUTCOMES.tapped_args(update, SET, 2)
    if found_args is None or found_args[1] not in set(Outcome) or not found_args[0].isdigit():
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    services = context.services
    outcome = Outcome(found_args[1])
    result = await service.record_outcome(
        services, context.actor, int(found_args[0]), outcome, services.now()
    )
    if isinstance(result, service.Refusal):
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return
    await close_buttons(update)
    if outcome is not Outcome.POSITIVE:
        await reply(
            update,
            render(
                texts.OUTCOME_SAVED,
                initials=result.data.initials,
                outcome=texts.OUTCOME_LABELS[outcome],
            ),
        )
        return
    await reply(update, render(texts.OUTCOME_POSITIVE, initials=result.data.initials))
    # The case form's flow is stored by its own engine: its next answers reach it.
    draft = await service.case_draft(context.services, result, _today(context))
    await start_prefilled(update, context, draft)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    return [
        CommandHandler("allontanamenti", list_command),
        CallbackQueryHandler(list_tapped, pattern=REPORTS.pattern(LIST)),
        CallbackQueryHandler(view_tapped, pattern=REPORTS.pattern(VIEW)),
        CallbackQueryHandler(admin_page, pattern=ADMIN.pattern(PAGE)),
        CallbackQueryHandler(admin_view, pattern=ADMIN.pattern(SHOW)),
        CallbackQueryHandler(outcome_asked, pattern=OUTCOMES.pattern(ASK)),
        CallbackQueryHandler(outcome_set, pattern=OUTCOMES.pattern(SET)),
    ]
