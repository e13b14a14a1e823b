"""Swab booking (issue 20): the ATS's swab points and their slots (a CSV, rows checked with
line numbers), which slots a person in isolation may book (a pure rule over the isolation
module's dated parameters and the diary), the booking and pass codes, and the results.

Slot times are local wall-clock times (the point's opening hours), kept as naive datetimes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.codice_fiscale import check_birth_date_matches, parse_codice_fiscale
from domain.contact_import import header_key
from domain.csv_import import LineProblems, read_csv
from domain.dates import parse_date
from domain.errors import ValidationFailed
from domain.people import parse_phone
from domain.schools import RowError
from domain.text import collapse_spaces, normalize_person_name


class SlotKind(StrEnum):
    BOOKED = "prenotati"
    DIRECT = "accesso_diretto"


class Outcome(StrEnum):
    NEGATIVE = "negativo"
    POSITIVE = "positivo"


REPEAT_AFTER_POSITIVE_DAYS = 7  # "ripeti il tampone dal <data>" (default of the setting)
CHANGE_UNTIL_BEFORE = timedelta(hours=2)  # cancel or move up to 2 hours before
PASS_VALIDITY = timedelta(hours=48)
MAX_SLOTS_PER_ROW = 200


class SlotRow(BaseModel):
    """One good line of the ATS's CSV of points and capacity: a point's opening on a day."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    line: int
    point: str  # the ATS's short name of the point
    name: str
    address: str
    comune: str
    notes: str = ""
    day: date
    opens: time
    closes: time
    minutes: int
    places: int
    kind: SlotKind

    def starts(self) -> list[datetime]:
        """The start of every slot from `opens` while a whole slot fits before `closes`."""
        first = datetime.combine(self.day, self.opens)
        end = datetime.combine(self.day, self.closes)
        step = timedelta(minutes=self.minutes)
        out: list[datetime] = []
        start = first
        while start + step <= end:
            out.append(start)
            start += step
        return out


class SlotsImport(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    rows: list[SlotRow]
    errors: list[RowError]


SLOT_COLUMNS = (
    "punto",
    "nome",
    "indirizzo",
    "comune",
    "note",
    "data",
    "dalle",
    "alle",
    "durata",
    "posti",
    "tipo",
)
_OPTIONAL = frozenset({"note"})
_TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_time(text: str, field: str) -> time:
    match = _TIME.match(text)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValidationFailed("swab_time_invalid", field=field, text=collapse_spaces(text)[:20])
    return time(int(match.group(1)), int(match.group(2)))


def _positive_int(text: str, field: str, low: int, high: int) -> int:
    cleaned = text.strip()
    if not cleaned.isdigit() or not low <= int(cleaned) <= high:
        raise ValidationFailed(
            "swab_number_invalid", field=field, text=cleaned[:20], low=low, high=high
        )
    return int(cleaned)


def _kind(text: str) -> SlotKind:
    key = header_key(text)
    if key in ("prenotati", "prenotazione", "prenotato"):
        return SlotKind.BOOKED
    if key in ("accessodiretto", "diretto", "accesso_diretto"):
        return SlotKind.DIRECT
    raise ValidationFailed("swab_kind_invalid", text=collapse_spaces(text)[:30] or "-")


def _required(text: str, field: str) -> str:
    cleaned = collapse_spaces(text)
    if not cleaned:
        raise ValidationFailed("swab_field_missing", field=field)
    return cleaned[:120]


def _row(line: int, cells: Mapping[str, str], today: date) -> SlotRow:
    problems: list[ValidationFailed] = []
    values: dict[str, object] = {"line": line, "notes": collapse_spaces(cells.get("note", ""))}

    def attempt(field: str, parse: Callable[[], object]) -> None:
        try:
            values[field] = parse()
        except ValidationFailed as error:
            problems.append(error)

    attempt("point", lambda: _required(cells["punto"], "punto"))
    attempt("name", lambda: _required(cells["nome"], "nome"))
    attempt("address", lambda: _required(cells["indirizzo"], "indirizzo"))
    attempt("comune", lambda: _required(cells["comune"], "comune"))
    attempt("day", lambda: _future_day(cells["data"], today))
    attempt("opens", lambda: parse_time(cells["dalle"], "dalle"))
    attempt("closes", lambda: parse_time(cells["alle"], "alle"))
    attempt("minutes", lambda: _positive_int(cells["durata"], "durata", 5, 240))
    attempt("places", lambda: _positive_int(cells["posti"], "posti", 1, 100))
    attempt("kind", lambda: _kind(cells["tipo"]))
    opens, closes = values.get("opens"), values.get("closes")
    if isinstance(opens, time) and isinstance(closes, time) and closes <= opens:
        problems.append(ValidationFailed("swab_hours_reversed"))
    if problems:
        raise LineProblems(problems)
    row = SlotRow.model_validate(values)
    if not row.starts():
        raise ValidationFailed("swab_no_slot")
    if len(row.starts()) > MAX_SLOTS_PER_ROW:
        raise ValidationFailed("swab_too_many_slots", max=MAX_SLOTS_PER_ROW)
    return row


def _future_day(text: str, today: date) -> date:
    day = parse_date(text, today)
    if day < today:
        raise ValidationFailed("swab_day_past", day=day.strftime("%d/%m/%Y"))
    return day


def parse_slots_csv(data: bytes, today: date) -> SlotsImport:
    """Read the ATS's CSV of points and capacity (columns SLOT_COLUMNS, "," or ";").

    A problem with the whole file raises ValidationFailed; a line's problems are collected
    in `errors` with its line number (the header is line 1) and the line is left out."""
    rows, errors = read_csv(
        data, SLOT_COLUMNS, lambda line, cells: _row(line, cells, today), optional=_OPTIONAL
    )
    return SlotsImport(rows=rows, errors=errors)


# --- what the rest of the code reads -----------------------------------------------------------


class SwabPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    ats_code: str
    code: str
    name: str
    address: str
    comune: str
    notes: str = ""


class Slot(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    point: SwabPoint
    starts_at: datetime  # local, naive
    minutes: int
    places: int
    booked: int
    kind: SlotKind

    @property
    def free(self) -> int:
        return self.places - self.booked

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class Booking(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    code: str
    citizen_id: int | None  # a recovery swab
    referral_id: int | None = None  # a diagnostic swab
    slot: Slot
    cancelled_at: datetime | None = None
    result: Outcome | None = None
    result_day: date | None = None

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None and self.result is None

    def awaits_result(self, local_now: datetime) -> bool:
        """Active, and its slot is over: the swab is taken (as far as the desk can tell)
        and its result not posted yet. `local_now` in the ATS's zone, like the slots."""
        return self.is_active and self.slot.ends_at <= local_now.replace(tzinfo=None)


def bookable(slot: Slot, eligible_from: date, local_now: datetime) -> bool:
    """A slot a person in isolation may take: a booking slot with a free place, not past,
    and only once the day the recovery swab is allowed (domain.isolation.swab_eligible_from)
    has come: the booking opens that day, not earlier."""
    return (
        local_now.date() >= eligible_from
        and slot.kind is SlotKind.BOOKED
        and slot.free > 0
        and slot.starts_at.date() >= eligible_from
        and slot.starts_at > local_now
    )


def can_change(booking: Booking, local_now: datetime) -> bool:
    """Cancel or move: up to CHANGE_UNTIL_BEFORE the slot."""
    return booking.is_active and local_now <= booking.slot.starts_at - CHANGE_UNTIL_BEFORE


def repeat_from(result_day: date, days: int = REPEAT_AFTER_POSITIVE_DAYS) -> date:
    """After a positive recovery swab: the day the next one may be taken."""
    return result_day + timedelta(days=days)


# --- codes -----------------------------------------------------------------------------------

# No 0/O, 1/I/L: read aloud at a desk or typed from a photo without doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BOOKING_CODE_LENGTH = 8
PASS_CODE_LENGTH = 6


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(text: str, length: int) -> str | None:
    """A code as typed ("ab3 k9q", lower case): the canonical form, or None."""
    cleaned = "".join(text.split()).upper().replace("-", "")
    if len(cleaned) != length or any(char not in CODE_ALPHABET for char in cleaned):
        return None
    return cleaned


# --- the school pass -------------------------------------------------------------------------


class PassCheck(StrEnum):
    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    OTHER_ATS = "other_ats"


class SwabPass(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    code: str
    ats_code: str
    plesso_code: str
    codice_fiscale: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


def check_pass(found: SwabPass | None, staff_ats: str | None, now: datetime) -> PassCheck:
    """A pass at the swab point: single use, valid PASS_VALIDITY, only at its own ATS
    (`staff_ats` None: a regional admin, every ATS)."""
    if found is None:
        return PassCheck.UNKNOWN
    if staff_ats is not None and found.ats_code != staff_ats:
        return PassCheck.OTHER_ATS
    if found.used_at is not None:
        return PassCheck.USED
    if now >= found.expires_at:
        return PassCheck.EXPIRED
    return PassCheck.VALID


class PassFor(StrEnum):
    """Who the swab is for, asked before a pass is issued: only the first two get one."""

    PUPIL = "alunno"
    STAFF = "personale"
    FAMILY = "familiare"
    RECOVERY = "guarigione"
    OTHER = "altro"


def pass_allowed(who: PassFor) -> bool:
    """Direct access is for suspected pupils and school staff only (the misuse seed 004
    complains about: families, recovery swabs and others queue there too)."""
    return who in (PassFor.PUPIL, PassFor.STAFF)


@dataclass(frozen=True)
class ResultRow:
    line: int
    key: str  # a booking code or a codice fiscale
    day: date
    outcome: Outcome


def parse_outcome(text: str) -> Outcome:
    key = header_key(text)
    if key in ("negativo", "neg", "n"):
        return Outcome.NEGATIVE
    if key in ("positivo", "pos", "p"):
        return Outcome.POSITIVE
    raise ValidationFailed("swab_outcome_invalid", text=collapse_spaces(text)[:20] or "-")


RESULT_COLUMNS = ("codice", "data", "esito")


def _result(line: int, cells: Mapping[str, str], today: date) -> ResultRow:
    day = parse_date(cells["data"], today)
    if day > today:
        raise ValidationFailed("swab_result_future")
    outcome = parse_outcome(cells["esito"])
    key = "".join(cells["codice"].split()).upper()
    if not key:
        raise ValidationFailed("swab_field_missing", field="codice")
    return ResultRow(line, key, day, outcome)


def parse_results_csv(data: bytes, today: date) -> tuple[list[ResultRow], list[RowError]]:
    """The laboratory's results: code (booking code or codice fiscale), date, outcome; a
    line's first problem is its error. No cap on the lines but the file's size."""
    return read_csv(
        data, RESULT_COLUMNS, lambda line, cells: _result(line, cells, today), capped=False
    )


# --- referrals for the diagnostic swab -----------------------------------------------------------

REFERRAL_PREFIX = "rf"  # tells a referral's link from a positive person's (cz) or an invitation
REFERRAL_VALIDITY = timedelta(hours=72)
REFERRAL_PATTERN = rf"{REFERRAL_PREFIX}[{CODE_ALPHABET}]{{24}}"


def new_referral_token() -> str:
    return REFERRAL_PREFIX + new_code(24)


def is_referral_token(text: str) -> bool:
    return re.fullmatch(REFERRAL_PATTERN, text) is not None


class ReferralRow(BaseModel):
    """One good line of the ATS's CSV of patients referred by their doctor."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    line: int
    codice_fiscale: str
    surname: str
    name: str
    birth_date: date
    phone: str
    doctor: str


REFERRAL_COLUMNS = ("codice_fiscale", "cognome", "nome", "data_nascita", "telefono", "medico")


def _referral(line: int, cells: Mapping[str, str], today: date) -> ReferralRow:
    cf = parse_codice_fiscale(cells["codice_fiscale"], today)
    birth = parse_date(cells["data_nascita"], today)
    check_birth_date_matches(cf, birth)
    return ReferralRow(
        line=line,
        codice_fiscale=cf.value,
        surname=normalize_person_name(cells["cognome"], "cognome"),
        name=normalize_person_name(cells["nome"], "nome"),
        birth_date=birth,
        phone=parse_phone(cells["telefono"]),
        doctor=_required(cells["medico"], "medico"),
    )


def parse_referrals_csv(data: bytes, today: date) -> tuple[list[ReferralRow], list[RowError]]:
    """Read the ATS's CSV of referrals (columns REFERRAL_COLUMNS); bad lines with numbers
    (a line's first problem). No cap on the lines but the file's size."""
    return read_csv(
        data, REFERRAL_COLUMNS, lambda line, cells: _referral(line, cells, today), capped=False
    )


class Referral(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    ats_code: str
    codice_fiscale: str
    surname: str
    name: str
    birth_date: date
    phone: str
    doctor: str
    referred_at: datetime
    expires_at: datetime
    used: bool = False
    telegram_user_id: int | None = None
    citizen_id: int | None = None

    @property
    def initials(self) -> str:
        return f"{self.name[:1]}.{self.surname[:1]}."


# --- swab-point staff invitations ----------------------------------------------------------------

STAFF_PREFIX = "sp"
STAFF_INVITATION_VALIDITY = timedelta(days=7)
STAFF_PATTERN = rf"{STAFF_PREFIX}[{CODE_ALPHABET}]{{16}}"


def new_staff_code() -> str:
    return STAFF_PREFIX + new_code(16)


def is_staff_code(text: str) -> bool:
    return re.fullmatch(STAFF_PATTERN, text) is not None
