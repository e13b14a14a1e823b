"""A COVID case report: its fields, how each answer is read, and the checks before saving.

The portal's "Crea una Nuova Segnalazione di Caso Covid 19" form: school data (plesso,
school type, class, section, referent), then the case (role, names, codice fiscale, birth
date, comune, phones, last day of attendance, swab and symptom-onset dates). A `CaseDraft`
holds the answers given so far; `complete_case` turns it into `CaseData` only when every
mandatory field is there and the fields agree with each other.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.calendar import is_national_holiday
from domain.codice_fiscale import (
    CodiceFiscale,
    check_birth_date_matches,
    mask_codice_fiscale,
    name_mismatches,
    parse_codice_fiscale,
)
from domain.comuni import Comune
from domain.dates import check_not_before, check_not_future, parse_date
from domain.errors import ValidationFailed
from domain.people import Role, age_on, check_birth_date_for_role
from domain.schools import SchoolType, is_zero_six
from domain.text import normalize_free_text, normalize_person_name

# Italian names of the fields, as error messages show them (the catalog has the labels of
# the form itself; domain/ does not import bot/).
CLASS_FIELD = "classe"
SECTION_FIELD = "sezione"
SURNAME_FIELD = "cognome"
NAME_FIELD = "nome"
BIRTH_FIELD = "data di nascita"
LAST_ATTENDANCE_FIELD = "ultimo giorno di frequenza"
SWAB_FIELD = "data del tampone positivo"
ONSET_FIELD = "data di inizio sintomi"

CLASS_MAX_LENGTH = 20
SECTION_MAX_LENGTH = 40

# "The same codice fiscale already reported by this plesso in the last 30 days" is warned of.
DUPLICATE_WINDOW = timedelta(days=30)


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseField(StrEnum):
    """The fields of the form, in the portal's order; values are the draft's keys."""

    PLESSO = "plesso_code"
    SCHOOL_TYPE = "school_type"
    CLASS_NAME = "class_name"
    SECTION = "section"
    REFERENT_NAME = "referent_name"
    REFERENT_PHONE = "referent_phone"
    REFERENT_EMAIL = "referent_email"
    ROLE = "role"
    SURNAME = "surname"
    NAME = "name"
    CODICE_FISCALE = "codice_fiscale"
    BIRTH_DATE = "birth_date"
    COMUNE = "comune"
    PHONE1 = "phone1"
    PHONE2 = "phone2"
    LAST_ATTENDANCE = "last_attendance"
    SWAB_DATE = "swab_date"
    ONSET_DATE = "onset_date"


OPTIONAL_FIELDS = frozenset({CaseField.PHONE2, CaseField.SWAB_DATE, CaseField.ONSET_DATE})


class CaseDraft(BaseModel):
    """The answers given so far; JSON-friendly (`model_dump(mode="json")`) for the flow."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    plesso_code: str | None = None
    school_type: SchoolType | None = None
    class_name: str | None = None
    section: str | None = None
    referent_name: str | None = None
    referent_phone: str | None = None
    referent_email: str | None = None
    role: Role | None = None
    surname: str | None = None
    name: str | None = None
    codice_fiscale: str | None = None
    birth_date: date | None = None
    comune: Comune | None = None
    phone1: str | None = None
    phone2: str | None = None
    last_attendance: date | None = None
    swab_date: date | None = None
    onset_date: date | None = None
    cf_mismatch_confirmed: bool = False
    """The referent confirmed a code that does not match the surname or name (flagged to the
    ATS in the case file)."""

    def name_check_pending(self) -> bool:
        """A code, surname and name that do not match, not confirmed yet."""
        if self.codice_fiscale is None or self.surname is None or self.name is None:
            return False
        mismatch = name_mismatches(self.codice_fiscale, self.surname, self.name)
        return bool(mismatch) and not self.cf_mismatch_confirmed

    def missing(self) -> list[CaseField]:
        """The mandatory fields still without an answer, in the form's order."""
        return [
            field
            for field in CaseField
            if field not in OPTIONAL_FIELDS and getattr(self, field.value) is None
        ]

    def with_value(self, field: CaseField, value: object) -> CaseDraft:
        return self.model_copy(update={field.value: value})

    def with_codice_fiscale(self, codice_fiscale: CodiceFiscale) -> CaseDraft:
        """The new code; a birth date that contradicts it is dropped, to be asked again."""
        birth = self.birth_date if self.birth_date == codice_fiscale.birth_date else None
        return self.model_copy(update={"codice_fiscale": codice_fiscale.value, "birth_date": birth})

    def with_class_name(self, class_name: str) -> CaseDraft:
        """The class; for 0-6 services the same name is the section too (the portal's rule)."""
        if self.school_type is not None and class_and_section_together(self.school_type):
            return self.model_copy(update={"class_name": class_name, "section": class_name})
        return self.model_copy(update={"class_name": class_name})


class CaseData(BaseModel):
    """A complete case report, every field checked (see `complete_case`)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    plesso_code: str
    school_type: SchoolType
    class_name: str
    section: str
    referent_name: str
    referent_phone: str
    referent_email: str
    role: Role
    surname: str
    name: str
    codice_fiscale: str
    birth_date: date
    comune: Comune
    phone1: str
    phone2: str | None = None
    last_attendance: date
    swab_date: date | None = None
    onset_date: date | None = None
    cf_mismatch_confirmed: bool = False
    """The code does not match the surname or name, and the referent confirmed it."""

    def as_draft(self) -> CaseDraft:
        return CaseDraft.model_validate(self.model_dump())


class Case(BaseModel):
    """A saved case, as the repository returns it."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    status: CaseStatus
    data: CaseData
    version: int
    created_by: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    receipt_code: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is CaseStatus.OPEN


class UpdateOutcome(StrEnum):
    """What saving an edit of a case did."""

    SAVED = "saved"
    UNCHANGED = "unchanged"
    """The edit changed nothing: nothing was written."""
    CONFLICT = "conflict"
    """Someone saved the case after the edit started: nothing was written."""
    CLOSED = "closed"
    """The case was closed and sent to ATS: it cannot change any more."""
    MISSING = "missing"


class CaseUpdate(BaseModel):
    """What an edit did, and the case as it is now (None only when missing)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    outcome: UpdateOutcome
    case: Case | None


class CaseSummary(BaseModel):
    """One row of the case list (the portal's "Elenco dei Casi Segnalati")."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    surname: str
    name: str
    codice_fiscale: str
    last_attendance: date
    contacts: int
    status: CaseStatus

    @property
    def masked_codice_fiscale(self) -> str:
        return mask_codice_fiscale(self.codice_fiscale)

    @property
    def is_open(self) -> bool:
        return self.status is CaseStatus.OPEN


class CasePage(BaseModel):
    """One page of a plesso's cases, newest first."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    items: list[CaseSummary]
    page: int
    """1-based."""
    pages: int
    """At least 1, even with no cases."""
    total: int


# --- answers, one field at a time -------------------------------------------------------------


# The years of each school type ("3" is a class of a primary school, "6" is not).
CLASS_YEARS: dict[SchoolType, int] = {
    SchoolType.PRIMARIA: 5,
    SchoolType.SECONDARIA_1: 3,
    SchoolType.SECONDARIA_2: 5,
    SchoolType.CFP: 4,
}
_CLASS = re.compile(r"(\d{1,2})\s*[°ª^]?")
_SECTION = re.compile(r"[A-Z]{1,4}")
_CLASS_AND_SECTION = re.compile(r"(\d{1,2})\s*[°ª^]?\s*([A-Za-z]{1,4})")
# A 0-6 section or "bolla" name: words of letters and digits ("🎉" and "###" are not).
_GROUP_NAME = re.compile(r"[\w' -]*[^\W_][\w' -]*")


def parse_class_name(text: str, school_type: SchoolType | None = None) -> str:
    """The class: a year of `school_type` ("3"), or for 0-6 services the section's or
    "bolla"'s name; "🎉" and "###" are refused."""
    value = normalize_free_text(text, CLASS_FIELD, CLASS_MAX_LENGTH)
    if school_type is None or is_zero_six(school_type):
        return _group_name(value, CLASS_FIELD)
    match = _CLASS.fullmatch(value)
    years = CLASS_YEARS[school_type]
    if match is None or not 1 <= int(match.group(1)) <= years:
        raise ValidationFailed("class_out_of_range", text=value, years=years)
    return str(int(match.group(1)))


def parse_section(text: str, school_type: SchoolType | None = None) -> str:
    """The section: letters ("B"); for 0-6 services the section's or "bolla"'s name."""
    value = normalize_free_text(text, SECTION_FIELD, SECTION_MAX_LENGTH)
    if school_type is None or is_zero_six(school_type):
        return _group_name(value, SECTION_FIELD)
    upper = value.upper()
    if _SECTION.fullmatch(upper) is None:
        raise ValidationFailed("section_invalid", text=value)
    return upper


def split_class_and_section(text: str, school_type: SchoolType | None) -> tuple[str, str] | None:
    """ "3B", "3 B", "3^B": class and section typed in one answer (None: not both there)."""
    if school_type is None or is_zero_six(school_type):
        return None
    match = _CLASS_AND_SECTION.fullmatch(text.strip())
    if match is None:
        return None
    return parse_class_name(match.group(1), school_type), parse_section(match.group(2), school_type)


def _group_name(value: str, field: str) -> str:
    if _GROUP_NAME.fullmatch(value) is None:
        raise ValidationFailed("group_name_invalid", field=field, text=value)
    return value


def class_and_section_together(school_type: SchoolType) -> bool:
    """For 0-6 services the portal wants the section (or "bubble") name in both fields."""
    return is_zero_six(school_type)


def parse_surname(text: str) -> str:
    return normalize_person_name(text, SURNAME_FIELD)


def parse_given_name(text: str) -> str:
    return normalize_person_name(text, NAME_FIELD)


def parse_past_date(text: str, today: date, field: str) -> date:
    """A date typed for `field` (Italian label) that must not be in the future."""
    day = parse_date(text, today)
    check_not_future(day, today, field)
    return day


def check_birth_date(
    birth: date, role: Role | None, codice_fiscale: CodiceFiscale | None, today: date
) -> None:
    """The birth date the code encodes (when known), plausible for the role (when known)."""
    if codice_fiscale is not None:
        check_birth_date_matches(codice_fiscale, birth)
    if role is not None:
        check_birth_date_for_role(birth, role, today)
    else:
        check_not_future(birth, today, BIRTH_FIELD)


def parse_birth_date(
    text: str, today: date, role: Role | None, codice_fiscale: CodiceFiscale | None
) -> date:
    birth = parse_date(text, today)
    check_birth_date(birth, role, codice_fiscale, today)
    return birth


def duplicate_since(now: datetime) -> datetime:
    """Cases created after this moment count as "already reported" for the warning."""
    return now - DUPLICATE_WINDOW


# --- the whole form, on Save -------------------------------------------------------------------


def check_case(data: CaseData, today: date) -> None:
    """The rules across fields, checked again on Save (a field may have changed since)."""
    codice_fiscale = parse_codice_fiscale(data.codice_fiscale, today)
    check_birth_date(data.birth_date, data.role, codice_fiscale, today)
    dated = (
        (data.last_attendance, LAST_ATTENDANCE_FIELD),
        (data.swab_date, SWAB_FIELD),
        (data.onset_date, ONSET_FIELD),
    )
    for day, field in dated:
        if day is None:
            continue
        check_not_future(day, today, field)
        check_not_before(day, data.birth_date, field)


class IncompleteCase(ValueError):
    """Save was asked with mandatory fields still empty."""

    def __init__(self, missing: list[CaseField]) -> None:
        super().__init__(", ".join(field.value for field in missing))
        self.missing = missing


def complete_case(draft: CaseDraft, today: date) -> CaseData:
    """The draft as a complete case; IncompleteCase or ValidationFailed says why not."""
    missing = draft.missing()
    if missing:
        raise IncompleteCase(missing)
    data = CaseData.model_validate(draft.model_dump())
    check_case(data, today)
    return data


def changed_fields(before: CaseData, after: CaseData) -> list[CaseField]:
    """The fields an edit changed, for the audit trail (names only, never values)."""
    return [
        field for field in CaseField if getattr(before, field.value) != getattr(after, field.value)
    ]


# --- the case list -----------------------------------------------------------------------------

PAGE_SIZE = 5


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    return max(1, -(-total // size))


def clamp_page(page: int, total: int, size: int = PAGE_SIZE) -> int:
    """`page` moved into 1..last page (a stale "Next" after cases were removed)."""
    return min(max(page, 1), page_count(total, size))


# --- plausibility: asked to confirm, never refused ---------------------------------------------

SWAB_BEFORE_LAST_DAY = timedelta(days=30)
# The ages (in whole years) a pupil of each school type usually has.
PUPIL_AGES: dict[SchoolType, tuple[int, int]] = {
    SchoolType.NIDO: (0, 3),
    SchoolType.INFANZIA: (2, 7),
    SchoolType.PRIMARIA: (5, 12),
    SchoolType.SECONDARIA_1: (10, 16),
    SchoolType.SECONDARIA_2: (13, 21),
    SchoolType.CFP: (13, 25),
}


class Oddity(StrEnum):
    """Something unlikely in a case: the referent confirms it or corrects it."""

    SWAB_LONG_BEFORE = "swab_long_before"
    LAST_DAY_SUNDAY = "last_day_sunday"
    LAST_DAY_HOLIDAY = "last_day_holiday"
    AGE_FOR_SCHOOL = "age_for_school"


def oddities(draft: CaseDraft, today: date) -> tuple[Oddity, ...]:
    """The unlikely answers of a case (a positive swab more than 30 days before the last day
    at school, a last day on a Sunday or a public holiday, a pupil's age unusual for the school
    type): each is possible, so they are asked to confirm, not refused."""
    found: list[Oddity] = []
    last = draft.last_attendance
    swab = draft.swab_date
    if last is not None and swab is not None and swab < last - SWAB_BEFORE_LAST_DAY:
        found.append(Oddity.SWAB_LONG_BEFORE)
    if last is not None:
        if last.weekday() == 6:
            found.append(Oddity.LAST_DAY_SUNDAY)
        elif is_national_holiday(last):
            found.append(Oddity.LAST_DAY_HOLIDAY)
    kind, birth = draft.school_type, draft.birth_date
    if draft.role is Role.STUDENT and kind is not None and birth is not None:
        low, high = PUPIL_AGES[kind]
        if not low <= age_on(birth, today) <= high:
            found.append(Oddity.AGE_FOR_SCHOOL)
    return tuple(found)
