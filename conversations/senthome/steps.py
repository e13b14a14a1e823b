"""The steps of the sent-home form, what is kept between them, and which step comes next.

Like the case form (conversations/cases/steps.py): the next question is the first one, in
the form's order, not answered yet; "✏️ <field>" on the review asks one again. The same
form serves a new report and a «Rettifica» (mode "correct").
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum, StrEnum, auto
from typing import Literal

from bot.callbacks import Buttons
from bot.forms import StepForm
from domain.senthome import OPTIONAL_FIELDS, SentHomeDraft, SentHomeField, SentHomeRole, Symptom


class Step(IntEnum):
    # Stored in the database as numbers: append new steps, never reorder.
    PLESSO = auto()
    ROLE = auto()
    CLASS_NAME = auto()
    SECTION = auto()
    SURNAME = auto()
    NAME = auto()
    CODICE_FISCALE = auto()
    COMUNE = auto()
    PHONE1 = auto()
    PHONE2 = auto()
    DAY = auto()
    TIME = auto()
    SYMPTOMS = auto()
    TEMPERATURE = auto()
    HANDED_TO = auto()
    REVIEW = auto()


ORDER: tuple[Step, ...] = tuple(step for step in Step if step is not Step.REVIEW)

FIELD_STEP: dict[SentHomeField, Step] = {field: Step[field.name] for field in SentHomeField}
STEP_FIELD: dict[Step, SentHomeField] = {step: field for field, step in FIELD_STEP.items()}

Mode = Literal["new", "correct"]


class Form(StepForm[Step, SentHomeDraft]):
    """Everything the sent-home form remembers between two messages."""

    mode: Mode = "new"
    report_id: int | None = None
    """The report being corrected."""
    draft: SentHomeDraft = SentHomeDraft()
    picking: tuple[Symptom, ...] = ()
    """The symptoms toggled on so far (the answer is kept on «Fatto»)."""

    def order(self) -> Sequence[Step]:
        # Who took them home is asked of pupils only: staff go home by themselves.
        if self.draft.role is SentHomeRole.PUPIL:
            return ORDER
        return tuple(step for step in ORDER if step is not Step.HANDED_TO)

    @classmethod
    def step_fields(cls) -> dict[Step, SentHomeField]:
        return STEP_FIELD

    @classmethod
    def optional_fields(cls) -> frozenset[StrEnum]:
        return frozenset(OPTIONAL_FIELDS - {SentHomeField.HANDED_TO})

    def review_step(self) -> Step:
        return Step.REVIEW


# Callback data of the form: sh:<verb>[:<arg>].
BUTTONS = Buttons("sh", "the sent-home form (/allontanamento, Rettifica): answers and ✏️ fixes")
PICK_PLESSO = "pl"
PICK_ROLE = "ro"
TOGGLE = "sy"
DONE = "ok"
HANDED = "hd"
