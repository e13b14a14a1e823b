"""The questions of the contact conversation: one message (and its buttons) per step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot import keyboards
from bot.catalog import contacts as texts
from bot.catalog import plural, render
from bot.context import BotContext
from bot.forms import (
    CANCEL,
    RECENT_DAYS,
    SAVE,
    SKIP,
    ask_birth_date,
    days_keyboard,
    fix_button,
    pairs,
    role_keyboard,
    save_cancel_row,
    today_of,
)
from bot.replies import Sent, reply
from conversations.contacts.buttons import CONTACTS, ONE
from conversations.contacts.steps import (
    BUTTONS,
    GO_ON,
    IMPORT_FIELDS,
    KEEP,
    RULE_ANSWER,
    RULES_NO,
    RULES_YES,
    SAVE_AND_CLOSE,
    ContactForm,
    ContactStep,
)
from conversations.contacts.views import fields_text, verdict_line, verdict_text, window_text
from domain.cases import class_and_section_together
from domain.close_contact import (
    NO,
    YES,
    Question,
    Verdict,
    mask_choices,
    questions,
)
from domain.codice_fiscale import mask_codice_fiscale
from domain.contacts import ContactField
from domain.people import Role
from services import contacts as contacts_service

Asker = Callable[[Update, BotContext, ContactForm], Awaitable[object]]


def _fix_button(field: ContactField) -> keyboards.Button:
    return fix_button(BUTTONS, field, texts.FIX_LABELS[field])


def _cancel_row() -> list[keyboards.Button]:
    return [(texts.BUTTON_CANCEL, BUTTONS.data(CANCEL))]


async def _choose(update: Update, context: BotContext, form: ContactForm) -> None:
    case = await contacts_service.own_case_of_form(
        context.services, context.actor, form.case.case_id
    )
    surname, name = (case.data.surname, case.data.name) if case else ("", "")
    keyboard = keyboards.inline(
        [
            [(texts.BUTTON_ONE, CONTACTS.data(ONE, form.case.case_id))],
            _cancel_row(),
        ]
    )
    text = render(texts.ASK_CHOOSE, case_id=form.case.case_id, surname=surname, name=name)
    await reply(update, text, keyboard)


async def _role(update: Update, context: BotContext, form: ContactForm) -> None:
    if form.mode == "import":
        await reply(update, texts.ASK_ROLE_IMPORT, role_keyboard(BUTTONS, Role.STUDENT))
        return
    await reply(update, render(texts.ASK_ROLE, case_id=form.case.case_id), role_keyboard(BUTTONS))


def _proposal(question: str, field: ContactField, value: str) -> Asker:
    async def ask(update: Update, context: BotContext, form: ContactForm) -> None:
        keyboard = keyboards.inline(
            [[(texts.BUTTON_KEEP.format(value=value), BUTTONS.data(KEEP, field.value))]]
        )
        await reply(update, question, keyboard)

    return ask


async def _class_name(update: Update, context: BotContext, form: ContactForm) -> None:
    together = class_and_section_together(form.case.school_type)
    question = texts.ASK_CLASS_ZERO_SIX if together else texts.ASK_CLASS
    await _proposal(question, ContactField.CLASS_NAME, form.case.class_name)(update, context, form)


async def _section(update: Update, context: BotContext, form: ContactForm) -> None:
    await _proposal(texts.ASK_SECTION, ContactField.SECTION, form.case.section)(
        update, context, form
    )


async def _birth_date(update: Update, context: BotContext, form: ContactForm) -> None:
    fixes = [_fix_button(ContactField.CODICE_FISCALE), _fix_button(ContactField.ROLE)]
    known = (form.draft.codice_fiscale, form.draft.role)
    await ask_birth_date(update, context, BUTTONS, ContactField.BIRTH_DATE, known, fixes)


async def _address(update: Update, context: BotContext, form: ContactForm) -> None:
    keyboard = keyboards.inline([[(texts.BUTTON_SKIP, BUTTONS.data(SKIP, ContactField.ADDRESS))]])
    await reply(update, texts.ASK_ADDRESS, keyboard)


async def _last_contact(update: Update, context: BotContext, form: ContactForm) -> None:
    window = form.case.window
    today = today_of(context)
    days = [] if window.is_empty else window.days(today, RECENT_DAYS)
    text = texts.ASK_LAST_CONTACT.format(window=window_text(window))
    keyboard = days_keyboard(BUTTONS, ContactField.LAST_CONTACT, today, days) if days else None
    await reply(update, text, keyboard)


def _plain(text: str) -> Asker:
    async def ask(update: Update, context: BotContext, form: ContactForm) -> None:
        await reply(update, text)

    return ask


# --- the ATS rules -------------------------------------------------------------------------------


async def _rules(update: Update, context: BotContext, form: ContactForm) -> None:
    situation = form.situation()
    assert situation is not None
    keyboard = keyboards.inline(
        [
            [(texts.BUTTON_RULES_YES, BUTTONS.data(RULES_YES))],
            [(texts.BUTTON_RULES_NO, BUTTONS.data(RULES_NO))],
        ]
    )
    await reply(update, render(texts.ASK_RULES, count=len(questions(situation))), keyboard)


async def _rule(update: Update, context: BotContext, form: ContactForm) -> None:
    situation, question = form.situation(), form.rule_question()
    assert situation is not None and question is not None
    if question is Question.MASK:
        choices = [
            (texts.MASK_LABELS[m], BUTTONS.data(RULE_ANSWER, question.value, m.value))
            for m in mask_choices(situation)
        ]
    else:
        choices = [
            (texts.BUTTON_YES, BUTTONS.data(RULE_ANSWER, question.value, YES)),
            (texts.BUTTON_NO, BUTTONS.data(RULE_ANSWER, question.value, NO)),
        ]
    text = texts.QUESTIONS[question]
    if situation.case_role is not Role.STUDENT and situation.contact_role is Role.STUDENT:
        text = f"{texts.QUESTION_OF_TEACHER}\n{text}"
    await reply(update, text, keyboards.inline([choices]))


async def _verdict(update: Update, context: BotContext, form: ContactForm) -> None:
    assessment = form.assessment()
    assert assessment is not None
    go_on = texts.BUTTON_GO_ON if assessment.verdict is Verdict.CLOSE else texts.BUTTON_ADD_ANYWAY
    keyboard = keyboards.inline([[(go_on, BUTTONS.data(GO_ON))], _cancel_row()])
    await reply(update, verdict_text(assessment), keyboard)


# --- the review ----------------------------------------------------------------------------------


async def review(update: Update, context: BotContext, form: ContactForm) -> Sent | None:
    """The fields, a ✏️ button for each, then Salva / Annulla; returns the message."""
    if form.mode == "import":
        await _import_review(update, form)
        return None
    header = (
        render(texts.REVIEW_EDIT, contact_id=form.contact_number, case_id=form.case.case_id)
        if form.mode == "edit"
        else render(texts.REVIEW_NEW, case_id=form.case.case_id)
    )
    parts = [header, fields_text(form.draft)]
    rules = verdict_line(form.assessment())
    if rules is not None:
        parts.append(rules)
    rows = pairs([_fix_button(field) for field in ContactField])
    rows.append(save_cancel_row(BUTTONS))
    return await reply(update, "\n\n".join(parts), keyboards.inline(rows))


def saved_review_text(form: ContactForm, contact_id: int) -> str:
    """What the reviews say once the contact is saved: the fields, the codice fiscale
    masked."""
    draft = form.draft
    if draft.codice_fiscale is not None:
        draft = draft.model_copy(
            update={"codice_fiscale": mask_codice_fiscale(draft.codice_fiscale)}
        )
    header = render(texts.REVIEW_SAVED, contact_id=contact_id, case_id=form.case.case_id)
    return "\n\n".join([header, fields_text(draft)])


async def _import_review(update: Update, form: ContactForm) -> None:
    count = len(form.people)
    parts = [
        render(plural(count, texts.IMPORT_REVIEW), case_id=form.case.case_id),
        fields_text(form.draft, IMPORT_FIELDS),
    ]
    if any(person.comune is None or person.phone is None for person in form.people):
        parts.append(texts.IMPORT_TO_COMPLETE)
    rows = [
        [(plural(count, texts.BUTTON_CONFIRM_IMPORT), BUTTONS.data(SAVE))],
        [(texts.BUTTON_CONFIRM_AND_CLOSE, BUTTONS.data(SAVE_AND_CLOSE))],
    ]
    rows.extend(pairs([_fix_button(field) for field in IMPORT_FIELDS]))
    rows.append(_cancel_row())
    await reply(update, "\n\n".join(parts), keyboards.inline(rows))


_QUESTIONS: dict[ContactStep, Asker] = {
    ContactStep.CHOOSE: _choose,
    ContactStep.ROLE: _role,
    ContactStep.RULES: _rules,
    ContactStep.RULE: _rule,
    ContactStep.VERDICT: _verdict,
    ContactStep.CLASS_NAME: _class_name,
    ContactStep.SECTION: _section,
    ContactStep.SURNAME: _plain(texts.ASK_SURNAME),
    ContactStep.NAME: _plain(texts.ASK_NAME),
    ContactStep.CODICE_FISCALE: _plain(texts.ASK_CODICE_FISCALE),
    ContactStep.BIRTH_DATE: _birth_date,
    ContactStep.COMUNE: _plain(texts.ASK_COMUNE),
    ContactStep.ADDRESS: _address,
    ContactStep.PHONE: _plain(texts.ASK_PHONE),
    ContactStep.LAST_CONTACT: _last_contact,
    ContactStep.REVIEW: review,
}


async def ask(update: Update, context: BotContext, step: ContactStep, form: ContactForm) -> None:
    await _QUESTIONS[step](update, context, form)
