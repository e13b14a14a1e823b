"""Pupils and staff sent home with symptoms ("allontanamenti"): the report, its rules. Pure.

A referent reports who was isolated and sent home (ATS Milano's instructions under Regione
Lombardia's ordinance 596/2020, ISS Rapporto COVID-19 n. 58/2020). The rules kept here:

- the report's fields and the checks across them (`complete_report`);
- a correction is possible for CORRECTION_WINDOW after the report was (last) sent, then the
  report is locked (the database refuses it too, migration 013);
- the same codice fiscale reported again by the plesso within DUPLICATE_WINDOW updates the
  earlier report instead of making a second one;
- the outcome: asked on school days from the day after, for FOLLOW_UP_SCHOOL_DAYS school
  days; after that a report without a final outcome is "senza esito";
- the cluster rule: `cluster_size` reports in one class within `cluster_school_days` school
  days (settings) alert the ATS, once per cluster.

Time and the calendar come in as arguments: no rule reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.calendar import SchoolCalendar
from domain.cases import CaseDraft
from domain.codice_fiscale import parse_codice_fiscale
from domain.comuni import Comune
from domain.dates import check_not_future, format_date, parse_date
from domain.diary import Symptom as Symptom  # the same ISS list as the diary's
from domain.errors import ValidationFailed
from domain.people import Role as PersonRole
from domain.schools import SchoolType
from domain.text import fold

CORRECTION_WINDOW = timedelta(hours=24)
DUPLICATE_WINDOW = timedelta(hours=48)
FOLLOW_UP_SCHOOL_DAYS = 10
LIST_DAYS = 30
"""The referent's /allontanamenti: the reports of the last 30 days."""
DAYS_BACK = 7
"""A sending home is reported on the day or after the last school day: never older."""
TEMPERATURE_RANGE = (34.0, 42.5)
SENT_DAY_FIELD = "giorno dell'allontanamento"


class SentHomeRole(StrEnum):
    PUPIL = "alunno"
    TEACHER = "docente"
    ATA = "ata"
    OTHER = "altro"


# The case form's role for each (None: the referent picks it there).
CASE_ROLE: dict[SentHomeRole, PersonRole | None] = {
    SentHomeRole.PUPIL: PersonRole.STUDENT,
    SentHomeRole.TEACHER: PersonRole.TEACHER,
    SentHomeRole.ATA: PersonRole.STAFF,
    SentHomeRole.OTHER: None,
}


class HandedTo(StrEnum):
    PARENT = "genitore"
    DELEGATE = "delegato"
    ADULT_ALONE = "solo"


class Outcome(StrEnum):
    """What the referent answered to "how did it end?"."""

    BACK_CERTIFIED = "back_certified"
    BACK_NOT_COVID = "back_not_covid"
    POSITIVE = "positive"
    STILL_ABSENT = "absent"


FINAL_OUTCOMES = frozenset({Outcome.BACK_CERTIFIED, Outcome.BACK_NOT_COVID, Outcome.POSITIVE})


class NoticeKind(StrEnum):
    """What a message to the ATS is about."""

    NEW = "new"
    RESENT = "resent"
    CLUSTER = "cluster"


class State(StrEnum):
    """A report's state as the lists show it."""

    WAITING = "waiting"
    STILL_ABSENT = "absent"
    BACK_CERTIFIED = "back_certified"
    BACK_NOT_COVID = "back_not_covid"
    POSITIVE = "positive"
    NO_OUTCOME = "no_outcome"


class SentHomeField(StrEnum):
    """The fields of the form, in its order; values are the draft's keys."""

    PLESSO = "plesso_code"
    ROLE = "role"
    CLASS_NAME = "class_name"
    SECTION = "section"
    SURNAME = "surname"
    NAME = "name"
    CODICE_FISCALE = "codice_fiscale"
    COMUNE = "comune"
    PHONE1 = "phone1"
    PHONE2 = "phone2"
    DAY = "day"
    TIME = "time"
    SYMPTOMS = "symptoms"
    TEMPERATURE = "temperature"
    HANDED_TO = "handed_to"


OPTIONAL_FIELDS = frozenset(
    {SentHomeField.PHONE2, SentHomeField.TEMPERATURE, SentHomeField.HANDED_TO}
)


class SentHomeDraft(BaseModel):
    """The answers given so far (JSON-friendly for the flow)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    plesso_code: str | None = None
    role: SentHomeRole | None = None
    class_name: str | None = None
    section: str | None = None
    surname: str | None = None
    name: str | None = None
    codice_fiscale: str | None = None
    comune: Comune | None = None
    phone1: str | None = None
    phone2: str | None = None
    day: date | None = None
    time: str | None = None
    symptoms: tuple[Symptom, ...] | None = None
    temperature: float | None = None
    handed_to: HandedTo | None = None

    def missing(self) -> list[SentHomeField]:
        needed = [f for f in SentHomeField if f not in OPTIONAL_FIELDS]
        if self.role is SentHomeRole.PUPIL:
            needed.append(SentHomeField.HANDED_TO)
        return [f for f in needed if getattr(self, f.value) is None]


class SentHomeData(BaseModel):
    """A complete report, every field checked (see `complete_report`)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    plesso_code: str
    role: SentHomeRole
    class_name: str
    section: str
    surname: str
    name: str
    codice_fiscale: str
    comune: Comune
    phone1: str
    phone2: str | None = None
    day: date
    time: str
    symptoms: tuple[Symptom, ...]
    temperature: float | None = None
    handed_to: HandedTo | None = None

    def as_draft(self) -> SentHomeDraft:
        return SentHomeDraft.model_validate(self.model_dump())

    @property
    def initials(self) -> str:
        """ "M.R.": how reminders and notifications name the person."""
        return f"{self.name[:1]}.{self.surname[:1]}.".upper()

    @property
    def class_key(self) -> str:
        """Class and section folded, so "3 b" and "3B" are one class for the cluster rule."""
        return class_key(self.class_name, self.section)


class SentHomeReport(BaseModel):
    """A saved report, as the repository returns it."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    data: SentHomeData
    version: int
    receipt_code: str
    created_by: int
    created_at: datetime
    last_sent_at: datetime
    updated_at: datetime
    outcome: Outcome | None = None
    outcome_at: datetime | None = None
    case_id: int | None = None

    @property
    def is_final(self) -> bool:
        return self.outcome in FINAL_OUTCOMES


class SentHomeRow(BaseModel):
    """One line of a list (no symptoms: a list may be read over a shoulder)."""

    model_config = ConfigDict(frozen=True)

    id: int
    plesso_code: str
    plesso_name: str
    class_name: str
    section: str
    surname: str
    name: str
    role: SentHomeRole
    day: date
    outcome: Outcome | None
    case_id: int | None = None


class SentHomeRecord(BaseModel):
    """A report as /esporta writes it: with its plesso's name and ATS."""

    model_config = ConfigDict(frozen=True)

    report: SentHomeReport
    plesso_name: str
    ats_code: str


class Cluster(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    plesso_code: str
    class_name: str
    section: str
    first_day: date
    last_day: date
    reports: int


# --- answers ---------------------------------------------------------------------------------

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.,h ](\d{2}))?\s*$")


def parse_sent_day(text: str, today: date) -> date:
    """Today or one of the last DAYS_BACK days (the last school day before a weekend)."""
    day = parse_date(text, today)
    check_not_future(day, today, SENT_DAY_FIELD)
    if (today - day).days > DAYS_BACK:
        raise ValidationFailed("sent_home_too_old", day=format_date(day), days=DAYS_BACK)
    return day


def parse_sent_time(text: str, day: date | None, now: datetime) -> str:
    """ "10:30", "10.30", "10": a time of `day`, never after `now` (local)."""
    match = _TIME.match(text)
    if match is None:
        raise ValidationFailed("sent_home_time", value=text)
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 23 or minutes > 59:
        raise ValidationFailed("sent_home_time", value=text)
    moment = time(hours, minutes)
    if day is not None and datetime.combine(day, moment) > now.replace(tzinfo=None):
        raise ValidationFailed("sent_home_time_future", value=f"{hours:02d}:{minutes:02d}")
    return f"{hours:02d}:{minutes:02d}"


def parse_temperature(text: str) -> float:
    try:
        value = float(text.strip().replace(",", ".").removesuffix("°").strip())
    except ValueError:
        raise ValidationFailed("sent_home_temperature", value=text) from None
    low, high = TEMPERATURE_RANGE
    if not low <= value <= high:
        raise ValidationFailed("sent_home_temperature", value=text)
    return round(value, 1)


def class_key(class_name: str, section: str) -> str:
    return "".join(fold(f"{class_name}{section}").split()).upper()


class IncompleteReport(ValueError):
    def __init__(self, missing: list[SentHomeField]) -> None:
        super().__init__(", ".join(f.value for f in missing))
        self.missing = missing


def complete_report(draft: SentHomeDraft, now: datetime) -> SentHomeData:
    """The draft as a complete report; IncompleteReport or ValidationFailed says why not.
    `now` is local time (the day and time typed are the school's wall clock)."""
    missing = draft.missing()
    if missing:
        raise IncompleteReport(missing)
    if draft.role is not SentHomeRole.PUPIL:
        draft = draft.model_copy(update={"handed_to": None})
    data = SentHomeData.model_validate(draft.model_dump())
    today = now.date()
    parse_codice_fiscale(data.codice_fiscale, today)
    parse_sent_day(data.day.isoformat(), today)
    parse_sent_time(data.time, data.day, now)
    if not data.symptoms:
        raise ValidationFailed("sent_home_no_symptom")
    return data


# --- correction, duplicate -------------------------------------------------------------------


def correction_deadline(report: SentHomeReport) -> datetime:
    return report.last_sent_at + CORRECTION_WINDOW


def may_correct(report: SentHomeReport, now: datetime) -> bool:
    return now <= correction_deadline(report)


def duplicate_since(now: datetime) -> datetime:
    """Reports (last) sent after this moment are updated by a new report of the same person."""
    return now - DUPLICATE_WINDOW


def changed_fields(before: SentHomeData, after: SentHomeData) -> list[SentHomeField]:
    """The fields a correction changed, for the audit trail (names only, never values)."""
    return [f for f in SentHomeField if getattr(before, f.value) != getattr(after, f.value)]


# --- school days, follow-up ------------------------------------------------------------------


def is_school_day(calendar: SchoolCalendar, day: date, plesso_code: str | None = None) -> bool:
    """Monday to Friday, not a public holiday, not a closure of the ATS or the plesso."""
    return (
        day.weekday() < 5
        and not calendar.is_holiday(day)
        and not calendar.is_closed(day, plesso_code)
    )


def sent_days(calendar: SchoolCalendar, today: date, plesso_code: str | None) -> list[date]:
    """The days offered for "when were they sent home": today, and the last school day
    before it (Friday on a Monday, the day before a holiday)."""
    day = today - timedelta(days=1)
    while not is_school_day(calendar, day, plesso_code) and (today - day).days < DAYS_BACK:
        day -= timedelta(days=1)
    return [today, day]


def school_days_after(
    calendar: SchoolCalendar, start: date, end: date, plesso_code: str | None = None
) -> int:
    """School days in (start, end]: 1 on the first school day after `start`."""
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += is_school_day(calendar, day, plesso_code)
        day += timedelta(days=1)
    return count


def is_lapsed(
    outcome: Outcome | None, day: date, plesso_code: str, calendar: SchoolCalendar, today: date
) -> bool:
    """Asked on FOLLOW_UP_SCHOOL_DAYS school days before today without a final outcome:
    "senza esito" (the last question day itself still counts as waiting)."""
    if outcome in FINAL_OUTCOMES:
        return False
    asked = school_days_after(calendar, day, today - timedelta(days=1), plesso_code)
    return asked >= FOLLOW_UP_SCHOOL_DAYS


def follow_up_due(report: SentHomeReport, calendar: SchoolCalendar, today: date) -> bool:
    """Asked today: a school day, from the next school day on, for FOLLOW_UP_SCHOOL_DAYS."""
    plesso = report.data.plesso_code
    if report.is_final or not is_school_day(calendar, today, plesso):
        return False
    return (
        1 <= school_days_after(calendar, report.data.day, today, plesso) <= (FOLLOW_UP_SCHOOL_DAYS)
    )


def state_of(
    outcome: Outcome | None, day: date, plesso_code: str, calendar: SchoolCalendar, today: date
) -> State:
    if outcome is not None and outcome in FINAL_OUTCOMES:
        return State(outcome.value)
    if is_lapsed(outcome, day, plesso_code, calendar, today):
        return State.NO_OUTCOME
    return State.STILL_ABSENT if outcome is Outcome.STILL_ABSENT else State.WAITING


# --- «Positivo → apri il caso» ----------------------------------------------------------------


def case_draft_of(data: SentHomeData, today: date, school_type: SchoolType | None) -> CaseDraft:
    """What the report already says for the case form: the person, the class, the last day
    of attendance (the day they were sent home); `school_type` is the plesso's, if known."""
    return CaseDraft(
        plesso_code=data.plesso_code,
        school_type=school_type,
        class_name=data.class_name,
        section=data.section,
        role=CASE_ROLE[data.role],
        surname=data.surname,
        name=data.name,
        codice_fiscale=data.codice_fiscale,
        birth_date=parse_codice_fiscale(data.codice_fiscale, today).birth_date,
        comune=data.comune,
        phone1=data.phone1,
        phone2=data.phone2,
        last_attendance=data.day,
    )


# --- the cluster rule --------------------------------------------------------------------------


def cluster_start(
    calendar: SchoolCalendar, day: date, school_days: int, plesso_code: str | None = None
) -> date:
    """The first day of the `school_days` school days ending with `day` (included)."""
    found, current = 0, day
    earliest = day
    for _ in range(school_days * 7 + 14):
        if is_school_day(calendar, current, plesso_code):
            found += 1
            earliest = current
            if found >= school_days:
                break
        current -= timedelta(days=1)
    return earliest


def forms_cluster(days: Sequence[date], size: int) -> bool:
    """Enough reports of one class in the window (the caller picked the window's reports)."""
    return len(days) >= size
