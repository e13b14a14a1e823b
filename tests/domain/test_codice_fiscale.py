from __future__ import annotations

import contextlib
import string
from datetime import date
from typing import Literal

import pytest
from codicefiscale import codicefiscale as cf_lib
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.codice_fiscale import (
    CodiceFiscale,
    check_birth_date_matches,
    check_character,
    first_name_code,
    mask_codice_fiscale,
    name_letters,
    parse_codice_fiscale,
    surname_code,
)
from domain.errors import ValidationFailed
from tests.domain.helpers import refused

TODAY = date(2024, 3, 15)
VALID = "RSSMRA85T10A562S"  # the Agenzia's own example: Mario Rossi, 10/12/1985
OMOCODIA_POSITIONS = (14, 13, 12, 10, 9, 7, 6)  # replaced from the right
TO_LETTER = str.maketrans("0123456789", "LMNPQRSTUV")


def omocode(code: str, replaced: int) -> str:
    """The code with its `replaced` rightmost digits turned into omocodia letters."""
    chars = list(code[:15])
    for position in OMOCODIA_POSITIONS[:replaced]:
        chars[position] = chars[position].translate(TO_LETTER)
    body = "".join(chars)
    return body + cf_lib.encode_cin(body)


def test_parses_a_valid_code() -> None:
    cf = parse_codice_fiscale(VALID, TODAY)
    assert cf == CodiceFiscale(
        value=VALID, birth_date=date(1985, 12, 10), sex="M", birthplace_code="A562"
    )


def test_spaces_and_case_are_ignored() -> None:
    assert parse_codice_fiscale(" rssmra 85t10 a562s ", TODAY).value == VALID


def test_female_day_is_decoded() -> None:
    cf = parse_codice_fiscale("VRDNNA10A53A811W", TODAY)
    assert (cf.birth_date, cf.sex, cf.birthplace_code) == (date(2010, 1, 13), "F", "A811")


def test_omocodia_is_accepted_and_kept_as_typed() -> None:
    code = omocode(VALID, 3)
    assert code[11:15] == "ARSN"
    cf = parse_codice_fiscale(code, TODAY)
    assert cf.value == code
    assert cf.birthplace_code == "A562"
    assert cf.birth_date == date(1985, 12, 10)


def test_century_is_chosen_with_today_not_the_clock() -> None:
    code = cf_lib.encode("Rossi", "Mario", "M", "1930-05-01", "Milano")  # year digits 30
    assert parse_codice_fiscale(code, date(2024, 1, 1)).birth_date == date(1930, 5, 1)
    assert parse_codice_fiscale(code, date(2031, 1, 1)).birth_date == date(2030, 5, 1)


def test_29_february_of_a_century_that_has_none_is_taken_from_the_other() -> None:
    code = cf_lib.encode("Rossi", "Mario", "M", "2000-02-29", "Milano")
    assert parse_codice_fiscale(code, date(2024, 1, 1)).birth_date == date(2000, 2, 29)


def test_length_wrong_then_right() -> None:
    error = refused("cf_length", parse_codice_fiscale, VALID[:15], TODAY)
    assert error.params == {"length": 15}
    assert parse_codice_fiscale(VALID, TODAY).value == VALID


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RSSMRA85T10A562-", "cf_invalid_chars"),
        ("RSSMRÀ85T10A562S", "cf_invalid_chars"),
        ("RSSMRA85T1OA562S", "cf_pattern"),  # letter O for zero
        ("RSSMRA85Z10A562S", "cf_pattern"),  # Z is not a month
        ("1SSMRA85T10A562S", "cf_pattern"),
        ("RSSMRA85T10A562T", "cf_checksum"),
        ("RSSMRA85T10A562", "cf_length"),
    ],
)
def test_refusals(text: str, code: str) -> None:
    refused(code, parse_codice_fiscale, text, TODAY)


def test_impossible_date_is_refused() -> None:
    body = "RSSMRA85B31A562"  # 31 February
    refused("cf_date_invalid", parse_codice_fiscale, body + cf_lib.encode_cin(body), TODAY)


def test_birth_date_must_match_the_typed_one() -> None:
    cf = parse_codice_fiscale(VALID, TODAY)
    error = refused("cf_birth_date_mismatch", check_birth_date_matches, cf, date(1985, 10, 12))
    assert error.params == {"cf_date": "10/12/1985", "typed_date": "12/10/1985"}
    check_birth_date_matches(cf, date(1985, 12, 10))


def test_mask_shows_first_and_last_two() -> None:
    assert mask_codice_fiscale(VALID) == "RS…2S"
    assert parse_codice_fiscale(VALID, TODAY).masked == "RS…2S"
    assert mask_codice_fiscale("AB") == "…"


BIRTHPLACES = ("Milano", "Lodi", "Codogno", "Roma", "Napoli", "Bertonico", "Z110", "Z404")
names = st.text(alphabet=string.ascii_letters, min_size=1, max_size=12)
births = st.dates(min_value=date(1924, 3, 16), max_value=TODAY)


@settings(max_examples=150, deadline=None)
@given(
    surname=names,
    name=names,
    sex=st.sampled_from(["M", "F"]),
    birth=births,
    place=st.sampled_from(BIRTHPLACES),
    replaced=st.integers(0, 7),
)
def test_any_encoded_code_parses_back(
    surname: str, name: str, sex: Literal["M", "F"], birth: date, place: str, replaced: int
) -> None:
    code = omocode(cf_lib.encode(surname, name, sex, birth.isoformat(), place), replaced)
    cf = parse_codice_fiscale(code, TODAY)
    assert (cf.birth_date, cf.sex) == (birth, sex)


@settings(max_examples=300, deadline=None)
@given(
    birth=births,
    place=st.sampled_from(BIRTHPLACES),
    position=st.integers(0, 15),
    char=st.sampled_from(string.ascii_uppercase + string.digits),
)
def test_a_single_changed_character_is_refused_or_an_omocode(
    birth: date, place: str, position: int, char: str
) -> None:
    code = cf_lib.encode("Bianchi", "Luca", "M", birth.isoformat(), place)
    changed = code[:position] + char + code[position + 1 :]
    try:
        cf = parse_codice_fiscale(changed, TODAY)
    except ValidationFailed:
        return
    assert changed == code or (cf.birth_date, cf.birthplace_code) == (
        birth,
        parse_codice_fiscale(code, TODAY).birthplace_code,
    )


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=40)
    | st.text(alphabet=string.ascii_letters + string.digits, min_size=16, max_size=16)
)
def test_parse_raises_only_validation_failed(text: str) -> None:
    with contextlib.suppress(ValidationFailed):
        parse_codice_fiscale(text, TODAY)


# --- our rules against python-codicefiscale's (the bot no longer imports it at run time) -----

CODE_CHARS = string.ascii_uppercase + string.digits


@settings(max_examples=500, deadline=None)
@given(body=st.text(alphabet=CODE_CHARS, min_size=15, max_size=15))
def test_the_check_character_is_the_librarys(body: str) -> None:
    assert check_character(body) == cf_lib.encode_cin(body)


def test_the_check_character_of_the_agenzias_example() -> None:
    assert check_character(VALID[:15]) == "S"


@pytest.mark.parametrize("body", ["RSSMRA85T10A56", "rssmra85t10a562", "RSSMRA85T10A56-"])
def test_the_check_character_needs_15_digits_or_capitals(body: str) -> None:
    with pytest.raises(ValueError, match="15 digits or capital letters"):
        check_character(body)


# What normalize_person_name lets through: letters of any script, combining marks,
# apostrophes, hyphens and spaces.
person_names = st.text(
    alphabet=st.one_of(
        st.characters(categories=["L", "M"]),
        st.sampled_from("' -àèéìòùÀÈÉÌÒÙçÇäöüßøæœÄÖÜÆŒØłŁđĐñÑ"),
        st.sampled_from(string.ascii_letters),
    ),
    max_size=20,
)


@settings(max_examples=500, deadline=None)
@given(surname=person_names, name=person_names)
def test_the_name_letters_are_the_librarys(surname: str, name: str) -> None:
    assert surname_code(surname) == cf_lib.encode_lastname(surname)
    assert first_name_code(name) == cf_lib.encode_firstname(name)
    assert name_letters(surname, name) == (surname_code(surname), first_name_code(name))


@pytest.mark.parametrize(
    ("surname", "name", "letters"),
    [
        ("Rossi", "Mario", ("RSS", "MRA")),
        ("Fo", "Gianfranco", ("FOX", "GFR")),  # X fills in; of 4+ consonants 1st, 3rd, 4th
        ("D'Angelo", "Nicolò", ("DNG", "NCL")),
        ("Müller", "Jürgen", ("MLL", "JGN")),
        ("Straße", "Øyvind", ("STR", "YND")),  # transliterated: ß → ss, Ø → O
        ("Иванов", "Ж", ("VNV", "ZHX")),
    ],
)
def test_name_letters_of_known_names(surname: str, name: str, letters: tuple[str, str]) -> None:
    assert name_letters(surname, name) == letters


def test_the_accents_dropped_without_a_table_have_no_letters_in_the_librarys() -> None:
    from text_unidecode import unidecode

    from domain.codice_fiscale import _COMBINING_DIACRITICS

    for codepoint in _COMBINING_DIACRITICS:
        assert not any(char.isalpha() for char in unidecode(chr(codepoint))), hex(codepoint)
