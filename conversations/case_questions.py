"""The questions of the case form: one message (and its buttons) per step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from telegram import InlineKeyboardMarkup, Update

from bot import keyboards
from bot.catalog import cases as texts
from bot.catalog import error_text, render
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from bot.context import BotContext
from bot.replies import reply
from conversations.case_steps import (
    CANCEL,
    DUPLICATE_GO,
    DUPLICATE_STOP,
    FIX,
    PICK_COMUNE,
    PICK_DAY,
    PICK_PLESSO,
    PICK_ROLE,
    PICK_SCHOOL_TYPE,
    REFERENT_CHANGE,
    REFERENT_OK,
    SAVE,
    SKIP,
    Form,
    Step,
    form_callback,
)
from conversations.case_views import case_fields_text
from domain.cases import CaseField, class_and_section_together
from domain.codice_fiscale import parse_codice_fiscale
from domain.comuni import Comune
from domain.dates import format_date, recent_days
from domain.errors import ValidationFailed
from domain.people import check_birth_date_for_role
from domain.registry import Plesso
from domain.schools import SchoolType

RECENT_DAYS = 6

Question = Callable[[Update, BotContext, Form], Awaitable[None]]


def today_of(context: BotContext) -> date:
    return context.services.local_now().date()


async def actor_plessi(context: BotContext) -> list[Plesso]:
    """The actor's plessi, the one used last first (the registry keeps that order)."""
    referent = context.actor.referent
    if referent is None:
        return []
    found = {p.code: p for p in await context.services.plessi.many(referent.plessi)}
    return [found[code] for code in referent.plessi if code in found]


def _pairs(buttons: list[keyboards.Button]) -> list[list[keyboards.Button]]:
    return [buttons[index : index + 2] for index in range(0, len(buttons), 2)]


def day_label(day: date, today: date) -> str:
    short = day.strftime("%d/%m")
    if day == today:
        return texts.BUTTON_TODAY.format(date=short)
    if (today - day).days == 1:
        return texts.BUTTON_YESTERDAY.format(date=short)
    return texts.BUTTON_DAY.format(weekday=texts.WEEKDAYS[day.weekday()], date=short)


def day_callback(field: CaseField, day: date) -> str:
    """A day button names its field: an old button of another date question is stale."""
    return form_callback(PICK_DAY, field.value, day.isoformat())


def skip_callback(field: CaseField) -> str:
    return form_callback(SKIP, field.value)


def days_keyboard(
    today: date, field: CaseField, skip_label: str | None = None
) -> InlineKeyboardMarkup:
    """Today and the days before it, two per row; then "Non nota" for optional dates."""
    buttons = [
        (day_label(day, today), day_callback(field, day))
        for day in recent_days(today, RECENT_DAYS)
    ]
    rows = _pairs(buttons)
    if skip_label is not None:
        rows.append([(skip_label, skip_callback(field))])
    return keyboards.inline(rows)


def comuni_keyboard(comuni: list[Comune]) -> InlineKeyboardMarkup:
    return keyboards.column(
        [
            (texts.BUTTON_COMUNE.format(name=c.name, province=c.province),
             form_callback(PICK_COMUNE, c.code))
            for c in comuni
        ]
    )


def _fix_button(field: CaseField) -> keyboards.Button:
    label = texts.BUTTON_FIX.format(label=texts.FIELD_LABELS[field])
    return label, form_callback(FIX, field.value)


async def _plesso(update: Update, context: BotContext, form: Form) -> None:
    buttons = [
        (texts.PLESSO_BUTTON.format(name=p.name, comune=p.comune_name),
         form_callback(PICK_PLESSO, p.code))
        for p in await actor_plessi(context)
    ]
    await reply(update, texts.ASK_PLESSO, keyboards.column(buttons))


async def _school_type(update: Update, context: BotContext, form: Form) -> None:
    types = list(SchoolType)
    plesso = await context.services.plessi.get(form.draft.plesso_code or "")
    if plesso is not None and plesso.school_type in types:
        # The plesso's own type first: the likely answer.
        types.sort(key=lambda kind: kind.value != plesso.school_type)
    buttons = [(SCHOOL_TYPE_LABELS[kind], form_callback(PICK_SCHOOL_TYPE, kind.value))
               for kind in types]
    await reply(update, texts.ASK_SCHOOL_TYPE, keyboards.column(buttons))


async def _class_name(update: Update, context: BotContext, form: Form) -> None:
    kind = form.draft.school_type
    together = kind is not None and class_and_section_together(kind)
    await reply(update, texts.ASK_CLASS_ZERO_SIX if together else texts.ASK_CLASS)


async def _referent(update: Update, context: BotContext, form: Form) -> None:
    draft = form.draft
    keyboard = keyboards.inline([[
        (texts.BUTTON_CONFIRM, form_callback(REFERENT_OK)),
        (texts.BUTTON_CHANGE, form_callback(REFERENT_CHANGE)),
    ]])
    text = render(
        texts.ASK_REFERENT,
        name=draft.referent_name, phone=draft.referent_phone, email=draft.referent_email,
    )
    await reply(update, text, keyboard)


async def _role(update: Update, context: BotContext, form: Form) -> None:
    buttons = [(label, form_callback(PICK_ROLE, role.value)) for role, label in ROLE_LABELS.items()]
    await reply(update, texts.ASK_ROLE, keyboards.column(buttons))


async def _duplicate(update: Update, context: BotContext, form: Form) -> None:
    keyboard = keyboards.inline([[
        (texts.BUTTON_CONTINUE, form_callback(DUPLICATE_GO)),
        (texts.BUTTON_CANCEL, form_callback(DUPLICATE_STOP)),
    ]])
    await reply(update, render(texts.DUPLICATE_WARNING, case_id=form.duplicate_of), keyboard)


async def _birth_date(update: Update, context: BotContext, form: Form) -> None:
    today = today_of(context)
    code, role = form.draft.codice_fiscale, form.draft.role
    if code is None:
        await reply(update, texts.ASK_BIRTH_DATE_PLAIN)
        return
    cf_date = parse_codice_fiscale(code, today).birth_date
    shown = format_date(cf_date)
    try:
        if role is not None:
            check_birth_date_for_role(cf_date, role, today)
    except ValidationFailed as problem:
        # Typed dates must match the code: only a new code or another role can help.
        keyboard = keyboards.inline([[
            _fix_button(CaseField.CODICE_FISCALE), _fix_button(CaseField.ROLE),
        ]])
        text = "\n\n".join([
            render(texts.BIRTH_FROM_CF_IMPLAUSIBLE, cf_date=shown),
            error_text(problem),
            texts.BIRTH_FIX_HINT,
        ])
        await reply(update, text, keyboard)
        return
    keyboard = keyboards.inline(
        [[(texts.BUTTON_BIRTH_FROM_CF.format(date=shown),
           day_callback(CaseField.BIRTH_DATE, cf_date))]]
    )
    await reply(update, render(texts.ASK_BIRTH_DATE, cf_date=shown), keyboard)


async def _phone2(update: Update, context: BotContext, form: Form) -> None:
    keyboard = keyboards.inline([[(texts.BUTTON_SKIP, skip_callback(CaseField.PHONE2))]])
    await reply(update, texts.ASK_PHONE2, keyboard)


def _dates(text: str, field: CaseField, skip_label: str | None) -> Question:
    async def ask(update: Update, context: BotContext, form: Form) -> None:
        await reply(update, text, days_keyboard(today_of(context), field, skip_label))

    return ask


def _plain(text: str) -> Question:
    async def ask(update: Update, context: BotContext, form: Form) -> None:
        await reply(update, text)

    return ask


async def review(update: Update, context: BotContext, form: Form) -> None:
    """All the fields, a ✏️ button for each, then Salva / Annulla."""
    draft = form.draft
    plesso = await context.services.plessi.get(draft.plesso_code or "")
    header = (
        render(texts.REVIEW_EDIT, case_id=form.case_id) if form.mode == "edit"
        else texts.REVIEW_NEW
    )
    several_plessi = len(context.actor.referent.plessi) > 1 if context.actor.referent else False
    fields = [
        field for field in CaseField
        if field is not CaseField.PLESSO or (form.mode == "new" and several_plessi)
    ]
    rows = _pairs([_fix_button(field) for field in fields])
    rows.append([(texts.BUTTON_SAVE, form_callback(SAVE)),
                 (texts.BUTTON_CANCEL, form_callback(CANCEL))])
    text = "\n\n".join([header, case_fields_text(draft, plesso)])
    await reply(update, text, keyboards.inline(rows))


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
}


async def ask(update: Update, context: BotContext, step: Step, form: Form) -> None:
    await _QUESTIONS[step](update, context, form)
