"""Absence figures: validation, the absence rate and its comparison with the plesso's history.

A rate is a fraction (0.041 = 4,1%). Numbers shown to users are in Italian format (comma
decimal, dot thousands); the formatters live here so the catalog and the rules agree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import ValidationFailed

# Rates are compared at the precision they are shown (0,1%): otherwise "4,8%" could be called
# above a range ending at "4,8%".
_SHOWN_DIGITS = 3


# --- Italian number format --------------------------------------------------------------


def format_decimal(value: float, digits: int = 1) -> str:
    """ "36,5": rounded half up (as people do), comma decimal, dot thousands."""
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{digits}f}"  # "1,234.5"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def format_count(value: int) -> str:
    """ "1.200"."""
    return f"{value:,d}".replace(",", ".")


def format_percent(value: float) -> str:
    """A fraction as an Italian percentage with one decimal: 0.041 -> "4,1%"."""
    return format_decimal(float(Decimal(repr(value)) * 100)) + "%"


# --- Validation -------------------------------------------------------------------------


def check_absences(absent: int, ill: int | None, enrolled: int) -> None:
    """Refuse impossible figures: raise ValidationFailed, or return None when they are fine.

    `enrolled` is the enrolment in force on the recording day; `ill` is optional.
    """
    if enrolled < 1:
        raise ValidationFailed("absences_no_enrolment")
    if absent < 0:
        raise ValidationFailed("absent_negative")
    if absent > enrolled:
        raise ValidationFailed(
            "absent_more_than_enrolled",
            absent=format_count(absent),
            enrolled=format_count(enrolled),
        )
    if ill is None:
        return
    if ill < 0:
        raise ValidationFailed("ill_negative")
    if ill > absent:
        raise ValidationFailed(
            "ill_more_than_absent", ill=format_count(ill), absent=format_count(absent)
        )


def rate(absent: int, enrolled: int) -> float:
    """The absence rate as a fraction of the enrolled pupils (0.041 = 4,1%)."""
    if enrolled < 1:
        raise ValidationFailed("absences_no_enrolment")
    return absent / enrolled


# --- Comparison with the history --------------------------------------------------------


class ComparisonKind(Enum):
    FIRST = "first"  # no previous recording of that weekday
    IN_LINE = "in_line"
    ABOVE = "above"
    BELOW = "below"


@dataclass(frozen=True)
class Comparison:
    """A rate against the range of the last `count` rates of the same weekday."""

    kind: ComparisonKind
    rate: float
    low: float | None = None
    high: float | None = None
    count: int = 0


def compare_with_history(
    rate: float, previous_same_weekday: Sequence[float], n: int = 4
) -> Comparison:
    """Compare `rate` with the last `n` of `previous_same_weekday` (oldest first, newest last).

    The range is the lowest and highest of those rates; the rate is IN_LINE when it falls
    inside, ends included, at the precision shown to the user.
    """
    recent = list(previous_same_weekday)[-n:] if n > 0 else []
    if not recent:
        return Comparison(ComparisonKind.FIRST, rate)
    low, high = min(recent), max(recent)
    shown = _as_shown(rate)
    if shown > _as_shown(high):
        kind = ComparisonKind.ABOVE
    elif shown < _as_shown(low):
        kind = ComparisonKind.BELOW
    else:
        kind = ComparisonKind.IN_LINE
    return Comparison(kind, rate, low, high, len(recent))


def _as_shown(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-_SHOWN_DIGITS), ROUND_HALF_UP)


# --- Recorded figures -------------------------------------------------------------------


class AbsenceFigure(BaseModel):
    """The figure of one plesso for one recording day, with the enrolment in force that day."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    plesso_code: str
    day: date
    absent: int = Field(ge=0)
    ill: int | None = Field(default=None, ge=0)
    enrolled: int | None = None  # None: no enrolment figure in force on `day`
    recorded_at: datetime
    updated_at: datetime

    @property
    def absence_rate(self) -> float | None:
        return rate(self.absent, self.enrolled) if self.enrolled else None


class RecordResult(BaseModel):
    """What recording a figure did: the figure saved and the one it replaced, if any."""

    model_config = ConfigDict(frozen=True)

    figure: AbsenceFigure
    previous: AbsenceFigure | None = None

    @property
    def corrected(self) -> bool:
        return self.previous is not None


def day_to_offer(open_days: Sequence[date], recorded: Collection[date]) -> date | None:
    """Which open day the flow offers: the oldest one still missing (a last chance comes
    before today), else the newest one, to correct it; None when no window is open."""
    for day in open_days:
        if day not in recorded:
            return day
    return open_days[-1] if open_days else None


def missing_first(codes: Sequence[str], missing: Collection[str]) -> list[str]:
    """`codes` with those still `missing` a figure first, each group in its original order."""
    return [c for c in codes if c in missing] + [c for c in codes if c not in missing]
