"""/nuovocaso and "Modifica caso": the case form, one question at a time, a review, Save.

Handlers are thin: read the answer, let a `domain.cases` rule check it, keep it in the
form (saved before the next question is asked), ask what comes next. Nothing is written as
a case until Save.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot import keyboards
from bot.access import requires
from bot.catalog import cases as texts
from bot.catalog import common, error_text, render
from bot.catalog import contacts as contact_texts
from bot.catalog.validation import SCHOOL_TYPE_LABELS
from bot.context import BotContext
from bot.flows import Flow, FlowHandler
from bot.forms import (
    CANCEL,
    SAVE,
    TEXT,
    AnyHandler,
    FormKit,
    birth_date_reader,
    field_reader,
    form_progress,
    merge_states,
    own_case,
    today_of,
)
from bot.replies import (
    answer_tap,
    close_buttons,
    close_buttons_meanwhile,
    lead_with,
    record_answer,
    reply,
)
from conversations.cases import questions
from conversations.cases.steps import (
    BUTTONS,
    CF_CONFIRM,
    DUPLICATE_GO,
    DUPLICATE_STOP,
    ORDER,
    PICK_PLESSO,
    PICK_SCHOOL_TYPE,
    PLAUSIBLE_OK,
    REFERENT_CHANGE,
    REFERENT_OK,
    REFERENT_STEPS,
    STEP_FIELD,
    Form,
    Step,
)
from conversations.cases.views import (
    CASES,
    EDIT,
    LIST,
    NEW,
    VIEW,
    case_view_keyboard,
    case_view_text,
)
from conversations.contacts.buttons import add_contacts
from conversations.contacts.form import start_import
from domain.access import Role
from domain.cases import (
    LAST_ATTENDANCE_FIELD,
    ONSET_FIELD,
    SWAB_FIELD,
    CaseData,
    CaseDraft,
    CaseField,
    IncompleteCase,
    UpdateOutcome,
    check_birth_date,
    class_and_section_together,
    complete_case,
    oddities,
    parse_class_name,
    parse_given_name,
    parse_past_date,
    parse_section,
    parse_surname,
    split_class_and_section,
)
from domain.codice_fiscale import CodiceFiscale, parse_codice_fiscale
from domain.contacts import CaseFacts
from domain.errors import ValidationFailed
from domain.people import parse_email, parse_full_name, parse_phone, parse_phones
from domain.schools import SchoolType
from services import cases as cases_service

flow: Flow[Step] = Flow(
    "case",
    Step,
    button_steps=[
        Step.PLESSO,
        Step.SCHOOL_TYPE,
        Step.REFERENT,
        Step.ROLE,
        Step.DUPLICATE,
        Step.REVIEW,
        Step.CF_MISMATCH,
        Step.PLAUSIBILITY,
    ],
    personal=True,
    # The referent's own data and the plesso are filled or tapped, not typed: not counted.
    progress=lambda data: form_progress(
        Form.load(data), skip={Step.REFERENT, *REFERENT_STEPS, Step.PLESSO, Step.SCHOOL_TYPE}
    ),
)

Result = Step | int


@flow.asker
async def _ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    form = Form.load(data)
    if step is not Step.REVIEW:
        await questions.ask(update, context, step, form)
        return
    kit.note_review(update, await questions.review(update, context, form))


def _typed_text(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


def _today(context: BotContext) -> date:
    return today_of(context)


# --- starting: a new case, or an edit -----------------------------------------------------------


def _new_form(context: BotContext) -> Form:
    referent = context.actor.referent
    assert referent is not None  # requires(Role.REFERENT)
    draft = CaseDraft(
        referent_name=referent.full_name,
        referent_phone=referent.phone,
        referent_email=referent.email,
    )
    # The referent's own data come from the profile (/profilo): shown in the review, with ✏️.
    return Form(mode="new", draft=draft, answered=frozenset({Step.REFERENT, *REFERENT_STEPS}))


async def _with_plesso(context: BotContext, form: Form, code: str) -> Form:
    """The plesso, and its school type when the registry knows it (not asked then)."""
    form = form.answer(Step.PLESSO, code)
    kind = await cases_service.school_type_of(context.services, code)
    if kind is None or form.draft.school_type is not None:
        return form
    return form.answer(Step.SCHOOL_TYPE, kind)


async def _start_new(update: Update, context: BotContext, plesso_code: str | None) -> Step:
    form = _new_form(context)
    plessi = await questions.actor_plessi(context)
    chosen = next((p for p in plessi if p.code == plesso_code), None)
    if chosen is None and len(plessi) == 1:
        chosen = plessi[0]
    if chosen is not None:
        form = await _with_plesso(context, form, chosen.code)
        taken = render(
            texts.PLESSO_TAKEN, name=chosen.name, code=chosen.code, comune=chosen.comune_name
        )
        kind = form.draft.school_type
        if kind is not None:
            taken += "\n" + render(texts.SCHOOL_TYPE_TAKEN, school_type=SCHOOL_TYPE_LABELS[kind])
        lead_with(update, taken)  # in the message of the first question
    return await _go(update, context, form)


async def start_prefilled(update: Update, context: BotContext, known: CaseDraft) -> Step:
    """Start /nuovocaso with answers known elsewhere (a sent-home report turned positive):
    the referent's own data as usual, the fields `known` was given answered, the rest asked."""
    form = _new_form(context)
    draft = known.model_copy(
        update={
            f: getattr(form.draft, f) for f in ("referent_name", "referent_phone", "referent_email")
        }
    )
    given = known.model_fields_set  # an optional field given as None is answered too
    answered = [
        step
        for step, field in STEP_FIELD.items()
        if getattr(draft, field.value) is not None or field.value in given
    ]
    return await _go(update, context, form.with_draft(draft, *answered))


@requires(Role.REFERENT)
async def new_case(update: Update, context: BotContext) -> Result:
    """/nuovocaso"""
    if not await questions.actor_plessi(context):
        await reply(update, texts.NO_PLESSO)
        return ConversationHandler.END
    return await _start_new(update, context, None)


@requires(Role.REFERENT)
async def new_case_button(update: Update, context: BotContext) -> Result:
    """ "➕ Nuovo caso" under a plesso's case list."""
    tapped = CASES.tapped_args(update, NEW, 1)
    if tapped is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    await close_buttons(update)
    return await _start_new(update, context, tapped[0])


@requires(Role.REFERENT)
async def edit_case(update: Update, context: BotContext) -> Result:
    """ "Modifica caso": the review of the saved case, each field changeable."""
    tapped = CASES.tapped_ids(update, EDIT)
    if tapped is None:
        await answer_tap(update, common.STALE_BUTTON, alert=True)
        return ConversationHandler.END
    case = await own_case(update, context, tapped[0], for_change=True)
    if case is None:
        return ConversationHandler.END
    await close_buttons(update)
    form = Form(
        mode="edit",
        case_id=case.id,
        version=case.version,
        draft=case.data.as_draft(),
        answered=frozenset(ORDER),
        names_as_saved=True,
    )
    return await _go(update, context, form, Step.REVIEW)


# --- typed answers ------------------------------------------------------------------------------

Reader = Callable[[str, Form, date], Form]


def _past_date(step: Step, label: str) -> Reader:
    return lambda text, form, today: form.answer(step, parse_past_date(text, today, label))


def _class_name(text: str, form: Form, today: date) -> Form:
    """The class, checked by school type; "3B" gives the section too."""
    kind = form.draft.school_type
    both = split_class_and_section(text, kind)
    if both is not None:
        class_name, section = both
        draft = form.draft.model_copy(update={"class_name": class_name, "section": section})
        return form.with_draft(draft, Step.CLASS_NAME, Step.SECTION)
    draft = form.draft.with_class_name(parse_class_name(text, kind))
    together = kind is not None and class_and_section_together(kind)
    return form.with_draft(draft, Step.CLASS_NAME, *([Step.SECTION] if together else []))


def _section(text: str, form: Form, today: date) -> Form:
    return form.answer(Step.SECTION, parse_section(text, form.draft.school_type))


def _phones(text: str, form: Form, today: date) -> Form:
    """Telefono 1, and Telefono 2 when two numbers are written: the second is not asked."""
    first, second = parse_phones(text)
    # One number keeps a Telefono 2 already there (an edit of Telefono 1 only).
    update = {"phone1": first} if second is None else {"phone1": first, "phone2": second}
    return form.with_draft(form.draft.model_copy(update=update), Step.PHONE1, Step.PHONE2)


_READERS: dict[Step, Reader] = {
    Step.CLASS_NAME: _class_name,
    Step.SECTION: _section,
    Step.REFERENT_NAME: field_reader(Step.REFERENT_NAME, parse_full_name),
    Step.REFERENT_PHONE: field_reader(Step.REFERENT_PHONE, parse_phone),
    Step.REFERENT_EMAIL: field_reader(Step.REFERENT_EMAIL, parse_email),
    Step.SURNAME: field_reader(Step.SURNAME, parse_surname),
    Step.NAME: field_reader(Step.NAME, parse_given_name),
    Step.BIRTH_DATE: birth_date_reader(Step.BIRTH_DATE),
    Step.PHONE1: _phones,
    Step.PHONE2: field_reader(Step.PHONE2, parse_phone),
    Step.LAST_ATTENDANCE: _past_date(Step.LAST_ATTENDANCE, LAST_ATTENDANCE_FIELD),
    Step.SWAB_DATE: _past_date(Step.SWAB_DATE, SWAB_FIELD),
    Step.ONSET_DATE: _past_date(Step.ONSET_DATE, ONSET_FIELD),
}

kit: FormKit[Step, Form] = FormKit(flow, Form, BUTTONS, _READERS, texts.FIELD_LABELS)
_load, _go, _again, _stale, _tapped = kit.load, kit.go, kit.again, kit.stale, kit.tapped


# --- codice fiscale and the duplicate warning --------------------------------------------------


async def _recent_duplicate(context: BotContext, form: Form, code: str) -> int | None:
    """The case to warn of before taking `code` (see services.cases.duplicate_to_warn)."""
    services = context.services
    return await cases_service.duplicate_to_warn(
        services,
        form.draft.plesso_code,
        code,
        services.now(),
        editing=form.case_id,
        accepted=form.duplicate_accepted,
    )


def _warn(form: Form, code: str, case_id: int) -> Form:
    return form.model_copy(update={"pending_codice_fiscale": code, "duplicate_of": case_id})


def _with_codice_fiscale(form: Form, codice_fiscale: CodiceFiscale, today: date) -> Form:
    """The code, and the birth date it encodes when it fits the role (shown in the review,
    not asked); a date that does not fit is asked, with the reason and the fixes."""
    if codice_fiscale.value != form.draft.codice_fiscale:
        form = form.unconfirmed()  # a new code: checked against the names again
    draft = form.draft.with_codice_fiscale(codice_fiscale)
    if draft.birth_date is not None:
        return form.with_draft(draft, Step.CODICE_FISCALE)
    try:
        check_birth_date(codice_fiscale.birth_date, draft.role, codice_fiscale, today)
    except ValidationFailed:
        return form.with_draft(draft, Step.CODICE_FISCALE)
    draft = draft.model_copy(update={"birth_date": codice_fiscale.birth_date})
    return form.with_draft(draft, Step.CODICE_FISCALE, Step.BIRTH_DATE)


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
            return await _go(
                update, context, _warn(form, codice_fiscale.value, duplicate), Step.DUPLICATE
            )
    return await _go(update, context, _with_codice_fiscale(form, codice_fiscale, _today(context)))


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
    return await _go(
        update, context, _with_codice_fiscale(accepted, codice_fiscale, _today(context))
    )


@requires(Role.REFERENT)
async def duplicate_cancel(update: Update, context: BotContext) -> Result:
    """ "Annulla" on the warning: a new report stops; an edit keeps the code it had."""
    await close_buttons(update)
    form = await _load(update, context)
    if form.mode == "new":
        await reply(update, render(texts.DUPLICATE_CANCELLED, case_id=form.duplicate_of))
        return ConversationHandler.END
    await reply(update, texts.DUPLICATE_KEPT)
    kept = form.model_copy(update={"duplicate_of": None, "pending_codice_fiscale": None})
    return await _go(update, context, kept)


# --- buttons ------------------------------------------------------------------------------------


@requires(Role.REFERENT)
async def plesso_picked(update: Update, context: BotContext) -> Step:
    code = _tapped(update, PICK_PLESSO)
    if code is None or not context.actor.holds_plesso(code):
        return await _stale(update, Step.PLESSO)
    form = await _with_plesso(context, await _load(update, context), code)
    plesso = await cases_service.plesso(context.services, code)
    shown = plesso.name if plesso is not None else code
    label = texts.FIELD_LABELS[CaseField.PLESSO]
    record_answer(update, render(common.ANSWER_RECORD, label=label, value=shown))
    return await _go(update, context, form)


@requires(Role.REFERENT)
async def school_type_picked(update: Update, context: BotContext) -> Step:
    value = _tapped(update, PICK_SCHOOL_TYPE)
    if value not in set(SchoolType):
        return await _stale(update, Step.SCHOOL_TYPE)
    form = (await _load(update, context)).answer(Step.SCHOOL_TYPE, SchoolType(value))
    kit.record(update, Step.SCHOOL_TYPE, form)
    return await _go(update, context, form)


@requires(Role.REFERENT)
async def cf_mismatch_confirmed(update: Update, context: BotContext) -> Step:
    """ "Il codice è giusto": kept as typed, flagged to the ATS."""
    await close_buttons(update)
    form = await _load(update, context)
    draft = form.draft.model_copy(update={"cf_mismatch_confirmed": True})
    return await _go(update, context, form.model_copy(update={"draft": draft}))


@requires(Role.REFERENT)
async def referent_confirmed(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(update, context, form.with_draft(form.draft, Step.REFERENT))


@requires(Role.REFERENT)
async def referent_change(update: Update, context: BotContext) -> Step:
    await close_buttons(update)
    form = await _load(update, context)
    return await _go(
        update, context, form.with_draft(form.draft, Step.REFERENT).reopen(*REFERENT_STEPS)
    )


def _fixable(form: Form, field: StrEnum) -> bool:
    """The plesso of a saved case never changes."""
    return not (field is CaseField.PLESSO and form.mode == "edit")


# --- Save and Annulla ---------------------------------------------------------------------------


def _missing_text(missing: list[CaseField]) -> str:
    labels = ", ".join(texts.FIELD_LABELS[field] for field in missing)
    return render(texts.MISSING_FIELDS, fields=labels)


@requires(Role.REFERENT)
async def save(update: Update, context: BotContext) -> Result:
    close_buttons_meanwhile(update)  # the saved review is rewritten masked anyway
    form = await _load(update, context)
    if form.name_check_pending():  # a name changed since the code was checked
        return await _go(update, context, form, Step.CF_MISMATCH)
    try:
        data = complete_case(form.draft, _today(context))
    except IncompleteCase as incomplete:
        await reply(update, _missing_text(incomplete.missing))
        return await _go(update, context, form)
    except ValidationFailed as error:
        await reply(update, f"{texts.SAVE_REFUSED} {error_text(error)}")
        return await _go(update, context, form, Step.REVIEW)
    confirmed = form.oddities_confirmed
    if any(odd.value not in confirmed for odd in oddities(form.draft, _today(context))):
        return await _go(update, context, form, Step.PLAUSIBILITY)
    if form.mode == "edit":
        return await _save_edit(update, context, form, data)
    return await _save_new(update, context, form, data)


@requires(Role.REFERENT)
async def plausible_confirmed(update: Update, context: BotContext) -> Result:
    """ "Sì, salva così": the unlikely answers are right; save."""
    form = await _load(update, context)
    shown = {odd.value for odd in oddities(form.draft, _today(context))}
    confirmed = form.model_copy(update={"oddities_confirmed": form.oddities_confirmed | shown})
    await flow.save(update, context, Step.PLAUSIBILITY, confirmed.dump())
    return await save(update, context)


async def _plesso_revoked(update: Update, data: CaseData) -> Result:
    await reply(update, render(texts.PLESSO_REVOKED, code=data.plesso_code))
    return ConversationHandler.END


async def _save_new(update: Update, context: BotContext, form: Form, data: CaseData) -> Result:
    services = context.services
    saved = await cases_service.save_new_case(
        services, context.actor, data, services.now(), accepted=form.duplicate_accepted
    )
    if isinstance(saved, cases_service.Refusal):
        return await _plesso_revoked(update, data)
    if isinstance(saved, cases_service.DuplicateWarning):
        return await _go(
            update, context, _warn(form, data.codice_fiscale, saved.case_id), Step.DUPLICATE
        )
    keyboard = keyboards.inline(
        [
            [(contact_texts.BUTTON_ADD, add_contacts(saved.id))],
            [
                (texts.BUTTON_VIEW.format(case_id=saved.id), CASES.data(VIEW, saved.id)),
                (texts.BUTTON_LIST, CASES.data(LIST, saved.data.plesso_code)),
            ],
        ]
    )
    masked = await questions.saved_review_text(context, form, saved.id)
    telling = reply(update, render(texts.SAVED_NEW, case_id=saved.id), keyboard)
    await kit.saved(update, context, form, masked, telling)
    # The next thing is the class list: asked at once, a tap fewer (the flow moves on to
    # the contacts; /casi or any other command leaves it). The case form ends first: saved,
    # it is no draft to set aside and offer back.
    await flow.end(update, context)
    await start_import(update, context, CaseFacts.of(saved))
    return ConversationHandler.END


_EDIT_OUTCOME_TEXTS = {
    UpdateOutcome.SAVED: texts.SAVED_EDIT,
    UpdateOutcome.UNCHANGED: texts.NOTHING_CHANGED,
    UpdateOutcome.CONFLICT: texts.EDIT_CONFLICT,
    UpdateOutcome.CLOSED: texts.EDIT_CLOSED,
}


async def _save_edit(update: Update, context: BotContext, form: Form, data: CaseData) -> Result:
    services = context.services
    assert form.case_id is not None and form.version is not None
    result = await cases_service.save_edit(
        services, context.actor, form.case_id, form.version, data, services.now()
    )
    if result is cases_service.Refusal.PLESSO_REVOKED:
        return await _plesso_revoked(update, data)
    if isinstance(result, cases_service.Refusal):
        await reply(update, texts.CASE_NOT_FOUND)
        return ConversationHandler.END
    view = result.view
    await reply(update, render(_EDIT_OUTCOME_TEXTS[result.outcome], case_id=view.case.id))
    # Right after the save: no full codice fiscale left in the chat.
    text = case_view_text(view.case, view.plesso, view.contacts, masked=True)
    await reply(update, text, case_view_keyboard(view.case))
    if result.outcome in (UpdateOutcome.SAVED, UpdateOutcome.UNCHANGED):
        masked = await questions.saved_review_text(context, form, view.case.id)
        await kit.mask_reviews(update, form, masked)
        await flow.delete_personal_messages(update, context)
    return ConversationHandler.END


@requires(Role.REFERENT)
async def cancel(update: Update, context: BotContext) -> object:
    """The review's «Annulla»: Sì/No first when the form holds an answer."""
    await close_buttons(update)
    return await flow.cancel(update, context)


@flow.canceller
async def _cancelled(update: Update, context: BotContext, data: dict[str, Any]) -> None:
    form = Form.load(data)
    if form.mode == "edit":
        await reply(update, render(texts.EDIT_CANCELLED, case_id=form.case_id))
    else:
        await reply(update, texts.CASE_CANCELLED)


# --- wiring -------------------------------------------------------------------------------------


def _button_steps() -> dict[Step, list[AnyHandler]]:
    fix = kit.fix_handler(kit.fix(_fixable))
    return {
        Step.PLESSO: [kit.button(PICK_PLESSO, plesso_picked)],
        Step.SCHOOL_TYPE: [kit.button(PICK_SCHOOL_TYPE, school_type_picked)],
        Step.REFERENT: [
            kit.button(REFERENT_OK, referent_confirmed),
            kit.button(REFERENT_CHANGE, referent_change),
        ],
        Step.CODICE_FISCALE: [MessageHandler(TEXT, codice_fiscale_typed)],
        Step.DUPLICATE: [
            kit.button(DUPLICATE_GO, duplicate_continue),
            kit.button(DUPLICATE_STOP, duplicate_cancel),
        ],
        Step.BIRTH_DATE: [fix],
        Step.CF_MISMATCH: [kit.button(CF_CONFIRM, cf_mismatch_confirmed), fix],
        Step.PLAUSIBILITY: [kit.button(PLAUSIBLE_OK, plausible_confirmed), fix],
        Step.REVIEW: [kit.button(SAVE, save), kit.button(CANCEL, cancel), fix],
    }


def build() -> FlowHandler:
    return flow.handler(
        entry_points=[
            CommandHandler("nuovocaso", new_case),
            CallbackQueryHandler(new_case_button, pattern=CASES.pattern(NEW)),
            CallbackQueryHandler(edit_case, pattern=CASES.pattern(EDIT)),
        ],
        states=merge_states(
            Step,
            kit.text_states(),
            kit.day_states(Step.BIRTH_DATE, Step.LAST_ATTENDANCE, Step.SWAB_DATE, Step.ONSET_DATE),
            kit.skip_states(Step.PHONE2, Step.SWAB_DATE, Step.ONSET_DATE),
            kit.role_states(Step.ROLE),
            kit.comune_states(Step.COMUNE),
            _button_steps(),
        ),
    )
