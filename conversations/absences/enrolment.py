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
from bot.callbacks import Buttons
from bot.catalog import absences as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, FlowHandler
from bot.replies import answer_tap, close_buttons, reply
from domain.absences import format_count
from domain.access import Role
from domain.calendar import school_year_label, school_year_of
from domain.dates import format_date
from domain.enrolment import CountField, EnrolmentCheck, parse_enrolment_count
from domain.errors import ValidationFailed
from domain.registry import Plesso
from services import enrolment as enrolment_service
from services.enrolment import PlessoChoice

S = TypeVar("S", bound=IntEnum)
AnyHandler = BaseHandler[Update, BotContext, Any]


class EnrolmentDraft(FlowDraft):
    """The answers of the enrolment questions (the flows that ask them extend it)."""

    plesso_code: str
    plesso_name: str
    enrol_day: date  # the day the figure is for (today, or the absence day recorded)
    pupils: int | None = None
    classes: int | None = None


D = TypeVar("D", bound=EnrolmentDraft)

# Verbs of the buttons, in each flow's own family (/iscritti "en", /assenze "ab" and "abe").
PICK = "pl"  # <prefix>:pl:CODE, a plesso picked
OK = "ok"  # the figures confirmed
REDO = "redo"  # the figures typed again

AfterSave = Callable[[Update, BotContext, Any], Awaitable[object]]


def local_today(context: BotContext) -> date:
    return context.services.local_now().date()


async def current_figure_text(context: BotContext, plesso: Plesso) -> str:
    """What is in force today for the plesso, or that nothing is."""
    enrolment = await enrolment_service.enrolment_on(
        context.services, plesso.code, local_today(context)
    )
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


def plesso_keyboard(choices: list[PlessoChoice], buttons: Buttons) -> InlineKeyboardMarkup:
    """One button a plesso (`<prefix>:pl:CODE`), those still missing a figure marked."""
    rows = []
    for choice in choices:
        template = texts.BUTTON_PLESSO_MISSING if choice.missing else texts.BUTTON_PLESSO_DONE
        rows.append(
            (template.format(name=choice.plesso.name), buttons.data(PICK, choice.plesso.code))
        )
    return keyboards.column(rows)


class EnrolmentQuestions(Generic[S, D]):
    """Pupils, classes and (when the figures are unlikely) a confirmation, inside `flow`,
    whose draft `draft_type` extends EnrolmentDraft.

    `after_save` decides what follows the saved figure: the end of /iscritti, or the
    absences question in /assenze.
    """

    def __init__(
        self,
        flow: Flow[S],
        draft_type: type[D],
        *,
        pupils: S,
        classes: S,
        confirm: S,
        after_save: AfterSave,
        buttons: Buttons,
    ) -> None:
        self.flow = flow
        self.draft_type = draft_type
        self.pupils_step, self.classes_step, self.confirm_step = pupils, classes, confirm
        self.steps = frozenset({pupils, classes, confirm})
        self.after_save = after_save
        self.buttons = buttons

    async def load(self, update: Update, context: BotContext) -> D:
        return self.draft_type.load(await self.flow.load(update, context))

    async def go(self, update: Update, context: BotContext, step: S, draft: D) -> S:
        return await self.flow.go(update, context, step, draft.dump())

    # -- asking --

    async def ask(self, update: Update, context: BotContext, step: S, draft: D) -> None:
        if step == self.pupils_step:
            await reply(update, render(texts.ENROL_ASK_PUPILS, plesso=draft.plesso_name))
        elif step == self.classes_step:
            await reply(update, texts.ENROL_ASK_CLASSES)
        else:
            check = await self._check(context, draft)
            assert check is not None  # the confirmation is asked once both are known
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
            [
                [
                    (common.BUTTON_CONFIRM, self.buttons.data(OK)),
                    (texts.BUTTON_REDO, self.buttons.data(REDO)),
                ]
            ]
        )

    async def start(self, update: Update, context: BotContext, draft: D) -> S:
        return await self.go(update, context, self.pupils_step, draft)

    # -- answers --

    async def pupils_typed(self, update: Update, context: BotContext) -> S:
        draft = await self._count_typed(update, context, "pupils", self.pupils_step)
        if draft is None:
            return self.pupils_step
        return await self.go(update, context, self.classes_step, draft)

    async def classes_typed(self, update: Update, context: BotContext) -> object:
        draft = await self._count_typed(update, context, "classes", self.classes_step)
        if draft is None:
            return self.classes_step
        try:
            check = await self._check(context, draft)
        except ValidationFailed as error:
            await reply(update, error_text(error))
            return await self.go(update, context, self.pupils_step, draft)
        if check is not None and (check.warnings or check.needs_confirmation):
            return await self.go(update, context, self.confirm_step, draft)
        return await self._save(update, context, draft)

    async def _count_typed(
        self, update: Update, context: BotContext, field: CountField, step: S
    ) -> D | None:
        """The draft with the typed count added, or None (refused and asked again)."""
        assert update.message is not None and update.message.text is not None
        draft = await self.load(update, context)
        try:
            value = parse_enrolment_count(update.message.text, field)
        except ValidationFailed as error:
            await reply(update, error_text(error))
            await self.flow.ask(update, context, step, draft.dump())
            return None
        return draft.model_copy(update={field: value})

    async def confirmed(self, update: Update, context: BotContext) -> object:
        await close_buttons(update)
        draft = await self.load(update, context)
        try:
            check = await self._check(context, draft)
        except ValidationFailed:
            check = None
        if check is None:  # changed meanwhile, or not both figures known: ask again
            await answer_tap(update, common.STALE_BUTTON)
            return await self.go(update, context, self.pupils_step, draft)
        return await self._save(update, context, draft)

    async def redo(self, update: Update, context: BotContext) -> S:
        await close_buttons(update)
        await reply(update, texts.ENROL_REDO)
        draft = await self.load(update, context)
        return await self.go(update, context, self.pupils_step, draft)

    # -- the use cases --

    async def _check(self, context: BotContext, draft: D) -> EnrolmentCheck | None:
        """The figures checked (ValidationFailed if impossible); None until both are typed."""
        if draft.pupils is None or draft.classes is None:
            return None
        return await enrolment_service.check_new_enrolment(
            context.services, draft.plesso_code, draft.enrol_day, draft.pupils, draft.classes
        )

    async def _save(self, update: Update, context: BotContext, draft: D) -> object:
        assert draft.pupils is not None and draft.classes is not None
        services = context.services
        enrolment = await enrolment_service.save_enrolment(
            services,
            context.actor,
            draft.plesso_code,
            draft.enrol_day,
            draft.pupils,
            draft.classes,
            services.now(),
        )
        if enrolment is None:
            await reply(update, texts.ABSENCES_PLESSO_GONE)
            return ConversationHandler.END
        await reply(
            update,
            render(
                texts.ENROL_SAVED,
                pupils=format_count(enrolment.pupils),
                classes=format_count(enrolment.classes),
                plesso=draft.plesso_name,
                valid_from=format_date(enrolment.valid_from),
                year=school_year_label(school_year_of(enrolment.valid_from)),
            ),
        )
        return await self.after_save(update, context, draft)

    # -- wiring --

    def states(self) -> dict[S, list[AnyHandler]]:
        text = filters.TEXT & ~filters.COMMAND
        guard = requires(Role.REFERENT)
        return {
            self.pupils_step: [MessageHandler(text, guard(self.pupils_typed))],
            self.classes_step: [MessageHandler(text, guard(self.classes_typed))],
            self.confirm_step: [
                CallbackQueryHandler(guard(self.confirmed), pattern=f"^{self.buttons.data(OK)}$"),
                CallbackQueryHandler(guard(self.redo), pattern=f"^{self.buttons.data(REDO)}$"),
            ],
        }


# --- /iscritti ----------------------------------------------------------------------------


class Step(IntEnum):
    PLESSO = auto()
    PUPILS = auto()
    CLASSES = auto()
    CONFIRM = auto()


flow: Flow[Step] = Flow("enrolment", Step, button_steps=[Step.PLESSO, Step.CONFIRM])
BUTTONS = Buttons("en", "/iscritti: the plesso picked, the figures confirmed or typed again")


async def _done(update: Update, context: BotContext, draft: EnrolmentDraft) -> int:
    return ConversationHandler.END


questions: EnrolmentQuestions[Step, EnrolmentDraft] = EnrolmentQuestions(
    flow,
    EnrolmentDraft,
    pupils=Step.PUPILS,
    classes=Step.CLASSES,
    confirm=Step.CONFIRM,
    after_save=_done,
    buttons=BUTTONS,
)


@flow.asker
async def ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    if step is Step.PLESSO:
        choices = await enrolment_service.enrolment_choices(
            context.services, context.actor, local_today(context)
        )
        await reply(update, texts.ENROL_PICK_PLESSO, plesso_keyboard(choices, BUTTONS))
    else:
        await questions.ask(update, context, step, EnrolmentDraft.load(data))


@requires(Role.REFERENT)
async def enrolment(update: Update, context: BotContext) -> object:
    plessi = await enrolment_service.my_plessi(context.services, context.actor)
    if len(plessi) == 1:
        return await _open(update, context, plessi[0])
    return await flow.go(update, context, Step.PLESSO, {})


@requires(Role.REFERENT)
async def plesso_picked(update: Update, context: BotContext) -> object:
    found = BUTTONS.tapped_args(update, PICK, 1)
    if found is None:
        await answer_tap(update, common.STALE_BUTTON)
        return Step.PLESSO
    plesso = await enrolment_service.held_plesso(context.services, context.actor, found[0])
    if plesso is None:
        await answer_tap(update, texts.ABSENCES_PLESSO_GONE, alert=True)
        return Step.PLESSO
    await close_buttons(update)
    return await _open(update, context, plesso)


async def _open(update: Update, context: BotContext, plesso: Plesso) -> Step:
    await reply(update, await current_figure_text(context, plesso))
    draft = EnrolmentDraft(
        plesso_code=plesso.code, plesso_name=plesso.name, enrol_day=local_today(context)
    )
    return await questions.start(update, context, draft)


def build() -> FlowHandler:
    return flow.handler(
        entry_points=[CommandHandler("iscritti", enrolment)],
        states={
            Step.PLESSO: [CallbackQueryHandler(plesso_picked, pattern=BUTTONS.pattern(PICK))],
            **questions.states(),
        },
    )
