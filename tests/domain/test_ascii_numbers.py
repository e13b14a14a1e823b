"""Numbers typed in arguments or carried by buttons are ASCII digits only: "²" and "٣" pass
`str.isdigit()` and then `int()` raises or reads them (issue 15, item 9)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import keyboards
from bot.settings import parse_admin_ids
from domain.text import parse_ascii_int

# Every Unicode digit but the ten ASCII ones: superscripts, Arabic-Indic, full-width, …
FOREIGN_DIGITS = st.characters(categories=["Nd", "No", "Nl"]).filter(
    lambda char: char not in "0123456789"
)
ASCII_NUMBERS = st.text(alphabet="0123456789", min_size=1, max_size=12)


@given(st.text())
def test_any_text_is_a_number_only_when_all_ascii_digits(text: str) -> None:
    value = parse_ascii_int(text)
    if value is None:
        assert not (text and text.isascii() and text.isdigit() and len(text) <= 12)
    else:
        assert text.isascii() and text.isdigit() and value == int(text)


@given(ASCII_NUMBERS, FOREIGN_DIGITS, st.integers(min_value=0, max_value=12))
def test_a_foreign_digit_anywhere_is_refused(digits: str, foreign: str, at: int) -> None:
    text = digits[:at] + foreign + digits[at:]
    assert parse_ascii_int(text) is None
    with pytest.raises(keyboards.BadCallback):
        keyboards.parse_int(text)


@given(ASCII_NUMBERS)
def test_ascii_numbers_are_read(digits: str) -> None:
    assert parse_ascii_int(digits) == int(digits)
    assert keyboards.parse_int(digits) == int(digits)


@pytest.mark.parametrize("text", ["²", "³", "¹²", "٣", "１２", "Ⅻ", "", "-1", "+1", " 1", "1" * 13])
def test_button_ids_refuse_what_int_would_choke_on(text: str) -> None:
    with pytest.raises(keyboards.BadCallback):
        keyboards.parse_int(text)


@pytest.mark.parametrize("raw", ["²", "111²:ATS-MILANO", "١١١"])
def test_admin_ids_with_foreign_digits_are_a_clear_error(raw: str) -> None:
    with pytest.raises(ValueError, match="is not a Telegram user id"):
        parse_admin_ids(raw)
