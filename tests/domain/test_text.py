from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.text import decode_upload, fit, fold, normalize_free_text, normalize_person_name
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


MARKER = "\n…"


def test_fit_keeps_a_short_text_whole() -> None:
    assert fit("uno\ndue", 10, MARKER) == "uno\ndue"


def test_fit_drops_whole_lines_that_do_not_fit() -> None:
    assert fit("uno\ndue\ntre\nquattro", 12, MARKER) == "uno\ndue" + MARKER


def test_fit_cuts_one_long_line_at_the_limit() -> None:
    # No newline to cut at: the line itself is cut, not sent whole with the marker after it.
    fitted = fit("x" * 5000, 4000, MARKER)
    assert fitted == "x" * 3998 + MARKER


def test_fit_does_not_cut_inside_an_html_tag_or_entity() -> None:
    assert fit("ab<b>cd</b>", 6, MARKER) == "ab" + MARKER
    assert fit("abc&amp;d", 7, MARKER) == "abc" + MARKER
    assert fit("x<a &b>c<d", 9, MARKER) == "x" + MARKER


@given(st.text(alphabet=st.sampled_from("ab \n<>&;")), st.integers(min_value=2, max_value=60))
def test_fit_never_exceeds_the_limit(text: str, limit: int) -> None:
    fitted = fit(text, limit, MARKER)
    assert len(fitted) <= limit
    if len(text) <= limit:
        assert fitted == text
    else:
        assert fitted.endswith(MARKER)
        assert text.startswith(fitted.removesuffix(MARKER))


@given(st.text(), st.integers(min_value=2, max_value=5000))
def test_fit_never_exceeds_the_limit_whatever_the_text(text: str, limit: int) -> None:
    assert len(fit(text, limit, MARKER)) <= limit


# ---- decode_upload: every encoding Excel saves a CSV in -------------------------------


@pytest.mark.parametrize(
    ("data", "fallback"),
    [
        ("Città;Forlì".encode(), None),  # UTF-8, no mark
        ("\ufeffCittà;Forlì".encode(), None),  # Excel's "CSV UTF-8"
        ("\ufeffCittà;Forlì".encode("utf-16-le"), None),  # Excel's "Testo Unicode"
        ("\ufeffCittà;Forlì".encode("utf-16-be"), None),
        ("Città;Forlì".encode("cp1252"), "cp1252"),  # Italian Excel's plain "CSV"
    ],
    ids=["utf-8", "utf-8 bom", "utf-16-le bom", "utf-16-be bom", "cp1252"],
)
def test_decode_upload_reads_every_encoding_excel_writes(data: bytes, fallback: str | None) -> None:
    assert decode_upload(data, fallback=fallback) == "Città;Forlì"


def test_decode_upload_without_a_fallback_refuses_what_is_not_utf() -> None:
    with pytest.raises(UnicodeDecodeError):
        decode_upload("Città".encode("cp1252"))


def test_a_byte_order_mark_is_trusted_even_with_a_fallback() -> None:
    # UTF-16 read as Windows-1252 gives "ÿþC\x00i\x00…": the mark must win over the guess,
    # and bytes that break the encoding it announces are an error, not a guess either.
    assert decode_upload("\ufeffCittà".encode("utf-16-le"), fallback="cp1252") == "Città"
    with pytest.raises(UnicodeDecodeError):
        decode_upload("\ufeffCittà".encode("utf-16-le") + b"x", fallback="cp1252")


def test_bytes_windows_1252_leaves_undefined_are_still_read() -> None:
    assert decode_upload(b"a\x81b", fallback="cp1252") == "a\x81b"


@given(st.text(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"]))
def test_decode_upload_round_trips_any_text_with_its_mark(text: str, encoding: str) -> None:
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = "\ufeff".encode(encoding) + data  # Excel always writes the mark
    if encoding == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]  # a leading U+FEFF is read as the mark: dropped
    assert decode_upload(data) == text
