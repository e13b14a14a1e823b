"""The steps of the contact conversation and what is kept between them.

One conversation ("contact") serves three modes that share their questions:
- "new": the portal's contact form, one question at a time, a review, Save;
- "edit": the review of a saved contact, each field changeable, Save;
- "import": a pasted list or a file (step CHOOSE), then the role, class, section and last
  contact date for all of them (proposed from the case: usually one tap on Conferma).

For a new contact whose verdict depends on the ATS definitions (a teacher of a positive
pupil, a pupil of a positive teacher...) the form offers the rule's questions right after
the role (RULES, then RULE until the verdict is known, then VERDICT).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum, auto
from typing import Literal

from bot.callbacks import Buttons
from bot.forms import StepForm
from domain.close_contact import (
    Answers,
    Assessment,
    Question,
    Situation,
    assess,
    next_question,
    questions,
    read_answer,
)
from domain.contact_import import ImportedPerson
from domain.contacts import (
    OPTIONAL_FIELDS,
    CaseFacts,
    ContactDraft,
    ContactField,
    ContactSource,
)
from domain.schools import is_zero_six


class ContactStep(IntEnum):
    # Stored in the database as numbers: append new steps, never reorder.
    CHOOSE = auto()
    ROLE = auto()
    RULES = auto()
    RULE = auto()
    VERDICT = auto()
    CLASS_NAME = auto()
    SECTION = auto()
    SURNAME = auto()
    NAME = auto()
    CODICE_FISCALE = auto()
    BIRTH_DATE = auto()
    COMUNE = auto()
    ADDRESS = auto()
    PHONE = auto()
    LAST_CONTACT = auto()
    REVIEW = auto()


FIELD_STEP: dict[ContactField, ContactStep] = {
    ContactField.ROLE: ContactStep.ROLE,
    ContactField.CLASS_NAME: ContactStep.CLASS_NAME,
    ContactField.SECTION: ContactStep.SECTION,
    ContactField.SURNAME: ContactStep.SURNAME,
    ContactField.NAME: ContactStep.NAME,
    ContactField.CODICE_FISCALE: ContactStep.CODICE_FISCALE,
    ContactField.BIRTH_DATE: ContactStep.BIRTH_DATE,
    ContactField.COMUNE: ContactStep.COMUNE,
    ContactField.ADDRESS: ContactStep.ADDRESS,
    ContactField.PHONE: ContactStep.PHONE,
    ContactField.LAST_CONTACT: ContactStep.LAST_CONTACT,
}
STEP_FIELD: dict[ContactStep, ContactField] = {step: field for field, step in FIELD_STEP.items()}

RULE_STEPS = (ContactStep.RULES, ContactStep.RULE, ContactStep.VERDICT)
# The portal's order; the rule steps only where they apply.
FORM_ORDER: tuple[ContactStep, ...] = (
    ContactStep.ROLE,
    *RULE_STEPS,
    *(FIELD_STEP[field] for field in ContactField if field is not ContactField.ROLE),
)
# An import asks these once for all the people of the list.
IMPORT_FIELDS = (
    ContactField.ROLE,
    ContactField.CLASS_NAME,
    ContactField.SECTION,
    ContactField.LAST_CONTACT,
)
IMPORT_ORDER = tuple(FIELD_STEP[field] for field in IMPORT_FIELDS)

Mode = Literal["new", "edit", "import"]


class ContactForm(StepForm[ContactStep, ContactDraft]):
    """Everything the contact conversation remembers between two messages."""

    mode: Mode = "new"
    case: CaseFacts
    contact_id: int | None = None
    """The contact being edited."""
    contact_number: int | None = None
    """Its number within the case, as the user reads it."""
    version: int | None = None
    """Its version when the edit started (optimistic concurrency)."""
    draft: ContactDraft = ContactDraft()
    check_rules: bool | None = None
    """None: not offered yet; True: answering the rule's questions; False: declined."""
    answers: Answers = Answers()
    people: tuple[ImportedPerson, ...] = ()
    """Import: the people to add on Conferma."""
    source: ContactSource = ContactSource.FORM

    @classmethod
    def step_fields(cls) -> dict[ContactStep, ContactField]:
        return STEP_FIELD

    @classmethod
    def optional_fields(cls) -> frozenset[StrEnum]:
        return frozenset(OPTIONAL_FIELDS)

    def review_step(self) -> ContactStep:
        return ContactStep.REVIEW

    def order(self) -> tuple[ContactStep, ...]:
        if self.mode == "import":
            return IMPORT_ORDER
        return tuple(step for step in FORM_ORDER if self._asks(step))

    def _asks(self, step: ContactStep) -> bool:
        if step is ContactStep.RULES:
            situation = self.situation()
            return situation is not None and bool(questions(situation))
        if step in RULE_STEPS:
            return self.check_rules is True
        return True

    def is_pending(self, step: ContactStep) -> bool:
        if step is ContactStep.RULE:
            return self.assessment() is None
        return super().is_pending(step)

    def answer(self, step: ContactStep, value: object) -> ContactForm:
        """A changed role asks the rule's questions again (they depend on it)."""
        answered = super().answer(step, value)
        if step is not ContactStep.ROLE or value == self.draft.role:
            return answered
        return answered.model_copy(
            update={
                "check_rules": None,
                "answers": Answers(),
                "answered": answered.answered - set(RULE_STEPS),
            }
        )

    def situation(self) -> Situation | None:
        role = self.draft.role
        if role is None:
            return None
        return Situation(
            case_role=self.case.role,
            contact_role=role,
            zero_six=is_zero_six(self.case.school_type),
        )

    def assessment(self) -> Assessment | None:
        situation = self.situation()
        return assess(situation, self.answers) if situation is not None else None

    def rule_question(self) -> Question | None:
        """The rule's next question; None once the verdict is known (or without a role)."""
        situation = self.situation()
        return next_question(situation, self.answers) if situation is not None else None

    def with_rule_answer(self, question: str, value: str) -> ContactForm | None:
        """The tapped answer to the rule's pending question; None for an answer to another
        (earlier) question or one this question does not offer."""
        situation, pending = self.situation(), self.rule_question()
        if situation is None or pending is None or question != pending.value:
            return None
        answer = read_answer(situation, pending, value)
        if answer is None:
            return None
        return self.model_copy(update={"answers": self.answers.with_answer(pending, answer)})


# Callback data of the contact form: cf:<verb>[:<arg>...].
BUTTONS = Buttons("cf", "the contact form's answers, the ATS rule's questions, Salva/Annulla")
KEEP = "keep"
"""Accept the value proposed from the case (class, section)."""
RULES_YES = "rok"
RULES_NO = "rno"
RULE_ANSWER = "ans"
GO_ON = "go"
SAVE_AND_CLOSE = "saveclose"
"""Conferma of a list or file, then the closing review of the case."""
