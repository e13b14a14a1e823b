"""/assenze: a referent of a sentinel plesso records the pupils absent on a recording day.

Tuesday and Thursday, on the day or the next day until 23:59 (domain.calendar). The flow
offers the day whose window is open, asks for the enrolment first when the school year has
none, then the absent pupils and, optionally, how many of them are ill; it answers with the
rate and how it compares with the plesso's previous recordings of the same weekday.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import requires
from bot.callbacks import REMINDER_ABSENCES
from bot.catalog import absences as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.flows import Flow, FlowHandler, abandon_all
from bot.replies import answer_tap, close_buttons, reply
from conversations.absences.enrolment import (
    PLESSO_CODE,
    PLESSO_NAME,
    EnrolmentQuestions,
    local_today,
    plesso_data,
    referent_plessi,
)
from domain.absences import (
    AbsenceFigure,
    check_absences,
    compare_with_history,
    day_to_offer,
    format_count,
    missing_first,
)
from domain.access import Role
from domain.calendar import SchoolCalendar, school_year_label, school_year_of
from domain.dates import parse_date
from domain.enrolment import has_enrolment_for_school_year, parse_count
from domain.errors import ValidationFailed
from domain.registry import Plesso

COMPARE_WITH = 4  # previous recordings of the same weekday the rate is compared with


class Step(IntEnum):
    PLESSO = auto()
    PUPILS = auto()
    CLASSES = auto()
    ENROL_CONFIRM = auto()
    ABSENT = auto()
    ILL = auto()


flow: Flow[Step] = Flow("absences", Step, button_steps=[Step.PLESSO, Step.ENROL_CONFIRM])

CB = "ab"
CB_PLESSO = "pl"  # ab:pl:CODE
CB_REMINDER = REMINDER_ABSENCES.prefix  # abr:CODE:YYYY-MM-DD (bot.callbacks)
CB_ILL_UNKNOWN = keyboards.callback(CB, "ill", "no")

# Flow data keys of this flow (the enrolment questions add theirs).
DAY = "day"  # the recording day, ISO
REQUESTED = "requested"  # a day typed after /assenze, ISO
SENTINEL = "sentinel"
ABSENT = "absent"


async def _after_enrolment(update: Update, context: BotContext, data: dict[str, Any]) -> object:
    if not data.get(SENTINEL):
        return ConversationHandler.END
    return await flow.go(update, context, Step.ABSENT, data)


questions: EnrolmentQuestions[Step] = EnrolmentQuestions(
    flow,
    pupils=Step.PUPILS,
    classes=Step.CLASSES,
    confirm=Step.ENROL_CONFIRM,
    after_save=_after_enrolment,
    prefix="abe",
)


# --- Asking -------------------------------------------------------------------------------


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.PLESSO:
        await reply(update, texts.ABSENCES_PICK_PLESSO, await _plesso_keyboard(context, data))
    elif step is Step.ABSENT:
        await reply(update, await _absent_question(context, data))
    elif step is Step.ILL:
        await reply(
            update,
            render(texts.ABSENCES_ASK_ILL, absent=data[ABSENT]),
            keyboards.inline([[(texts.BUTTON_ILL_UNKNOWN, CB_ILL_UNKNOWN)]]),
        )
    else:
        await questions.ask(update, context, step, data)


async def _absent_question(context: BotContext, data: dict[str, Any]) -> str:
    services = context.services
    code, day = data[PLESSO_CODE], date.fromisoformat(data[DAY])
    enrolment = await services.enrolments.in_force(code, day)
    lines = [texts.offer_day_text(day, local_today(context))]
    existing = await services.absences.get(code, day)
    if existing is not None:
        lines.append(render(texts.ABSENCES_ALREADY, figure=_describe(existing)))
    enrolled = enrolment.pupils if enrolment else 0
    lines.append(render(texts.ABSENCES_ASK_ABSENT, enrolled=format_count(enrolled)))
    return "\n\n".join(lines)


def _describe(figure: AbsenceFigure) -> str:
    return texts.describe_figure(figure.absent, figure.ill, figure.enrolled)


# --- Choosing the plesso and the day ------------------------------------------------------


async def _offered_day(
    context: BotContext, plesso: Plesso, calendar: SchoolCalendar
) -> date | None:
    services = context.services
    open_days = calendar.open_days(services.now(), plesso.code)
    recorded = await services.absences.recorded_days(plesso.code, open_days)
    return day_to_offer(open_days, recorded)


async def _missing_codes(context: BotContext, plessi: list[Plesso], day: date | None) -> set[str]:
    """Plessi with no figure yet for the day each would be offered (or `day`)."""
    services = context.services
    missing: set[str] = set()
    for plesso in plessi:
        calendar = await services.closures.calendar(plesso.ats_code)
        offered = day or await _offered_day(context, plesso, calendar)
        if offered is not None and not await services.absences.recorded_days(
            plesso.code, [offered]
        ):
            missing.add(plesso.code)
    return missing


async def _plesso_keyboard(context: BotContext, data: dict[str, Any]) -> InlineKeyboardMarkup:
    plessi = [p for p in await referent_plessi(context) if p.sentinel]
    requested = date.fromisoformat(data[REQUESTED]) if data.get(REQUESTED) else None
    missing = await _missing_codes(context, plessi, requested)
    by_code = {p.code: p for p in plessi}
    buttons = []
    for code in missing_first(list(by_code), missing):
        template = texts.BUTTON_PLESSO_MISSING if code in missing else texts.BUTTON_PLESSO_DONE
        buttons.append(
            (template.format(name=by_code[code].name), keyboards.callback(CB, CB_PLESSO, code))
        )
    return keyboards.column(buttons)


@requires(Role.REFERENT)
async def absences(update: Update, context: BotContext) -> object:
    requested: date | None = None
    if context.args:
        try:
            requested = parse_date(" ".join(context.args), local_today(context))
        except ValidationFailed as error:
            await reply(update, error_text(error) + "\n\n" + texts.ABSENCES_USAGE)
            return ConversationHandler.END
    plessi = await referent_plessi(context)
    sentinel = [p for p in plessi if p.sentinel]
    if not sentinel:
        return await _not_sentinel(update, context, plessi)
    data = {REQUESTED: requested.isoformat() if requested else None}
    if len(sentinel) == 1:
        return await _open(update, context, sentinel[0], data)
    return await flow.go(update, context, Step.PLESSO, data)


async def _held_sentinel(context: BotContext, code: str) -> Plesso | None:
    """The sentinel plesso `code`, if the referent holds it."""
    plesso = await context.services.plessi.get(code)
    if plesso is None or not plesso.sentinel or not context.actor.holds_plesso(code):
        return None
    return plesso


@requires(Role.REFERENT)
async def from_reminder(update: Update, context: BotContext) -> object:
    """The one tap from a reminder: like /assenze with the plesso and the day chosen."""
    query = update.callback_query
    try:
        code, day_text = keyboards.parse(query.data if query else None, CB_REMINDER, 2)
        day = date.fromisoformat(day_text)
    except ValueError:  # BadCallback included
        await answer_tap(update, common.STALE_BUTTON)
        return ConversationHandler.END
    plesso = await _held_sentinel(context, code)
    if plesso is None:
        await answer_tap(update, texts.ABSENCES_PLESSO_GONE, alert=True)
        return ConversationHandler.END
    await abandon_all(context, update)  # as a command would: a flow in progress ends
    return await _open(update, context, plesso, {REQUESTED: day.isoformat()})


async def _not_sentinel(update: Update, context: BotContext, plessi: list[Plesso]) -> object:
    names = ", ".join(p.name for p in plessi)
    template = texts.ABSENCES_NOT_SENTINEL if len(plessi) == 1 else texts.ABSENCES_NOT_SENTINEL_MANY
    await reply(update, render(template, plessi=names))
    today = local_today(context)
    year = school_year_of(today)
    missing = await context.services.enrolments.missing_for_school_year(
        [p.code for p in plessi], year
    )
    first = next((p for p in plessi if p.code in missing), None)
    if first is None:
        return ConversationHandler.END
    await reply(
        update, render(texts.ENROL_NONE_THIS_YEAR, plesso=first.name, year=school_year_label(year))
    )
    data = {**plesso_data(first, today), SENTINEL: False}
    return await questions.start(update, context, data)


@requires(Role.REFERENT)
async def plesso_picked(update: Update, context: BotContext) -> object:
    query = update.callback_query
    try:
        _, code = keyboards.parse(query.data if query else None, CB, 2)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON)
        return Step.PLESSO
    plesso = await _held_sentinel(context, code)
    if plesso is None:
        await answer_tap(update, texts.ABSENCES_PLESSO_GONE, alert=True)
        return Step.PLESSO
    await close_buttons(update)
    return await _open(update, context, plesso, await flow.load(update, context))


async def _open(
    update: Update, context: BotContext, plesso: Plesso, data: dict[str, Any]
) -> object:
    """Show the plesso's last recordings, then offer the open day (or say when the next is)."""
    services = context.services
    calendar = await services.closures.calendar(plesso.ats_code)
    await reply(update, await _recent_text(context, plesso))
    now = services.now()
    try:
        day = await _day_to_record(context, plesso, calendar, data.get(REQUESTED))
    except ValidationFailed as error:
        await reply(update, error_text(error))
        return ConversationHandler.END
    if day is None:
        await reply(update, texts.next_window_text(calendar.next_window_opening(now, plesso.code)))
        return ConversationHandler.END
    data = {**plesso_data(plesso, day), DAY: day.isoformat(), SENTINEL: True}
    history = await services.enrolments.history(plesso.code)
    if not has_enrolment_for_school_year(history, school_year_of(day)):
        year = school_year_label(school_year_of(day))
        await reply(update, render(texts.ENROL_NONE_THIS_YEAR, plesso=plesso.name, year=year))
        return await questions.start(update, context, data)
    return await flow.go(update, context, Step.ABSENT, data)


async def _day_to_record(
    context: BotContext, plesso: Plesso, calendar: SchoolCalendar, requested: str | None
) -> date | None:
    """The day typed after /assenze if its window is open (else ValidationFailed), or the
    day the calendar offers now, or None when no window is open."""
    if requested is None:
        return await _offered_day(context, plesso, calendar)
    day = date.fromisoformat(requested)
    calendar.require_open(day, context.services.now(), plesso.code)
    return day


async def _recent_text(context: BotContext, plesso: Plesso) -> str:
    recent = await context.services.absences.recent(plesso.code)
    if not recent:
        return render(texts.ABSENCES_RECENT_NONE, plesso=plesso.name, code=plesso.code)
    lines = [render(texts.ABSENCES_RECENT_HEADER, plesso=plesso.name, code=plesso.code)]
    lines.extend(texts.recent_line(f.day, f.absent, f.ill, f.absence_rate) for f in recent)
    return "\n".join(lines)


# --- The figures --------------------------------------------------------------------------


async def _enrolled(context: BotContext, data: dict[str, Any]) -> int:
    enrolment = await context.services.enrolments.in_force(
        data[PLESSO_CODE], date.fromisoformat(data[DAY])
    )
    return enrolment.pupils if enrolment else 0


async def _window_still_open(update: Update, context: BotContext, data: dict[str, Any]) -> bool:
    """The window may close while the referent types (23:59): check it again at each answer."""
    services = context.services
    plesso = await services.plessi.get(data[PLESSO_CODE])
    if plesso is None or not context.actor.holds_plesso(plesso.code):
        await reply(update, texts.ABSENCES_PLESSO_GONE)
        return False
    calendar = await services.closures.calendar(plesso.ats_code)
    try:
        calendar.require_open(date.fromisoformat(data[DAY]), services.now(), plesso.code)
    except ValidationFailed as error:
        await reply(update, error_text(error))
        return False
    return True


@requires(Role.REFERENT)
async def absent_typed(update: Update, context: BotContext) -> object:
    assert update.message is not None and update.message.text is not None
    data = await flow.load(update, context)
    if not await _window_still_open(update, context, data):
        return ConversationHandler.END
    try:
        absent = parse_count(update.message.text, "absent")
        check_absences(absent, None, await _enrolled(context, data))
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, Step.ABSENT, data)
        return Step.ABSENT
    data[ABSENT] = absent
    if absent == 0:
        return await _save(update, context, data, ill=0)
    return await flow.go(update, context, Step.ILL, data)


@requires(Role.REFERENT)
async def ill_typed(update: Update, context: BotContext) -> object:
    assert update.message is not None and update.message.text is not None
    data = await flow.load(update, context)
    if not await _window_still_open(update, context, data):
        return ConversationHandler.END
    try:
        ill = parse_count(update.message.text, "ill")
        check_absences(int(data[ABSENT]), ill, await _enrolled(context, data))
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, Step.ILL, data)
        return Step.ILL
    return await _save(update, context, data, ill=ill)


@requires(Role.REFERENT)
async def ill_unknown(update: Update, context: BotContext) -> object:
    await close_buttons(update)
    data = await flow.load(update, context)
    if not await _window_still_open(update, context, data):
        return ConversationHandler.END
    return await _save(update, context, data, ill=None)


async def _save(
    update: Update, context: BotContext, data: dict[str, Any], *, ill: int | None
) -> object:
    services = context.services
    code, day, absent = data[PLESSO_CODE], date.fromisoformat(data[DAY]), int(data[ABSENT])
    try:
        check_absences(absent, ill, await _enrolled(context, data))
    except ValidationFailed as error:  # the enrolment changed meanwhile
        await reply(update, error_text(error))
        return await flow.go(update, context, Step.ABSENT, data)
    now = services.now()
    result = await services.absences.record(
        plesso_code=code, day=day, absent=absent, ill=ill, actor=context.actor.user_id, now=now
    )
    referent = context.actor.referent
    if referent is not None:
        await services.referents.touch_plesso(referent.id, code, now)
    await reply(update, await _saved_text(context, data, result.figure, result.previous))
    return ConversationHandler.END


async def _saved_text(
    context: BotContext,
    data: dict[str, Any],
    figure: AbsenceFigure,
    previous: AbsenceFigure | None,
) -> str:
    day = figure.day
    values = {
        "plesso": data[PLESSO_NAME],
        "day": texts.describe_day(day),
        "figure": _describe(figure),
    }
    if previous is None:
        lines = [render(texts.ABSENCES_SAVED, **values)]
    else:
        lines = [render(texts.ABSENCES_CORRECTED, **values, old=_describe(previous))]
    if figure.absence_rate is not None:
        history = await context.services.absences.same_weekday_before(
            figure.plesso_code, day, COMPARE_WITH
        )
        rates = [f.absence_rate for f in history if f.absence_rate is not None]
        comparison = compare_with_history(figure.absence_rate, rates, COMPARE_WITH)
        lines.append(
            render(
                texts.ABSENCES_RATE,
                comparison=texts.describe_comparison(comparison, day.weekday()),
            )
        )
    lines.append(
        render(texts.ABSENCES_CAN_CORRECT, deadline=texts.describe_day(day + timedelta(days=1)))
    )
    return "\n".join(lines)


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND
    return flow.handler(
        entry_points=[
            CommandHandler("assenze", absences),
            CallbackQueryHandler(from_reminder, pattern=keyboards.pattern(CB_REMINDER)),
        ],
        states={
            Step.PLESSO: [
                CallbackQueryHandler(plesso_picked, pattern=keyboards.pattern(f"{CB}:{CB_PLESSO}"))
            ],
            **questions.states(),
            Step.ABSENT: [MessageHandler(text, absent_typed)],
            Step.ILL: [
                MessageHandler(text, ill_typed),
                CallbackQueryHandler(ill_unknown, pattern=f"^{CB_ILL_UNKNOWN}$"),
            ],
        },
    )
