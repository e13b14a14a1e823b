"""The codice fiscale: syntax, check character, and the birth date and sex it encodes.

The check follows the Agenzia delle Entrate algorithm (the same tables as
python-codicefiscale's `encode_cin`), but the birth date is computed here from the raw
characters: the library picks the century with the real clock, and rules get `today`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from codicefiscale import codicefiscale as cf_lib
from pydantic import BaseModel, ConfigDict

from domain.dates import format_date
from domain.errors import ValidationFailed

CF_LENGTH = 16

# Omocodia: when two people would get the same code, the Agenzia replaces digits, from the
# right, with these letters (0→L, 1→M, ... 9→V). Any mix is accepted, as the library does.
_OMOCODIA_LETTERS = "LMNPQRSTUV"
_FROM_OMOCODIA = str.maketrans(_OMOCODIA_LETTERS, "0123456789")
_NUM = f"[0-9{_OMOCODIA_LETTERS}]"
_MONTHS = "ABCDEHLMPRST"
_PATTERN = re.compile(
    rf"[A-Z]{{6}}(?P<year>{_NUM}{{2}})(?P<month>[{_MONTHS}])(?P<day>{_NUM}{{2}})"
    rf"(?P<place>[A-Z]{_NUM}{{3}})[A-Z]"
)
_FEMALE_DAY_OFFSET = 40


class CodiceFiscale(BaseModel):
    """A well-formed codice fiscale and what it says about its holder."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    value: str
    """Upper-case, 16 characters, omocodia letters kept as typed."""
    birth_date: date
    sex: Literal["M", "F"]
    birthplace_code: str
    """Cadastral code of the comune (or Z... for a foreign country), omocodia decoded."""

    @property
    def masked(self) -> str:
        """The code with the middle hidden, for lists and summaries."""
        return mask_codice_fiscale(self.value)


def _birth_date(year_digits: int, month: int, day: int, today: date) -> date | None:
    """The birth date of the code: the latest century that gives a real date not after `today`.

    So nobody is born in the future and nobody is more than 100 years old: the code does not
    say more, and school referents report pupils and working staff.
    """
    century = today.year - today.year % 100
    for year in (century + year_digits, century - 100 + year_digits):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29 February exists in 2000 but not in 1900
        if candidate <= today:
            return candidate
    return None


def parse_codice_fiscale(text: str, today: date) -> CodiceFiscale:
    """Check a typed codice fiscale (spaces and case ignored) and decode it."""
    value = "".join(text.split()).upper()
    if len(value) != CF_LENGTH:
        raise ValidationFailed("cf_length", length=len(value))
    if not (value.isascii() and value.isalnum()):
        raise ValidationFailed("cf_invalid_chars")
    match = _PATTERN.fullmatch(value)
    if match is None:
        raise ValidationFailed("cf_pattern")
    if cf_lib.encode_cin(value[:15]) != value[15]:
        raise ValidationFailed("cf_checksum")
    day = int(match["day"].translate(_FROM_OMOCODIA))
    sex: Literal["M", "F"] = "M"
    if day > _FEMALE_DAY_OFFSET:
        day -= _FEMALE_DAY_OFFSET
        sex = "F"
    birth = _birth_date(
        int(match["year"].translate(_FROM_OMOCODIA)), _MONTHS.index(match["month"]) + 1, day, today
    )
    if birth is None:
        raise ValidationFailed("cf_date_invalid")
    place = match["place"]
    return CodiceFiscale(
        value=value,
        birth_date=birth,
        sex=sex,
        birthplace_code=place[0] + place[1:].translate(_FROM_OMOCODIA),
    )


def check_birth_date_matches(cf: CodiceFiscale, typed: date) -> None:
    """Refuse a typed date of birth that differs from the one in the codice fiscale."""
    if cf.birth_date != typed:
        raise ValidationFailed(
            "cf_birth_date_mismatch",
            cf_date=format_date(cf.birth_date),
            typed_date=format_date(typed),
        )


def mask_codice_fiscale(value: str) -> str:
    """First 2 and last 2 characters around an ellipsis: "RSSMRA85T10A562S" → "RS…2S".

    Like the portal's case list ("PZ.....JO"), enough to tell cases apart without
    showing the personal data in chats and summaries.
    """
    if len(value) <= 4:
        return "…"
    return f"{value[:2]}…{value[-2:]}"


NamePart = Literal["surname", "name"]


def name_mismatches(code: str, surname: str, name: str) -> tuple[NamePart, ...]:
    """The parts of the name the code does not encode: its first three letters are the
    surname's, the next three the name's (python-codicefiscale computes them). A mismatch
    is a likely mistake (another person's code), but foreign names transliterated another
    way exist: the caller asks to confirm, it does not refuse."""
    value = code.upper()
    found: list[NamePart] = []
    if len(value) != CF_LENGTH:
        return ()  # not a code (yet): nothing to compare
    if cf_lib.encode_lastname(surname) != value[0:3]:
        found.append("surname")
    if cf_lib.encode_firstname(name) != value[3:6]:
        found.append("name")
    return tuple(found)


def name_letters(surname: str, name: str) -> tuple[str, str]:
    """The letters the code should have for this surname and this name."""
    return cf_lib.encode_lastname(surname), cf_lib.encode_firstname(name)
