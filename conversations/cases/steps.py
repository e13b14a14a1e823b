"""The steps of the case form, what is kept between them, and which step comes next.

The form is one conversation for a new case and for an edit: the same questions, the same
review, the same Save. What the user answered is kept in `Form`, stored as JSON in the
conversation row before each question is asked (a restart loses nothing).

Which question comes next is not a fixed chain: it is the first step, in the portal's
order, not answered yet. So a new case walks the form top to bottom, and "✏️ Cognome" on
the review un-answers one step, asks it, and lands on the review again.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum, auto
from typing import Literal

from bot.callbacks import Buttons
from bot.forms import StepForm
from domain.cases import OPTIONAL_FIELDS, CaseDraft, CaseField


class Step(IntEnum):
    # Stored in the database as numbers: append new steps, never reorder.
    PLESSO = auto()
    SCHOOL_TYPE = auto()
    CLASS_NAME = auto()
    SECTION = auto()
    REFERENT = auto()
    REFERENT_NAME = auto()
    REFERENT_PHONE = auto()
    REFERENT_EMAIL = auto()
    ROLE = auto()
    SURNAME = auto()
    NAME = auto()
    CODICE_FISCALE = auto()
    DUPLICATE = auto()
    BIRTH_DATE = auto()
    COMUNE = auto()
    PHONE1 = auto()
    PHONE2 = auto()
    LAST_ATTENDANCE = auto()
    SWAB_DATE = auto()
    ONSET_DATE = auto()
    REVIEW = auto()
    CF_MISMATCH = auto()
    """The code does not match the surname or name: confirm it or correct."""
    PLAUSIBILITY = auto()
    """On Save: unlikely answers (domain.cases.oddities) to confirm or correct."""


# The questions in the portal's order (DUPLICATE is a warning between two of them).
ORDER: tuple[Step, ...] = (
    Step.PLESSO,
    Step.SCHOOL_TYPE,
    Step.CLASS_NAME,
    Step.SECTION,
    Step.REFERENT,
    Step.REFERENT_NAME,
    Step.REFERENT_PHONE,
    Step.REFERENT_EMAIL,
    Step.ROLE,
    Step.SURNAME,
    Step.NAME,
    Step.CODICE_FISCALE,
    Step.BIRTH_DATE,
    Step.COMUNE,
    Step.PHONE1,
    Step.PHONE2,
    Step.LAST_ATTENDANCE,
    Step.SWAB_DATE,
    Step.ONSET_DATE,
)

FIELD_STEP: dict[CaseField, Step] = {
    CaseField.PLESSO: Step.PLESSO,
    CaseField.SCHOOL_TYPE: Step.SCHOOL_TYPE,
    CaseField.CLASS_NAME: Step.CLASS_NAME,
    CaseField.SECTION: Step.SECTION,
    CaseField.REFERENT_NAME: Step.REFERENT_NAME,
    CaseField.REFERENT_PHONE: Step.REFERENT_PHONE,
    CaseField.REFERENT_EMAIL: Step.REFERENT_EMAIL,
    CaseField.ROLE: Step.ROLE,
    CaseField.SURNAME: Step.SURNAME,
    CaseField.NAME: Step.NAME,
    CaseField.CODICE_FISCALE: Step.CODICE_FISCALE,
    CaseField.BIRTH_DATE: Step.BIRTH_DATE,
    CaseField.COMUNE: Step.COMUNE,
    CaseField.PHONE1: Step.PHONE1,
    CaseField.PHONE2: Step.PHONE2,
    CaseField.LAST_ATTENDANCE: Step.LAST_ATTENDANCE,
    CaseField.SWAB_DATE: Step.SWAB_DATE,
    CaseField.ONSET_DATE: Step.ONSET_DATE,
}
STEP_FIELD: dict[Step, CaseField] = {step: field for field, step in FIELD_STEP.items()}
REFERENT_STEPS = frozenset({Step.REFERENT_NAME, Step.REFERENT_PHONE, Step.REFERENT_EMAIL})

Mode = Literal["new", "edit"]


class Form(StepForm[Step, CaseDraft]):
    """Everything the case form remembers between two messages."""

    mode: Mode = "new"
    case_id: int | None = None
    """The case being edited."""
    version: int | None = None
    """The version of the case when the edit started (optimistic concurrency)."""
    draft: CaseDraft = CaseDraft()
    pending_codice_fiscale: str | None = None
    """A code waiting for "continue anyway" after the duplicate warning."""
    duplicate_of: int | None = None
    """The case the warning is about."""
    duplicate_accepted: int | None = None
    """The case the user already chose to report again."""
    oddities_confirmed: frozenset[str] = frozenset()
    """The unlikely answers the referent confirmed (domain.cases.Oddity values)."""
    names_as_saved: bool = False
    """An edit of a case saved before the code was checked against the names: not asked
    about until the code, surname or name changes."""

    def order(self) -> tuple[Step, ...]:
        return ORDER

    @classmethod
    def step_fields(cls) -> dict[Step, CaseField]:
        return STEP_FIELD

    @classmethod
    def optional_fields(cls) -> frozenset[StrEnum]:
        return frozenset(OPTIONAL_FIELDS)

    def review_step(self) -> Step:
        return Step.REVIEW

    def next_step(self) -> Step:
        """As the portal's order, but a code that does not match the surname or name is
        confirmed or corrected first."""
        if self.name_check_pending():
            return Step.CF_MISMATCH
        return super().next_step()

    def answer(self, step: Step, value: object) -> Form:
        """A new surname or name is checked against the code again."""
        answered = super().answer(step, value)
        if step in (Step.SURNAME, Step.NAME) and value != getattr(self.draft, STEP_FIELD[step]):
            return answered.unconfirmed()
        return answered

    def unconfirmed(self) -> Form:
        draft = self.draft.model_copy(update={"cf_mismatch_confirmed": False})
        return self.model_copy(update={"draft": draft, "names_as_saved": False})

    def name_check_pending(self) -> bool:
        """A code that does not match the names, to confirm or correct."""
        return (
            Step.CODICE_FISCALE in self.answered
            and not self.names_as_saved
            and self.draft.name_check_pending()
        )


# Callback data of the form: nc:<verb>[:<arg>].
BUTTONS = Buttons("nc", "the case form (/nuovocaso, Modifica caso): its answers and ✏️ fixes")
PICK_PLESSO = "pl"
PICK_SCHOOL_TYPE = "st"
REFERENT_OK = "refok"
REFERENT_CHANGE = "refch"
DUPLICATE_GO = "dupgo"
DUPLICATE_STOP = "dupno"
CF_CONFIRM = "cfok"
PLAUSIBLE_OK = "plok"
