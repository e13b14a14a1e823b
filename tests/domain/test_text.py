from __future__ import annotations

import contextlib
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import ValidationFailed
from domain.text import (
    fit,
    fold,
    normalize_free_text,
    normalize_person_name,
    split_message,
    utf16_length,
)
from emulator.formatting import parse
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


def _fold_the_long_way(text: str) -> str:
    """fold as it reads any text: its ASCII shortcut must give the same key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.split())


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_fold_of_ascii_text_is_the_key_of_the_long_way(text: str) -> None:
    assert fold(text) == _fold_the_long_way(text)


@given(st.text())
def test_fold_of_any_text_is_the_key_of_the_long_way(text: str) -> None:
    assert fold(text) == _fold_the_long_way(text)


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


# --- split_message: nothing is lost to Telegram's 4,096 characters --------------------------------


def _visible(pieces: list[str]) -> str:
    """What the user reads of the pieces, newlines aside (tags parsed away, like Telegram)."""
    return "".join("".join(parse(piece, "HTML").text.split()) for piece in pieces)


def test_a_text_that_fits_is_one_piece_unchanged() -> None:
    assert split_message("uno\ndue", 10) == ["uno\ndue"]


def test_long_text_is_cut_at_line_boundaries_and_nothing_is_lost() -> None:
    lines = [f"riga {n}" for n in range(1000)]
    pieces = split_message("\n".join(lines), 100)
    assert all(utf16_length(piece) <= 100 for piece in pieces)
    assert [line for piece in pieces for line in piece.split("\n")] == lines


def test_an_element_open_across_a_cut_is_closed_and_reopened() -> None:
    pieces = split_message("<b>uno\ndue\ntre</b>\nq", 15)
    assert pieces == ["<b>uno\ndue</b>", "<b>tre</b>\nq"]
    assert [parse(piece, "HTML").text for piece in pieces] == ["uno\ndue", "tre\nq"]


def test_one_long_line_is_cut_outside_tags_and_entities() -> None:
    line = "<i>" + "ab&amp;c " * 1000 + "</i>"
    pieces = split_message(line, 4096)
    assert len(pieces) > 1
    for piece in pieces:
        assert utf16_length(piece) <= 4096
        parse(piece, "HTML")  # raises on a tag or entity cut in two
    assert _visible(pieces) == "".join(parse(line, "HTML").text.split())


def test_emoji_count_two_as_telegram_measures() -> None:
    pieces = split_message("🦠" * 3000)
    assert len(pieces) == 2
    assert all(utf16_length(piece) <= 4096 for piece in pieces)


def test_blank_pieces_are_left_out() -> None:
    pieces = split_message("a" * 10 + "\n" * 50 + "b", 10)
    assert pieces and all(piece.strip() for piece in pieces)


_words = st.sampled_from(["ciao", "&amp;", "&lt;", "x" * 30, " ", "🦠", "àè"])


@st.composite
def _html(draw: st.DrawFn) -> str:
    """Well-formed Telegram HTML over lines: nested elements, entities, emoji."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["word", "newline", "element"]))
        if kind == "word":
            parts.append(draw(_words))
        elif kind == "newline":
            parts.append("\n")
        else:
            tag = draw(st.sampled_from(["b", "i", "code"]))
            inner = "".join(draw(st.lists(st.one_of(_words, st.just("\n")), max_size=8)))
            parts.append(f"<{tag}>{inner}</{tag}>")
    return "".join(parts)


@settings(max_examples=300)
@given(_html(), st.integers(min_value=20, max_value=120))
def test_every_piece_fits_parses_and_nothing_is_lost(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    for piece in pieces:
        assert utf16_length(piece) <= limit
        parse(piece, "HTML")
    assert _visible(pieces) == "".join(parse(text, "HTML").text.split())
