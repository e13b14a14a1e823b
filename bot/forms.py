"""Form pieces shared by the case form and the contact form.

Both are the portal's kind of form: one question at a time, the answers kept in a draft
(saved with the conversation before each question), the next question being the first one
in the form's order not answered yet, and a review with a ✏️ button per field. This module
holds what does not depend on which form it is:

- `Buttons`: the callback data of one family of buttons (`prefix:verb:args`), made and checked;
- `StepForm`: the draft, the steps answered, and which step comes next;
- the question widgets: day buttons, comuni buttons, role buttons, the birth date proposed
  from the codice fiscale;
- `FormKit`: handler factories for typed answers, day taps, "Salta", comune search and pick,
  and "✏️ <field>".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping, Sequence
from datetime import date
from enum import IntEnum, StrEnum
from typing import Any, Generic, Self, TypeVar

from pydantic import BaseModel
from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot import keyboards
from bot.access import requires
from bot.callbacks import Buttons
from bot.catalog import cases as texts
from bot.catalog import common, error_text, render
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from bot.context import BotContext
from bot.drafts import FlowDraft
from bot.flows import Flow, Progress
from bot.replies import (
    Sent,
    answer_tap,
    close_buttons,
    edit_texts,
    flush_record,
    record_answer,
    reply,
)
from domain.access import Role
from domain.cases import Case, parse_birth_date
from domain.codice_fiscale import parse_codice_fiscale
from domain.comuni import Comune, comune_by_code, search_comuni
from domain.comuni import label as comune_label
from domain.dates import format_date, recent_days
from domain.errors import ValidationFailed
from domain.people import Role as PersonRole
from domain.people import check_birth_date_for_role
from domain.schools import SchoolType
from domain.text import split_message
from services import cases as cases_service

S = TypeVar("S", bound=IntEnum)
D = TypeVar("D", bound=BaseModel)

RECENT_DAYS = 6
MAX_REVIEWS = 20  # review messages remembered per form (one more per ✏️ fix)
TEXT = filters.TEXT & ~filters.COMMAND
AnyHandler = BaseHandler[Update, BotContext, Any]
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, Any]]

# Verbs every form's buttons use.
PICK_DAY = "day"
SKIP = "skip"
PICK_COMUNE = "com"
PICK_ROLE = "role"
FIX = "fix"
SAVE = "save"
CANCEL = "cancel"


def today_of(context: BotContext) -> date:
    return context.services.local_now().date()


async def own_case(
    update: Update, context: BotContext, case_id: int | None, *, for_change: bool
) -> Case | None:
    """The case, if it is of one of the actor's plessi (else the answer for an unknown id);
    `for_change`: only while it is open (else "closed: no longer changeable")."""
    found = await cases_service.own_case(
        context.services, context.actor, case_id, for_change=for_change
    )
    if isinstance(found, cases_service.Refusal):
        await reply(update, refusal_text(found, case_id))
        return None
    return found


def refusal_text(refusal: cases_service.Refusal, case_id: int | None) -> str:
    """What the user reads when a case action was refused."""
    if refusal is cases_service.Refusal.READ_ONLY:
        return render(texts.CASE_READ_ONLY, case_id=case_id)
    return texts.CASE_NOT_FOUND


async def send_page(
    update: Update, text: str, keyboard: InlineKeyboardMarkup, in_place: bool
) -> None:
    """A page of a list: Next / Previous turn the page in place, anything else sends it (and
    a page too long for one message, which `reply` splits)."""
    query = update.callback_query
    if in_place and query is not None and len(split_message(text)) == 1:
        try:
            await query.edit_message_text(text, reply_markup=keyboard)
            await answer_tap(update)
            return
        except TelegramError:
            pass  # too old to edit, or unchanged: send it anew
    await reply(update, text, keyboard)


# --- the form's memory ---------------------------------------------------------------------------


class StepForm(FlowDraft, Generic[S, D]):
    """A draft filled one step at a time; subclasses say the order and each step's field."""

    draft: D
    answered: frozenset[S] = frozenset()
    reviews: tuple[int, ...] = ()
    """The ids of the review messages shown (masked once the record is saved)."""

    def order(self) -> Sequence[S]:
        """The questions, in the order they are asked."""
        raise NotImplementedError

    @classmethod
    def step_fields(cls) -> Mapping[S, StrEnum]:
        """The draft field each step fills (steps without a field are not listed)."""
        raise NotImplementedError

    @classmethod
    def optional_fields(cls) -> frozenset[StrEnum]:
        return frozenset()

    def review_step(self) -> S:
        raise NotImplementedError

    @classmethod
    def step_of(cls, field: StrEnum) -> S | None:
        return next((s for s, f in cls.step_fields().items() if f == field), None)

    def with_review(self, message_id: int) -> Self:
        """The review shown in message `message_id` noted (the last MAX_REVIEWS kept)."""
        return self.model_copy(update={"reviews": (*self.reviews, message_id)[-MAX_REVIEWS:]})

    def with_draft(self, draft: D, *answered: S) -> Self:
        return self.model_copy(update={"draft": draft, "answered": self.answered | set(answered)})

    def answer(self, step: S, value: object) -> Self:
        """`step`'s field set to `value`, and the step answered."""
        field = self.step_fields()[step]
        return self.with_draft(self.draft.model_copy(update={field.value: value}), step)

    def reopen(self, *steps: S) -> Self:
        """Ask these steps again."""
        return self.model_copy(update={"answered": self.answered - set(steps)})

    def is_pending(self, step: S) -> bool:
        if step not in self.answered:
            return True
        field = self.step_fields().get(step)
        return (
            field is not None
            and field not in self.optional_fields()
            and getattr(self.draft, field.value) is None
        )

    def next_step(self) -> S:
        """The first question not answered yet, or the review when all are."""
        return next((step for step in self.order() if self.is_pending(step)), self.review_step())


def form_progress(form: StepForm[Any, Any], skip: Collection[IntEnum] = ()) -> Progress:
    """How far a form got, for the flow engine (a draft offered back, a cancel to confirm):
    the questions answered out of those asked, `skip` (filled without asking) left out."""
    asked = [step for step in form.order() if step not in skip]
    return Progress(sum(1 for step in asked if not form.is_pending(step)), len(asked))


F = TypeVar("F", bound=StepForm[Any, Any])
Reader = Callable[[str, F, date], F]


def field_reader(step: S, parse: Callable[[str], object]) -> Reader[Any]:
    """An answer read by `parse` into `step`'s field."""
    return lambda text, form, today: form.answer(step, parse(text))


def birth_date_reader(step: S) -> Reader[Any]:
    """A birth date: the one of the codice fiscale, plausible for the role (when known)."""

    def read(text: str, form: Any, today: date) -> Any:
        code = form.draft.codice_fiscale
        codice_fiscale = parse_codice_fiscale(code, today) if code is not None else None
        return form.answer(step, parse_birth_date(text, today, form.draft.role, codice_fiscale))

    return read


# --- question widgets ----------------------------------------------------------------------------


def plain_value(value: object) -> str:
    """An answer as the user reads it (plain text, not yet escaped): labels for roles and
    school types, "Milano (MI)" for a comune, dd/mm/yyyy for a date."""
    if isinstance(value, PersonRole):
        return ROLE_LABELS[value]
    if isinstance(value, SchoolType):
        return SCHOOL_TYPE_LABELS[value]
    if isinstance(value, Comune):
        return comune_label(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def pairs(buttons: Sequence[keyboards.Button]) -> list[list[keyboards.Button]]:
    return [list(buttons[index : index + 2]) for index in range(0, len(buttons), 2)]


def day_label(day: date, today: date) -> str:
    short = day.strftime("%d/%m")
    if day == today:
        return texts.BUTTON_TODAY.format(date=short)
    if (today - day).days == 1:
        return texts.BUTTON_YESTERDAY.format(date=short)
    return texts.BUTTON_DAY.format(weekday=texts.WEEKDAYS[day.weekday()], date=short)


def day_callback(buttons: Buttons, field: StrEnum, day: date) -> str:
    """A day button names its field: an old button of another date question is stale."""
    return buttons.data(PICK_DAY, field.value, day.isoformat())


def days_keyboard(
    buttons: Buttons,
    field: StrEnum,
    today: date,
    days: Sequence[date] | None = None,
    skip_label: str | None = None,
) -> InlineKeyboardMarkup:
    """`days` (by default today and the days before it), two per row; then "Non nota"."""
    shown = recent_days(today, RECENT_DAYS) if days is None else days
    rows = pairs([(day_label(day, today), day_callback(buttons, field, day)) for day in shown])
    if skip_label is not None:
        rows.append([(skip_label, buttons.data(SKIP, field.value))])
    return keyboards.inline(rows)


def comuni_keyboard(buttons: Buttons, comuni: list[Comune]) -> InlineKeyboardMarkup:
    return keyboards.column(
        [
            (
                texts.BUTTON_COMUNE.format(name=c.name, province=c.province),
                buttons.data(PICK_COMUNE, c.code),
            )
            for c in comuni
        ]
    )


def role_keyboard(buttons: Buttons, first: PersonRole | None = None) -> InlineKeyboardMarkup:
    """The portal's roles, `first` (the likely answer) on top."""
    roles = sorted(ROLE_LABELS, key=lambda role: role is not first)
    return keyboards.column(
        [(ROLE_LABELS[role], buttons.data(PICK_ROLE, role.value)) for role in roles]
    )


def fix_button(buttons: Buttons, field: StrEnum, label: str) -> keyboards.Button:
    return texts.BUTTON_FIX.format(label=label), buttons.data(FIX, field.value)


def save_cancel_row(
    buttons: Buttons, save_label: str = texts.BUTTON_SAVE
) -> list[keyboards.Button]:
    return [(save_label, buttons.data(SAVE)), (texts.BUTTON_CANCEL, buttons.data(CANCEL))]


async def ask_birth_date(
    update: Update,
    context: BotContext,
    buttons: Buttons,
    field: StrEnum,
    known: tuple[str | None, PersonRole | None],
    fixes: list[keyboards.Button],
) -> None:
    """Birth date: the one the codice fiscale encodes, one tap to confirm.

    `known` is the codice fiscale and the role answered so far; when the code's date does
    not fit the role, only `fixes` (✏️ codice fiscale, ✏️ ruolo) are offered: a typed date
    must match the code anyway.
    """
    today = today_of(context)
    code, role = known
    if code is None:
        await reply(update, texts.ASK_BIRTH_DATE_PLAIN)
        return
    cf_date = parse_codice_fiscale(code, today).birth_date
    shown = format_date(cf_date)
    try:
        if role is not None:
            check_birth_date_for_role(cf_date, role, today)
    except ValidationFailed as problem:
        text = "\n\n".join(
            [
                render(texts.BIRTH_FROM_CF_IMPLAUSIBLE, cf_date=shown),
                error_text(problem),
                texts.BIRTH_FIX_HINT,
            ]
        )
        await reply(update, text, keyboards.inline([fixes]))
        return
    keyboard = keyboards.inline(
        [[(texts.BUTTON_BIRTH_FROM_CF.format(date=shown), day_callback(buttons, field, cf_date))]]
    )
    await reply(update, render(texts.ASK_BIRTH_DATE, cf_date=shown), keyboard)


# --- handlers ------------------------------------------------------------------------------------


class FormKit(Generic[S, F]):
    """The handlers every form has, for one flow and its form type."""

    def __init__(
        self,
        flow: Flow[S],
        form_type: type[F],
        buttons: Buttons,
        readers: Mapping[S, Reader[F]],
        labels: Mapping[Any, str] | None = None,
    ) -> None:
        self.flow = flow
        self.form_type = form_type
        self.buttons = buttons
        self.readers = readers
        # Review messages sent since the form was last written, per chat and user: kept with
        # the form at its next write (`go`), so noting one costs no write of its own.
        self._reviews: dict[tuple[int, int], set[int]] = {}
        self.labels: Mapping[Any, str] = labels or {}

    async def load(self, update: Update, context: BotContext) -> F:
        return self.form_type.load(await self.flow.load(update, context))

    async def go(self, update: Update, context: BotContext, form: F, step: S | None = None) -> S:
        """Keep the form, then ask `step` (by default the first one not answered yet)."""
        next_step: S = step if step is not None else form.next_step()
        for message_id in sorted(self._reviews.pop(_chat_user(update), set())):
            form = form.with_review(message_id)
        went = await self.flow.go(update, context, next_step, form.dump())
        await flush_record(update)
        return went

    def record(self, update: Update, step: S, form: F) -> None:
        """The tapped question becomes "✓ <label>: <answer>" above the next question (one
        edit: see bot.replies.record_answer)."""
        field = self.form_type.step_fields().get(step)
        if field is None:
            return
        value = getattr(form.draft, field.value)
        shown = plain_value(value) if value is not None else common.ANSWER_NONE
        label = self.labels.get(field, field.value)
        record_answer(update, render(common.ANSWER_RECORD, label=label, value=shown))

    def note_review(self, update: Update, sent: Sent | None) -> None:
        """A review was sent: to be masked once the record is saved (`mask_reviews`)."""
        if sent is not None:
            self._reviews.setdefault(_chat_user(update), set()).add(sent.message_id)

    async def saved(
        self,
        update: Update,
        context: BotContext,
        form: F,
        masked: str,
        telling: Awaitable[object],
    ) -> None:
        """After the final save: `telling` (the reply that says so) while every review is
        masked (`mask_reviews`) and the user's typed messages are deleted (the flow's
        `delete_personal_messages`). The three touch different messages, so they go at once:
        one round trip to Telegram instead of three before the user reads the next thing.
        `telling` runs in this task: what it notes of the update (the tap answered, the
        answer recorded: bot.replies) must hold for the replies after it."""
        tidying = asyncio.gather(
            self.mask_reviews(update, form, masked),
            self.flow.delete_personal_messages(update, context),
        )
        try:
            await telling
        finally:
            await tidying

    async def mask_reviews(self, update: Update, form: F, text: str) -> None:
        """Once the record is saved, every review of the form in the chat (and the message
        whose Salva was tapped) says `text` instead, the codice fiscale masked: the chat keeps
        no full code after the record is purged. Best effort (bot.replies.edit_texts)."""
        ids = set(form.reviews) | self._reviews.pop(_chat_user(update), set())
        query = update.callback_query
        if query is not None and query.message is not None:
            ids.add(query.message.message_id)
        chat = update.effective_chat
        if chat is not None and ids:
            await edit_texts(update.get_bot(), chat.id, sorted(ids), text)

    async def again(
        self, update: Update, context: BotContext, step: S, error: ValidationFailed
    ) -> S:
        """A refused answer: say why, ask the same question; the form is unchanged."""
        await reply(update, error_text(error))
        await self.flow.ask(update, context, step, await self.flow.load(update, context))
        return step

    async def stale(self, update: Update, step: S) -> S:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return step

    def tapped(self, update: Update, verb: str) -> str | None:
        """The one argument of a form button, or None for a forged or malformed one."""
        found = self.buttons.tapped_args(update, verb, 1)
        return found[0] if found is not None else None

    async def read(
        self, update: Update, context: BotContext, step: S, text: str, *, tapped: bool = False
    ) -> S:
        """An answer to `step` (typed, or a button standing for typed text), checked; a
        tapped answer once taken is recorded on the tapped message."""
        form = await self.load(update, context)
        try:
            form = self.readers[step](text, form, today_of(context))
        except ValidationFailed as error:
            if tapped:
                await close_buttons(update)
            return await self.again(update, context, step, error)
        if tapped:
            self.record(update, step, form)
        return await self.go(update, context, form)

    def typed(self, step: S) -> Handler:
        @requires(Role.REFERENT)
        async def handle(update: Update, context: BotContext) -> S:
            assert update.message is not None and update.message.text is not None
            return await self.read(update, context, step, update.message.text)

        handle.__name__ = f"{self.flow.name}_typed_{step.name.lower()}"
        return handle

    def field_of(self, step: S) -> StrEnum:
        return self.form_type.step_fields()[step]

    def day_tapped(self, step: S) -> Handler:
        """A day button: read like the same date typed, with the same checks."""

        @requires(Role.REFERENT)
        async def handle(update: Update, context: BotContext) -> S:
            found = self.buttons.tapped_args(update, PICK_DAY, 2)
            if found is None or found[0] != self.field_of(step).value:
                return await self.stale(update, step)  # or a day of another question
            try:
                date.fromisoformat(found[1])
            except ValueError:
                return await self.stale(update, step)
            return await self.read(update, context, step, found[1], tapped=True)

        handle.__name__ = f"{self.flow.name}_day_{step.name.lower()}"
        return handle

    def skipped(self, step: S) -> Handler:
        """ "Salta" / "Non nota" on an optional field."""

        @requires(Role.REFERENT)
        async def handle(update: Update, context: BotContext) -> S:
            if self.tapped(update, SKIP) != self.field_of(step).value:
                return await self.stale(update, step)
            form = (await self.load(update, context)).answer(step, None)
            self.record(update, step, form)
            return await self.go(update, context, form)

        handle.__name__ = f"{self.flow.name}_skip_{step.name.lower()}"
        return handle

    def comune_typed(self, step: S) -> Handler:
        @requires(Role.REFERENT)
        async def handle(update: Update, context: BotContext) -> S:
            assert update.message is not None and update.message.text is not None
            try:
                found = search_comuni(update.message.text)
            except ValidationFailed as error:
                return await self.again(update, context, step, error)
            if len(found) == 1:  # one comune matches: taken, shown in the review
                form = await self.load(update, context)
                return await self.go(update, context, form.answer(step, found[0]))
            await reply(update, texts.COMUNE_MATCHES, comuni_keyboard(self.buttons, found))
            return step

        handle.__name__ = f"{self.flow.name}_comune_typed"
        return handle

    def comune_picked(self, step: S) -> Handler:
        @requires(Role.REFERENT)
        async def handle(update: Update, context: BotContext) -> S:
            code = self.tapped(update, PICK_COMUNE)
            comune = comune_by_code(code) if code is not None else None
            if comune is None:
                return await self.stale(update, step)
            form = (await self.load(update, context)).answer(step, comune)
            self.record(update, step, form)
            return await self.go(update, context, form)

        handle.__name__ = f"{self.flow.name}_comune_picked"
        return handle

    def role_picked(self, step: S) -> Handler:
        @requires(Role.REFERENT)
        async def handle(update: Update, context: BotContext) -> S:
            value = self.tapped(update, PICK_ROLE)
            if value not in set(PersonRole):
                return await self.stale(update, step)
            form = (await self.load(update, context)).answer(step, PersonRole(value))
            self.record(update, step, form)
            return await self.go(update, context, form)

        handle.__name__ = f"{self.flow.name}_role_picked"
        return handle

    def fix(self, allowed: Callable[[F, StrEnum], bool] = lambda form, field: True) -> Handler:
        """ "✏️ <field>": ask that one question again, then come back to the review."""

        @requires(Role.REFERENT)
        async def handle(update: Update, context: BotContext) -> S:
            value = self.tapped(update, FIX)
            form = await self.load(update, context)
            current = await self.flow.current_step(update, context) or form.review_step()
            field = next((f for f in form.step_fields().values() if f.value == value), None)
            step = form.step_of(field) if field is not None else None
            if field is None or step is None or not allowed(form, field):
                return await self.stale(update, current)
            await close_buttons(update)
            return await self.go(update, context, form.reopen(step), step)

        handle.__name__ = f"{self.flow.name}_fix"
        return handle

    # --- wiring -----------------------------------------------------------------------------------

    def text_states(self) -> dict[S, list[AnyHandler]]:
        return {step: [MessageHandler(TEXT, self.typed(step))] for step in self.readers}

    def day_states(self, *steps: S) -> dict[S, list[AnyHandler]]:
        pattern = self.buttons.pattern(PICK_DAY)
        return {
            step: [CallbackQueryHandler(self.day_tapped(step), pattern=pattern)] for step in steps
        }

    def skip_states(self, *steps: S) -> dict[S, list[AnyHandler]]:
        pattern = self.buttons.pattern(SKIP)
        return {step: [CallbackQueryHandler(self.skipped(step), pattern=pattern)] for step in steps}

    def comune_states(self, step: S) -> dict[S, list[AnyHandler]]:
        pattern = self.buttons.pattern(PICK_COMUNE)
        return {
            step: [
                MessageHandler(TEXT, self.comune_typed(step)),
                CallbackQueryHandler(self.comune_picked(step), pattern=pattern),
            ]
        }

    def role_states(self, step: S) -> dict[S, list[AnyHandler]]:
        pattern = self.buttons.pattern(PICK_ROLE)
        return {step: [CallbackQueryHandler(self.role_picked(step), pattern=pattern)]}

    def fix_handler(self, handler: Handler) -> AnyHandler:
        return CallbackQueryHandler(handler, pattern=self.buttons.pattern(FIX))

    def button(self, verb: str, handler: Handler) -> AnyHandler:
        return CallbackQueryHandler(handler, pattern=self.buttons.pattern(verb))


def _chat_user(update: Update) -> tuple[int, int]:
    chat, user = update.effective_chat, update.effective_user
    return (chat.id if chat else 0, user.id if user else 0)


def merge_states(steps: type[S], *parts: Mapping[S, list[AnyHandler]]) -> dict[S, list[AnyHandler]]:
    """Every step's handlers, in the order the parts give them."""
    states: dict[S, list[AnyHandler]] = {step: [] for step in steps}
    for part in parts:
        for step, handlers in part.items():
            states[step].extend(handlers)
    return states
