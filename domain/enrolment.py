"""Enrolment of a plesso: pupils aged 6-19 and classes, with their history.

Every plesso records both figures at the start of each school year and whenever they change
(ATS Val Padana note of 17.10.2023). The history is kept: an absence rate uses the figure in
force on the day it refers to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.absences import format_count, format_decimal
from domain.calendar import school_year_bounds, school_year_of
from domain.errors import ValidationFailed

CountField = Literal["pupils", "classes", "absent", "ill"]

# Far above any real plesso (the largest Italian schools have a few thousand pupils), low
# enough to catch a figure typed twice or a phone number pasted in the wrong field.
MAX_COUNT: dict[CountField, int] = {
    "pupils": 10_000,
    "classes": 500,
    "absent": 10_000,
    "ill": 10_000,
}
WARN_PUPILS_PER_CLASS = 35  # above this the figures are probably swapped or mistyped
MAX_PUPILS_PER_CLASS = 60  # above this they cannot be right
CONFIRM_CHANGE_PERCENT = 30.0  # a bigger jump from the previous figure is asked again

_PLAIN = re.compile(r"[0-9]+")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+")  # "1.200", "12.345"
_DECIMAL = re.compile(r"[0-9]*[.,][0-9]+")  # "1,5", "2.75", ",5"
_NEGATIVE = re.compile(r"[-−][0-9.,]+")


class Enrolment(BaseModel):
    """One recorded figure, in force from `valid_from` until the next one."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    plesso_code: str
    pupils: int = Field(ge=1)
    classes: int = Field(ge=1)
    valid_from: date

    @model_validator(mode="after")
    def _classes_not_above_pupils(self) -> Enrolment:
        if self.classes > self.pupils:
            raise ValueError("more classes than pupils")
        return self


# --- Parsing ----------------------------------------------------------------------------


def parse_count(text: str, field: CountField) -> int:
    """A whole number ≥ 0 as typed: spaces and thousands dots ("1.200") are accepted."""
    # Any kind of space, including the non-breaking ones phones insert in numbers.
    compact = "".join(text.split())
    if not compact:
        raise ValidationFailed("count_empty")
    if _NEGATIVE.fullmatch(compact):
        raise ValidationFailed("count_negative")
    if _PLAIN.fullmatch(compact) or _THOUSANDS.fullmatch(compact):
        value = int(compact.replace(".", ""))
    elif _DECIMAL.fullmatch(compact):
        raise ValidationFailed("count_not_whole")
    else:
        raise ValidationFailed("count_not_number")
    maximum = MAX_COUNT[field]
    if value > maximum:
        raise ValidationFailed("count_too_large", maximum=format_count(maximum))
    return value


# --- Checking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentCheck:
    """Figures that passed the hard checks, with what the user should look at again.

    `warnings` are codes of `bot.catalog.absences.WARNINGS`; `needs_confirmation` asks the
    user to confirm a change of more than CONFIRM_CHANGE_PERCENT from `previous_pupils`.
    """

    pupils: int
    classes: int
    pupils_per_class: float
    warnings: list[str] = field(default_factory=list)
    needs_confirmation: bool = False
    change_percent: float | None = None  # signed: -40.0 is a 40% drop
    previous_pupils: int | None = None


def parse_enrolment_count(text: str, field: CountField) -> int:
    """Pupils or classes as typed, at least 1: refused at their own step, not after the
    next answer."""
    value = parse_count(text, field)
    if value < 1:
        raise ValidationFailed(
            "enrolment_no_pupils" if field == "pupils" else "enrolment_no_classes"
        )
    return value


def check_enrolment(pupils: int, classes: int, previous: Enrolment | None) -> EnrolmentCheck:
    """Refuse impossible figures (ValidationFailed), flag unlikely ones."""
    if pupils < 1:
        raise ValidationFailed("enrolment_no_pupils")
    if classes < 1:
        raise ValidationFailed("enrolment_no_classes")
    if classes > pupils:
        raise ValidationFailed(
            "enrolment_more_classes_than_pupils",
            pupils=format_count(pupils),
            classes=format_count(classes),
        )
    per_class = pupils / classes
    if per_class > MAX_PUPILS_PER_CLASS:
        raise ValidationFailed(
            "enrolment_too_many_per_class",
            per_class=format_decimal(per_class),
            maximum=MAX_PUPILS_PER_CLASS,
        )
    warnings = ["many_pupils_per_class"] if per_class > WARN_PUPILS_PER_CLASS else []
    change = _change_percent(pupils, previous)
    return EnrolmentCheck(
        pupils=pupils,
        classes=classes,
        pupils_per_class=per_class,
        warnings=warnings,
        needs_confirmation=change is not None and abs(change) > CONFIRM_CHANGE_PERCENT,
        change_percent=change,
        previous_pupils=previous.pupils if previous is not None else None,
    )


def _change_percent(pupils: int, previous: Enrolment | None) -> float | None:
    # Only the pupils: classes are few, so one class more in a small plesso is already +33%.
    if previous is None:
        return None
    return (pupils - previous.pupils) / previous.pupils * 100


# --- History ----------------------------------------------------------------------------


def enrolment_in_force(history: Sequence[Enrolment], day: date) -> Enrolment | None:
    """The figure of one plesso in force on `day`: the latest `valid_from` on or before it.

    Of two figures from the same day the later in `history` wins (a same-day correction).
    """
    in_force: Enrolment | None = None
    for enrolment in history:
        if enrolment.valid_from <= day and (
            in_force is None or enrolment.valid_from >= in_force.valid_from
        ):
            in_force = enrolment
    return in_force


def has_enrolment_for_school_year(history: Sequence[Enrolment], year: int) -> bool:
    """Whether a figure was recorded within the school year starting in `year`."""
    first, last = school_year_bounds(year)
    return any(first <= enrolment.valid_from <= last for enrolment in history)


def new_enrolment_valid_from(history: Sequence[Enrolment], day: date) -> date:
    """From when a figure recorded for `day` (usually today) is in force.

    The first figure of a school year stands for the whole year, so it is in force from
    1 September: absences of that year before it cannot exist (they need a figure first).
    A later one is a change, in force from `day` on; earlier rates keep the earlier figure.
    """
    year = school_year_of(day)
    if has_enrolment_for_school_year(history, year):
        return day
    return school_year_bounds(year)[0]
