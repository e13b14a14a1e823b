"""The codice fiscale: syntax, check character, and the birth date and sex it encodes.

The check character and the letters of the surname and the name follow the Agenzia delle
Entrate's rules, written here rather than taken from python-codicefiscale at run time:
importing the library loads dateutil, slugify and a transliteration table the bot does not
otherwise need (tests/domain/test_codice_fiscale.py checks both give the same answers). The
birth date is computed here from the raw characters too: the library picks the century with
the real clock, and rules get `today`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Literal

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

# The check character: each of the first 15 characters is worth a number, from one table at
# the odd positions (1st, 3rd … 15th) and its rank at the even ones (0-9, A=0 … Z=25); the
# sum modulo 26 is the letter (0 = A). A digit is worth what the letter of its rank is.
_CIN_ODD_VALUES = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10,
                   22, 25, 24, 23)  # fmt: skip
_CIN_ALPHABET = re.compile(r"[0-9A-Z]{15}")


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
    if check_character(value[:15]) != value[15]:
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


def check_character(first_fifteen: str) -> str:
    """The 16th character of a code whose first 15 are `first_fifteen` (digits, capitals)."""
    if _CIN_ALPHABET.fullmatch(first_fifteen) is None:
        raise ValueError("the check character needs 15 digits or capital letters")
    total = 0
    for position, char in enumerate(first_fifteen):
        rank = int(char) if char.isdigit() else ord(char) - ord("A")
        total += _CIN_ODD_VALUES[rank] if position % 2 == 0 else rank
    return chr(ord("A") + total % 26)


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
    surname's, the next three the name's. A mismatch is a likely mistake (another person's
    code), but foreign names transliterated another way exist: the caller asks to confirm,
    it does not refuse."""
    value = code.upper()
    found: list[NamePart] = []
    if len(value) != CF_LENGTH:
        return ()  # not a code (yet): nothing to compare
    expected_surname, expected_name = name_letters(surname, name)
    if expected_surname != value[0:3]:
        found.append("surname")
    if expected_name != value[3:6]:
        found.append("name")
    return tuple(found)


def name_letters(surname: str, name: str) -> tuple[str, str]:
    """The letters the code should have for this surname and this name."""
    return surname_code(surname), first_name_code(name)


_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")
_VOWELS = frozenset("aeiou")


def surname_code(surname: str) -> str:
    """The surname's three letters: its consonants, then its vowels, then X ("Fo" → "FOX")."""
    letters = _ascii_letters(surname)
    return _three(
        [char for char in letters if char in _CONSONANTS],
        [char for char in letters if char in _VOWELS],
    )


def first_name_code(name: str) -> str:
    """The name's three letters: as the surname's, but of four consonants or more the 1st,
    3rd and 4th ("Gianfranco" → "GFR")."""
    letters = _ascii_letters(name)
    consonants = [char for char in letters if char in _CONSONANTS]
    if len(consonants) > 3:
        del consonants[1]
    return _three(consonants, [char for char in letters if char in _VOWELS])


def _three(consonants: list[str], vowels: list[str]) -> str:
    return "".join([*consonants[:3], *vowels[:3], "x", "x", "x"][:3]).upper()


# The accents NFKD splits off Latin letters (à = a + U+0300): dropped without a table.
_COMBINING_DIACRITICS = range(0x300, 0x363)


def _ascii_letters(text: str) -> str:
    """The letters of `text` in lower-case ASCII, as the Agenzia (and the library) read a
    name: accents dropped, other scripts transliterated ("Jürgen" → "jurgen")."""
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        decomposed = "".join(
            char if char.isascii() else _transliterated(char)
            for char in decomposed
            if ord(char) not in _COMBINING_DIACRITICS
        )
    return "".join(char for char in decomposed.lower() if "a" <= char <= "z")


def _transliterated(char: str) -> str:
    """`char` in ASCII by text-unidecode's table (ß → ss, Ж → Zh), the one the library uses.

    Imported on the first such letter only: the table costs 4 MB of memory, and Italian
    names (accented letters included) never need it."""
    return _unidecode()(char)


@cache
def _unidecode() -> Callable[[str], str]:
    from text_unidecode import unidecode

    transliterate: Callable[[str], str] = unidecode
    return transliterate
