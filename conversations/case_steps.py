"""The steps of the case form, what is kept between them, and which step comes next.

The form is one conversation for a new case and for an edit: the same questions, the same
review, the same Save. What the user answered is kept in `Form`, stored as JSON in the
conversation row before each question is asked (a restart loses nothing).

Which question comes next is not a fixed chain: it is the first step, in the portal's
order, not answered yet. So a new case walks the form top to bottom, and "✏️ Cognome" on
the review un-answers one step, asks it, and lands on the review again.
"""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot import keyboards
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


class Form(BaseModel):
    """Everything the case form remembers between two messages."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    mode: Mode = "new"
    case_id: int | None = None
    """The case being edited."""
    version: int | None = None
    """The version of the case when the edit started (optimistic concurrency)."""
    draft: CaseDraft = CaseDraft()
    answered: frozenset[Step] = frozenset()
    pending_codice_fiscale: str | None = None
    """A code waiting for "continue anyway" after the duplicate warning."""
    duplicate_of: int | None = None
    """The case the warning is about."""
    duplicate_accepted: int | None = None
    """The case the user already chose to report again."""

    @classmethod
    def load(cls, data: dict[str, Any]) -> Form:
        return cls.model_validate(data)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def with_draft(self, draft: CaseDraft, *answered: Step) -> Form:
        return self.model_copy(update={"draft": draft, "answered": self.answered | set(answered)})

    def answer(self, step: Step, value: object) -> Form:
        """`step`'s field set to `value`, and the step answered."""
        return self.with_draft(self.draft.with_value(STEP_FIELD[step], value), step)

    def reopen(self, *steps: Step) -> Form:
        """Ask these steps again."""
        return self.model_copy(update={"answered": self.answered - set(steps)})

    def is_pending(self, step: Step) -> bool:
        if step not in self.answered:
            return True
        field = STEP_FIELD.get(step)
        return (
            field is not None
            and field not in OPTIONAL_FIELDS
            and getattr(self.draft, field.value) is None
        )

    def next_step(self) -> Step:
        """The first question not answered yet, or the review when all are."""
        return next((step for step in ORDER if self.is_pending(step)), Step.REVIEW)


# Callback data of the form: nc:<verb>[:<arg>].
CB_FORM = "nc"
PICK_PLESSO = "pl"
PICK_SCHOOL_TYPE = "st"
PICK_ROLE = "role"
REFERENT_OK = "refok"
REFERENT_CHANGE = "refch"
PICK_DAY = "day"
SKIP = "skip"
PICK_COMUNE = "com"
DUPLICATE_GO = "dupgo"
DUPLICATE_STOP = "dupno"
FIX = "fix"
SAVE = "save"
CANCEL = "cancel"


def form_callback(verb: str, *args: object) -> str:
    return keyboards.callback(CB_FORM, verb, *args)


def form_pattern(verb: str) -> str:
    return keyboards.pattern(f"{CB_FORM}:{verb}")


def form_args(data: str | None, verb: str, arity: int) -> list[str]:
    """The arguments of a form button `nc:<verb>:...`; BadCallback if it is not one."""
    parts = keyboards.parse(data, CB_FORM, arity + 1)
    if parts[0] != verb:
        raise keyboards.BadCallback("wrong verb")
    return parts[1:]
