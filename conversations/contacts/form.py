"""Aggiungi contatti, Aggiungi contatto, Modifica contatto: the contact conversation.

"Aggiungi contatti" (case card, /casi, after a new case) waits for a pasted list or a file;
"Aggiungi contatto" asks the portal's form one question at a time; "Modifica contatto"
opens the review of a saved contact. Handlers are thin: read the answer, let a rule in
`domain.contacts` / `domain.contact_import` / `domain.close_contact` check it, keep it in
the form (saved before the next question), ask what comes next. What needs the database
(the codes already in the case, Salva, Conferma) is a use case of `services.contacts`.
Nothing is written until Salva or Conferma; a closed case refuses every change.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler, filters

from bot import flows, keyboards
from bot.access import requires
from bot.catalog import cases as case_texts
from bot.catalog import contacts as texts
from bot.catalog import error_text, render
from bot.context import BotContext
from bot.flows import Flow, FlowHandler, Progress
from bot.forms import (
    CANCEL,
    SAVE,
    TEXT,
    AnyHandler,
    FormKit,
    Handler,
    birth_date_reader,
    field_reader,
    form_progress,
    merge_states,
    own_case,
    today_of,
)
from bot.replies import close_buttons, close_buttons_meanwhile, lead_with, reply
from conversations.cases.close import show_closing_review
from conversations.contacts import questions
from conversations.contacts.buttons import ADD, CONTACTS, EDIT, ONE, list_contacts
from conversations.contacts.lists import own_contact
from conversations.contacts.steps import (
    BUTTONS,
    FORM_ORDER,
    GO_ON,
    IMPORT_ORDER,
    KEEP,
    RULE_ANSWER,
    RULES_NO,
    RULES_YES,
    SAVE_AND_CLOSE,
    STEP_FIELD,
    ContactForm,
    ContactStep,
)
from conversations.contacts.views import (
    contact_keyboard,
    contact_text,
    done_keyboard,
    import_done_text,
    summary_text,
)
from domain.access import Role
from domain.cases import (
    class_and_section_together,
    parse_class_name,
    parse_given_name,
    parse_section,
    parse_surname,
)
from domain.codice_fiscale import parse_codice_fiscale
from domain.contact_import import ImportPlan, check_size, proposed_batch
from domain.contacts import (
    CaseFacts,
    ContactChange,
    ContactSource,
    IncompleteContact,
    Outcome,
    duplicate_error,
    parse_address,
    parse_last_contact,
)
from domain.errors import ValidationFailed
from domain.people import parse_phone
from services import contacts as contacts_service

Step = ContactStep
Result = ContactStep | int
END = ConversationHandler.END

flow: Flow[ContactStep] = Flow(
    "contact",
    ContactStep,
    personal=True,
    button_steps=[Step.ROLE, Step.RULES, Step.RULE, Step.VERDICT, Step.REVIEW],
    file_steps=[Step.CHOOSE],
    progress=lambda data: _progress(ContactForm.load(data)),
)


@flow.asker
async def _ask(update: Update, context: BotContext, step: Step, data: dict[str, Any]) -> None:
    form = ContactForm.load(data)
    if step is not Step.REVIEW:
        await questions.ask(update, context, step, form)
        return
    kit.note_review(update, await questions.review(update, context, form))


# --- typed answers -------------------------------------------------------------------------------


def _class_name(text: str, form: ContactForm, today: date) -> ContactForm:
    """The class; for 0-6 services the same name is the section too (the portal's rule)."""
    value = parse_class_name(text, form.case.school_type)
    if not class_and_section_together(form.case.school_type):
        return form.answer(Step.CLASS_NAME, value)
    draft = form.draft.model_copy(update={"class_name": value, "section": value})
    return form.with_draft(draft, Step.CLASS_NAME, Step.SECTION)


def _last_contact(text: str, form: ContactForm, today: date) -> ContactForm:
    return form.answer(Step.LAST_CONTACT, parse_last_contact(text, today, form.case.window))


_READERS = {
    Step.CLASS_NAME: _class_name,
    Step.SECTION: lambda text, form, today: form.answer(
        Step.SECTION, parse_section(text, form.case.school_type)
    ),
    Step.SURNAME: field_reader(Step.SURNAME, parse_surname),
    Step.NAME: field_reader(Step.NAME, parse_given_name),
    Step.BIRTH_DATE: birth_date_reader(Step.BIRTH_DATE),
    Step.ADDRESS: field_reader(Step.ADDRESS, parse_address),
    Step.PHONE: field_reader(Step.PHONE, parse_phone),
    Step.LAST_CONTACT: _last_contact,
}

kit: FormKit[ContactStep, ContactForm] = FormKit(
    flow, ContactForm, BUTTONS, _READERS, texts.FIELD_LABELS
)


def _text(update: Update) -> str:
    assert update.message is not None and update.message.text is not None
    return update.message.text


def _progress(form: ContactForm) -> Progress:
    """How far the form got: an import's role, class, section and day are proposed from the
    case, not typed, so an import counts only its list (the people read); a form, its
    answers."""
    if form.mode == "import":
        return Progress(1 if form.people else 0, 1)
    return form_progress(form)


# --- starting: a list or a file, one contact, an edit --------------------------------------------


async def _start(update: Update, context: BotContext, form: ContactForm, step: Step) -> Step:
    # A button that starts this conversation sets any other flow aside, as a command would.
    await flows.pause_all(context, update)
    return await kit.go(update, context, form, step)


async def _case_to_change(update: Update, context: BotContext, verb: str) -> CaseFacts | None:
    ids = CONTACTS.tapped_ids(update, verb)
    if ids is None:
        await kit.stale(update, Step.CHOOSE)
        return None
    case = await own_case(update, context, ids[0], for_change=True)
    return CaseFacts.of(case) if case is not None else None


@requires(Role.REFERENT)
async def add_contacts(update: Update, context: BotContext) -> Result:
    """ "Aggiungi contatti": a pasted list or a file; the role, class, section and last
    contact date for all of them are proposed from the case."""
    facts = await _case_to_change(update, context, ADD)
    if facts is None:
        return END
    return await start_import(update, context, facts)


async def start_import(update: Update, context: BotContext, facts: CaseFacts) -> Step:
    """Wait for a pasted list or a file of contacts of the case (also right after a new case
    is saved: the next thing a referent does)."""
    batch = proposed_batch(facts, today_of(context))
    form = ContactForm(mode="import", case=facts, draft=batch, answered=frozenset(IMPORT_ORDER))
    return await _start(update, context, form, Step.CHOOSE)


@requires(Role.REFERENT)
async def one_contact(update: Update, context: BotContext) -> Result:
    """ "Aggiungi contatto": the portal's form, one question at a time."""
    facts = await _case_to_change(update, context, ONE)
    if facts is None:
        return END
    form = ContactForm(mode="new", case=facts)
    return await _start(update, context, form, form.next_step())


@requires(Role.REFERENT)
async def edit_contact(update: Update, context: BotContext) -> Result:
    """ "Modifica contatto": the review of the saved contact, each field changeable."""
    found = await own_contact(update, context, EDIT, for_change=True)
    if found is None:
        return END
    contact, case = found.contact, found.case
    form = ContactForm(
        mode="edit",
        case=CaseFacts.of(case),
        contact_id=contact.id,
        contact_number=contact.number,
        version=contact.version,
        draft=contact.data.as_draft(),
        answered=frozenset(FORM_ORDER),
    )
    return await _start(update, context, form, Step.REVIEW)


# --- a pasted list or a file ---------------------------------------------------------------------


async def _planned(
    update: Update, context: BotContext, form: ContactForm, plan: ImportPlan, source: ContactSource
) -> Step:
    """The summary of what was read, above the review of what all of them get."""
    lead_with(update, summary_text(plan, form.case.case_id))
    if not plan.new:
        await flow.ask(update, context, Step.CHOOSE, form.dump())
        return Step.CHOOSE
    form = form.model_copy(update={"people": tuple(plan.new), "source": source})
    return await kit.go(update, context, form)


@requires(Role.REFERENT)
async def list_pasted(update: Update, context: BotContext) -> Step:
    form = await kit.load(update, context)
    plan = await contacts_service.plan_pasted_list(
        context.services, form.case, _text(update), today_of(context)
    )
    return await _planned(update, context, form, plan, ContactSource.LIST)


@requires(Role.REFERENT)
async def file_sent(update: Update, context: BotContext) -> Step:
    """A CSV or XLSX: refused over 1 MB before it is downloaded."""
    assert update.message is not None and update.message.document is not None
    document = update.message.document
    form = await kit.load(update, context)
    try:
        check_size(document.file_size or 0)
        content = bytes(await (await document.get_file()).download_as_bytearray())
        plan = await contacts_service.plan_file(
            context.services, form.case, document.file_name or "", content, today_of(context)
        )
    except ValidationFailed as error:
        await reply(update, f"{texts.FILE_REFUSED} {error_text(error)}")
        await flow.ask(update, context, Step.CHOOSE, form.dump())
        return Step.CHOOSE
    return await _planned(update, context, form, plan, ContactSource.FILE)


# --- buttons of the form -------------------------------------------------------------------------


def _kept(step: Step) -> Handler:
    """ "✅ 3": the class (or section) of the case, read as if typed."""

    @requires(Role.REFERENT)
    async def handle(update: Update, context: BotContext) -> Step:
        if kit.tapped(update, KEEP) != STEP_FIELD[step].value:
            return await kit.stale(update, step)
        form = await kit.load(update, context)
        value = getattr(form.case, STEP_FIELD[step].value)
        return await kit.read(update, context, step, value, tapped=True)

    handle.__name__ = f"contact_keep_{step.name.lower()}"
    return handle


@requires(Role.REFERENT)
async def codice_fiscale_typed(update: Update, context: BotContext) -> Step:
    """The code, never the case's own nor one already a contact of the case."""
    form = await kit.load(update, context)
    try:
        codice_fiscale = parse_codice_fiscale(_text(update), today_of(context))
        await contacts_service.check_codice_fiscale(
            context.services, form.case, codice_fiscale.value, form.contact_id
        )
    except ValidationFailed as error:
        return await kit.again(update, context, Step.CODICE_FISCALE, error)
    draft = form.draft.with_codice_fiscale(codice_fiscale)
    return await kit.go(update, context, form.with_draft(draft, Step.CODICE_FISCALE))


async def _rules_chosen(update: Update, context: BotContext, check: bool) -> Step:
    await close_buttons(update)
    form = await kit.load(update, context)
    chosen = form.model_copy(
        update={"check_rules": check, "answered": form.answered | {Step.RULES}}
    )
    return await kit.go(update, context, chosen)


@requires(Role.REFERENT)
async def rules_yes(update: Update, context: BotContext) -> Step:
    return await _rules_chosen(update, context, True)


@requires(Role.REFERENT)
async def rules_no(update: Update, context: BotContext) -> Step:
    return await _rules_chosen(update, context, False)


@requires(Role.REFERENT)
async def rule_answered(update: Update, context: BotContext) -> Step:
    found = BUTTONS.tapped_args(update, RULE_ANSWER, 2)
    form = await kit.load(update, context)
    answered = form.with_rule_answer(*found) if found is not None else None
    if answered is None:
        return await kit.stale(update, Step.RULE)  # an answer to an earlier question
    await close_buttons(update)
    return await kit.go(update, context, answered)


@requires(Role.REFERENT)
async def verdict_accepted(update: Update, context: BotContext) -> Step:
    """ "Continua" / "Aggiungi comunque": the referent decides."""
    await close_buttons(update)
    form = await kit.load(update, context)
    return await kit.go(update, context, form.with_draft(form.draft, Step.VERDICT))


# --- Salva, Conferma, Annulla --------------------------------------------------------------------


@requires(Role.REFERENT)
async def save_and_close(update: Update, context: BotContext) -> Result:
    """ "Conferma e chiudi il caso": the list's contacts added, then the closing review."""
    returned = await save(update, context)
    form = await kit.load(update, context)
    if returned == END and form.mode == "import" and await _import_done(context, form):
        await show_closing_review(update, context, form.case.case_id)
    return returned


async def _import_done(context: BotContext, form: ContactForm) -> bool:
    """Whether the case is still open (Conferma went through): then it may be closed."""
    found = await contacts_service.own_case_of_form(
        context.services, context.actor, form.case.case_id
    )
    return found is not None and found.is_open


@requires(Role.REFERENT)
async def save(update: Update, context: BotContext) -> Result:
    close_buttons_meanwhile(update)  # the saved review is rewritten masked anyway
    form = await kit.load(update, context)
    case = await own_case(update, context, form.case.case_id, for_change=True)
    if case is None:
        return END
    form = form.model_copy(update={"case": CaseFacts.of(case)})  # the case may have changed
    if form.mode == "import":
        return await _confirm_import(update, context, form)
    try:
        change = await _save_contact(context, form)
    except IncompleteContact as incomplete:
        labels = ", ".join(texts.FIELD_LABELS[field] for field in incomplete.missing)
        await reply(update, render(texts.MISSING_FIELDS, fields=labels))
        return await kit.go(update, context, form)
    except ValidationFailed as error:
        await reply(update, f"{texts.SAVE_REFUSED} {error_text(error)}")
        return await kit.go(update, context, form, Step.REVIEW)
    return await _saved(update, context, form, change)


async def _save_contact(context: BotContext, form: ContactForm) -> ContactChange:
    """The new contact, or the edit of a saved one (IncompleteContact or ValidationFailed
    when the form is not ready)."""
    services, today = context.services, today_of(context)
    if form.mode == "edit":
        assert form.contact_id is not None and form.version is not None
        return await contacts_service.edit_contact(
            services,
            context.actor,
            form.case,
            form.contact_id,
            form.version,
            form.draft,
            today,
            services.now(),
        )
    return await contacts_service.add_contact(
        services, context.actor, form.case, form.draft, today, services.now()
    )


async def _saved(
    update: Update, context: BotContext, form: ContactForm, change: ContactChange
) -> Result:
    """Tell what Save did; a refused code goes back to the review."""
    contact, case_id = change.contact, form.case.case_id
    if change.outcome is Outcome.DUPLICATE and contact is not None:
        await reply(update, error_text(duplicate_error(contact)))
        return await kit.go(update, context, form, Step.REVIEW)
    if change.outcome is Outcome.IS_CASE:
        await reply(update, error_text(ValidationFailed("contact_is_case")))
        return await kit.go(update, context, form, Step.REVIEW)
    if change.outcome is Outcome.CLOSED:
        await reply(update, render(case_texts.CASE_READ_ONLY, case_id=case_id))
    elif contact is None:
        await reply(update, texts.CONTACT_NOT_FOUND)
    elif form.mode == "new":
        keyboard = keyboards.inline(
            [
                [
                    (texts.BUTTON_ANOTHER, CONTACTS.data(ONE, case_id)),
                    (texts.BUTTON_DONE, list_contacts(case_id)),
                ]
            ]
        )
        text = render(
            texts.SAVED_NEW,
            contact_id=contact.number,
            case_id=case_id,
            surname=contact.data.surname,
            name=contact.data.name,
        )
        masked = questions.saved_review_text(form, contact.id)
        await kit.saved(update, context, form, masked, reply(update, text, keyboard))
    else:
        outcome_text = {
            Outcome.SAVED: texts.SAVED_EDIT,
            Outcome.UNCHANGED: texts.NOTHING_CHANGED,
            Outcome.CONFLICT: texts.EDIT_CONFLICT,
        }[change.outcome]
        await reply(update, render(outcome_text, contact_id=contact.number))
        card = contact_text(contact, masked=True)  # after the save: no full code in the chat
        await reply(update, card, contact_keyboard(contact, case_open=True))
        if change.outcome is not Outcome.CONFLICT:
            await kit.mask_reviews(update, form, questions.saved_review_text(form, contact.id))
            await flow.delete_personal_messages(update, context)
    return END


async def _confirm_import(update: Update, context: BotContext, form: ContactForm) -> Result:
    """Conferma: the listed people, with the role, class, section and date chosen."""
    services = context.services
    try:
        done = await contacts_service.import_contacts(
            services,
            context.actor,
            form.case,
            form.people,
            form.draft,
            form.source,
            today_of(context),
            services.now(),
        )
    except ValidationFailed as error:  # the last contact no longer fits the case's window
        await reply(update, error_text(error))
        return await kit.go(update, context, form.reopen(Step.LAST_CONTACT))
    if done.outcome is not Outcome.SAVED:
        await reply(update, render(case_texts.CASE_READ_ONLY, case_id=form.case.case_id))
        return END
    text = import_done_text(form.case.case_id, done.added, done.skipped, done.left_out)
    await reply(update, text, done_keyboard(form.case.case_id))
    await flow.delete_personal_messages(update, context)
    return END


@requires(Role.REFERENT)
async def cancel(update: Update, context: BotContext) -> object:
    """«Annulla»: Sì/No first when the form holds an answer."""
    await close_buttons(update)
    return await flow.cancel(update, context)


@flow.canceller
async def _cancelled(update: Update, context: BotContext, data: dict[str, Any]) -> None:
    form = ContactForm.load(data)
    text = {
        "new": texts.CONTACT_CANCELLED,
        "edit": render(texts.EDIT_CANCELLED, contact_id=form.contact_number),
        "import": texts.IMPORT_CANCELLED,
    }[form.mode]
    await reply(update, text)


# --- wiring --------------------------------------------------------------------------------------


def _button_steps() -> dict[ContactStep, list[AnyHandler]]:
    fix = kit.fix_handler(kit.fix())
    return {
        Step.CHOOSE: [
            MessageHandler(TEXT, list_pasted),
            MessageHandler(filters.Document.ALL, file_sent),
            kit.button(CANCEL, cancel),
        ],
        Step.RULES: [kit.button(RULES_YES, rules_yes), kit.button(RULES_NO, rules_no)],
        Step.RULE: [kit.button(RULE_ANSWER, rule_answered)],
        Step.VERDICT: [kit.button(GO_ON, verdict_accepted), kit.button(CANCEL, cancel)],
        Step.CLASS_NAME: [kit.button(KEEP, _kept(Step.CLASS_NAME))],
        Step.SECTION: [kit.button(KEEP, _kept(Step.SECTION))],
        Step.CODICE_FISCALE: [MessageHandler(TEXT, codice_fiscale_typed)],
        Step.BIRTH_DATE: [fix],
        Step.REVIEW: [
            kit.button(SAVE, save),
            kit.button(SAVE_AND_CLOSE, save_and_close),
            kit.button(CANCEL, cancel),
            fix,
        ],
    }


def build() -> FlowHandler:
    return flow.handler(
        entry_points=[
            CallbackQueryHandler(add_contacts, pattern=CONTACTS.pattern(ADD)),
            CallbackQueryHandler(one_contact, pattern=CONTACTS.pattern(ONE)),
            CallbackQueryHandler(edit_contact, pattern=CONTACTS.pattern(EDIT)),
        ],
        states=merge_states(
            ContactStep,
            kit.text_states(),
            kit.day_states(Step.BIRTH_DATE, Step.LAST_CONTACT),
            kit.skip_states(Step.ADDRESS),
            kit.role_states(Step.ROLE),
            kit.comune_states(Step.COMUNE),
            _button_steps(),
        ),
    )
