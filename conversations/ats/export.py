"""/esporta (admins, issue 8): the data of the admin's ATS (every ATS for a regional admin)
as one Excel or CSV file.

What (closed cases with their contacts; absences with enrolment and rates; referents and
plessi), then the period (this week, the last 30 days, this school year, or two typed dates;
referents and plessi are a snapshot of today and skip it), then the format. Nothing in the
period: the admin is told so, and no file is sent. Otherwise the file is built off the event
loop, the export is written to the change log (who, what, which days, how many rows, never
whose data), and the bot sends the document with a caption that says what it holds.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Coroutine, Iterator, Sequence
from datetime import date
from enum import IntEnum, auto
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import requires
from bot.catalog import common, error_text, render
from bot.catalog import export as texts
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from bot.context import BotContext, Services
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.calendar import school_year_label, school_year_of
from domain.dates import format_date, parse_date
from domain.errors import ValidationFailed
from domain.exports import (
    MAX_DOCUMENT_BYTES,
    ExportFormat,
    ExportKind,
    ExportLabels,
    Period,
    PeriodChoice,
    Table,
    Written,
    absences_table,
    cases_table,
    check_end,
    check_start,
    contacts_table,
    export_filename,
    period_for,
    plessi_table,
    referents_table,
    utc_bounds,
    write_export,
)
from storage.exports import PAGE_CASES, REGION

CB = "exp"
CB_KIND = "k"  # exp:k:casi
CB_PERIOD = "p"  # exp:p:settimana
CB_FORMAT = "f"  # exp:f:xlsx
PAGE_TIMEOUT = 120.0  # seconds a page read may take before the export gives up


class Step(IntEnum):
    KIND = auto()
    PERIOD = auto()
    START = auto()
    END = auto()
    FORMAT = auto()


flow: Flow[Step] = Flow("export", Step, button_steps=[Step.KIND, Step.PERIOD, Step.FORMAT])

# Flow data keys.
KIND, START, END = "kind", "start", "end"

_KIND_TEXT = {
    ExportKind.CASES: texts.KIND_CASES,
    ExportKind.ABSENCES: texts.KIND_ABSENCES,
    ExportKind.REGISTRY: texts.KIND_REGISTRY,
}
_NOTHING = {
    ExportKind.CASES: texts.NOTHING_CASES,
    ExportKind.ABSENCES: texts.NOTHING_ABSENCES,
    ExportKind.REGISTRY: texts.NOTHING_REGISTRY,
}


def _today(context: BotContext) -> date:
    return context.services.local_now().date()


def _scope(context: BotContext) -> str:
    return context.actor.admin_ats or texts.SCOPE_ALL


# --- the questions ------------------------------------------------------------------------


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    today = _today(context)
    if step is Step.KIND:
        await reply(update, render(texts.ASK_KIND, scope=_scope(context)), _kind_keyboard())
        return
    what = _KIND_TEXT[ExportKind(data[KIND])]
    if step is Step.PERIOD:
        template = texts.ASK_PERIOD_CASES if data[KIND] == ExportKind.CASES else texts.ASK_PERIOD
        await reply(update, render(template, what=what), _period_keyboard(today))
    elif step is Step.START:
        example = format_date(period_for(PeriodChoice.LAST_30_DAYS, today).start)
        await reply(update, render(texts.ASK_START, example=example))
    elif step is Step.END:
        await reply(update, render(texts.ASK_END, example=format_date(today)))
    else:
        text = render(texts.ASK_FORMAT, what=what, period=_period_text(_period(data), today))
        await reply(update, text, _format_keyboard())


def _kind_keyboard() -> InlineKeyboardMarkup:
    return keyboards.column(
        [
            (texts.BUTTON_CASES, keyboards.callback(CB, CB_KIND, ExportKind.CASES)),
            (texts.BUTTON_ABSENCES, keyboards.callback(CB, CB_KIND, ExportKind.ABSENCES)),
            (texts.BUTTON_REGISTRY, keyboards.callback(CB, CB_KIND, ExportKind.REGISTRY)),
        ]
    )


def _period_keyboard(today: date) -> InlineKeyboardMarkup:
    def start(choice: PeriodChoice) -> str:
        return f"{period_for(choice, today).start:%d/%m}"

    def data(choice: PeriodChoice) -> str:
        return keyboards.callback(CB, CB_PERIOD, choice)

    year = school_year_label(school_year_of(today))
    return keyboards.column(
        [
            (texts.BUTTON_WEEK.format(start=start(PeriodChoice.WEEK)), data(PeriodChoice.WEEK)),
            (
                texts.BUTTON_LAST_30.format(start=start(PeriodChoice.LAST_30_DAYS)),
                data(PeriodChoice.LAST_30_DAYS),
            ),
            (texts.BUTTON_SCHOOL_YEAR.format(year=year), data(PeriodChoice.SCHOOL_YEAR)),
            (texts.BUTTON_TYPED, data(PeriodChoice.TYPED)),
        ]
    )


def _format_keyboard() -> InlineKeyboardMarkup:
    return keyboards.inline(
        [
            [
                (texts.BUTTON_XLSX, keyboards.callback(CB, CB_FORMAT, ExportFormat.XLSX)),
                (texts.BUTTON_CSV, keyboards.callback(CB, CB_FORMAT, ExportFormat.CSV)),
            ]
        ]
    )


def _period(data: dict[str, Any]) -> Period | None:
    if START not in data or END not in data:
        return None
    return Period(date.fromisoformat(data[START]), date.fromisoformat(data[END]))


def _period_text(period: Period | None, today: date) -> str:
    """Plain text (a value for `render`)."""
    if period is None:
        return texts.SNAPSHOT.format(today=format_date(today))
    return texts.PERIOD.format(start=format_date(period.start), end=format_date(period.end))


# --- the answers --------------------------------------------------------------------------


T = TypeVar("T")
E = TypeVar("E", ExportKind, PeriodChoice, ExportFormat)


def _tapped(update: Update, verb: str, choices: type[E]) -> E | None:
    """The choice of an `exp:<verb>:VALUE` button, None when it is not one of ours."""
    query = update.callback_query
    try:
        found, value = keyboards.parse(query.data if query else None, CB, 2)
        return choices(value) if found == verb else None
    except ValueError:  # BadCallback included
        return None


async def _stale(update: Update, step: Step) -> Step:
    await answer_tap(update, common.STALE_BUTTON, alert=True)
    return step


@requires(Role.ADMIN)
async def start(update: Update, context: BotContext) -> Step:
    return await flow.go(update, context, Step.KIND, {})


@requires(Role.ADMIN)
async def kind_tapped(update: Update, context: BotContext) -> Step:
    kind = _tapped(update, CB_KIND, ExportKind)
    if kind is None:
        return await _stale(update, Step.KIND)
    await close_buttons(update)
    data = {KIND: kind.value}
    return await flow.go(update, context, Step.PERIOD if kind.has_period else Step.FORMAT, data)


@requires(Role.ADMIN)
async def period_tapped(update: Update, context: BotContext) -> Step:
    choice = _tapped(update, CB_PERIOD, PeriodChoice)
    if choice is None:
        return await _stale(update, Step.PERIOD)
    await close_buttons(update)
    data = await flow.load(update, context)
    if choice is PeriodChoice.TYPED:
        return await flow.go(update, context, Step.START, data)
    period = period_for(choice, _today(context))
    data[START], data[END] = period.start.isoformat(), period.end.isoformat()
    return await flow.go(update, context, Step.FORMAT, data)


def _typed(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


async def _refuse(
    update: Update,
    context: BotContext,
    error: ValidationFailed,
    step: Step,
    data: dict[str, Any],
) -> Step:
    await reply(update, error_text(error))
    await flow.ask(update, context, step, data)
    return step


@requires(Role.ADMIN)
async def start_typed(update: Update, context: BotContext) -> Step:
    data = await flow.load(update, context)
    today = _today(context)
    try:
        first = check_start(parse_date(_typed(update), today), today)
    except ValidationFailed as error:
        return await _refuse(update, context, error, Step.START, data)
    data[START] = first.isoformat()
    data.pop(END, None)
    return await flow.go(update, context, Step.END, data)


@requires(Role.ADMIN)
async def end_typed(update: Update, context: BotContext) -> Step:
    data = await flow.load(update, context)
    try:
        last = parse_date(_typed(update), _today(context))
        period = check_end(date.fromisoformat(data[START]), last)
    except ValidationFailed as error:
        return await _refuse(update, context, error, Step.END, data)
    data[END] = period.end.isoformat()
    return await flow.go(update, context, Step.FORMAT, data)


@requires(Role.ADMIN)
async def format_tapped(update: Update, context: BotContext) -> object:
    fmt = _tapped(update, CB_FORMAT, ExportFormat)
    if fmt is None:
        return await _stale(update, Step.FORMAT)
    await close_buttons(update)
    await answer_tap(update)
    data = await flow.load(update, context)
    await _export(update, context, ExportKind(data[KIND]), _period(data), fmt)
    return ConversationHandler.END


# --- the export ---------------------------------------------------------------------------


def _labels(services: Services) -> ExportLabels:
    return ExportLabels(
        roles=ROLE_LABELS,
        school_types=SCHOOL_TYPE_LABELS,
        timezone=services.settings.tz,
        yes=texts.YES,
        no=texts.NO,
        active=texts.ACTIVE,
        revoked=texts.REVOKED,
    )


async def _tables(
    services: Services, ats: str | None, kind: ExportKind, period: Period | None, today: date
) -> list[Table]:
    """The tables of the export, their rows still to be read; none when there is nothing."""
    repository = services.exports
    labels = _labels(services)
    if kind is ExportKind.REGISTRY:
        plessi = await repository.plessi(ats, today)
        if not plessi:
            return []
        referents = await repository.referents(ats)
        return [plessi_table(plessi, labels), referents_table(referents, labels)]
    assert period is not None
    if kind is ExportKind.ABSENCES:
        figures = await repository.absences(ats, period)
        return [absences_table(figures, labels)] if figures else []
    case_ids = await repository.closed_case_ids(ats, *utc_bounds(period, services.settings.tz))
    if not case_ids:
        return []
    # Thousands of cases and their contacts: read a page at a time while the file is written.
    loop = asyncio.get_running_loop()
    return [
        cases_table(_paged(loop, repository.cases, case_ids), labels),
        contacts_table(_paged(loop, repository.contacts, case_ids), labels),
    ]


def _paged(
    loop: asyncio.AbstractEventLoop,
    read: Callable[[Sequence[int]], Coroutine[Any, Any, list[T]]],
    ids: Sequence[int],
) -> Iterator[T]:
    """The records of `ids`, for the thread that writes the file: each page is read on the
    event loop (where the database connections live) while the thread waits for it, so one
    page at most is in memory. On the event loop itself it would wait for itself: refused."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        raise RuntimeError("pages are read for a worker thread, not on the event loop")
    for index in range(0, len(ids), PAGE_CASES):
        page = list(ids[index : index + PAGE_CASES])
        future = asyncio.run_coroutine_threadsafe(read(page), loop)
        yield from future.result(timeout=PAGE_TIMEOUT)


def _build(tables: Sequence[Table], fmt: ExportFormat) -> tuple[Written, bytes]:
    buffer = io.BytesIO()
    written = write_export(tables, fmt, buffer)
    return written, buffer.getvalue()


async def _export(
    update: Update,
    context: BotContext,
    kind: ExportKind,
    period: Period | None,
    fmt: ExportFormat,
) -> None:
    services, actor = context.services, context.actor
    ats, today = actor.admin_ats, _today(context)
    scope = _scope(context)
    chat = update.effective_chat
    if chat is None:
        return
    tables = await _tables(services, ats, kind, period, today)
    if not tables:
        text = render(_NOTHING[kind], period=_period_text(period, today), scope=scope)
        await reply(update, text)
        return
    await chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    written, content = await asyncio.to_thread(_build, tables, fmt)
    if len(content) > MAX_DOCUMENT_BYTES:
        size = f"{len(content) / 1_000_000:.0f}"
        await reply(update, render(texts.TOO_BIG, size=size))
        return
    rows = {table.name.lower(): count for table, count in zip(tables, written.rows, strict=True)}
    # Recorded before sending: a file that may have left is in the log, even if the send
    # then fails.
    await services.exports.record_export(
        actor=actor.user_id,
        ats_code=ats,
        kind=kind,
        fmt=fmt,
        period=period,
        rows=rows,
        now=services.now(),
    )
    await chat.send_document(
        content,
        filename=export_filename(kind, ats or REGION, period, today, written.extension),
        caption=_caption(kind, period, today, scope, tables, written),
        parse_mode=ParseMode.HTML,
    )


def _caption(
    kind: ExportKind,
    period: Period | None,
    today: date,
    scope: str,
    tables: Sequence[Table],
    written: Written,
) -> str:
    counts = texts.CAPTION_SEPARATOR.join(
        texts.CAPTION_COUNT.format(table=table.name, n=count)
        for table, count in zip(tables, written.rows, strict=True)
    )
    text = render(
        texts.CAPTION,
        what=_KIND_TEXT[kind],
        scope=scope,
        period=_period_text(period, today),
        counts=counts,
    )
    if written.extension == "zip":
        text += texts.CAPTION_ZIP
    elif written.extension == "csv":
        text += texts.CAPTION_CSV
    return text


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND

    def button(callback: Any, verb: str) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, pattern=keyboards.pattern(f"{CB}:{verb}"))

    return flow.handler(
        entry_points=[CommandHandler("esporta", start)],
        states={
            Step.KIND: [button(kind_tapped, CB_KIND)],
            Step.PERIOD: [button(period_tapped, CB_PERIOD)],
            Step.START: [MessageHandler(text, start_typed)],
            Step.END: [MessageHandler(text, end_typed)],
            Step.FORMAT: [button(format_tapped, CB_FORMAT)],
        },
    )
