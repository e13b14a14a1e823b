"""Enrolled pupils and classes: typed numbers, plausibility, history."""

from __future__ import annotations

from datetime import date

import pydantic
import pytest

from domain.enrolment import (
    Enrolment,
    check_enrolment,
    enrolment_in_force,
    has_enrolment_for_school_year,
    parse_count,
)
from domain.errors import ValidationFailed
from tests.calendar.helpers import PLESSO


def enrolment(pupils: int, valid_from: date, classes: int = 10) -> Enrolment:
    return Enrolment(plesso_code=PLESSO, pupils=pupils, classes=classes, valid_from=valid_from)


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(ValidationFailed) as failed:
        call()
    return failed.value.code


# --- parse_count ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("25", 25),
        ("0", 0),
        (" 42 ", 42),
        ("1.200", 1200),
        ("1 200", 1200),
        ("1\u00a0200", 1200),  # non-breaking space, as some phones type it
        ("10.000", 10000),
        ("007", 7),
    ],
)
def test_parse_count_accepts(text: str, value: int) -> None:
    assert parse_count(text, "pupils") == value


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "count_empty"),
        ("   ", "count_empty"),
        ("-3", "count_negative"),
        ("−3", "count_negative"),
        ("1,5", "count_not_whole"),
        ("2.5", "count_not_whole"),
        ("1.20", "count_not_whole"),
        (",5", "count_not_whole"),
        ("dieci", "count_not_number"),
        ("12a", "count_not_number"),
        ("+5", "count_not_number"),
        ("1.2.3", "count_not_number"),
        ("12.0000", "count_not_whole"),
        ("١٢", "count_not_number"),  # Arabic-Indic digits: int() would take them
        ("²", "count_not_number"),
        ("1_000", "count_not_number"),  # int() would take this too
        ("10001", "count_too_large"),
    ],
)
def test_parse_count_refuses(text: str, code: str) -> None:
    assert code_of(lambda: parse_count(text, "pupils")) == code


def test_parse_count_maximum_depends_on_the_field() -> None:
    assert parse_count("500", "classes") == 500
    with pytest.raises(ValidationFailed) as failed:
        parse_count("501", "classes")
    assert failed.value.params == {"maximum": "500"}
    with pytest.raises(ValidationFailed) as failed:
        parse_count("10.001", "absent")
    assert failed.value.params == {"maximum": "10.000"}


# --- check_enrolment --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pupils", "classes", "code"),
    [
        (0, 1, "enrolment_no_pupils"),
        (10, 0, "enrolment_no_classes"),
        (5, 6, "enrolment_more_classes_than_pupils"),
        (610, 10, "enrolment_too_many_per_class"),
        (61, 1, "enrolment_too_many_per_class"),
    ],
)
def test_check_enrolment_refuses(pupils: int, classes: int, code: str) -> None:
    assert code_of(lambda: check_enrolment(pupils, classes, None)) == code


def test_refusal_params_are_italian_numbers() -> None:
    with pytest.raises(ValidationFailed) as failed:
        check_enrolment(1215, 20, None)
    assert failed.value.params == {"per_class": "60,8", "maximum": 60}
    with pytest.raises(ValidationFailed) as failed:
        check_enrolment(1000, 1200, None)
    assert failed.value.params == {"pupils": "1.000", "classes": "1.200"}


@pytest.mark.parametrize(
    ("pupils", "classes", "warnings"),
    [
        (220, 10, []),
        (350, 10, []),  # exactly 35: fine
        (351, 10, ["many_pupils_per_class"]),
        (600, 10, ["many_pupils_per_class"]),  # exactly 60: allowed with a warning
        (3, 3, []),  # a tiny pluriclasse is real
    ],
)
def test_pupils_per_class_thresholds(pupils: int, classes: int, warnings: list[str]) -> None:
    check = check_enrolment(pupils, classes, None)
    assert check.warnings == warnings
    assert check.pupils_per_class == pupils / classes
    assert not check.needs_confirmation
    assert check.change_percent is None


@pytest.mark.parametrize(
    ("pupils", "needs", "change"),
    [
        (131, True, 31.0),
        (130, False, 30.0),
        (100, False, 0.0),
        (70, False, -30.0),
        (69, True, -31.0),
        (300, True, 200.0),
    ],
)
def test_change_above_30_percent_asks_for_confirmation(
    pupils: int, needs: bool, change: float
) -> None:
    check = check_enrolment(pupils, 5, enrolment(100, date(2025, 9, 1), classes=5))
    assert check.needs_confirmation is needs
    assert check.change_percent == pytest.approx(change)
    assert check.previous_pupils == 100


# --- the model and its history ----------------------------------------------------------


def test_enrolment_is_frozen_and_keeps_input_out_of_errors() -> None:
    e = enrolment(200, date(2026, 9, 1))
    with pytest.raises(pydantic.ValidationError):
        e.pupils = 5  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError) as failed:
        Enrolment(plesso_code=PLESSO, pupils=98765, classes=99999, valid_from=date(2026, 9, 1))
    assert "99999" not in str(failed.value)
    with pytest.raises(pydantic.ValidationError):
        Enrolment(plesso_code=PLESSO, pupils=0, classes=1, valid_from=date(2026, 9, 1))


def test_enrolment_in_force_is_the_latest_not_after_the_day() -> None:
    september = enrolment(200, date(2026, 9, 1))
    january = enrolment(210, date(2027, 1, 10))
    history = [january, september]  # any order
    assert enrolment_in_force(history, date(2026, 8, 31)) is None
    assert enrolment_in_force(history, date(2026, 9, 1)) is september
    assert enrolment_in_force(history, date(2027, 1, 9)) is september
    assert enrolment_in_force(history, date(2027, 1, 10)) is january
    assert enrolment_in_force(history, date(2030, 1, 1)) is january
    assert enrolment_in_force([], date(2027, 1, 10)) is None


def test_same_day_correction_wins() -> None:
    typo = enrolment(2000, date(2026, 9, 1))
    fixed = enrolment(200, date(2026, 9, 1))
    assert enrolment_in_force([typo, fixed], date(2026, 10, 1)) is fixed


def test_has_enrolment_for_school_year() -> None:
    history = [enrolment(200, date(2026, 9, 1)), enrolment(210, date(2027, 8, 31))]
    assert has_enrolment_for_school_year(history, 2026)
    assert not has_enrolment_for_school_year(history, 2027)
    assert not has_enrolment_for_school_year(history, 2025)
    assert has_enrolment_for_school_year([enrolment(200, date(2026, 8, 31))], 2025)
