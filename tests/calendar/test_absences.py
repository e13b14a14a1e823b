"""Absence figures, the rate, its comparison with the same weekday, Italian numbers."""

from __future__ import annotations

import pytest

from domain.absences import (
    ComparisonKind,
    check_absences,
    compare_with_history,
    format_count,
    format_decimal,
    format_percent,
    rate,
)
from domain.errors import ValidationFailed

# --- check_absences ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("absent", "ill", "enrolled"),
    [(0, None, 10), (0, 0, 10), (10, 10, 10), (41, 12, 1000), (41, None, 1000)],
)
def test_plausible_absences_pass(absent: int, ill: int | None, enrolled: int) -> None:
    check_absences(absent, ill, enrolled)


@pytest.mark.parametrize(
    ("absent", "ill", "enrolled", "code", "params"),
    [
        (-1, None, 10, "absent_negative", {}),
        (1201, None, 1200, "absent_more_than_enrolled", {"absent": "1.201", "enrolled": "1.200"}),
        (5, -1, 10, "ill_negative", {}),
        (5, 6, 10, "ill_more_than_absent", {"ill": "6", "absent": "5"}),
        (0, None, 0, "absences_no_enrolment", {}),
    ],
)
def test_impossible_absences_are_refused(
    absent: int, ill: int | None, enrolled: int, code: str, params: dict[str, object]
) -> None:
    with pytest.raises(ValidationFailed) as failed:
        check_absences(absent, ill, enrolled)
    assert failed.value.code == code
    assert failed.value.params == params


def test_rate_is_a_fraction() -> None:
    assert rate(41, 1000) == pytest.approx(0.041)
    assert rate(0, 30) == 0
    assert rate(30, 30) == 1
    with pytest.raises(ValidationFailed):
        rate(1, 0)


# --- compare_with_history ---------------------------------------------------------------

HISTORY = [0.032, 0.048, 0.040, 0.035]


def test_no_history_is_the_first_recording() -> None:
    c = compare_with_history(0.041, [])
    assert (c.kind, c.low, c.high, c.count) == (ComparisonKind.FIRST, None, None, 0)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (0.041, ComparisonKind.IN_LINE),
        (0.032, ComparisonKind.IN_LINE),  # ends included
        (0.048, ComparisonKind.IN_LINE),
        (0.0484, ComparisonKind.IN_LINE),  # shown as 4,8%: not "above 4,8%"
        (0.0485, ComparisonKind.ABOVE),  # shown as 4,9%
        (0.0315, ComparisonKind.IN_LINE),  # shown as 3,2%
        (0.0314, ComparisonKind.BELOW),
        (0.095, ComparisonKind.ABOVE),
        (0.0, ComparisonKind.BELOW),
    ],
)
def test_comparison_with_the_last_four(value: float, kind: ComparisonKind) -> None:
    c = compare_with_history(value, HISTORY)
    assert c.kind is kind
    assert (c.low, c.high, c.count, c.rate) == (0.032, 0.048, 4, value)


def test_only_the_last_n_count() -> None:
    c = compare_with_history(0.09, [0.10, *HISTORY])  # the oldest 10% falls out
    assert (c.kind, c.count, c.high) == (ComparisonKind.ABOVE, 4, 0.048)
    c = compare_with_history(0.033, HISTORY, n=2)  # 4,0% and 3,5%
    assert (c.kind, c.low, c.high, c.count) == (ComparisonKind.BELOW, 0.035, 0.040, 2)


def test_short_history_compares_with_what_there_is() -> None:
    c = compare_with_history(0.05, [0.05])
    assert (c.kind, c.low, c.high, c.count) == (ComparisonKind.IN_LINE, 0.05, 0.05, 1)


# --- Italian numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.041, "4,1%"),
        (0.0, "0,0%"),
        (1.0, "100,0%"),
        (0.0405, "4,1%"),  # half up, as on paper
        (0.04049, "4,0%"),
        (0.12345, "12,3%"),
        (0.005, "0,5%"),
        (1 / 3, "33,3%"),
    ],
)
def test_format_percent(value: float, text: str) -> None:
    assert format_percent(value) == text


def test_format_decimal_and_count() -> None:
    assert format_decimal(36.55) == "36,6"
    assert format_decimal(1234.5) == "1.234,5"
    assert format_decimal(31.4, 0) == "31"
    assert format_count(1200) == "1.200"
    assert format_count(12) == "12"
    assert format_count(1234567) == "1.234.567"
