"""/iscritti: a referent records the pupils aged 6-19 and the classes of a plesso.

The questions (pupils, classes, confirmation of an unlikely figure) are `EnrolmentQuestions`,
which the absences flow reuses when a plesso has no figure for the school year yet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from enum import IntEnum, auto
from typing import Any, Generic, TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import keyboards
from bot.access import requires
from bot.catalog import absences as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.absences import format_count, missing_first
from domain.access import Role
from domain.calendar import school_year_label, school_year_of
from domain.dates import format_date
from domain.enrolment import (
    CountField,
    Enrolment,
    EnrolmentCheck,
    check_enrolment,
    enrolment_in_force,
    new_enrolment_valid_from,
    parse_count,
)
from domain.errors import ValidationFailed
from domain.registry import Plesso

S = TypeVar("S", bound=IntEnum)
AfterSave = Callable[[Update, BotContext, dict[str, Any]], Awaitable[object]]
AnyHandler = BaseHandler[Update, BotContext, Any]

# Flow data keys the questions read and write.
PLESSO_CODE = "plesso_code"
PLESSO_NAME = "plesso_name"
ENROL_DAY = "enrol_day"  # the day the figure is for (today, or the absence day recorded)


def plesso_data(plesso: Plesso, day: date) -> dict[str, Any]:
    return {PLESSO_CODE: plesso.code, PLESSO_NAME: plesso.name, ENROL_DAY: day.isoformat()}


def local_today(context: BotContext) -> date:
    return context.services.local_now().date()


async def current_figure_text(context: BotContext, plesso: Plesso) -> str:
    """What is in force today for the plesso, or that nothing is."""
    today = local_today(context)
    enrolment = await context.services.enrolments.in_force(plesso.code, today)
    if enrolment is None:
        return render(texts.ENROL_NONE, plesso=plesso.name, code=plesso.code)
    return render(
        texts.ENROL_CURRENT,
        plesso=plesso.name,
        code=plesso.code,
        pupils=format_count(enrolment.pupils),
        classes=format_count(enrolment.classes),
        valid_from=format_date(enrolment.valid_from),
        year=school_year_label(school_year_of(enrolment.valid_from)),
    )


class EnrolmentQuestions(Generic[S]):
    """Pupils, classes and (when the figures are unlikely) a confirmation, inside `flow`.

    `after_save` decides what follows the saved figure: the end of /iscritti, or the
    absences question in /assenze.
    """

    def __init__(
        self,
        flow: Flow[S],
        *,
        pupils: S,
        classes: S,
        confirm: S,
        after_save: AfterSave,
        prefix: str,
    ) -> None:
        self.flow = flow
        self.pupils_step, self.classes_step, self.confirm_step = pupils, classes, confirm
        self.steps = frozenset({pupils, classes, confirm})
        self.after_save = after_save
        self.cb_ok = keyboards.callback(prefix, "ok")
        self.cb_redo = keyboards.callback(prefix, "redo")

    # -- asking --

    async def ask(self, update: Update, context: BotContext, step: S, data: dict[str, Any]) -> None:
        if step == self.pupils_step:
            await reply(update, render(texts.ENROL_ASK_PUPILS, plesso=data[PLESSO_NAME]))
        elif step == self.classes_step:
            await reply(update, texts.ENROL_ASK_CLASSES)
        else:
            check = await self._check(context, data)
            await reply(update, self._confirmation(check), self._confirm_keyboard())

    def _confirmation(self, check: EnrolmentCheck) -> str:
        lines = [
            render(
                texts.ENROL_CHECK,
                pupils=format_count(check.pupils),
                classes=format_count(check.classes),
            ),
            *texts.enrolment_warning_texts(check),
        ]
        lines.append(texts.enrolment_confirmation_text(check) or texts.ENROL_CONFIRM_QUESTION)
        return "\n\n".join(lines)

    def _confirm_keyboard(self) -> InlineKeyboardMarkup:
        return keyboards.inline(
            [[(common.BUTTON_CONFIRM, self.cb_ok), (texts.BUTTON_REDO, self.cb_redo)]]
        )

    async def start(self, update: Update, context: BotContext, data: dict[str, Any]) -> S:
        return await self.flow.go(update, context, self.pupils_step, data)

    # -- answers --

    async def pupils_typed(self, update: Update, context: BotContext) -> S:
        data = await self._count_typed(update, context, "pupils", self.pupils_step)
        if data is None:
            return self.pupils_step
        return await self.flow.go(update, context, self.classes_step, data)

    async def classes_typed(self, update: Update, context: BotContext) -> object:
        data = await self._count_typed(update, context, "classes", self.classes_step)
        if data is None:
            return self.classes_step
        try:
            check = await self._check(context, data)
        except ValidationFailed as error:
            await reply(update, error_text(error))
            return await self.flow.go(update, context, self.pupils_step, data)
        if check.warnings or check.needs_confirmation:
            return await self.flow.go(update, context, self.confirm_step, data)
        return await self._save(update, context, data)

    async def _count_typed(
        self, update: Update, context: BotContext, field: CountField, step: S
    ) -> dict[str, Any] | None:
        """The flow data with the typed count added, or None (refused and asked again)."""
        assert update.message is not None and update.message.text is not None
        data = await self.flow.load(update, context)
        try:
            data[field] = parse_count(update.message.text, field)
        except ValidationFailed as error:
            await reply(update, error_text(error))
            await self.flow.ask(update, context, step, data)
            return None
        return data

    async def confirmed(self, update: Update, context: BotContext) -> object:
        await close_buttons(update)
        data = await self.flow.load(update, context)
        try:
            await self._check(context, data)
        except (ValidationFailed, KeyError):
            await answer_tap(update, common.STALE_BUTTON)
            return await self.flow.go(update, context, self.pupils_step, data)
        return await self._save(update, context, data)

    async def redo(self, update: Update, context: BotContext) -> S:
        await close_buttons(update)
        await reply(update, texts.ENROL_REDO)
        data = await self.flow.load(update, context)
        return await self.flow.go(update, context, self.pupils_step, data)

    # -- rules and storage --

    async def _check(self, context: BotContext, data: dict[str, Any]) -> EnrolmentCheck:
        history = await context.services.enrolments.history(data[PLESSO_CODE])
        previous = enrolment_in_force(history, date.fromisoformat(data[ENROL_DAY]))
        return check_enrolment(int(data["pupils"]), int(data["classes"]), previous)

    async def _save(self, update: Update, context: BotContext, data: dict[str, Any]) -> object:
        code = data[PLESSO_CODE]
        if not context.actor.holds_plesso(code):
            await reply(update, texts.ABSENCES_PLESSO_GONE)
            return ConversationHandler.END
        services = context.services
        history = await services.enrolments.history(code)
        enrolment = Enrolment(
            plesso_code=code,
            pupils=int(data["pupils"]),
            classes=int(data["classes"]),
            valid_from=new_enrolment_valid_from(history, date.fromisoformat(data[ENROL_DAY])),
        )
        await services.enrolments.add(enrolment, actor=context.actor.user_id, now=services.now())
        await reply(
            update,
            render(
                texts.ENROL_SAVED,
                pupils=format_count(enrolment.pupils),
                classes=format_count(enrolment.classes),
                plesso=data[PLESSO_NAME],
                valid_from=format_date(enrolment.valid_from),
                year=school_year_label(school_year_of(enrolment.valid_from)),
            ),
        )
        return await self.after_save(update, context, data)

    # -- wiring --

    def states(self) -> dict[S, list[AnyHandler]]:
        text = filters.TEXT & ~filters.COMMAND
        guard = requires(Role.REFERENT)
        return {
            self.pupils_step: [MessageHandler(text, guard(self.pupils_typed))],
            self.classes_step: [MessageHandler(text, guard(self.classes_typed))],
            self.confirm_step: [
                CallbackQueryHandler(guard(self.confirmed), pattern=f"^{self.cb_ok}$"),
                CallbackQueryHandler(guard(self.redo), pattern=f"^{self.cb_redo}$"),
            ],
        }


# --- /iscritti ----------------------------------------------------------------------------


class Step(IntEnum):
    PLESSO = auto()
    PUPILS = auto()
    CLASSES = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow("enrolment", Step, button_steps=[Step.PLESSO, Step.CONFIRM])
CB_PLESSO = "en"  # en:pl:CODE
CB_PLESSO_ARG = "pl"


async def _done(update: Update, context: BotContext, data: dict[str, Any]) -> int:
    return ConversationHandler.END


questions: EnrolmentQuestions[Step] = EnrolmentQuestions(
    flow,
    pupils=Step.PUPILS,
    classes=Step.CLASSES,
    confirm=Step.CONFIRM,
    after_save=_done,
    prefix="en",
)


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.PLESSO:
        await reply(update, texts.ENROL_PICK_PLESSO, await _plesso_keyboard(context))
    else:
        await questions.ask(update, context, step, data)


async def referent_plessi(context: BotContext) -> list[Plesso]:
    """The actor's plessi, last used first."""
    referent = context.actor.referent
    assert referent is not None
    by_code = {p.code: p for p in await context.services.plessi.many(referent.plessi)}
    return [by_code[code] for code in referent.plessi if code in by_code]


async def _plesso_keyboard(context: BotContext) -> InlineKeyboardMarkup:
    plessi = await referent_plessi(context)
    year = school_year_of(local_today(context))
    missing = await context.services.enrolments.missing_for_school_year(
        [p.code for p in plessi], year
    )
    by_code = {p.code: p for p in plessi}
    buttons = []
    for code in missing_first([p.code for p in plessi], missing):
        template = texts.BUTTON_PLESSO_MISSING if code in missing else texts.BUTTON_PLESSO_DONE
        buttons.append(
            (
                template.format(name=by_code[code].name),
                keyboards.callback(CB_PLESSO, CB_PLESSO_ARG, code),
            )
        )
    return keyboards.column(buttons)


@requires(Role.REFERENT)
async def enrolment(update: Update, context: BotContext) -> object:
    plessi = await referent_plessi(context)
    if len(plessi) == 1:
        return await _open(update, context, plessi[0])
    return await flow.go(update, context, Step.PLESSO, {})


@requires(Role.REFERENT)
async def plesso_picked(update: Update, context: BotContext) -> object:
    query = update.callback_query
    try:
        _, code = keyboards.parse(query.data if query else None, CB_PLESSO, 2)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON)
        return Step.PLESSO
    plesso = await context.services.plessi.get(code)
    if plesso is None or not context.actor.holds_plesso(code):
        await answer_tap(update, texts.ABSENCES_PLESSO_GONE, alert=True)
        return Step.PLESSO
    await close_buttons(update)
    return await _open(update, context, plesso)


async def _open(update: Update, context: BotContext, plesso: Plesso) -> Step:
    await reply(update, await current_figure_text(context, plesso))
    return await questions.start(update, context, plesso_data(plesso, local_today(context)))


def build() -> FlowHandler:
    return flow.handler(
        entry_points=[CommandHandler("iscritti", enrolment)],
        states={
            Step.PLESSO: [
                CallbackQueryHandler(
                    plesso_picked, pattern=keyboards.pattern(f"{CB_PLESSO}:{CB_PLESSO_ARG}")
                )
            ],
            **questions.states(),
        },
    )
