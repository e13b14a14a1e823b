from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.text import fold, normalize_free_text, normalize_person_name
from tests.domain.helpers import refused


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Milano", "milano"),
        ("  Sant’Angelo   Lodigiano ", "sant angelo lodigiano"),
        ("FORLÌ", "forli"),
        ("Vo'", "vo"),
        ("Castello-Molina di Fiemme", "castello molina di fiemme"),
        ("", ""),
    ],
)
def test_fold_ignores_case_accents_and_punctuation(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rossi", "ROSSI"),
        ("  de   luca ", "DE LUCA"),
        ("D’Angelo", "D'ANGELO"),
        ("Niccolò", "NICCOLÒ"),
        ("Rossi–Bianchi", "ROSSI-BIANCHI"),
        ("Nguyễn", "NGUYỄN"),
    ],
)
def test_person_names_are_upper_case_with_single_spaces(text: str, expected: str) -> None:
    assert normalize_person_name(text, "cognome") == expected


def test_person_name_wrong_then_right() -> None:
    error = refused("name_invalid_chars", normalize_person_name, "Ross1", "cognome")
    assert error.params == {"field": "cognome", "chars": "1"}
    assert normalize_person_name("Rossi", "cognome") == "ROSSI"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "name_empty"),
        ("   ", "name_empty"),
        ("Mario!", "name_invalid_chars"),
        ("mario@rossi", "name_invalid_chars"),
        ("'-'", "name_no_letters"),
        ("A" * 61, "name_too_long"),
    ],
)
def test_person_name_refusals(text: str, code: str) -> None:
    refused(code, normalize_person_name, text, "nome")


def test_person_name_of_exactly_60_characters_is_fine() -> None:
    assert normalize_person_name("a" * 60, "nome") == "A" * 60


def test_free_text_keeps_case_and_collapses_spaces() -> None:
    assert normalize_free_text("  Via  Roma,\n 12 ", "indirizzo", 50) == "Via Roma, 12"


@pytest.mark.parametrize(
    ("text", "code"),
    [("  ", "text_empty"), ("1\u200bB", "text_invalid_chars"), ("x" * 11, "text_too_long")],
)
def test_free_text_refusals(text: str, code: str) -> None:
    error = refused(code, normalize_free_text, text, "classe", 10)
    assert error.params["field"] == "classe"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_name_rules_raise_only_validation_failed(text: str) -> None:
    for rule in (
        lambda: normalize_person_name(text, "nome"),
        lambda: normalize_free_text(text, "classe", 20),
    ):
        with contextlib.suppress(ValidationFailed):
            rule()
