"""/esporta (admins, issue 8): the data of the admin's ATS (every ATS for a regional admin)
as one Excel or CSV file.

What (closed cases with their contacts; absences with enrolment and rates; referents and
plessi; sent-home reports; the isolation follow-up of issue 19), then the period (this
week, the last 30 days, this school year, or two typed dates; referents and plessi are a
snapshot of today and skip it), then the format. Nothing in the
period: the admin is told so, and no file is sent. Otherwise the file is built off the event
loop, the export is written to the change log (who, what, which days, how many rows, never
whose data), and the bot sends the document with a caption that says what it holds.
"""

from __future__ import annotations

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
from bot.callbacks import Buttons
from bot.catalog import common, error_text, render
from bot.catalog import export as texts
from bot.catalog import senthome as senthome_texts
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from bot.context import BotContext, Services
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.access import Role
from domain.calendar import school_year_label, school_year_of
from domain.dates import format_date, parse_date
from domain.errors import ValidationFailed
from domain.exports import (
    ExportFormat,
    ExportKind,
    Period,
    PeriodChoice,
    check_end,
    check_start,
    period_for,
)
from formats.exports import ExportLabels
from services import exports as exports_service
from services.exports import Exported, ExportRequest, TooBig

BUTTONS = Buttons("exp", "/esporta: what, which period, which format")
KIND = "k"  # exp:k:casi
PERIOD = "p"  # exp:p:settimana
FORMAT = "f"  # exp:f:xlsx


class Step(IntEnum):
    KIND = auto()
    PERIOD = auto()
    START = auto()
    END = auto()
    FORMAT = auto()


flow: Flow[Step] = Flow("export", Step, button_steps=[Step.KIND, Step.PERIOD, Step.FORMAT])


class ExportDraft(FlowDraft):
    """The answers so far: what, then the period's first and last day (none for the
    registry, a snapshot of today)."""

    kind: ExportKind | None = None
    start: date | None = None
    end: date | None = None

    @property
    def period(self) -> Period | None:
        if self.start is None or self.end is None:
            return None
        return Period(self.start, self.end)

    def chosen_kind(self) -> ExportKind:
        assert self.kind is not None, "the kind is the first answer"
        return self.kind


_KIND_TEXT = {
    ExportKind.CASES: texts.KIND_CASES,
    ExportKind.ABSENCES: texts.KIND_ABSENCES,
    ExportKind.REGISTRY: texts.KIND_REGISTRY,
    ExportKind.SENT_HOME: texts.KIND_SENT_HOME,
    ExportKind.ISOLATIONS: texts.KIND_ISOLATIONS,
}
_NOTHING = {
    ExportKind.CASES: texts.NOTHING_CASES,
    ExportKind.ABSENCES: texts.NOTHING_ABSENCES,
    ExportKind.REGISTRY: texts.NOTHING_REGISTRY,
    ExportKind.SENT_HOME: texts.NOTHING_SENT_HOME,
    ExportKind.ISOLATIONS: texts.NOTHING_ISOLATIONS,
}

_ASK_PERIOD = {
    ExportKind.CASES: texts.ASK_PERIOD_CASES,
    ExportKind.ISOLATIONS: texts.ASK_PERIOD_ISOLATIONS,
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
    draft = ExportDraft.load(data)
    kind = draft.chosen_kind()
    what = _KIND_TEXT[kind]
    if step is Step.PERIOD:
        template = _ASK_PERIOD.get(kind, texts.ASK_PERIOD)
        await reply(update, render(template, what=what), _period_keyboard(today))
    elif step is Step.START:
        example = format_date(period_for(PeriodChoice.LAST_30_DAYS, today).start)
        await reply(update, render(texts.ASK_START, example=example))
    elif step is Step.END:
        await reply(update, render(texts.ASK_END, example=format_date(today)))
    else:
        text = render(texts.ASK_FORMAT, what=what, period=_period_text(draft.period, today))
        await reply(update, text, _format_keyboard())


def _kind_keyboard() -> InlineKeyboardMarkup:
    return keyboards.column(
        [
            (texts.BUTTON_CASES, BUTTONS.data(KIND, ExportKind.CASES)),
            (texts.BUTTON_ABSENCES, BUTTONS.data(KIND, ExportKind.ABSENCES)),
            (texts.BUTTON_REGISTRY, BUTTONS.data(KIND, ExportKind.REGISTRY)),
            (texts.BUTTON_SENT_HOME, BUTTONS.data(KIND, ExportKind.SENT_HOME)),
            (texts.BUTTON_ISOLATIONS, BUTTONS.data(KIND, ExportKind.ISOLATIONS)),
        ]
    )


def _period_keyboard(today: date) -> InlineKeyboardMarkup:
    def start(choice: PeriodChoice) -> str:
        return f"{period_for(choice, today).start:%d/%m}"

    def data(choice: PeriodChoice) -> str:
        return BUTTONS.data(PERIOD, choice)

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
                (texts.BUTTON_XLSX, BUTTONS.data(FORMAT, ExportFormat.XLSX)),
                (texts.BUTTON_CSV, BUTTONS.data(FORMAT, ExportFormat.CSV)),
            ]
        ]
    )


def _period_text(period: Period | None, today: date) -> str:
    """Plain text (a value for `render`)."""
    if period is None:
        return texts.SNAPSHOT.format(today=format_date(today))
    return texts.PERIOD.format(start=format_date(period.start), end=format_date(period.end))


# --- the answers --------------------------------------------------------------------------


E = TypeVar("E", ExportKind, PeriodChoice, ExportFormat)


def _tapped(update: Update, verb: str, choices: type[E]) -> E | None:
    """The choice of an `exp:<verb>:VALUE` button, None when it is not one of ours."""
    found = BUTTONS.tapped_args(update, verb, 1)
    try:
        return choices(found[0]) if found else None
    except ValueError:
        return None


async def _stale(update: Update, step: Step) -> Step:
    await answer_tap(update, common.STALE_BUTTON, alert=True)
    return step


async def _go(update: Update, context: BotContext, step: Step, draft: ExportDraft) -> Step:
    return await flow.go(update, context, step, draft.dump())


@requires(Role.ADMIN)
async def start(update: Update, context: BotContext) -> Step:
    return await _go(update, context, Step.KIND, ExportDraft())


@requires(Role.ADMIN)
async def kind_tapped(update: Update, context: BotContext) -> Step:
    kind = _tapped(update, KIND, ExportKind)
    if kind is None:
        return await _stale(update, Step.KIND)
    await close_buttons(update)
    draft = ExportDraft(kind=kind)
    return await _go(update, context, Step.PERIOD if kind.has_period else Step.FORMAT, draft)


@requires(Role.ADMIN)
async def period_tapped(update: Update, context: BotContext) -> Step:
    choice = _tapped(update, PERIOD, PeriodChoice)
    if choice is None:
        return await _stale(update, Step.PERIOD)
    await close_buttons(update)
    draft = ExportDraft.load(await flow.load(update, context))
    if choice is PeriodChoice.TYPED:
        return await _go(update, context, Step.START, draft)
    period = period_for(choice, _today(context))
    draft = draft.model_copy(update={"start": period.start, "end": period.end})
    return await _go(update, context, Step.FORMAT, draft)


def _typed(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


async def _refuse(
    update: Update,
    context: BotContext,
    error: ValidationFailed,
    step: Step,
    draft: ExportDraft,
) -> Step:
    await reply(update, error_text(error))
    await flow.ask(update, context, step, draft.dump())
    return step


@requires(Role.ADMIN)
async def start_typed(update: Update, context: BotContext) -> Step:
    draft = ExportDraft.load(await flow.load(update, context))
    today = _today(context)
    try:
        first = check_start(parse_date(_typed(update), today), today)
    except ValidationFailed as error:
        return await _refuse(update, context, error, Step.START, draft)
    draft = draft.model_copy(update={"start": first, "end": None})
    return await _go(update, context, Step.END, draft)


@requires(Role.ADMIN)
async def end_typed(update: Update, context: BotContext) -> Step:
    draft = ExportDraft.load(await flow.load(update, context))
    assert draft.start is not None, "the first day is asked before the last"
    try:
        last = parse_date(_typed(update), _today(context))
        period = check_end(draft.start, last)
    except ValidationFailed as error:
        return await _refuse(update, context, error, Step.END, draft)
    return await _go(update, context, Step.FORMAT, draft.model_copy(update={"end": period.end}))


@requires(Role.ADMIN)
async def format_tapped(update: Update, context: BotContext) -> object:
    fmt = _tapped(update, FORMAT, ExportFormat)
    if fmt is None:
        return await _stale(update, Step.FORMAT)
    await close_buttons(update)
    await answer_tap(update)
    draft = ExportDraft.load(await flow.load(update, context))
    request = ExportRequest(draft.chosen_kind(), draft.period, fmt, _today(context))
    await _export(update, context, request)
    return ConversationHandler.END


# --- the export ---------------------------------------------------------------------------


def export_labels(services: Services) -> ExportLabels:
    """The catalog's words for the tables (the desk's «Esporta» button uses them too)."""
    return ExportLabels(
        roles=ROLE_LABELS,
        school_types=SCHOOL_TYPE_LABELS,
        timezone=services.settings.tz,
        yes=texts.YES,
        no=texts.NO,
        active=texts.ACTIVE,
        revoked=texts.REVOKED,
        sent_home=senthome_texts.EXPORT_LABELS,
    )


async def _export(update: Update, context: BotContext, request: ExportRequest) -> None:
    services = context.services
    scope = _scope(context)
    chat = update.effective_chat
    if chat is None:
        return

    async def writing() -> None:
        await chat.send_action(ChatAction.UPLOAD_DOCUMENT)

    result = await exports_service.export(
        services, context.actor, request, export_labels(services), services.now(), writing=writing
    )
    if result is None:
        period = _period_text(request.period, request.today)
        await reply(update, render(_NOTHING[request.kind], period=period, scope=scope))
        return
    if isinstance(result, TooBig):
        await reply(update, render(texts.TOO_BIG, size=f"{result.size / 1_000_000:.0f}"))
        return
    await chat.send_document(
        result.content,
        filename=result.filename,
        caption=_caption(request, scope, result),
        parse_mode=ParseMode.HTML,
    )


def _caption(request: ExportRequest, scope: str, exported: Exported) -> str:
    counts = texts.CAPTION_SEPARATOR.join(
        texts.CAPTION_COUNT.format(table=name, n=count) for name, count in exported.counts
    )
    text = render(
        texts.CAPTION,
        what=_KIND_TEXT[request.kind],
        scope=scope,
        period=_period_text(request.period, request.today),
        counts=counts,
    )
    if exported.extension == "zip":
        text += texts.CAPTION_ZIP
    elif exported.extension == "csv":
        text += texts.CAPTION_CSV
    return text


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND

    def button(callback: Any, verb: str) -> CallbackQueryHandler[BotContext, Any]:
        return CallbackQueryHandler(callback, pattern=BUTTONS.pattern(verb))

    return flow.handler(
        entry_points=[CommandHandler("esporta", start)],
        states={
            Step.KIND: [button(kind_tapped, KIND)],
            Step.PERIOD: [button(period_tapped, PERIOD)],
            Step.START: [MessageHandler(text, start_typed)],
            Step.END: [MessageHandler(text, end_typed)],
            Step.FORMAT: [button(format_tapped, FORMAT)],
        },
    )
