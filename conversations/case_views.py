"""How a case looks in the chat: its fields (review and "Vedi caso") and its action buttons.

Shared by the form (`case_form`) and the case list (`cases`).
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup

from bot import keyboards
from bot.catalog import cases as texts
from bot.catalog import render
from bot.catalog.validation import ROLE_LABELS, SCHOOL_TYPE_LABELS
from domain.cases import Case, CaseDraft, CaseField
from domain.comuni import label as comune_label
from domain.dates import format_date
from domain.registry import Plesso

# Callback data of the case list and of the case actions: cs:<verb>:<args>.
CB_CASES = "cs"
VIEW = "view"
EDIT = "edit"
PAGE = "page"
LIST = "list"
NEW = "new"

_SCHOOL_FIELDS = (
    CaseField.PLESSO,
    CaseField.SCHOOL_TYPE,
    CaseField.CLASS_NAME,
    CaseField.SECTION,
    CaseField.REFERENT_NAME,
    CaseField.REFERENT_PHONE,
    CaseField.REFERENT_EMAIL,
)


def case_callback(verb: str, *args: object) -> str:
    return keyboards.callback(CB_CASES, verb, *args)


def case_pattern(verb: str) -> str:
    return keyboards.pattern(f"{CB_CASES}:{verb}")


def case_args(data: str | None, verb: str, arity: int) -> list[str]:
    """The arguments of a case button `cs:<verb>:...`; BadCallback if it is not one."""
    parts = keyboards.parse(data, CB_CASES, arity + 1)
    if parts[0] != verb:
        raise keyboards.BadCallback("wrong verb")
    return parts[1:]


def field_value(draft: CaseDraft, field: CaseField, plesso: Plesso | None) -> str | None:
    """The field as the user reads it (plain text, not yet escaped), or None when empty."""
    value = getattr(draft, field.value)
    if value is None:
        return None
    if field is CaseField.PLESSO:
        return texts.PLESSO_VALUE.format(name=plesso.name, code=plesso.code) if plesso else value
    if field is CaseField.SCHOOL_TYPE:
        return SCHOOL_TYPE_LABELS[value]
    if field is CaseField.ROLE:
        return ROLE_LABELS[value]
    if field is CaseField.COMUNE:
        return comune_label(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def field_line(draft: CaseDraft, field: CaseField, plesso: Plesso | None) -> str:
    label = texts.FIELD_LABELS[field]
    value = field_value(draft, field, plesso)
    if value is None:
        dated = field in (CaseField.SWAB_DATE, CaseField.ONSET_DATE)
        return render(texts.DATE_EMPTY if dated else texts.FIELD_EMPTY, label=label)
    return render(texts.FIELD_LINE, label=label, value=value)


def case_fields_text(draft: CaseDraft, plesso: Plesso | None) -> str:
    """Every field of the form, grouped as the portal groups them."""
    school = [field_line(draft, field, plesso) for field in _SCHOOL_FIELDS]
    case = [
        field_line(draft, field, plesso) for field in CaseField if field not in _SCHOOL_FIELDS
    ]
    return "\n".join([texts.SECTION_SCHOOL, *school, "", texts.SECTION_CASE, *case])


def status_text(case: Case) -> str:
    return texts.STATUS_OPEN if case.is_open else texts.STATUS_CLOSED


def case_view_text(case: Case, plesso: Plesso | None, contacts: int) -> str:
    """The portal's "vedi caso": every field, the number of contacts, and the state."""
    parts = [
        render(texts.VIEW_HEADER, case_id=case.id, status=status_text(case)),
        "",
        case_fields_text(case.data.as_draft(), plesso),
        "",
        render(texts.VIEW_CONTACTS, contacts=contacts),
    ]
    if not case.is_open:
        parts.append(texts.VIEW_CLOSED)
    return "\n".join(parts)


def case_view_keyboard(case: Case) -> InlineKeyboardMarkup:
    """An open case can be edited (contacts and closing arrive with their own issues)."""
    rows: list[list[keyboards.Button]] = []
    if case.is_open:
        rows.append([(texts.BUTTON_EDIT_THIS, case_callback(EDIT, case.id))])
    rows.append([(texts.BUTTON_LIST, case_callback(LIST, case.data.plesso_code))])
    return keyboards.inline(rows)
