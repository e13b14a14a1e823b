"""The close contacts of a case: their fields, the contact window, and the checks on Save.

The portal's "Aggiungi Contatto al Caso" form: role, class, section, surname, name, codice
fiscale, date of birth, comune of residence, address, mobile phone, and the date of the
last contact with the case (mandatory). Contacts count from 2 days before the swab (or
before symptom onset, when known, whichever is earlier) until the case's last day at school
("DEFINIZIONI UTILI").

A contact added one at a time has every field but the address. A contact imported from a
pasted list or a class file may lack the comune and the phone: they are left empty, never
guessed, and the contact shows as "da completare" until someone fills them in.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.cases import Case, check_birth_date
from domain.codice_fiscale import CodiceFiscale, mask_codice_fiscale, parse_codice_fiscale
from domain.comuni import Comune
from domain.dates import check_not_future, format_date, parse_date
from domain.errors import ValidationFailed
from domain.people import Role
from domain.schools import SchoolType
from domain.text import normalize_free_text

LAST_CONTACT_FIELD = "data ultimo contatto con il caso"
ADDRESS_FIELD = "indirizzo"
ADDRESS_MAX_LENGTH = 200

# Contacts count from this many days before the swab or the onset of symptoms.
DAYS_BEFORE_SWAB_OR_ONSET = 2

PAGE_SIZE = 10


class ContactField(StrEnum):
    """The fields of the portal's contact form, in its order; values are the draft's keys."""

    ROLE = "role"
    CLASS_NAME = "class_name"
    SECTION = "section"
    SURNAME = "surname"
    NAME = "name"
    CODICE_FISCALE = "codice_fiscale"
    BIRTH_DATE = "birth_date"
    COMUNE = "comune"
    ADDRESS = "address"
    PHONE = "phone"
    LAST_CONTACT = "last_contact"


OPTIONAL_FIELDS = frozenset({ContactField.ADDRESS})
# Asked by the form, but an import may leave them empty: the contact is then "da completare".
TO_COMPLETE_FIELDS = (ContactField.COMUNE, ContactField.PHONE)


class ContactSource(StrEnum):
    FORM = "form"
    LIST = "list"
    FILE = "file"


class ContactDraft(BaseModel):
    """The answers given so far; JSON-friendly for the flow."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    role: Role | None = None
    class_name: str | None = None
    section: str | None = None
    surname: str | None = None
    name: str | None = None
    codice_fiscale: str | None = None
    birth_date: date | None = None
    comune: Comune | None = None
    address: str | None = None
    phone: str | None = None
    last_contact: date | None = None

    def missing(self) -> list[ContactField]:
        """The fields the form needs still without an answer, in the form's order."""
        return [
            field
            for field in ContactField
            if field not in OPTIONAL_FIELDS and getattr(self, field.value) is None
        ]

    def with_codice_fiscale(self, codice_fiscale: CodiceFiscale) -> ContactDraft:
        """The new code; a birth date that contradicts it is dropped, to be asked again."""
        birth = self.birth_date if self.birth_date == codice_fiscale.birth_date else None
        return self.model_copy(update={"codice_fiscale": codice_fiscale.value, "birth_date": birth})


class ContactPerson(BaseModel):
    """Who a contact is: all a class list can say of a person."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    surname: str
    name: str
    codice_fiscale: str
    birth_date: date
    comune: Comune | None = None
    address: str | None = None
    phone: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.name}"


class ContactData(ContactPerson):
    """A contact ready to be saved (see `complete_contact` and `domain.contact_import`)."""

    role: Role
    class_name: str
    section: str
    last_contact: date

    def to_complete(self) -> list[ContactField]:
        """The form's fields an import left empty."""
        return [field for field in TO_COMPLETE_FIELDS if getattr(self, field.value) is None]

    def as_draft(self) -> ContactDraft:
        return ContactDraft.model_validate(self.model_dump())


class Contact(BaseModel):
    """A saved contact, as the repository returns it."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    case_id: int
    number: int = 0
    """The contact's number within its case (1 for the first): what people read."""
    data: ContactData
    source: ContactSource
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def masked_codice_fiscale(self) -> str:
        return mask_codice_fiscale(self.data.codice_fiscale)

    @property
    def full_name(self) -> str:
        return self.data.full_name


class ContactPage(BaseModel):
    """One page of a case's contacts, in the order they were added."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    items: list[Contact]
    page: int
    """1-based."""
    pages: int
    total: int


# --- what a change did ----------------------------------------------------------------------------


class Outcome(StrEnum):
    SAVED = "saved"
    UNCHANGED = "unchanged"
    """An edit that changed nothing: nothing was written."""
    CONFLICT = "conflict"
    """Someone saved the contact after the edit started: nothing was written."""
    CLOSED = "closed"
    """The case was closed and sent to ATS: its contacts cannot change any more."""
    MISSING = "missing"
    """No such case, or no such contact."""
    DUPLICATE = "duplicate"
    """The codice fiscale is already a contact of the case (`contact` is that one)."""
    IS_CASE = "is_case"
    """The codice fiscale is the case's own."""
    DELETED = "deleted"


class ContactChange(BaseModel):
    """What a change did, and the contact it concerns (the existing one for DUPLICATE)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    outcome: Outcome
    contact: Contact | None = None


class BulkAdd(BaseModel):
    """What adding many did: SAVED (possibly with none new), CLOSED or MISSING."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    outcome: Outcome
    added: tuple[int, ...] = ()
    """The ids of the new contacts."""
    skipped: int = 0
    """Already contacts of the case (or the case person): not added again."""


# --- the case, as the contact rules see it -------------------------------------------------------


class ContactWindow(BaseModel):
    """The days a last contact may fall on: `earliest` (None: unknown) to `latest`."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    earliest: date | None
    latest: date

    @property
    def is_empty(self) -> bool:
        return self.earliest is not None and self.earliest > self.latest

    def days(self, today: date, count: int) -> list[date]:
        """Up to `count` days of the window, latest first, none in the future."""
        start = min(self.latest, today)
        days = [start - timedelta(days=offset) for offset in range(count)]
        return [day for day in days if self.earliest is None or day >= self.earliest]


def proposed_last_contact(window: ContactWindow, today: date) -> date | None:
    """The date offered for the last contact: the case's last day at school (if possible)."""
    days = [] if window.is_empty else window.days(today, 1)
    return days[0] if days else None


def contact_window(last_attendance: date, swab: date | None, onset: date | None) -> ContactWindow:
    """From 2 days before the swab or the symptom onset (the earlier one, when both are
    known) to the last day of attendance; with neither known only the upper bound holds."""
    known = [day for day in (swab, onset) if day is not None]
    earliest = min(known) - timedelta(days=DAYS_BEFORE_SWAB_OR_ONSET) if known else None
    return ContactWindow(earliest=earliest, latest=last_attendance)


class CaseFacts(BaseModel):
    """What the contact form needs to know of its case (kept with the form's answers)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    case_id: int
    role: Role
    school_type: SchoolType
    codice_fiscale: str
    class_name: str
    section: str
    window: ContactWindow

    @classmethod
    def of(cls, case: Case) -> CaseFacts:
        data = case.data
        return cls(
            case_id=case.id,
            role=data.role,
            school_type=data.school_type,
            codice_fiscale=data.codice_fiscale,
            class_name=data.class_name,
            section=data.section,
            window=contact_window(data.last_attendance, data.swab_date, data.onset_date),
        )


# --- answers, one field at a time ----------------------------------------------------------------


def check_last_contact(day: date, window: ContactWindow, today: date) -> None:
    """The last contact is not in the future and lies inside the case's contact window."""
    check_not_future(day, today, LAST_CONTACT_FIELD)
    latest = format_date(window.latest)
    if window.earliest is None:
        if day > window.latest:
            raise ValidationFailed("contact_after_attendance", date=format_date(day), latest=latest)
        return
    earliest = format_date(window.earliest)
    if window.is_empty:
        raise ValidationFailed("contact_window_empty", earliest=earliest, latest=latest)
    if not window.earliest <= day <= window.latest:
        raise ValidationFailed(
            "contact_outside_window", date=format_date(day), earliest=earliest, latest=latest
        )


def parse_last_contact(text: str, today: date, window: ContactWindow) -> date:
    day = parse_date(text, today)
    check_last_contact(day, window, today)
    return day


def parse_address(text: str) -> str:
    return normalize_free_text(text, ADDRESS_FIELD, ADDRESS_MAX_LENGTH)


def check_not_the_case(codice_fiscale: str, case_codice_fiscale: str) -> None:
    """The case person cannot be their own contact."""
    if codice_fiscale == case_codice_fiscale:
        raise ValidationFailed("contact_is_case")


def duplicate_error(existing: Contact) -> ValidationFailed:
    """The same codice fiscale twice in one case, naming the contact already there."""
    return ValidationFailed(
        "contact_duplicate",
        contact_id=existing.number,
        surname=existing.data.surname,
        name=existing.data.name,
    )


# --- the whole form, on Save ---------------------------------------------------------------------


def check_contact(data: ContactData, case: CaseFacts, today: date) -> None:
    """The rules across fields, checked again on Save (the case may have changed since)."""
    codice_fiscale = parse_codice_fiscale(data.codice_fiscale, today)
    check_not_the_case(codice_fiscale.value, case.codice_fiscale)
    check_birth_date(data.birth_date, data.role, codice_fiscale, today)
    check_last_contact(data.last_contact, case.window, today)


class IncompleteContact(ValueError):
    """Save was asked with mandatory fields still empty."""

    def __init__(self, missing: list[ContactField]) -> None:
        super().__init__(", ".join(field.value for field in missing))
        self.missing = missing


def complete_contact(draft: ContactDraft, case: CaseFacts, today: date) -> ContactData:
    """The draft as a contact; IncompleteContact or ValidationFailed says why not."""
    missing = draft.missing()
    if missing:
        raise IncompleteContact(missing)
    data = ContactData.model_validate(draft.model_dump())
    check_contact(data, case, today)
    return data


def changed_fields(before: ContactData, after: ContactData) -> list[ContactField]:
    """The fields an edit changed, for the audit trail (names only, never values)."""
    return [
        field
        for field in ContactField
        if getattr(before, field.value) != getattr(after, field.value)
    ]
