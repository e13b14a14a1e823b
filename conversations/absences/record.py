"""/assenze: a referent of a sentinel plesso records the pupils absent on a recording day.

Tuesday and Thursday, on the day or the next day until 23:59 (domain.calendar). The flow
offers the day whose window is open, asks for the enrolment first when the school year has
none, then the absent pupils and, optionally, how many of them are ill; it answers with the
rate and how it compares with the plesso's previous recordings of the same weekday.
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum, auto
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import requires
from bot.callbacks import REMINDER_ABSENCES, Buttons
from bot.catalog import absences as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler, pause_all
from bot.replies import answer_tap, close_buttons, lead_with, reply
from conversations.absences.enrolment import (
    PICK,
    EnrolmentDraft,
    EnrolmentQuestions,
    local_today,
    plesso_keyboard,
)
from domain.absences import AbsenceFigure, format_count
from domain.access import Role
from domain.calendar import require_recording_weekday, school_year_label, school_year_of
from domain.dates import parse_date
from domain.enrolment import parse_count
from domain.errors import ValidationFailed
from domain.registry import Plesso
from services import absences as absences_service
from services import enrolment as enrolment_service
from services.absences import Recorded


class Step(IntEnum):
    PLESSO = auto()
    PUPILS = auto()
    CLASSES = auto()
    ENROL_CONFIRM = auto()
    ABSENT = auto()
    ILL = auto()


flow: Flow[Step] = Flow("absences", Step, button_steps=[Step.PLESSO, Step.ENROL_CONFIRM])

BUTTONS = Buttons("ab", "/assenze: the plesso picked (ab:pl:CODE), the ill count not known")
ILL_UNKNOWN = BUTTONS.data("ill", "no")
ENROLMENT_BUTTONS = Buttons("abe", "/assenze: the enrolment figures confirmed or typed again")


class PickDraft(FlowDraft):
    """The draft while the referent picks a plesso: the day typed after /assenze, if any."""

    requested: date | None = None


class AbsencesDraft(EnrolmentDraft):
    """The draft once the plesso is known: the enrolment answers, then the absences."""

    sentinel: bool  # False: a plesso that only records its enrolment (no absences follow)
    day: date | None = None  # the recording day; set whenever `sentinel` is
    absent: int | None = None

    def recording_day(self) -> date:
        assert self.day is not None  # the absence steps come after a day was chosen
        return self.day


async def _after_enrolment(update: Update, context: BotContext, draft: AbsencesDraft) -> object:
    if not draft.sentinel:
        return ConversationHandler.END
    return await flow.go(update, context, Step.ABSENT, draft.dump())


questions: EnrolmentQuestions[Step, AbsencesDraft] = EnrolmentQuestions(
    flow,
    AbsencesDraft,
    pupils=Step.PUPILS,
    classes=Step.CLASSES,
    confirm=Step.ENROL_CONFIRM,
    after_save=_after_enrolment,
    buttons=ENROLMENT_BUTTONS,
)


# --- Asking -------------------------------------------------------------------------------


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.PLESSO:
        requested = PickDraft.load(data).requested
        choices = await absences_service.sentinel_choices(
            context.services, context.actor, requested, context.services.now()
        )
        await reply(update, texts.ABSENCES_PICK_PLESSO, plesso_keyboard(choices, BUTTONS))
    elif step is Step.ABSENT:
        await reply(update, await _absent_question(context, AbsencesDraft.load(data)))
    elif step is Step.ILL:
        draft = AbsencesDraft.load(data)
        await reply(
            update,
            render(texts.ABSENCES_ASK_ILL, absent=draft.absent),
            keyboards.inline([[(texts.BUTTON_ILL_UNKNOWN, ILL_UNKNOWN)]]),
        )
    else:
        await questions.ask(update, context, step, AbsencesDraft.load(data))


async def _absent_question(context: BotContext, draft: AbsencesDraft) -> str:
    day = draft.recording_day()
    figures = await absences_service.day_figures(context.services, draft.plesso_code, day)
    lines = [texts.offer_day_text(day, local_today(context))]
    if figures.existing is not None:
        lines.append(render(texts.ABSENCES_ALREADY, figure=_describe(figures.existing)))
    lines.append(render(texts.ABSENCES_ASK_ABSENT, enrolled=format_count(figures.enrolled)))
    return "\n\n".join(lines)


def _describe(figure: AbsenceFigure) -> str:
    return texts.describe_figure(figure.absent, figure.ill, figure.enrolled)


# --- Choosing the plesso and the day ------------------------------------------------------


@requires(Role.REFERENT)
async def absences(update: Update, context: BotContext) -> object:
    requested: date | None = None
    if context.args:
        try:
            requested = parse_date(" ".join(context.args), local_today(context))
            require_recording_weekday(requested)  # said before the plesso is asked
        except ValidationFailed as error:
            await reply(update, error_text(error) + "\n\n" + texts.ABSENCES_USAGE)
            return ConversationHandler.END
    plessi = await enrolment_service.my_plessi(context.services, context.actor)
    sentinel = [p for p in plessi if p.sentinel]
    if not sentinel:
        return await _not_sentinel(update, context, plessi)
    if len(sentinel) == 1:
        return await _open(update, context, sentinel[0], requested)
    return await flow.go(update, context, Step.PLESSO, PickDraft(requested=requested).dump())


def _reminder_tapped(update: Update) -> tuple[str, date] | None:
    """The plesso and the day of a reminder's `abr:CODE:YYYY-MM-DD` button (no verb: those
    already in users' chats carry this shape, see bot.callbacks), or None if malformed."""
    query = update.callback_query
    try:
        code, day_text = keyboards.parse(query.data if query else None, REMINDER_ABSENCES.prefix, 2)
        return code, date.fromisoformat(day_text)
    except ValueError:  # BadCallback included
        return None


@requires(Role.REFERENT)
async def from_reminder(update: Update, context: BotContext) -> object:
    """The one tap from a reminder: like /assenze with the plesso and the day chosen."""
    tapped = _reminder_tapped(update)
    if tapped is None:
        await answer_tap(update, common.STALE_BUTTON)
        return ConversationHandler.END
    code, day = tapped
    plesso = await absences_service.held_sentinel(context.services, context.actor, code)
    if plesso is None:
        await answer_tap(update, texts.ABSENCES_PLESSO_GONE, alert=True)
        return ConversationHandler.END
    await pause_all(context, update)  # as a command would: a flow in progress is set aside
    return await _open(update, context, plesso, day)


async def _not_sentinel(update: Update, context: BotContext, plessi: list[Plesso]) -> object:
    names = ", ".join(p.name for p in plessi)
    template = texts.ABSENCES_NOT_SENTINEL if len(plessi) == 1 else texts.ABSENCES_NOT_SENTINEL_MANY
    await reply(update, render(template, plessi=names))
    today = local_today(context)
    year = school_year_of(today)
    first = await enrolment_service.first_without_enrolment(context.services, plessi, year)
    if first is None:
        return ConversationHandler.END
    await reply(
        update, render(texts.ENROL_NONE_THIS_YEAR, plesso=first.name, year=school_year_label(year))
    )
    draft = AbsencesDraft(
        plesso_code=first.code, plesso_name=first.name, enrol_day=today, sentinel=False
    )
    return await questions.start(update, context, draft)


@requires(Role.REFERENT)
async def plesso_picked(update: Update, context: BotContext) -> object:
    found = BUTTONS.tapped_args(update, PICK, 1)
    if found is None:
        await answer_tap(update, common.STALE_BUTTON)
        return Step.PLESSO
    plesso = await absences_service.held_sentinel(context.services, context.actor, found[0])
    if plesso is None:
        await answer_tap(update, texts.ABSENCES_PLESSO_GONE, alert=True)
        return Step.PLESSO
    await close_buttons(update)
    requested = PickDraft.load(await flow.load(update, context)).requested
    return await _open(update, context, plesso, requested)


async def _open(
    update: Update, context: BotContext, plesso: Plesso, requested: date | None
) -> object:
    """Show the plesso's last recordings, then offer the open day (or say when the next is)."""
    opening = await absences_service.open_recording(
        context.services, plesso, requested, context.services.now()
    )
    # The last recordings head whatever comes next: one message, not two.
    lead_with(update, _recent_text(plesso, opening.recent))
    if opening.refusal is not None:
        await reply(update, error_text(opening.refusal))
        return ConversationHandler.END
    if opening.day is None:
        await reply(update, texts.next_window_text(opening.next_opening))
        return ConversationHandler.END
    draft = AbsencesDraft(
        plesso_code=plesso.code,
        plesso_name=plesso.name,
        enrol_day=opening.day,
        day=opening.day,
        sentinel=True,
    )
    if opening.needs_enrolment:
        year = school_year_label(school_year_of(opening.day))
        await reply(update, render(texts.ENROL_NONE_THIS_YEAR, plesso=plesso.name, year=year))
        return await questions.start(update, context, draft)
    return await flow.go(update, context, Step.ABSENT, draft.dump())


def _recent_text(plesso: Plesso, recent: list[AbsenceFigure]) -> str:
    if not recent:
        return render(texts.ABSENCES_RECENT_NONE, plesso=plesso.name, code=plesso.code)
    lines = [render(texts.ABSENCES_RECENT_HEADER, plesso=plesso.name, code=plesso.code)]
    lines.extend(texts.recent_line(f.day, f.absent, f.ill, f.absence_rate) for f in recent)
    return "\n".join(lines)


# --- The figures --------------------------------------------------------------------------


async def _recording_plesso(
    update: Update, context: BotContext, draft: AbsencesDraft
) -> Plesso | None:
    """The plesso, if it can still be recorded: the window may close while the referent
    types (23:59), so it is checked again at each answer; None (and the user told why)."""
    services = context.services
    try:
        plesso = await absences_service.recording_plesso(
            services, context.actor, draft.plesso_code, draft.recording_day(), services.now()
        )
    except ValidationFailed as error:
        await reply(update, error_text(error))
        return None
    if plesso is None:
        await reply(update, texts.ABSENCES_PLESSO_GONE)
    return plesso


async def _typed_count(
    update: Update, context: BotContext, draft: AbsencesDraft, step: Step
) -> tuple[int, int | None] | None:
    """The absent and ill counts with the one typed at `step`, checked against the
    enrolment; None when refused (the user told why and asked again)."""
    assert update.message is not None and update.message.text is not None
    try:
        if step is Step.ABSENT:
            absent, ill = parse_count(update.message.text, "absent"), None
        else:
            assert draft.absent is not None  # the ILL step comes after ABSENT
            absent, ill = draft.absent, parse_count(update.message.text, "ill")
        await absences_service.check_figures(
            context.services, draft.plesso_code, draft.recording_day(), absent, ill
        )
    except ValidationFailed as error:
        await reply(update, error_text(error))
        await flow.ask(update, context, step, draft.dump())
        return None
    return absent, ill


@requires(Role.REFERENT)
async def absent_typed(update: Update, context: BotContext) -> object:
    draft = AbsencesDraft.load(await flow.load(update, context))
    plesso = await _recording_plesso(update, context, draft)
    if plesso is None:
        return ConversationHandler.END
    counts = await _typed_count(update, context, draft, Step.ABSENT)
    if counts is None:
        return Step.ABSENT
    draft = draft.model_copy(update={"absent": counts[0]})
    if draft.absent == 0:
        return await _save(update, context, plesso, draft, ill=0)
    return await flow.go(update, context, Step.ILL, draft.dump())


@requires(Role.REFERENT)
async def ill_typed(update: Update, context: BotContext) -> object:
    draft = AbsencesDraft.load(await flow.load(update, context))
    plesso = await _recording_plesso(update, context, draft)
    if plesso is None:
        return ConversationHandler.END
    counts = await _typed_count(update, context, draft, Step.ILL)
    if counts is None:
        return Step.ILL
    return await _save(update, context, plesso, draft, ill=counts[1])


@requires(Role.REFERENT)
async def ill_unknown(update: Update, context: BotContext) -> object:
    await close_buttons(update)
    draft = AbsencesDraft.load(await flow.load(update, context))
    plesso = await _recording_plesso(update, context, draft)
    if plesso is None:
        return ConversationHandler.END
    return await _save(update, context, plesso, draft, ill=None)


async def _save(
    update: Update, context: BotContext, plesso: Plesso, draft: AbsencesDraft, *, ill: int | None
) -> object:
    services = context.services
    assert draft.absent is not None
    try:
        recorded = await absences_service.record_absences(
            services,
            context.actor,
            plesso,
            draft.recording_day(),
            draft.absent,
            ill,
            services.now(),
        )
    except ValidationFailed as error:  # the enrolment changed meanwhile
        await reply(update, error_text(error))
        return await flow.go(update, context, Step.ABSENT, draft.dump())
    await reply(update, _saved_text(draft, recorded))
    return ConversationHandler.END


def _saved_text(draft: AbsencesDraft, recorded: Recorded) -> str:
    figure = recorded.figure
    values = {
        "plesso": draft.plesso_name,
        "day": texts.describe_day(figure.day),
        "figure": _describe(figure),
    }
    if recorded.previous is None:
        lines = [render(texts.ABSENCES_SAVED, **values)]
    else:
        lines = [render(texts.ABSENCES_CORRECTED, **values, old=_describe(recorded.previous))]
    if recorded.comparison is not None:
        comparison = texts.describe_comparison(recorded.comparison, figure.day.weekday())
        lines.append(render(texts.ABSENCES_RATE, comparison=comparison))
    deadline = texts.describe_day(recorded.deadline.date())
    lines.append(render(texts.ABSENCES_CAN_CORRECT, deadline=deadline))
    return "\n".join(lines)


def build() -> FlowHandler:
    text = filters.TEXT & ~filters.COMMAND
    return flow.handler(
        entry_points=[
            CommandHandler("assenze", absences),
            CallbackQueryHandler(
                from_reminder, pattern=keyboards.pattern(REMINDER_ABSENCES.prefix)
            ),
        ],
        states={
            Step.PLESSO: [CallbackQueryHandler(plesso_picked, pattern=BUTTONS.pattern(PICK))],
            **questions.states(),
            Step.ABSENT: [MessageHandler(text, absent_typed)],
            Step.ILL: [
                MessageHandler(text, ill_typed),
                CallbackQueryHandler(ill_unknown, pattern=f"^{ILL_UNKNOWN}$"),
            ],
        },
    )
