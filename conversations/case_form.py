"""/nuovocaso and "Modifica caso": the case form, one question at a time, a review, Save.

Handlers are thin: read the answer, let a `domain.cases` rule check it, keep it in the
form (saved before the next question is asked), ask what comes next. Nothing is written as
a case until Save.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from telegram import Update
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
from bot.catalog import cases as texts
from bot.catalog import common, error_text, render
from bot.context import BotContext
from bot.flows import Flow
from bot.replies import answer_tap, close_buttons, reply
from conversations import case_questions as questions
from conversations.case_steps import (
    CANCEL,
    DUPLICATE_GO,
    DUPLICATE_STOP,
    FIELD_STEP,
    FIX,
    ORDER,
    PICK_COMUNE,
    PICK_DAY,
    PICK_PLESSO,
    PICK_ROLE,
    PICK_SCHOOL_TYPE,
    REFERENT_CHANGE,
    REFERENT_OK,
    REFERENT_STEPS,
    SAVE,
    SKIP,
    STEP_FIELD,
    Form,
    Step,
    form_args,
    form_pattern,
)
from conversations.case_views import (
    EDIT,
    LIST,
    NEW,
    VIEW,
    case_args,
    case_callback,
    case_pattern,
    case_view_keyboard,
    case_view_text,
)
from domain.access import Role
from domain.cases import (
    LAST_ATTENDANCE_FIELD,
    ONSET_FIELD,
    SWAB_FIELD,
    CaseData,
    CaseDraft,
    CaseField,
    IncompleteCase,
    class_and_section_together,
    complete_case,
    duplicate_since,
    parse_birth_date,
    parse_class_name,
    parse_given_name,
    parse_past_date,
    parse_section,
    parse_surname,
)
from domain.codice_fiscale import CodiceFiscale, parse_codice_fiscale
from domain.comuni import comune_by_code, search_comuni
from domain.errors import ValidationFailed
from domain.people import Role as PersonRole
from domain.people import parse_email, parse_full_name, parse_phone
from domain.schools import SchoolType
from storage.cases import UpdateOutcome

flow: Flow[Step] = Flow(
    "case",
    Step,
    button_steps=[
        Step.PLESSO, Step.SCHOOL_TYPE, Step.REFERENT, Step.ROLE, Step.DUPLICATE, Step.REVIEW,
    ],
)

Result = Step | int


@flow.asker
async def _ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    await questions.ask(update, context, step, Form.load(data))


async def _load(update: Update, context: BotContext) -> Form:
    return Form.load(await flow.load(update, context))


async def _go(update: Update, context: BotContext, form: Form, step: Step | None = None) -> Step:
    """Keep the form, then ask `step` (by default the first one not answered yet)."""
    return await flow.go(update, context, step or form.next_step(), form.dump())


async def _again(update: Update, context: BotContext, step: Step, error: ValidationFailed) -> Step:
    """A refused answer: say why, ask the same question; the form is unchanged."""
    await reply(update, error_text(error))
    await flow.ask(update, context, step, await flow.load(update, context))
    return step


def _typed_text(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


def _today(context: BotContext) -> date:
    return questions.today_of(context)


# --- starting: a new case, or an edit -----------------------------------------------------------


def _new_form(context: BotContext) -> Form:
    referent = context.actor.referent
    assert referent is not None  # requires(Role.REFERENT)
    draft = CaseDraft(
        referent_name=referent.full_name,
        referent_phone=referent.phone,
        referent_email=referent.email,
    )
    # The referent's own data are prefilled: one step confirms all three (Step.REFERENT).
    return Form(mode="new", draft=draft, answered=frozenset(REFERENT_STEPS))


async def _start_new(update: Update, context: BotContext, plesso_code: str | None) -> Step:
    form = _new_form(context)
    plessi = await questions.actor_plessi(context)
    chosen = next((p for p in plessi if p.code == plesso_code), None)
    if chosen is None and len(plessi) == 1:
        chosen = plessi[0]
    if chosen is not None:
        form = form.answer(Step.PLESSO, chosen.code)
        await reply(
            update,
            render(texts.PLESSO_TAKEN, name=chosen.name, code=chosen.code,
                   comune=chosen.comune_name),
        )
    return await _go(update, context, form)


@requires(Role.REFERENT)
async def new_case(update: Update, context: BotContext) -> Result:
    """/nuovocaso"""
    if not await questions.actor_plessi(context):
        await reply(update, texts.NO_PLESSO)
        return ConversationHandler.END
    return await _start_new(update, context, None)


@requires(Role.REFERENT)
async def new_case_button(update: Update, context: BotContext) -> Result:
    """"➕ Nuovo caso" under a plesso's case list."""
    query = update.callback_query
    try:
        (plesso_code,) = case_args(query.data if query else None, NEW, 1)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    return await _start_new(update, context, plesso_code)


@requires(Role.REFERENT)
async def edit_case(update: Update, context: BotContext) -> Result:
    """"Modifica caso": the review of the saved case, each field changeable."""
    query = update.callback_query
    try:
        (id_text,) = case_args(query.data if query else None, EDIT, 1)
        case_id = keyboards.parse_int(id_text)
    except keyboards.BadCallback:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    case = await context.services.cases.get(case_id)
    if case is None or not context.actor.holds_plesso(case.data.plesso_code):
        await reply(update, texts.CASE_NOT_FOUND)
        return ConversationHandler.END
    if not case.is_open:
        await reply(update, render(texts.CASE_READ_ONLY, case_id=case.id))
        return ConversationHandler.END
    await close_buttons(update)
    form = Form(
        mode="edit", case_id=case.id, version=case.version, draft=case.data.as_draft(),
        answered=frozenset(ORDER),
    )
    return await _go(update, context, form, Step.REVIEW)


# --- typed answers ------------------------------------------------------------------------------

Reader = Callable[[str, Form, date], Form]


def _field(step: Step, parse: Callable[[str], object]) -> Reader:
    return lambda text, form, today: form.answer(step, parse(text))


def _past_date(step: Step, label: str) -> Reader:
    return lambda text, form, today: form.answer(step, parse_past_date(text, today, label))


def _class_name(text: str, form: Form, today: date) -> Form:
    draft = form.draft.with_class_name(parse_class_name(text))
    kind = form.draft.school_type
    together = kind is not None and class_and_section_together(kind)
    return form.with_draft(draft, Step.CLASS_NAME, *([Step.SECTION] if together else []))


def _codice_fiscale_of(form: Form, today: date) -> CodiceFiscale | None:
    code = form.draft.codice_fiscale
    return parse_codice_fiscale(code, today) if code is not None else None


def _birth_date(text: str, form: Form, today: date) -> Form:
    birth = parse_birth_date(text, today, form.draft.role, _codice_fiscale_of(form, today))
    return form.answer(Step.BIRTH_DATE, birth)


_READERS: dict[Step, Reader] = {
    Step.CLASS_NAME: _class_name,
    Step.SECTION: _field(Step.SECTION, parse_section),
    Step.REFERENT_NAME: _field(Step.REFERENT_NAME, parse_full_name),
    Step.REFERENT_PHONE: _field(Step.REFERENT_PHONE, parse_phone),
    Step.REFERENT_EMAIL: _field(Step.REFERENT_EMAIL, parse_email),
    Step.SURNAME: _field(Step.SURNAME, parse_surname),
    Step.NAME: _field(Step.NAME, parse_given_name),
    Step.BIRTH_DATE: _birth_date,
    Step.PHONE1: _field(Step.PHONE1, parse_phone),
    Step.PHONE2: _field(Step.PHONE2, parse_phone),
    Step.LAST_ATTENDANCE: _past_date(Step.LAST_ATTENDANCE, LAST_ATTENDANCE_FIELD),
    Step.SWAB_DATE: _past_date(Step.SWAB_DATE, SWAB_FIELD),
    Step.ONSET_DATE: _past_date(Step.ONSET_DATE, ONSET_FIELD),
}


async def _read(update: Update, context: BotContext, step: Step, text: str) -> Step:
    form = await _load(update, context)
    try:
        form = _READERS[step](text, form, _today(context))
    except ValidationFailed as error:
        return await _again(update, context, step, error)
    return await _go(update, context, form)


def _typed(step: Step) -> Callable[[Update, BotContext], Any]:
    @requires(Role.REFERENT)
    async def handle(update: Update, context: BotContext) -> Step:
        return await _read(update, context, step, _typed_text(update))

    handle.__name__ = f"case_typed_{step.name.lower()}"
    return handle


def _day_tapped(step: Step) -> Callable[[Update, BotContext], Any]:
    """A day button: read like the same date typed, with the same checks."""

    @requires(Role.REFERENT)
    async def handle(update: Update, context: BotContext) -> Step:
        query = update.callback_query
        try:
            field, iso = form_args(query.data if query else None, PICK_DAY, 2)
            date.fromisoformat(iso)
        except (keyboards.BadCallback, ValueError):
            return await _stale(update, step)
        if field != STEP_FIELD[step].value:
            return await _stale(update, step)  # a day button of another question
        await close_buttons(update)
        return await _read(update, context, step, iso)

    handle.__name__ = f"case_day_{step.name.lower()}"
    return handle


def _skipped(step: Step) -> Callable[[Update, BotContext], Any]:
    """"Salta" / "Non nota" on an optional field."""

    @requires(Role.REFERENT)
    async def handle(update: Update, context: BotContext) -> Step:
        if _tapped(update, SKIP) != STEP_FIELD[step].value:
            return await _stale(update, step)
        await close_buttons(update)
        form = await _load(update, context)
        return await _go(update, context, form.answer(step, None))

    handle.__name__ = f"case_skip_{step.name.lower()}"
    return handle


# --- codice fiscale and the duplicate warning --------------------------------------------------


async def _recent_duplicate(context: BotContext, form: Form, code: str) -> int | None:
    """A case of the same plesso with this code in the last 30 days, not yet accepted."""
    plesso = form.draft.plesso_code
    if plesso is None:
        return None
    services = context.services
    found = await services.cases.recent_duplicate(
        plesso, code, duplicate_since(services.now()), exclude_id=form.case_id
    )
    return None if found == form.duplicate_accepted else found


def _warn(form: Form, code: str, case_id: int) -> Form:
    return form.model_copy(update={"pending_codice_fiscale": code, "duplicate_of": case_id})


def _with_codice_fiscale(form: Form, codice_fiscale: CodiceFiscale) -> Form:
    return form.with_draft(form.draft.with_codice_fiscale(codice_fiscale), Step.CODICE_FISCALE)


@requires(Role.REFERENT)
async def codice_fiscale_typed(update: Update, context: BotContext) -> Step:
    form = await _load(update, context)
    try:
        codice_fiscale = parse_codice_fiscale(_typed_text(update), _today(context))
    except ValidationFailed as error:
        return await _again(update, context, Step.CODICE_FISCALE, error)
    if codice_fiscale.value != form.draft.codice_fiscale:
        duplicate = await _recent_duplicate(context, form, codice_fiscale.value)
        if duplicate is not None:
            return await _go(update, context, _warn(form, codice_fiscale.value, duplicate),
                             Step.DUPLICATE)
    return await _go(update, context, _with_codice_fiscale(form, codice_fiscale))


@requires(Role.REFERENT)
async def duplicate_continue(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    form = await _load(update, context)
    if form.pending_codice_fiscale is None:
        return await _go(update, context, form)
    codice_fiscale = parse_codice_fiscale(form.pending_codice_fiscale, _today(context))
    accepted = form.model_copy(
        update={
            "duplicate_accepted": form.duplicate_of,
            "duplicate_of": None,
            "pending_codice_fiscale": None,
        }
    )
    return await _go(update, context, _with_codice_fiscale(accepted, codice_fiscale))


@requires(Role.REFERENT)
async def duplicate_cancel(update: Update, context: BotContext) -> Result:
    """"Annulla" on the warning: a new report stops; an edit keeps the code it had."""
    await close_buttons(update)
    form = await _load(update, context)
    if form.mode == "new":
        await reply(update, render(texts.DUPLICATE_CANCELLED, case_id=form.duplicate_of))
        return ConversationHandler.END
    await reply(update, texts.DUPLICATE_KEPT)
    kept = form.model_copy(update={"duplicate_of": None, "pending_codice_fiscale": None})
    return await _go(update, context, kept)


# --- buttons ------------------------------------------------------------------------------------


def _tapped(update: Update, verb: str) -> str | None:
    """The one argument of a form button, or None for a forged or malformed one."""
    query = update.callback_query
    try:
        (value,) = form_args(query.data if query else None, verb, 1)
    except keyboards.BadCallback:
        return None
    return value


async def _stale(update: Update, step: Step) -> Step:
    await answer_tap(update, common.STALE_BUTTON, alert=True)
    return step


@requires(Role.REFERENT)
async def plesso_picked(update: Update, context: BotContext) -> Step:
    code = _tapped(update, PICK_PLESSO)
    if code is None or not context.actor.holds_plesso(code):
        return await _stale(update, Step.PLESSO)
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.answer(Step.PLESSO, code))


@requires(Role.REFERENT)
async def school_type_picked(update: Update, context: BotContext) -> Step:
    value = _tapped(update, PICK_SCHOOL_TYPE)
    if value not in set(SchoolType):
        return await _stale(update, Step.SCHOOL_TYPE)
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.answer(Step.SCHOOL_TYPE, SchoolType(value)))


@requires(Role.REFERENT)
async def referent_confirmed(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.with_draft(form.draft, Step.REFERENT))


@requires(Role.REFERENT)
async def referent_change(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.with_draft(form.draft, Step.REFERENT).reopen(
        *REFERENT_STEPS))


@requires(Role.REFERENT)
async def role_picked(update: Update, context: BotContext) -> Step:
    value = _tapped(update, PICK_ROLE)
    if value not in set(PersonRole):
        return await _stale(update, Step.ROLE)
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.answer(Step.ROLE, PersonRole(value)))


@requires(Role.REFERENT)
async def comune_typed(update: Update, context: BotContext) -> Step:
    try:
        found = search_comuni(_typed_text(update))
    except ValidationFailed as error:
        return await _again(update, context, Step.COMUNE, error)
    await reply(update, texts.COMUNE_MATCHES, questions.comuni_keyboard(found))
    return Step.COMUNE


@requires(Role.REFERENT)
async def comune_picked(update: Update, context: BotContext) -> Step:
    code = _tapped(update, PICK_COMUNE)
    comune = comune_by_code(code) if code is not None else None
    if comune is None:
        return await _stale(update, Step.COMUNE)
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.answer(Step.COMUNE, comune))


@requires(Role.REFERENT)
async def fix_field(update: Update, context: BotContext) -> Step:
    """"✏️ <field>": ask that one question again, then come back."""
    value = _tapped(update, FIX)
    current = await flow.current_step(update, context) or Step.REVIEW
    if value not in set(CaseField):
        return await _stale(update, current)
    field = CaseField(value)
    form = await _load(update, context)
    if field is CaseField.PLESSO and form.mode == "edit":
        return await _stale(update, current)
    await close_buttons(update)
    step = FIELD_STEP[field]
    return await _go(update, context, form.reopen(step), step)


# --- Save and Annulla ---------------------------------------------------------------------------


def _missing_text(missing: list[CaseField]) -> str:
    labels = ", ".join(texts.FIELD_LABELS[field] for field in missing)
    return render(texts.MISSING_FIELDS, fields=labels)


@requires(Role.REFERENT)
async def save(update: Update, context: BotContext) -> Result:
    await close_buttons(update)
    form = await _load(update, context)
    try:
        data = complete_case(form.draft, _today(context))
    except IncompleteCase as incomplete:
        await reply(update, _missing_text(incomplete.missing))
        return await _go(update, context, form)
    except ValidationFailed as error:
        await reply(update, f"{texts.SAVE_REFUSED} {error_text(error)}")
        return await _go(update, context, form, Step.REVIEW)
    if not context.actor.holds_plesso(data.plesso_code):
        await reply(update, render(texts.PLESSO_REVOKED, code=data.plesso_code))
        return ConversationHandler.END
    if form.mode == "edit":
        return await _save_edit(update, context, form, data)
    return await _save_new(update, context, form, data)


async def _save_new(update: Update, context: BotContext, form: Form, data: CaseData) -> Result:
    duplicate = await _recent_duplicate(context, form, data.codice_fiscale)
    if duplicate is not None:
        # Reported by a colleague while this form was being filled.
        return await _go(update, context, _warn(form, data.codice_fiscale, duplicate),
                         Step.DUPLICATE)
    services, actor = context.services, context.actor
    now = services.now()
    case = await services.cases.create(data, actor=actor.user_id, now=now)
    if actor.referent is not None:
        await services.referents.touch_plesso(actor.referent.id, data.plesso_code, now)
    keyboard = keyboards.inline([[
        (texts.BUTTON_VIEW.format(case_id=case.id), case_callback(VIEW, case.id)),
        (texts.BUTTON_LIST, case_callback(LIST, case.data.plesso_code)),
    ]])
    await reply(update, render(texts.SAVED_NEW, case_id=case.id), keyboard)
    return ConversationHandler.END


async def _save_edit(update: Update, context: BotContext, form: Form, data: CaseData) -> Result:
    services = context.services
    assert form.case_id is not None and form.version is not None
    result = await services.cases.update(
        form.case_id, data, expected_version=form.version, actor=context.actor.user_id,
        now=services.now(),
    )
    case = result.case
    if case is None or not context.actor.holds_plesso(case.data.plesso_code):
        await reply(update, texts.CASE_NOT_FOUND)
        return ConversationHandler.END
    plesso = await services.plessi.get(case.data.plesso_code)
    contacts = (await services.cases.contact_counts([case.id])).get(case.id, 0)
    view = case_view_text(case, plesso, contacts)
    outcome_text = {
        UpdateOutcome.SAVED: texts.SAVED_EDIT,
        UpdateOutcome.UNCHANGED: texts.NOTHING_CHANGED,
        UpdateOutcome.CONFLICT: texts.EDIT_CONFLICT,
        UpdateOutcome.CLOSED: texts.EDIT_CLOSED,
    }[result.outcome]
    await reply(update, render(outcome_text, case_id=case.id))
    await reply(update, view, case_view_keyboard(case))
    return ConversationHandler.END


@requires(Role.REFERENT)
async def cancel(update: Update, context: BotContext) -> Result:
    await close_buttons(update)
    form = await _load(update, context)
    if form.mode == "edit":
        await reply(update, render(texts.EDIT_CANCELLED, case_id=form.case_id))
    else:
        await reply(update, texts.CASE_CANCELLED)
    return ConversationHandler.END


# --- wiring -------------------------------------------------------------------------------------

_TEXT = filters.TEXT & ~filters.COMMAND
AnyHandler = BaseHandler[Update, BotContext, Any]


def _text_steps() -> dict[Step, list[AnyHandler]]:
    return {step: [MessageHandler(_TEXT, _typed(step))] for step in _READERS}


def _date_steps() -> dict[Step, list[AnyHandler]]:
    steps = (Step.BIRTH_DATE, Step.LAST_ATTENDANCE, Step.SWAB_DATE, Step.ONSET_DATE)
    return {
        step: [CallbackQueryHandler(_day_tapped(step), pattern=form_pattern(PICK_DAY))]
        for step in steps
    }


def _skip_steps() -> dict[Step, list[AnyHandler]]:
    steps = (Step.PHONE2, Step.SWAB_DATE, Step.ONSET_DATE)
    return {
        step: [CallbackQueryHandler(_skipped(step), pattern=form_pattern(SKIP))]
        for step in steps
    }


def _fix() -> AnyHandler:
    return CallbackQueryHandler(fix_field, pattern=form_pattern(FIX))


def _button_steps() -> dict[Step, list[AnyHandler]]:
    return {
        Step.PLESSO: [CallbackQueryHandler(plesso_picked, pattern=form_pattern(PICK_PLESSO))],
        Step.SCHOOL_TYPE: [
            CallbackQueryHandler(school_type_picked, pattern=form_pattern(PICK_SCHOOL_TYPE))
        ],
        Step.REFERENT: [
            CallbackQueryHandler(referent_confirmed, pattern=form_pattern(REFERENT_OK)),
            CallbackQueryHandler(referent_change, pattern=form_pattern(REFERENT_CHANGE)),
        ],
        Step.ROLE: [CallbackQueryHandler(role_picked, pattern=form_pattern(PICK_ROLE))],
        Step.CODICE_FISCALE: [MessageHandler(_TEXT, codice_fiscale_typed)],
        Step.DUPLICATE: [
            CallbackQueryHandler(duplicate_continue, pattern=form_pattern(DUPLICATE_GO)),
            CallbackQueryHandler(duplicate_cancel, pattern=form_pattern(DUPLICATE_STOP)),
        ],
        Step.COMUNE: [
            MessageHandler(_TEXT, comune_typed),
            CallbackQueryHandler(comune_picked, pattern=form_pattern(PICK_COMUNE)),
        ],
        Step.BIRTH_DATE: [_fix()],
        Step.REVIEW: [
            CallbackQueryHandler(save, pattern=form_pattern(SAVE)),
            CallbackQueryHandler(cancel, pattern=form_pattern(CANCEL)),
            _fix(),
        ],
    }


def _states() -> dict[Step, list[AnyHandler]]:
    states: dict[Step, list[AnyHandler]] = {step: [] for step in Step}
    for part in (_text_steps(), _date_steps(), _skip_steps(), _button_steps()):
        for step, handlers in part.items():
            states[step].extend(handlers)
    return states


def build() -> ConversationHandler[BotContext]:
    return flow.handler(
        entry_points=[
            CommandHandler("nuovocaso", new_case),
            CallbackQueryHandler(new_case_button, pattern=case_pattern(NEW)),
            CallbackQueryHandler(edit_case, pattern=case_pattern(EDIT)),
        ],
        states=_states(),
    )
