from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.dates import (
    check_not_before,
    check_not_future,
    format_date,
    parse_date,
    recent_days,
)
from domain.errors import ValidationFailed
from tests.domain.helpers import refused

TODAY = date(2020, 10, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/10/2020", date(2020, 10, 25)),
        (" 25/10/2020 ", date(2020, 10, 25)),
        ("25/10/20", date(2020, 10, 25)),
        ("25-10-2020", date(2020, 10, 25)),
        ("25.10.2020", date(2020, 10, 25)),
        ("5/3/2020", date(2020, 3, 5)),
        ("2020-10-25", date(2020, 10, 25)),
        ("25/10", date(2020, 10, 25)),
        ("13/01/10", date(2010, 1, 13)),
        ("13/01/21", date(1921, 1, 13)),  # 21 is after this year's 20: last century
        ("13/01/00", date(2000, 1, 13)),
        ("oggi", TODAY),
        ("Ieri", date(2020, 10, 25)),
        ("l'altro ieri", date(2020, 10, 24)),
        ("L’altro ieri", date(2020, 10, 24)),
        ("altroieri", date(2020, 10, 24)),
        ("OGGÌ", TODAY),
    ],
)
def test_parse_date_accepts_the_usual_ways(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["31/02/2020", "29/02/2021", "32/1/2020", "0/1/2020", "25/13", "domani", "", "2020", "1/2/202"],
)
def test_parse_date_refuses_invalid_dates(text: str) -> None:
    refused("date_invalid", parse_date, text, TODAY)


def test_parse_date_wrong_then_right() -> None:
    error = refused("date_invalid", parse_date, "31/02/2020", TODAY)
    assert error.params == {"text": "31/02/2020"}
    assert parse_date("29/02/2020", TODAY) == date(2020, 2, 29)


def test_check_not_future() -> None:
    check_not_future(TODAY, TODAY, "ultimo giorno di frequenza")
    error = refused("date_in_future", check_not_future, date(2020, 10, 27), TODAY, "tampone")
    assert error.params == {"field": "tampone", "date": "27/10/2020", "today": "26/10/2020"}


def test_check_not_before() -> None:
    check_not_before(date(2020, 10, 1), date(2020, 10, 1), "data contatto")
    error = refused(
        "date_too_early", check_not_before, date(2020, 9, 30), date(2020, 10, 1), "data contatto"
    )
    assert error.params["earliest"] == "01/10/2020"


def test_format_date_and_recent_days() -> None:
    assert format_date(date(2020, 1, 5)) == "05/01/2020"
    assert recent_days(date(2020, 3, 1), 3) == [
        date(2020, 3, 1),
        date(2020, 2, 29),
        date(2020, 2, 28),
    ]
    assert recent_days(TODAY, 0) == []


FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d/%m/%y", "%d/%m")


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    fmt=st.sampled_from(FORMATS),
    short=st.booleans(),
)
def test_every_accepted_format_parses_back(day: date, today: date, fmt: str, short: bool) -> None:
    if fmt == "%d/%m":
        day = day.replace(year=today.year) if (day.month, day.day) != (2, 29) else today
    if fmt == "%d/%m/%y":
        century = today.year - today.year % 100
        year = century + day.year % 100
        day = date(year if year <= today.year else year - 100, day.month, 1)
    text = day.strftime(fmt)
    if short and not fmt.startswith("%Y"):  # single-digit day and month: 5/3/2020
        separator = fmt[2]
        day_month = f"{day.day}{separator}{day.month}"
        text = day_month + text[5:]
    assert parse_date(text, today) == day


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_date_raises_only_validation_failed(text: str) -> None:
    with contextlib.suppress(ValidationFailed):
        parse_date(text, TODAY)
