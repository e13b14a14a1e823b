"""The questions of the case form: one message (and its buttons) per step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot import keyboards
from bot.catalog import cases as texts
from bot.catalog import render
from bot.catalog.validation import SCHOOL_TYPE_LABELS
from bot.context import BotContext
from bot.forms import (
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
from conversations.cases.steps import (
    BUTTONS,
    CF_CONFIRM,
    DUPLICATE_GO,
    DUPLICATE_STOP,
    PICK_PLESSO,
    PICK_SCHOOL_TYPE,
    PLAUSIBLE_OK,
    REFERENT_CHANGE,
    REFERENT_OK,
    Form,
    Step,
)
from conversations.cases.views import case_fields_text
from domain.cases import CaseField, Oddity, class_and_section_together, oddities
from domain.codice_fiscale import mask_codice_fiscale, name_letters, name_mismatches
from domain.dates import format_date
from domain.people import age_on
from domain.registry import Plesso
from domain.schools import SchoolType
from services import cases as cases_service

Question = Callable[[Update, BotContext, Form], Awaitable[object]]


async def actor_plessi(context: BotContext) -> list[Plesso]:
    """The actor's plessi, the one used last first."""
    return await cases_service.actor_plessi(context.services, context.actor)


def _fix_button(field: CaseField) -> keyboards.Button:
    return fix_button(BUTTONS, field, texts.FIELD_LABELS[field])


async def _plesso(update: Update, context: BotContext, form: Form) -> None:
    buttons = [
        (
            texts.PLESSO_BUTTON.format(name=p.name, comune=p.comune_name),
            BUTTONS.data(PICK_PLESSO, p.code),
        )
        for p in await actor_plessi(context)
    ]
    await reply(update, texts.ASK_PLESSO, keyboards.column(buttons))


async def _school_type(update: Update, context: BotContext, form: Form) -> None:
    types = list(SchoolType)
    plesso = await cases_service.plesso(context.services, form.draft.plesso_code)
    if plesso is not None and plesso.school_type in types:
        # The plesso's own type first: the likely answer.
        types.sort(key=lambda kind: kind.value != plesso.school_type)
    buttons = [
        (SCHOOL_TYPE_LABELS[kind], BUTTONS.data(PICK_SCHOOL_TYPE, kind.value)) for kind in types
    ]
    await reply(update, texts.ASK_SCHOOL_TYPE, keyboards.column(buttons))


async def _class_name(update: Update, context: BotContext, form: Form) -> None:
    kind = form.draft.school_type
    together = kind is not None and class_and_section_together(kind)
    await reply(update, texts.ASK_CLASS_ZERO_SIX if together else texts.ASK_CLASS)


async def _referent(update: Update, context: BotContext, form: Form) -> None:
    draft = form.draft
    keyboard = keyboards.inline(
        [
            [
                (texts.BUTTON_CONFIRM, BUTTONS.data(REFERENT_OK)),
                (texts.BUTTON_CHANGE, BUTTONS.data(REFERENT_CHANGE)),
            ]
        ]
    )
    text = render(
        texts.ASK_REFERENT,
        name=draft.referent_name,
        phone=draft.referent_phone,
        email=draft.referent_email,
    )
    await reply(update, text, keyboard)


async def _role(update: Update, context: BotContext, form: Form) -> None:
    await reply(update, texts.ASK_ROLE, role_keyboard(BUTTONS))


async def _duplicate(update: Update, context: BotContext, form: Form) -> None:
    keyboard = keyboards.inline(
        [
            [
                (texts.BUTTON_CONTINUE, BUTTONS.data(DUPLICATE_GO)),
                (texts.BUTTON_CANCEL, BUTTONS.data(DUPLICATE_STOP)),
            ]
        ]
    )
    await reply(update, render(texts.DUPLICATE_WARNING, case_id=form.duplicate_of), keyboard)


async def _birth_date(update: Update, context: BotContext, form: Form) -> None:
    fixes = [_fix_button(CaseField.CODICE_FISCALE), _fix_button(CaseField.ROLE)]
    known = (form.draft.codice_fiscale, form.draft.role)
    await ask_birth_date(update, context, BUTTONS, CaseField.BIRTH_DATE, known, fixes)


async def _cf_mismatch(update: Update, context: BotContext, form: Form) -> None:
    """Which part of the name the code does not encode; confirm, or correct one of them."""
    draft = form.draft
    assert draft.codice_fiscale is not None and draft.surname and draft.name
    expected = dict(zip(("surname", "name"), name_letters(draft.surname, draft.name), strict=True))
    actual = {"surname": draft.codice_fiscale[0:3], "name": draft.codice_fiscale[3:6]}
    typed = {"surname": draft.surname, "name": draft.name}
    parts = [
        render(
            texts.CF_MISMATCH_PART[part],
            typed=typed[part],
            expected=expected[part],
            actual=actual[part],
        )
        for part in name_mismatches(draft.codice_fiscale, draft.surname, draft.name)
    ]
    # The parts are rendered (escaped) already: filled in after the code.
    text = render(texts.CF_MISMATCH, cf=draft.codice_fiscale, parts="{parts}").replace(
        "{parts}", texts.CF_MISMATCH_JOIN.join(parts)
    )
    keyboard = keyboards.inline(
        [
            [(texts.BUTTON_CF_CONFIRM, BUTTONS.data(CF_CONFIRM))],
            [_fix_button(CaseField.CODICE_FISCALE)],
            [_fix_button(CaseField.SURNAME), _fix_button(CaseField.NAME)],
        ]
    )
    await reply(update, text, keyboard)


_ODDITY_FIXES: dict[Oddity, tuple[CaseField, ...]] = {
    Oddity.SWAB_LONG_BEFORE: (CaseField.SWAB_DATE, CaseField.LAST_ATTENDANCE),
    Oddity.LAST_DAY_SUNDAY: (CaseField.LAST_ATTENDANCE,),
    Oddity.LAST_DAY_HOLIDAY: (CaseField.LAST_ATTENDANCE,),
    Oddity.AGE_FOR_SCHOOL: (CaseField.CODICE_FISCALE, CaseField.SCHOOL_TYPE),
}


async def _plausibility(update: Update, context: BotContext, form: Form) -> None:
    """On Save: what looks unlikely, each possible; save as it is, or correct."""
    draft, today = form.draft, today_of(context)
    found = oddities(draft, today)
    lines = [texts.ODDITIES_HEADER]
    for odd in found:
        lines.append(
            "• "
            + render(
                texts.ODDITIES[odd],
                swab=format_date(draft.swab_date) if draft.swab_date else "",
                last=format_date(draft.last_attendance) if draft.last_attendance else "",
                birth=format_date(draft.birth_date) if draft.birth_date else "",
                age=age_on(draft.birth_date, today) if draft.birth_date else "",
                school=SCHOOL_TYPE_LABELS[draft.school_type] if draft.school_type else "",
            )
        )
    lines += ["", texts.ODDITIES_QUESTION]
    fields = list(dict.fromkeys(field for odd in found for field in _ODDITY_FIXES[odd]))
    rows = [[(texts.BUTTON_SAVE_AS_IS, BUTTONS.data(PLAUSIBLE_OK))]]
    rows += pairs([_fix_button(field) for field in fields])
    await reply(update, "\n".join(lines), keyboards.inline(rows))


async def _phone2(update: Update, context: BotContext, form: Form) -> None:
    keyboard = keyboards.inline([[(texts.BUTTON_SKIP, BUTTONS.data(SKIP, CaseField.PHONE2))]])
    await reply(update, texts.ASK_PHONE2, keyboard)


def _dates(text: str, field: CaseField, skip_label: str | None) -> Question:
    async def ask(update: Update, context: BotContext, form: Form) -> None:
        keyboard = days_keyboard(BUTTONS, field, today_of(context), skip_label=skip_label)
        await reply(update, text, keyboard)

    return ask


def _plain(text: str) -> Question:
    async def ask(update: Update, context: BotContext, form: Form) -> None:
        await reply(update, text)

    return ask


async def review(update: Update, context: BotContext, form: Form) -> Sent | None:
    """All the fields, a ✏️ button for each, then Salva / Annulla; returns the message."""
    draft = form.draft
    plesso = await cases_service.plesso(context.services, draft.plesso_code)
    header = (
        render(texts.REVIEW_EDIT, case_id=form.case_id) if form.mode == "edit" else texts.REVIEW_NEW
    )
    several_plessi = len(context.actor.referent.plessi) > 1 if context.actor.referent else False
    fields = [
        field
        for field in CaseField
        if field is not CaseField.PLESSO or (form.mode == "new" and several_plessi)
    ]
    rows = pairs([_fix_button(field) for field in fields])
    rows.append(save_cancel_row(BUTTONS))
    parts = [header, case_fields_text(draft, plesso)]
    if draft.cf_mismatch_confirmed:
        parts.append(texts.CF_MISMATCH_FLAG)
    return await reply(update, "\n\n".join(parts), keyboards.inline(rows))


async def saved_review_text(context: BotContext, form: Form, case_id: int) -> str:
    """What the reviews say once the case is saved: the same fields, the codice fiscale
    masked."""
    draft = form.draft
    if draft.codice_fiscale is not None:
        draft = draft.model_copy(
            update={"codice_fiscale": mask_codice_fiscale(draft.codice_fiscale)}
        )
    plesso = await cases_service.plesso(context.services, draft.plesso_code)
    header = render(texts.REVIEW_SAVED, case_id=case_id)
    parts = [header, case_fields_text(draft, plesso)]
    if draft.cf_mismatch_confirmed:
        parts.append(texts.CF_MISMATCH_FLAG)
    return "\n\n".join(parts)


_QUESTIONS: dict[Step, Question] = {
    Step.PLESSO: _plesso,
    Step.SCHOOL_TYPE: _school_type,
    Step.CLASS_NAME: _class_name,
    Step.SECTION: _plain(texts.ASK_SECTION),
    Step.REFERENT: _referent,
    Step.REFERENT_NAME: _plain(texts.ASK_REFERENT_NAME),
    Step.REFERENT_PHONE: _plain(texts.ASK_REFERENT_PHONE),
    Step.REFERENT_EMAIL: _plain(texts.ASK_REFERENT_EMAIL),
    Step.ROLE: _role,
    Step.SURNAME: _plain(texts.ASK_SURNAME),
    Step.NAME: _plain(texts.ASK_NAME),
    Step.CODICE_FISCALE: _plain(texts.ASK_CODICE_FISCALE),
    Step.DUPLICATE: _duplicate,
    Step.BIRTH_DATE: _birth_date,
    Step.COMUNE: _plain(texts.ASK_COMUNE),
    Step.PHONE1: _plain(texts.ASK_PHONE1),
    Step.PHONE2: _phone2,
    Step.LAST_ATTENDANCE: _dates(texts.ASK_LAST_ATTENDANCE, CaseField.LAST_ATTENDANCE, None),
    Step.SWAB_DATE: _dates(texts.ASK_SWAB_DATE, CaseField.SWAB_DATE, texts.BUTTON_UNKNOWN),
    Step.ONSET_DATE: _dates(texts.ASK_ONSET_DATE, CaseField.ONSET_DATE, texts.BUTTON_UNKNOWN),
    Step.REVIEW: review,
    Step.CF_MISMATCH: _cf_mismatch,
    Step.PLAUSIBILITY: _plausibility,
}


async def ask(update: Update, context: BotContext, step: Step, form: Form) -> None:
    await _QUESTIONS[step](update, context, form)
