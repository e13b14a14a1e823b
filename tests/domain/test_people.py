from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.people import (
    Role,
    check_birth_date_for_role,
    parse_email,
    parse_full_name,
    parse_phone,
)
from tests.domain.helpers import refused

TODAY = date(2020, 10, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("333 123 4567", "+393331234567"),
        ("333.123.4567", "+393331234567"),
        ("333-1234567", "+393331234567"),
        ("0039 333 1234567", "+393331234567"),
        ("+39 333 1234567", "+393331234567"),
        ("02 1234567", "+39021234567"),
        ("(02) 1234 5678", "+390212345678"),
        ("+41 79 123 45 67", "+41791234567"),
    ],
)
def test_parse_phone_gives_e164(text: str, expected: str) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "phone_empty"),
        ("12345", "phone_invalid"),
        ("tre tre tre", "phone_invalid"),
        ("333 123 4567 int. 2", "phone_invalid"),
        ("+99 1234567", "phone_invalid"),
        ("3" * 40, "phone_invalid"),
    ],
)
def test_parse_phone_refusals(text: str, code: str) -> None:
    refused(code, parse_phone, text)


def test_phone_wrong_then_right() -> None:
    refused("phone_invalid", parse_phone, "33312")
    assert parse_phone("3331234567") == "+393331234567"


def test_parse_email_lowercases_the_domain() -> None:
    assert parse_email("  Mario.Rossi@Scuola.EDU.IT ") == "Mario.Rossi@scuola.edu.it"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "email_empty"),
        ("mario.rossi", "email_invalid"),
        ("mario@scuola", "email_invalid"),
        ("mario rossi@scuola.it", "email_invalid"),
        ("mario@@scuola.it", "email_invalid"),
        ("a" * 250 + "@scuola.it", "email_invalid"),
    ],
)
def test_parse_email_refusals(text: str, code: str) -> None:
    refused(code, parse_email, text)


def test_full_name_needs_two_words() -> None:
    error = refused("full_name_one_word", parse_full_name, " maria ")
    assert error.params == {"text": "MARIA"}
    assert parse_full_name("Maria  De Luca") == "MARIA DE LUCA"


def test_full_name_uses_the_name_rules() -> None:
    error = refused("name_invalid_chars", parse_full_name, "Maria Rossi 3")
    assert error.params["field"] == "nome e cognome"


@pytest.mark.parametrize(
    ("birth", "role"),
    [
        (date(2020, 6, 1), Role.STUDENT),  # a few months: nido
        (date(1995, 10, 27), Role.STUDENT),  # 24
        (date(2002, 10, 26), Role.TEACHER),  # 18 today
        (date(1945, 10, 27), Role.STAFF),  # 74
        (date(1980, 1, 1), Role.SUPPORT_TEACHER),
        (date(1990, 1, 1), Role.EDUCATOR),
    ],
)
def test_plausible_ages(birth: date, role: Role) -> None:
    check_birth_date_for_role(birth, role, TODAY)


@pytest.mark.parametrize(
    ("birth", "role", "age"),
    [
        (date(1990, 1, 1), Role.STUDENT, 30),
        (date(2010, 1, 13), Role.TEACHER, 10),
        (date(2002, 10, 27), Role.EDUCATOR, 17),
        (date(1940, 1, 1), Role.STAFF, 80),
    ],
)
def test_implausible_ages(birth: date, role: Role, age: int) -> None:
    error = refused("birth_implausible_for_role", check_birth_date_for_role, birth, role, TODAY)
    assert error.params["age"] == age


def test_role_label_in_message() -> None:
    error = refused(
        "birth_implausible_for_role",
        check_birth_date_for_role,
        date(2015, 1, 1),
        Role.SUPPORT_TEACHER,
        TODAY,
    )
    assert error.params["role"] == "docente di sostegno"


def test_birth_in_future_then_right() -> None:
    refused("birth_in_future", check_birth_date_for_role, date(2020, 10, 27), Role.STUDENT, TODAY)
    check_birth_date_for_role(TODAY, Role.STUDENT, TODAY)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_people_parsers_raise_only_validation_failed(text: str) -> None:
    for parse in (parse_phone, parse_email, parse_full_name):
        with contextlib.suppress(ValidationFailed):
            parse(text)
