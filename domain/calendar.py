"""When absences may be recorded: recording days, their windows, holidays and closures.

Sentinel schools record on Tuesday and Thursday; a day's figure may be entered on that day
or, late, on the next day until 23:59 Europe/Rome (notes of the Milano school office and of
ATS Val Padana). The conversation, the reminders and the reports all ask this module, so the
rule lives in one place. Nothing here reads the clock: `now` is always an argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from functools import lru_cache
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain.errors import ValidationFailed

RECORDING_WEEKDAYS: tuple[int, ...] = (1, 3)  # Tuesday, Thursday (Monday = 0)
ROME = ZoneInfo("Europe/Rome")

# How far the searches look. A summer break plus a long closure fits well inside a year;
# a bound keeps a misconfigured calendar (e.g. a closure covering years) from looping forever.
SEARCH_DAYS = 400

HolidayProvider = Callable[[date], bool]


# --- Holidays ---------------------------------------------------------------------------


# The national holidays of the years the bot records (from 2001, when 2 June was fixed again)
# are written here: the `holidays` package cost 3.6 MB of memory at every start-up for these
# fifteen dates, and 8 MB more at its first use (it imports all 250 countries). Earlier years
# and the patron saints of the provinces still come from the package, imported then.
# tests/calendar/test_holidays.py checks both agree, year by year up to 2060.
_OWN_RULES_FROM = 2001
_FIXED_HOLIDAYS = (
    (1, 1),  # Capodanno
    (1, 6),  # Epifania
    (4, 25),  # Liberazione
    (5, 1),  # Festa del Lavoro
    (6, 2),  # Festa della Repubblica
    (8, 15),  # Assunzione
    (11, 1),  # Ognissanti
    (12, 8),  # Immacolata Concezione
    (12, 25),  # Natale
    (12, 26),  # Santo Stefano
)
_SAN_FRANCESCO_FROM = 2026  # 4 October, Law 151 of 8 October 2025
_ONE_YEAR_ONLY = {2011: date(2011, 3, 17)}  # 150 years of the Unità d'Italia


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the Meeus/Jones/Butcher algorithm)."""
    golden = year % 19
    century, of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    correction = (century - (century + 8) // 25 + 1) // 3
    epact = (19 * golden + century - leap_centuries - correction + 15) % 30
    quarter, quarter_rest = divmod(of_century, 4)
    weekday = (32 + 2 * century_rest + 2 * quarter - epact - quarter_rest) % 7
    shift = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def _national_holidays_of(year: int) -> frozenset[date]:
    """The Italian national holidays of `year`, from 2001 on (Sundays included, as the
    package lists them: Easter and the Giorno dell'unità nazionale, 1st Sunday of November)."""
    easter = easter_sunday(year)
    first_of_november = date(year, 11, 1)
    days = {date(year, month, day) for month, day in _FIXED_HOLIDAYS}
    days |= {easter, easter + timedelta(days=1)}
    days.add(first_of_november + timedelta(days=(6 - first_of_november.weekday()) % 7))
    if year >= _SAN_FRANCESCO_FROM:
        days.add(date(year, 10, 4))
    if year in _ONE_YEAR_ONLY:
        days.add(_ONE_YEAR_ONLY[year])
    return frozenset(days)


@lru_cache(maxsize=64)
def _italian_holiday_dates(year: int, subdivision: str | None) -> frozenset[date]:
    # A whole year at a time, cached: a 400-day search costs one build.
    if subdivision is None and year >= _OWN_RULES_FROM:
        return _national_holidays_of(year)
    from holidays import country_holidays  # 3.6 MB: only for what the rules above lack

    return frozenset(country_holidays("IT", subdiv=subdivision, years=year).keys())


def italian_holidays(subdivision: str | None = None) -> HolidayProvider:
    """Italian public holidays, optionally with the patron saint of a province.

    `subdivision` is a province code of the `holidays` package (e.g. "MI" adds Sant'Ambrogio).
    The package knows only the patron of each provincial capital; schools in other comuni keep
    their own patron's day, so those belong in the ATS closures instead.
    """

    def is_holiday(day: date) -> bool:
        return day in _italian_holiday_dates(day.year, subdivision)

    return is_holiday


_national_holidays = italian_holidays()


def preload_holidays(today: date) -> None:
    """Build the holiday tables of last, this and next year now, at start-up: the first
    update of a busy morning must not pay for them while every chat waits (when they came
    from the holidays package, the first answers of a burst waited 0.2 s for its Italian
    calendar: benchmarks/load.py)."""
    for year in (today.year - 1, today.year, today.year + 1):
        _italian_holiday_dates(year, None)


def is_national_holiday(day: date) -> bool:
    """A public holiday of the whole of Italy."""
    return _national_holidays(day)


# --- Closures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Closure:
    """A school closure set by the ATS: both ends included; `plesso_code` None = whole ATS."""

    start: date
    end: date
    plesso_code: str | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationFailed(
                "closure_end_before_start", start=_dmy(self.start), end=_dmy(self.end)
            )

    def covers(self, day: date, plesso_code: str | None = None) -> bool:
        """Whether `day` is closed for `plesso_code` (None asks about the ATS as a whole)."""
        if not self.start <= day <= self.end:
            return False
        if self.plesso_code is None:
            return True
        # Codici meccanografici are upper case; a code typed in lower case is the same school.
        return plesso_code is not None and plesso_code.upper() == self.plesso_code.upper()


# A summer break is about 90 days: a year is surely a typing mistake.
MAX_CLOSURE_DAYS = 366
# Closures may be set afterwards (a school closed for snow), but not for long-gone years.
MAX_CLOSURE_PAST_DAYS = 365
MAX_CLOSURE_NOTE = 80


class ClosurePeriod(BaseModel):
    """A closure as stored: who set it, for which ATS, with an optional note."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    ats_code: str
    plesso_code: str | None = None
    start: date
    end: date
    note: str = ""
    created_by: int
    created_at: datetime

    def as_closure(self) -> Closure:
        return Closure(self.start, self.end, self.plesso_code)


def check_closure_period(start: date, end: date, today: date) -> Closure:
    """Refuse a closure that ends before it starts, lasts over a year or is long gone."""
    closure = Closure(start, end)
    days = (end - start).days + 1
    if days > MAX_CLOSURE_DAYS:
        raise ValidationFailed("closure_too_long", days=days, maximum=MAX_CLOSURE_DAYS)
    if end < today - timedelta(days=MAX_CLOSURE_PAST_DAYS):
        raise ValidationFailed("closure_too_old", end=_dmy(end))
    return closure


def parse_closure_note(text: str) -> str:
    """A short free note ("Vacanze di Natale"): spaces collapsed, at most MAX_CLOSURE_NOTE."""
    note = " ".join(text.split())
    if len(note) > MAX_CLOSURE_NOTE:
        raise ValidationFailed("closure_note_too_long", maximum=MAX_CLOSURE_NOTE)
    return note


# --- The calendar -----------------------------------------------------------------------


class WindowStatus(Enum):
    """Whether a day can be recorded at a given moment, and if not, why."""

    OPEN = "open"
    TOO_EARLY = "too_early"
    CLOSED = "closed"
    NOT_RECORDING_DAY = "not_recording_day"
    HOLIDAY = "holiday"
    CLOSURE = "closure"
    BEFORE_START = "before_start"


@dataclass(frozen=True)
class SchoolCalendar:
    """The recording calendar of one ATS."""

    start_date: date | None = None
    timezone: ZoneInfo = ROME
    closures: tuple[Closure, ...] = ()
    # None = Italian national public holidays; tests and patron saints inject their own.
    holidays: HolidayProvider | None = field(default=None, compare=False)

    # -- days --

    def is_holiday(self, day: date) -> bool:
        provider = self.holidays if self.holidays is not None else _national_holidays
        return provider(day)

    def is_closed(self, day: date, plesso_code: str | None = None) -> bool:
        return any(closure.covers(day, plesso_code) for closure in self.closures)

    def is_recording_day(self, day: date, plesso_code: str | None = None) -> bool:
        """Tuesday or Thursday, from the start date on, not a holiday, not closed."""
        return self._why_not_recording(day, plesso_code) is None

    def _why_not_recording(self, day: date, plesso_code: str | None) -> WindowStatus | None:
        # Cheapest and most telling reason first: the order is the one `window_status` reports.
        if day.weekday() not in RECORDING_WEEKDAYS:
            return WindowStatus.NOT_RECORDING_DAY
        if self.is_holiday(day):
            return WindowStatus.HOLIDAY
        if self.is_closed(day, plesso_code):
            return WindowStatus.CLOSURE
        if self.start_date is not None and day < self.start_date:
            return WindowStatus.BEFORE_START
        return None

    # -- windows --

    def deadline(self, day: date) -> datetime:
        """The last moment to record `day`: the next day at 23:59:59.999999, local time."""
        # Built from the local wall clock, so the UTC offset is the one of that date (DST safe).
        return datetime.combine(day + timedelta(days=1), time.max, tzinfo=self.timezone)

    def local_today(self, now: datetime) -> date:
        """The calendar date at `now` in the calendar's time zone."""
        return self._local(now).date()

    def open_days(self, now: datetime, plesso_code: str | None = None) -> list[date]:
        """Recording days whose window is open at `now`, oldest first (at most one in practice)."""
        today = self.local_today(now)
        # Yesterday's window lasts until today's local midnight, so "open" is "today or yesterday".
        candidates = (today - timedelta(days=1), today)
        return [day for day in candidates if self.is_recording_day(day, plesso_code)]

    def window_status(
        self, day: date, now: datetime, plesso_code: str | None = None
    ) -> WindowStatus:
        """Why `day` can or cannot be recorded at `now`.

        Precedence: OPEN, TOO_EARLY, CLOSED, then NOT_RECORDING_DAY, HOLIDAY, CLOSURE,
        BEFORE_START. Time comes first, so an old Monday is CLOSED and a future holiday is
        TOO_EARLY: the user learns first whether the date itself can be typed now.
        """
        timing = self._timing(day, now)
        if timing is not WindowStatus.OPEN:
            return timing
        return self._why_not_recording(day, plesso_code) or WindowStatus.OPEN

    def _timing(self, day: date, now: datetime) -> WindowStatus:
        if day > self.local_today(now):
            return WindowStatus.TOO_EARLY
        # Compare in UTC: Python compares same-zone datetimes by wall clock, not as instants.
        if self._local(now).astimezone(UTC) > self.deadline(day).astimezone(UTC):
            return WindowStatus.CLOSED
        return WindowStatus.OPEN

    def require_open(self, day: date, now: datetime, plesso_code: str | None = None) -> None:
        """Raise ValidationFailed("window_<status>") unless `day` can be recorded at `now`."""
        status = self.window_status(day, now, plesso_code)
        if status is not WindowStatus.OPEN:
            raise ValidationFailed(
                f"window_{status.value}",
                day=_dmy(day),
                deadline=_dmy(self.deadline(day).date()),
            )

    def next_window_opening(self, now: datetime, plesso_code: str | None = None) -> date | None:
        """The first recording day after today (local), or None within SEARCH_DAYS.

        Today's own window, if any, is already in `open_days`.
        """
        day = self.local_today(now)
        for _ in range(SEARCH_DAYS):
            day += timedelta(days=1)
            if self.is_recording_day(day, plesso_code):
                return day
        return None

    # -- ranges --

    def recording_days_between(
        self, start: date, end: date, plesso_code: str | None = None
    ) -> list[date]:
        """Recording days from `start` to `end`, both included, oldest first."""
        days: list[date] = []
        day = start
        while day <= end:
            if self.is_recording_day(day, plesso_code):
                days.append(day)
            day += timedelta(days=1)
        return days

    def last_recording_days(
        self, before_or_on: date, n: int, plesso_code: str | None = None
    ) -> list[date]:
        """The last `n` recording days up to `before_or_on` included, oldest first.

        Fewer when the start date (or the search bound) comes first.
        """
        found: list[date] = []
        day = before_or_on
        for _ in range(SEARCH_DAYS + 7 * max(n, 0)):
            if len(found) >= n or (self.start_date is not None and day < self.start_date):
                break
            if self.is_recording_day(day, plesso_code):
                found.append(day)
            day -= timedelta(days=1)
        found.reverse()
        return found

    def _local(self, now: datetime) -> datetime:
        if now.tzinfo is None or now.utcoffset() is None:
            # A naive datetime would silently be read as the server's zone.
            raise ValueError("`now` must be an aware datetime")
        return now.astimezone(self.timezone)


# --- School years -----------------------------------------------------------------------


def school_year_of(day: date) -> int:
    """The year the school year of `day` starts in: 2026 for 2026-09-01..2027-08-31."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(year: int) -> tuple[date, date]:
    """First and last day (both included) of the school year starting in `year`."""
    return date(year, 9, 1), date(year + 1, 8, 31)


def school_year_label(year: int) -> str:
    """ "2026/27" for the school year starting in 2026."""
    return f"{year}/{(year + 1) % 100:02d}"


def _dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def require_recording_weekday(day: date) -> None:
    """A day typed after /assenze that is never recorded whatever the plesso (not a Tuesday
    or Thursday, or a national holiday): ValidationFailed at once, before the plesso is
    asked (the ATS closures, which depend on the plesso, are checked later)."""
    if day.weekday() not in RECORDING_WEEKDAYS:
        raise ValidationFailed("window_not_recording_day", day=_dmy(day))
    if _national_holidays(day):
        raise ValidationFailed("window_holiday", day=_dmy(day))
