"""People in a report: roles, names, phone numbers, e-mail addresses, plausible ages."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.dates import format_date
from domain.errors import ValidationFailed
from domain.text import collapse_spaces, normalize_person_name


class Role(StrEnum):
    """The portal's "Ruolo" of a case or contact."""

    STUDENT = "studente"
    TEACHER = "docente"
    SUPPORT_TEACHER = "sostegno"
    EDUCATOR = "educatore"
    STAFF = "personale"


# The role as named inside an error message. Same words as the catalog's ROLE_LABELS
# (a test keeps them equal), repeated here because domain/ must not import bot/.
_ROLE_IN_MESSAGES = {
    Role.STUDENT: "studente",
    Role.TEACHER: "docente",
    Role.SUPPORT_TEACHER: "docente di sostegno",
    Role.EDUCATOR: "educatore",
    Role.STAFF: "altro personale scolastico",
}

# Pupils: 0-6 services start at a few months; upper secondary normally ends at 19, later
# with repeated years; evening courses for adults (CPIA) are rare in these reports. 25
# keeps those while still catching a parent's date typed instead of the child's.
STUDENT_AGES = (0, 25)
# Staff: adults of working age; 75 leaves room for late retirements and volunteers.
STAFF_AGES = (18, 75)


def _age(birth: date, today: date) -> int:
    """Completed years on `today`."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_on(birth: date, today: date) -> int:
    """Age in whole years on `today`."""
    return _age(birth, today)


def check_birth_date_for_role(birth: date, role: Role, today: date) -> None:
    """Refuse a birth date in the future, or an age implausible for the role."""
    if birth > today:
        raise ValidationFailed("birth_in_future", date=format_date(birth))
    low, high = STUDENT_AGES if role is Role.STUDENT else STAFF_AGES
    age = _age(birth, today)
    if not low <= age <= high:
        raise ValidationFailed(
            "birth_implausible_for_role",
            role=_ROLE_IN_MESSAGES[role],
            age=age,
            min_age=low,
            max_age=high,
            date=format_date(birth),
        )


PHONE_MAX_LENGTH = 30
# What people put around digits: spaces, dots, dashes, slashes, brackets.
_PHONE_CHARS = re.compile(r"\+?[0-9 ./()-]+", re.ASCII)


def parse_phone(text: str) -> str:
    """A phone number in E.164 ("+393331234567"); Italian unless it starts with + or 00."""
    cleaned = collapse_spaces(text)
    if not cleaned:
        raise ValidationFailed("phone_empty")
    if len(cleaned) > PHONE_MAX_LENGTH or not _PHONE_CHARS.fullmatch(cleaned):
        raise ValidationFailed("phone_invalid", text=cleaned)
    try:
        number = phonenumbers.parse(cleaned, "IT")  # "0039..." is read as the 00 prefix
    except phonenumbers.NumberParseException:
        raise ValidationFailed("phone_invalid", text=cleaned) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed("phone_invalid", text=cleaned)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """A stored number as people read it: "+39 333 123 4567" (as stored when not a number)."""
    try:
        number = phonenumbers.parse(e164, "IT")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display_name(name: str) -> str:
    """A name stored in capitals as a person writes it: "MARIA D'ANGELO" → "Maria D'Angelo"."""
    return name.title()


_PHONE_SEPARATORS = re.compile(r"\s*(?:[,;/]|\be\b|\boppure\b)\s*")


def parse_phones(text: str) -> tuple[str, str | None]:
    """One phone number, or two separated by a comma, ";", "/" or "e"."""
    parts = [part for part in _PHONE_SEPARATORS.split(text.strip()) if part]
    if len(parts) == 2:
        return parse_phone(parts[0]), parse_phone(parts[1])
    return parse_phone(text), None


EMAIL_MAX_LENGTH = 254


def parse_email(text: str) -> str:
    """An e-mail address, syntax only (no network look-up); the domain is lower-cased."""
    cleaned = text.strip()
    if not cleaned:
        raise ValidationFailed("email_empty")
    if len(cleaned) > EMAIL_MAX_LENGTH:
        raise ValidationFailed("email_invalid", text=cleaned[:EMAIL_MAX_LENGTH] + "…")
    try:
        result = validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationFailed("email_invalid", text=cleaned) from None
    return result.normalized


FULL_NAME_FIELD = "nome e cognome"


def parse_full_name(text: str) -> str:
    """A referent's "Nome Cognome": at least two words, upper-case like the portal's names."""
    name = normalize_person_name(text, FULL_NAME_FIELD)
    if len(name.split()) < 2:
        raise ValidationFailed("full_name_one_word", text=name)
    return name
