"""Home isolation of a positive person ("Milano COR"): the rules in force as DATED
PARAMETERS, day numbers from the positive swab (D0), eligibility for the recovery swab, the
register of positive people the ATS loads (CSV, rows checked with line numbers) and the
single-use sign-in tokens sent by SMS.

A later rule is a new row of `RULES` with the date it came into force, not a code change:
`rules_on(day)` picks the row in force on a day.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.codice_fiscale import (
    CodiceFiscale,
    check_birth_date_matches,
    parse_codice_fiscale,
)
from domain.comuni import comune_of_cell
from domain.csv_import import LineProblems, read_csv
from domain.dates import check_not_before, check_not_future, parse_date
from domain.errors import ValidationFailed
from domain.lockout import Lockout
from domain.people import parse_phone
from domain.schools import RowError
from domain.text import normalize_person_name


@dataclass(frozen=True)
class IsolationRules:
    """The parameters of one circular: from `in_force_from` until the next row's date."""

    in_force_from: date
    source: str
    isolation_days: int  # asymptomatic: from D0; symptomatic: from the onset
    symptom_free_days: int  # symptomatic: at least this many days without symptoms at the end
    contact_quarantine_days: int  # household contacts, from the last exposure
    contact_quarantine_with_test_days: int  # ... or this many with a negative test


RULES: tuple[IsolationRules, ...] = (
    IsolationRules(
        in_force_from=date(2020, 10, 12),
        source="Circolare Ministero della Salute 32850 del 12/10/2020",
        isolation_days=10,
        symptom_free_days=3,
        contact_quarantine_days=14,
        contact_quarantine_with_test_days=10,
    ),
)


def rules_on(day: date, rules: tuple[IsolationRules, ...] = RULES) -> IsolationRules:
    """The rules in force on `day` (the earliest row for a day before every row)."""
    in_force = [row for row in rules if row.in_force_from <= day]
    return max(in_force, key=lambda row: row.in_force_from) if in_force else rules[0]


def day_number(d0: date, today: date) -> int:
    """The day of isolation: D0 (the positive swab) is day 0."""
    return (today - d0).days


def swab_eligible_from(
    d0: date,
    onset: date | None,
    last_symptom_day: date | None,
    rules: tuple[IsolationRules, ...] = RULES,
) -> date:
    """The first day the recovery swab may be booked.

    Asymptomatic: D0 + isolation_days. Symptomatic (an onset, or a diary day with symptoms
    that count, smell/taste excepted): isolation_days from the onset, and at least
    symptom_free_days without symptoms after the last day with any.
    """
    rule = rules_on(d0, rules)
    if onset is None and last_symptom_day is None:
        return d0 + timedelta(days=rule.isolation_days)
    start = onset if onset is not None else d0
    eligible = start + timedelta(days=rule.isolation_days)
    if last_symptom_day is not None:
        eligible = max(eligible, last_symptom_day + timedelta(days=rule.symptom_free_days + 1))
    return eligible


def quarantine_end(last_exposure: date, rules: tuple[IsolationRules, ...] = RULES) -> date:
    """The last day of a household contact's quarantine without a test."""
    rule = rules_on(last_exposure, rules)
    return last_exposure + timedelta(days=rule.contact_quarantine_days)


# --- the sign-in tokens -----------------------------------------------------------------------

TOKEN_PREFIX = "cz"  # tells a citizen's link from a referent's invitation code (12 capitals)
_TOKEN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TOKEN_BODY_LENGTH = 24  # 24 × log2(31) ≈ 119 bits
TOKEN_VALIDITY = timedelta(hours=72)
TOKEN_PATTERN = rf"{TOKEN_PREFIX}[{_TOKEN_ALPHABET}]{{{TOKEN_BODY_LENGTH}}}"

SIGNIN_FAILURES = 3
SIGNIN_LOCKOUT = timedelta(minutes=30)
SIGNIN_LOCKOUT_RULE = Lockout(SIGNIN_FAILURES, SIGNIN_LOCKOUT, SIGNIN_LOCKOUT)


def new_token() -> str:
    """A fresh sign-in token, usable as a Telegram deep-link start parameter."""
    return TOKEN_PREFIX + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_BODY_LENGTH))


def is_token(text: str) -> bool:
    body = text.removeprefix(TOKEN_PREFIX)
    return (
        text.startswith(TOKEN_PREFIX)
        and len(body) == TOKEN_BODY_LENGTH
        and all(char in _TOKEN_ALPHABET for char in body)
    )


def hash_token(token: str) -> str:
    """The sha256 hex digest stored instead of the token."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def signin_locked_until(failures: list[datetime], now: datetime) -> datetime | None:
    """SIGNIN_FAILURES failures within SIGNIN_LOCKOUT lock the sign-in for SIGNIN_LOCKOUT
    from the last of them; the end of an active lock-out, or None."""
    return SIGNIN_LOCKOUT_RULE.until(failures, now)


def same_codice_fiscale(typed: str, registered: str) -> bool:
    return secrets.compare_digest("".join(typed.split()).upper(), registered)


def same_phone(shared: str, registered: str) -> bool:
    """Telegram gives "393331234567" (no +), the laboratory "333 123 4567": both normalised."""
    try:
        shared_e164 = parse_phone(shared if shared.startswith("+") else "+" + shared)
    except ValidationFailed:
        try:
            shared_e164 = parse_phone(shared)
        except ValidationFailed:
            return False
    return secrets.compare_digest(shared_e164, registered)


# --- the register --------------------------------------------------------------------------


class Status(StrEnum):
    """Where a person stands, as the ATS desk groups them (most urgent first)."""

    RED_FLAG = "red_flag"
    SYMPTOMS = "symptoms"
    NOT_ANSWERING = "not_answering"
    ELIGIBLE = "eligible"  # the recovery swab may be booked, and is not
    BOOKED = "booked"  # a recovery swab booked, its slot still to come
    RESULT_PENDING = "result_pending"  # the booked slot is over, no result yet
    FOLLOWED = "followed"  # in isolation, answering, not yet eligible
    NOT_SIGNED_IN = "not_signed_in"
    CLOSED = "closed"


NOT_ANSWERING_AFTER = timedelta(hours=24)


class RegisterRow(BaseModel):
    """One good line of the ATS's CSV of positive people."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    line: int
    codice_fiscale: str
    surname: str
    name: str
    birth_date: date
    phone: str
    d0: date
    onset: date | None = None
    comune_code: str = ""  # codice catastale of the domicile (the desk filters by it)


class RegisterImport(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    rows: list[RegisterRow]
    errors: list[RowError]


REGISTER_COLUMNS = (
    "codice_fiscale",
    "cognome",
    "nome",
    "data_nascita",
    "telefono",
    "data_tampone",
    "data_esordio",
    "comune",
)
_OPTIONAL = frozenset({"data_esordio", "comune"})


def _row(line: int, cells: Mapping[str, str], today: date) -> RegisterRow:
    problems: list[ValidationFailed] = []
    values: dict[str, object] = {"line": line}

    def attempt(field: str, parse: Callable[[], object]) -> None:
        try:
            values[field] = parse()
        except ValidationFailed as error:
            problems.append(error)

    attempt("codice_fiscale", lambda: parse_codice_fiscale(cells["codice_fiscale"], today))
    attempt("surname", lambda: normalize_person_name(cells["cognome"], "cognome"))
    attempt("name", lambda: normalize_person_name(cells["nome"], "nome"))
    attempt("birth_date", lambda: parse_date(cells["data_nascita"], today))
    attempt("phone", lambda: parse_phone(cells["telefono"]))
    attempt("d0", lambda: _past_date(cells["data_tampone"], today, "data del tampone"))
    if cells.get("data_esordio", "").strip():
        attempt("onset", lambda: _past_date(cells["data_esordio"], today, "data di esordio"))
    if cells.get("comune", "").strip():
        attempt("comune_code", lambda: comune_code_of(cells["comune"]))
    cf = values.get("codice_fiscale")
    birth = values.get("birth_date")
    if isinstance(cf, CodiceFiscale) and isinstance(birth, date):
        try:
            check_birth_date_matches(cf, birth)
        except ValidationFailed as error:
            problems.append(error)
    d0, onset = values.get("d0"), values.get("onset")
    if isinstance(d0, date) and isinstance(onset, date):
        try:
            check_not_before(onset, d0 - timedelta(days=14), "data di esordio")
        except ValidationFailed as error:
            problems.append(error)
    if problems:
        raise LineProblems(problems)
    if isinstance(cf, CodiceFiscale):
        values["codice_fiscale"] = cf.value
    return RegisterRow.model_validate(values)


def comune_code_of(text: str) -> str:
    """The codice catastale of the one comune `text` names ("Milano", "Milano (MI)")."""
    return comune_of_cell(text).code


def _past_date(text: str, today: date, field: str) -> date:
    day = parse_date(text, today)
    check_not_future(day, today, field)
    return day


def parse_register_csv(data: bytes, today: date) -> RegisterImport:
    """Read the ATS's CSV of positive people (columns REGISTER_COLUMNS, "," or ";").

    Problems with the whole file raise ValidationFailed; a line's problems are collected in
    `errors` with its line number (the header is line 1) and the line is left out."""
    first_seen: dict[str, int] = {}

    def read_line(line: int, cells: Mapping[str, str]) -> RegisterRow:
        row = _row(line, cells, today)
        if row.codice_fiscale in first_seen:
            first_line = first_seen[row.codice_fiscale]
            raise ValidationFailed("register_duplicate_cf", first_line=first_line)
        first_seen[row.codice_fiscale] = line
        return row

    rows, errors = read_csv(data, REGISTER_COLUMNS, read_line, optional=_OPTIONAL)
    return RegisterImport(rows=rows, errors=errors)


# --- what the rest of the code reads -----------------------------------------------------------


class Citizen(BaseModel):
    """A person of the register: positive, in isolation (or closed)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    ats_code: str
    codice_fiscale: str
    surname: str
    name: str
    birth_date: date
    phone: str
    d0: date
    onset: date | None = None
    comune_code: str = ""
    closed_at: datetime | None = None
    household_taken_at: datetime | None = None
    reminder_hour: int = 8
    paused_until: date | None = None
    signed_in: bool = False

    @property
    def initials(self) -> str:
        return f"{self.name[:1]}.{self.surname[:1]}."

    def age(self, today: date) -> int:
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class HouseholdMember(BaseModel):
    """A person living with a positive one ("convivente"), reported by them."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int = 0
    citizen_id: int = 0
    surname: str
    name: str
    codice_fiscale: str
    phone: str = ""
    last_contact: date | None = None  # None: still lives with the positive person
    already_positive: bool = False
    school: str = ""  # "PLESSO CLASSE", empty when not at school


REMINDER_HOURS = (8, 12, 16)
NUDGE_AFTER = timedelta(hours=4)
