"""How contacts look in the chat: their fields, one contact, a case's list, a list's summary.

Shared by the contact conversation (`contact_form`) and the contact screens (`contact_list`).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot import keyboards
from bot.catalog import cases as case_texts
from bot.catalog import closing as closing_texts
from bot.catalog import common, plural, render
from bot.catalog import contacts as texts
from bot.catalog.validation import ROLE_LABELS
from bot.forms import pairs, plain_value
from conversations.cases.views import CASES, CLOSE, CLOSE_ASK
from conversations.cases.views import VIEW as CASE_VIEW
from conversations.common.csv_upload import reason
from conversations.contacts.buttons import (
    CONTACTS,
    DELETE,
    EDIT,
    VIEW,
    add_contacts,
    list_contacts,
)
from domain.cases import Case
from domain.close_contact import Assessment, Verdict
from domain.contact_import import ImportPlan
from domain.contacts import (
    TO_COMPLETE_FIELDS,
    Contact,
    ContactDraft,
    ContactField,
    ContactPage,
    ContactWindow,
)
from domain.dates import format_date
from domain.people import format_phone
from domain.schools import RowError

MAX_LISTED = 20
# Characters of a summary given to the refused lines and to the people already there.
REFUSED_BUDGET = 2600
KNOWN_BUDGET = 800


def field_value(draft: ContactDraft, field: ContactField) -> str | None:
    """The field as the user reads it (plain text, not yet escaped), or None when empty."""
    value = getattr(draft, field.value)
    if value is None:
        return None
    return format_phone(value) if field is ContactField.PHONE else plain_value(value)


def field_line(draft: ContactDraft, field: ContactField, saved: bool = False) -> str:
    """One field; an empty comune or phone of a saved contact is "da completare"."""
    label = texts.FIELD_LABELS[field]
    value = field_value(draft, field)
    if value is not None:
        return render(texts.FIELD_LINE, label=label, value=value)
    empty = texts.FIELD_TO_COMPLETE if saved and field in TO_COMPLETE_FIELDS else texts.FIELD_EMPTY
    return render(empty, label=label)


def fields_text(
    draft: ContactDraft, fields: Sequence[ContactField] = tuple(ContactField), saved: bool = False
) -> str:
    return "\n".join(field_line(draft, field, saved) for field in fields)


def verdict_line(assessment: Assessment | None) -> str | None:
    if assessment is None:
        return None
    return render(texts.RULES_LINE, verdict=texts.VERDICTS[assessment.verdict])


def verdict_text(assessment: Assessment) -> str:
    """The verdict, the sentences of the definitions it rests on, and what to do now."""
    parts = [
        render(texts.VERDICT_HEADER, verdict=texts.VERDICTS[assessment.verdict]),
        *(texts.RULE_QUOTES[rule] for rule in assessment.rules),
    ]
    if assessment.verdict is Verdict.CLOSE:
        parts.append(texts.VERDICT_CLOSE_NOTE)
    else:
        parts.append(texts.VERDICT_DECIDE)
    return "\n\n".join(parts)


def window_text(window: ContactWindow) -> str:
    latest = format_date(window.latest)
    if window.earliest is None:
        return render(texts.WINDOW_UPPER, latest=latest)
    earliest = format_date(window.earliest)
    template = texts.WINDOW_EMPTY if window.is_empty else texts.WINDOW_BOTH
    return render(template, earliest=earliest, latest=latest)


# --- one contact ---------------------------------------------------------------------------------


def contact_text(contact: Contact, masked: bool = False) -> str:
    """The portal's contact card: every field, and what an import left to complete;
    `masked`: the codice fiscale masked (the card shown right after a save)."""
    data = contact.data
    draft = data.as_draft()
    if masked and draft.codice_fiscale is not None:
        draft = draft.model_copy(update={"codice_fiscale": contact.masked_codice_fiscale})
    parts = [
        render(texts.VIEW_HEADER, contact_id=contact.number, case_id=contact.case_id),
        fields_text(draft, saved=True),
    ]
    missing = data.to_complete()
    if missing:
        labels = ", ".join(texts.FIELD_LABELS[field] for field in missing)
        parts.append(render(texts.VIEW_TO_COMPLETE, fields=labels))
    return "\n\n".join(parts)


def contact_keyboard(contact: Contact, case_open: bool) -> InlineKeyboardMarkup:
    rows: list[list[keyboards.Button]] = []
    if case_open:
        rows.append(
            [
                (texts.BUTTON_EDIT, CONTACTS.data(EDIT, contact.id)),
                (texts.BUTTON_DELETE, CONTACTS.data(DELETE, contact.id)),
            ]
        )
    rows.append(_back_row(contact.case_id))
    return keyboards.inline(rows)


def _back_row(case_id: int) -> list[keyboards.Button]:
    return [
        (texts.BUTTON_LIST, list_contacts(case_id)),
        (texts.BUTTON_CASE.format(case_id=case_id), CASES.data(CASE_VIEW, case_id)),
    ]


# --- a case's contacts ---------------------------------------------------------------------------


def _list_line(contact: Contact) -> str:
    data = contact.data
    line = render(
        texts.LIST_LINE,
        contact_id=contact.number,
        surname=data.surname,
        name=data.name,
        cf=contact.masked_codice_fiscale,
        last_contact=format_date(data.last_contact),
        role=ROLE_LABELS[data.role],
    )
    return line + (texts.LIST_TO_COMPLETE if data.to_complete() else "")


def list_text(case: Case, page: ContactPage) -> str:
    status = case_texts.STATUS_OPEN if case.is_open else case_texts.STATUS_CLOSED
    header = render(
        texts.LIST_HEADER,
        case_id=case.id,
        surname=case.data.surname,
        name=case.data.name,
        status=status,
    )
    if page.total == 0:
        return "\n\n".join([header, texts.LIST_EMPTY])
    info = render(texts.LIST_PAGE, page=page.page, pages=page.pages, total=page.total)
    return "\n\n".join([header, info, "\n".join(_list_line(item) for item in page.items)])


def list_keyboard(case: Case, page: ContactPage) -> InlineKeyboardMarkup:
    """A button per contact, the pages, Aggiungi contatti (while open), back to the case."""
    rows = pairs(
        [
            (texts.BUTTON_CONTACT.format(contact_id=item.number), CONTACTS.data(VIEW, item.id))
            for item in page.items
        ]
    )
    paging: list[keyboards.Button] = []
    if page.page > 1:
        paging.append((common.BUTTON_PREVIOUS, list_contacts(case.id, page.page - 1)))
    if page.page < page.pages:
        paging.append((common.BUTTON_NEXT, list_contacts(case.id, page.page + 1)))
    if paging:
        rows.append(paging)
    if case.is_open:
        rows.append([(texts.BUTTON_ADD, add_contacts(case.id))])
    rows.append([(texts.BUTTON_CASE.format(case_id=case.id), CASES.data(CASE_VIEW, case.id))])
    return keyboards.inline(rows)


# --- what a list or a file would add -------------------------------------------------------------


def _reasons(errors: Sequence[RowError]) -> dict[int, str]:
    """Each refused line's reasons, joined."""
    found: dict[int, list[str]] = {}
    for error in errors:
        text = reason(error)
        found.setdefault(error.line, []).append(text)
    return {line: " ".join(reasons) for line, reasons in found.items()}


def _capped(lines: list[str], budget: int) -> list[str]:
    """The first lines, at most MAX_LISTED and `budget` characters (a Telegram message holds
    4096), then how many were left out."""
    shown: list[str] = []
    for line in lines[:MAX_LISTED]:
        budget -= len(line) + 1
        if budget < 0:
            break
        shown.append(line)
    if len(shown) == len(lines):
        return shown
    return [*shown, render(texts.SUMMARY_MORE, more=len(lines) - len(shown))]


def refused_lines(errors: Sequence[RowError], budget: int = REFUSED_BUDGET) -> list[str]:
    return _capped(
        budget=budget,
        lines=[
            render(texts.SUMMARY_REFUSED_LINE, line=line, reasons="") + reasons
            for line, reasons in sorted(_reasons(errors).items())
        ],
    )


def summary_text(plan: ImportPlan, case_id: int) -> str:
    """N to add, M refused with the line and the reason, K already contacts of the case."""
    if not plan.new and plan.known and not plan.errors:
        return render(texts.NOTHING_NEW, known=len(plan.known), case_id=case_id)
    parts = [
        render(
            texts.SUMMARY_HEADER,
            new=len(plan.new),
            refused=plural(len(plan.refused_lines), texts.SUMMARY_REFUSED_COUNT),
            known=plural(len(plan.known), texts.SUMMARY_KNOWN_COUNT),
        )
    ]
    if plan.errors:
        parts.append("\n".join([texts.SUMMARY_REFUSED, *refused_lines(plan.errors)]))
    if plan.known:
        known = [
            render(texts.SUMMARY_KNOWN_LINE, line=p.line, surname=p.surname, name=p.name)
            for p in plan.known
        ]
        parts.append("\n".join([texts.SUMMARY_KNOWN, *_capped(known, KNOWN_BUDGET)]))
    if not plan.new:
        parts.append(texts.NOTHING_VALID)
    return "\n\n".join(parts)


def import_done_text(case_id: int, added: int, skipped: int, left_out: Sequence[RowError]) -> str:
    """What Conferma added, what was already there, and who the chosen role left out."""
    parts = [render(plural(added, texts.IMPORT_DONE), case_id=case_id)]
    if skipped:
        parts.append(plural(skipped, texts.IMPORT_SKIPPED))
    if left_out:
        parts.append("\n".join([texts.IMPORT_LEFT_OUT, *refused_lines(left_out)]))
    return "\n\n".join(parts)


def done_keyboard(case_id: int) -> InlineKeyboardMarkup:
    """After a list or a file: close the case right there, or see the contacts or the case."""
    close = (closing_texts.BUTTON_CLOSE, CLOSE.data(CLOSE_ASK, case_id))
    return keyboards.inline([[close], _back_row(case_id)])
