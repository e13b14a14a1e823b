"""/esporta, the rules: what an ATS exports, over which period, the records storage reads.

Pure: no clock (`today` is an argument), no database, no Telegram, no bytes (the tables and
the CSV/ZIP/XLSX files are `formats.exports`).

- **Periods.** "This week" is Monday to today (as /stato counts it), "last 30 days" is today
  and the 29 days before, "this school year" runs from 1 September (`domain.calendar`'s
  school year) to today; two typed dates are checked here (not after today, in order).
- **Records.** Closed cases with their contacts, absences with the enrolment in force (and
  their rates, `absence_rates`), plessi and referents: what storage reads for the tables.
- **Limits.** Cases are read a page (`PAGE_CASES`) at a time; a file over
  `MAX_DOCUMENT_BYTES` is not sent (Telegram refuses it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple, TypeAlias
from zoneinfo import ZoneInfo

from domain.absences import rate
from domain.calendar import school_year_bounds, school_year_of
from domain.dates import format_date
from domain.errors import ValidationFailed

# Telegram takes documents up to 50 MB from a bot; leave room for the request around it.
MAX_DOCUMENT_BYTES = 49 * 1024 * 1024
PAGE_CASES = 500  # cases per read (and bound parameters per IN list)


class ExportKind(StrEnum):
    """What is exported; the values go into callback data and file names."""

    CASES = "casi"
    ABSENCES = "assenze"
    REGISTRY = "anagrafe"
    SENT_HOME = "allontanamenti"
    ISOLATIONS = "isolamenti"

    @property
    def has_period(self) -> bool:
        """Plessi and referents are a snapshot of today: no period to choose."""
        return self is not ExportKind.REGISTRY

    @property
    def audit_action(self) -> str:
        return _AUDIT_ACTIONS[self]


_AUDIT_ACTIONS = {
    ExportKind.CASES: "export.cases",
    ExportKind.ABSENCES: "export.absences",
    ExportKind.REGISTRY: "export.registry",
    ExportKind.SENT_HOME: "export.sent_home",
    ExportKind.ISOLATIONS: "export.isolations",
}


class PeriodChoice(StrEnum):
    WEEK = "settimana"
    LAST_30_DAYS = "30giorni"
    SCHOOL_YEAR = "anno"
    TYPED = "date"


class ExportFormat(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


# --- Periods ------------------------------------------------------------------------------

LAST_DAYS = 30


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included."""

    start: date
    end: date


def period_for(choice: PeriodChoice, today: date) -> Period:
    """The period a button means, ending today. TYPED has no rule: ask the dates."""
    if choice is PeriodChoice.WEEK:
        return Period(today - timedelta(days=today.weekday()), today)
    if choice is PeriodChoice.LAST_30_DAYS:
        return Period(today - timedelta(days=LAST_DAYS - 1), today)
    if choice is PeriodChoice.SCHOOL_YEAR:
        return Period(school_year_bounds(school_year_of(today))[0], today)
    raise ValueError("typed periods have no rule: ask the two dates")


def check_start(start: date, today: date) -> date:
    """A typed first day: nothing can have happened after today."""
    if start > today:
        raise ValidationFailed(
            "export_start_in_future", date=format_date(start), today=format_date(today)
        )
    return start


def check_end(start: date, end: date) -> Period:
    """A typed last day, on or after the first one. A last day after today is fine: the
    export then simply ends with today's data."""
    if end < start:
        raise ValidationFailed(
            "export_end_before_start", start=format_date(start), end=format_date(end)
        )
    return Period(start, end)


def utc_bounds(period: Period, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's days as moments: from the first day's local midnight (included) to the
    midnight after the last day (excluded), in UTC like the stored timestamps."""
    start = datetime.combine(period.start, time(0), tzinfo=timezone)
    end = datetime.combine(period.end + timedelta(days=1), time(0), tzinfo=timezone)
    return start.astimezone(UTC), end.astimezone(UTC)


def export_filename(
    kind: ExportKind, scope: str, period: Period | None, today: date, extension: str
) -> str:
    """ "sentinella-casi-ATS-MILANO-20260901-20261117.xlsx"; a snapshot has today's date."""
    safe_scope = re.sub(r"[^A-Za-z0-9-]+", "-", scope).strip("-") or "ats"
    days = f"{today:%Y%m%d}" if period is None else f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    return f"sentinella-{kind.value}-{safe_scope}-{days}.{extension}"


# --- Records (what storage reads) -------------------------------------------------------


class CaseRecord(NamedTuple):
    """A closed case with its plesso's name and ATS. Role and school type as stored."""

    id: int
    plesso_code: str
    plesso_name: str
    ats_code: str
    school_type: str
    class_name: str
    section: str
    referent_name: str
    referent_phone: str
    referent_email: str
    role: str
    surname: str
    name: str
    codice_fiscale: str
    birth_date: date
    comune_name: str
    comune_province: str
    phone1: str
    phone2: str | None
    last_attendance: date
    swab_date: date | None
    onset_date: date | None
    closed_at: datetime | None
    receipt_code: str | None
    cf_mismatch_confirmed: int = 0


class ContactRecord(NamedTuple):
    case_id: int
    receipt_code: str | None
    id: int
    role: str
    class_name: str
    section: str
    surname: str
    name: str
    codice_fiscale: str
    birth_date: date
    comune_name: str | None
    comune_province: str | None
    address: str | None
    phone: str | None
    last_contact: date


# A contact as the export reads it: ContactRecord's fields, in its order, as a plain tuple.
# The year-of-data export reads 205,514 of them, and building a NamedTuple each took as long
# as building the plain tuple and the sheet's row together; a ContactRecord is such a tuple
# too (tests and small callers may pass records).
ContactRow: TypeAlias = tuple[
    int,  # case_id
    str | None,  # receipt_code
    int,  # id
    str,  # role
    str,  # class_name
    str,  # section
    str,  # surname
    str,  # name
    str,  # codice_fiscale
    date,  # birth_date
    str | None,  # comune_name
    str | None,  # comune_province
    str | None,  # address
    str | None,  # phone
    date,  # last_contact
]


class AbsenceRecord(NamedTuple):
    """One recording day of one plesso, with the enrolment in force on that day (if any)."""

    plesso_code: str
    plesso_name: str
    comune_name: str
    ats_code: str
    day: date
    enrolled: int | None
    classes: int | None
    absent: int
    ill: int | None
    recorded_at: datetime
    updated_at: datetime


class PlessoRecord(NamedTuple):
    """A plesso, its active referents and the enrolment in force today (if any)."""

    code: str
    name: str
    comune_name: str
    province: str
    address: str
    school_type: str
    sentinel: bool
    ats_code: str
    active_referents: int
    pupils: int | None
    classes: int | None
    school_year: int | None


class ReferentRecord(NamedTuple):
    """One referent's access to one plesso, active or revoked."""

    referent_id: int
    full_name: str
    phone: str
    email: str
    plesso_code: str
    plesso_name: str
    ats_code: str
    granted_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    unreachable_since: datetime | None


def overlaps(period: Period | None, first: date, last: date | None) -> bool:
    """An isolation from `first` to `last` (None: still open) touches the period; no
    period (the whole follow-up) takes everything."""
    if period is None:
        return True
    return first <= period.end and (last is None or last >= period.start)


def within(period: Period | None, day: date) -> bool:
    return period is None or period.start <= day <= period.end


# --- Rates ------------------------------------------------------------------------------


def absence_rates(record: AbsenceRecord) -> tuple[float | None, float | None]:
    """The absence rate and the illness-absence rate (where the illness figure was given);
    None without an enrolment in force on the day."""
    if not record.enrolled:
        return None, None
    ill = rate(record.ill, record.enrolled) if record.ill is not None else None
    return rate(record.absent, record.enrolled), ill
