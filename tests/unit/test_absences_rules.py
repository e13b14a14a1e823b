"""The small rules added for the absence flows: closures, enrolment start, which day to offer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.catalog import ERRORS, error_text
from domain.absences import AbsenceFigure, day_to_offer, missing_first
from domain.calendar import (
    MAX_CLOSURE_NOTE,
    ClosurePeriod,
    check_closure_period,
    parse_closure_note,
)
from domain.enrolment import Enrolment, new_enrolment_valid_from
from domain.errors import ValidationFailed

TODAY = date(2026, 11, 17)
TUESDAY, WEDNESDAY = date(2026, 11, 17), date(2026, 11, 18)


def codes_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(ValidationFailed) as raised:
        call()
    assert raised.value.code in ERRORS
    assert error_text(raised.value)
    return raised.value.code


def test_closure_period_rules() -> None:
    closure = check_closure_period(date(2026, 12, 23), date(2027, 1, 6), TODAY)
    assert closure.plesso_code is None and closure.covers(date(2027, 1, 1))
    assert check_closure_period(TODAY, TODAY, TODAY).covers(TODAY)
    # a school closed for snow last week can be entered afterwards
    check_closure_period(date(2026, 11, 10), date(2026, 11, 10), TODAY)
    assert codes_of(lambda: check_closure_period(TODAY, date(2026, 11, 16), TODAY)) == (
        "closure_end_before_start"
    )
    assert codes_of(lambda: check_closure_period(TODAY, date(2027, 12, 1), TODAY)) == (
        "closure_too_long"
    )
    assert (
        codes_of(lambda: check_closure_period(date(2025, 9, 1), date(2025, 9, 2), TODAY))
        == "closure_too_old"
    )


def test_closure_note() -> None:
    assert parse_closure_note("  Vacanze   di\nNatale ") == "Vacanze di Natale"
    assert parse_closure_note("") == ""
    assert codes_of(lambda: parse_closure_note("x" * (MAX_CLOSURE_NOTE + 1))) == (
        "closure_note_too_long"
    )


def test_stored_closure_becomes_a_calendar_closure() -> None:
    period = ClosurePeriod(
        id=1,
        ats_code="ATS-MILANO",
        plesso_code="MIEE00001A",
        start=TUESDAY,
        end=WEDNESDAY,
        created_by=100,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    closure = period.as_closure()
    assert closure.covers(TUESDAY, "MIEE00001A")
    assert not closure.covers(TUESDAY, "MIEE00002B")


def enrolment(valid_from: date) -> Enrolment:
    return Enrolment(plesso_code="MIEE00001A", pupils=300, classes=12, valid_from=valid_from)


def test_first_figure_of_a_school_year_is_in_force_from_1_september() -> None:
    assert new_enrolment_valid_from([], TODAY) == date(2026, 9, 1)
    last_year = [enrolment(date(2025, 9, 1))]
    assert new_enrolment_valid_from(last_year, TODAY) == date(2026, 9, 1)
    # a change within the school year is in force from the day it is recorded
    this_year = [*last_year, enrolment(date(2026, 9, 1))]
    assert new_enrolment_valid_from(this_year, TODAY) == TODAY
    # a Tuesday of the previous school year, recorded late, belongs to that year
    assert new_enrolment_valid_from(this_year, date(2026, 8, 25)) == date(2026, 8, 25)
    assert new_enrolment_valid_from([], date(2026, 8, 25)) == date(2025, 9, 1)


def test_day_to_offer_prefers_a_missing_day_then_the_newest() -> None:
    assert day_to_offer([], set()) is None
    assert day_to_offer([TUESDAY], set()) == TUESDAY
    assert day_to_offer([TUESDAY], {TUESDAY}) == TUESDAY  # to correct it
    assert day_to_offer([TUESDAY, WEDNESDAY], set()) == TUESDAY
    assert day_to_offer([TUESDAY, WEDNESDAY], {TUESDAY}) == WEDNESDAY
    assert day_to_offer([TUESDAY, WEDNESDAY], {TUESDAY, WEDNESDAY}) == WEDNESDAY


def test_missing_first_keeps_each_group_in_order() -> None:
    assert missing_first(["A", "B", "C", "D"], {"C", "A"}) == ["A", "C", "B", "D"]
    assert missing_first(["A", "B"], set()) == ["A", "B"]


def test_absence_rate_needs_an_enrolment() -> None:
    stamp = datetime(2026, 11, 17, 9, tzinfo=UTC)
    figure = AbsenceFigure(
        plesso_code="MIEE00001A",
        day=TUESDAY,
        absent=12,
        enrolled=300,
        recorded_at=stamp,
        updated_at=stamp,
    )
    assert figure.absence_rate == pytest.approx(0.04)
    assert figure.model_copy(update={"enrolled": None}).absence_rate is None
