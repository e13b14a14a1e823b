"""How a case looks in the chat: its fields (review and "Vedi caso") and its action buttons.

Shared by the form (`form`), the case list (`lists`), the closing (`close`) and the
contacts' screens (their «Vedi caso» button).
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot import keyboards
from bot.callbacks import Buttons
from bot.catalog import cases as texts
from bot.catalog import closing as closing_texts
from bot.catalog import contacts as contact_texts
from bot.catalog import render
from bot.forms import plain_value
from conversations.contacts.buttons import add_contacts, list_contacts
from domain.cases import Case, CaseDraft, CaseField
from domain.codice_fiscale import mask_codice_fiscale
from domain.people import format_phone
from domain.registry import Plesso

# Callback data of the case list and of the case actions: cs:<verb>:<args>.
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


CASES = Buttons("cs", "the case list and a case's actions (Vedi, Modifica, Elenco, Nuovo caso)")

# "Chiudi e invia il caso all'ATS" (conversations/cases/close.py): cc:<verb>:<case id>.
CLOSE = Buttons("cc", "Chiudi e invia il caso all'ATS: the review, more contacts, Sì / No")
CLOSE_ASK = "ask"


def close_button(case_id: int, *, short: bool = False) -> keyboards.Button:
    label = (
        closing_texts.BUTTON_CLOSE_FOR.format(case_id=case_id)
        if short
        else closing_texts.BUTTON_CLOSE
    )
    return label, CLOSE.data(CLOSE_ASK, case_id)


def field_value(draft: CaseDraft, field: CaseField, plesso: Plesso | None) -> str | None:
    """The field as the user reads it (plain text, not yet escaped), or None when empty."""
    value = getattr(draft, field.value)
    if value is None:
        return None
    if field is CaseField.PLESSO:
        return texts.PLESSO_VALUE.format(name=plesso.name, code=plesso.code) if plesso else value
    if field in _PHONE_FIELDS:
        return format_phone(value)
    return plain_value(value)


_PHONE_FIELDS = frozenset({CaseField.REFERENT_PHONE, CaseField.PHONE1, CaseField.PHONE2})


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
    case = [field_line(draft, field, plesso) for field in CaseField if field not in _SCHOOL_FIELDS]
    return "\n".join([texts.SECTION_SCHOOL, *school, "", texts.SECTION_CASE, *case])


def status_text(case: Case) -> str:
    return texts.STATUS_OPEN if case.is_open else texts.STATUS_CLOSED


def case_view_text(case: Case, plesso: Plesso | None, contacts: int, masked: bool = False) -> str:
    """The portal's "vedi caso": every field, the number of contacts, and the state;
    `masked`: the codice fiscale masked (the view shown right after a save)."""
    draft = case.data.as_draft()
    if masked and draft.codice_fiscale is not None:
        draft = draft.model_copy(
            update={"codice_fiscale": mask_codice_fiscale(draft.codice_fiscale)}
        )
    parts = [
        render(texts.VIEW_HEADER, case_id=case.id, status=status_text(case)),
        "",
        case_fields_text(draft, plesso),
        "",
        render(texts.VIEW_CONTACTS, contacts=contacts),
    ]
    if not case.is_open:
        parts.append(texts.VIEW_CLOSED)
    return "\n".join(parts)


def contacts_row(case_id: int, is_open: bool) -> list[keyboards.Button]:
    """Aggiungi contatti (while open) and Vedi contatti."""
    row = [(contact_texts.BUTTON_LIST, list_contacts(case_id))]
    if is_open:
        row.insert(0, (contact_texts.BUTTON_ADD, add_contacts(case_id)))
    return row


def case_view_keyboard(case: Case) -> InlineKeyboardMarkup:
    """An open case can be edited, get contacts, and be closed and sent to ATS; a closed
    one shows its contacts only."""
    rows: list[list[keyboards.Button]] = []
    if case.is_open:
        rows.append([(texts.BUTTON_EDIT_THIS, CASES.data(EDIT, case.id))])
    rows.append(contacts_row(case.id, case.is_open))
    if case.is_open:
        rows.append([close_button(case.id)])
    rows.append([(texts.BUTTON_LIST, CASES.data(LIST, case.data.plesso_code))])
    return keyboards.inline(rows)
