"""Dates as a teacher types them ("25/10/2020", "25/10", "ieri"), and checks on them."""

from __future__ import annotations

import re
from datetime import date, timedelta

from domain.errors import ValidationFailed
from domain.text import fold

# day, month and an optional year, separated by "/", "-" or "." (the same one or mixed:
# phones autocorrect separators, and "25/10-2020" is still unambiguous).
_DAY_MONTH_YEAR = re.compile(
    r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{4}|\d{2}))?", re.ASCII
)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)

_DAYS_AGO = {
    "oggi": 0,
    "ieri": 1,
    "l altro ieri": 2,
    "l altroieri": 2,
    "altro ieri": 2,
    "altroieri": 2,
}


def format_date(day: date) -> str:
    """`day` as the portal shows it: dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


def _full_year(two_digits: int, today: date) -> int:
    """The year meant by a two-digit year: this century up to this year, else the previous one."""
    century = today.year - today.year % 100
    if two_digits <= today.year % 100:
        return century + two_digits
    return century - 100 + two_digits


def _build(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValidationFailed("date_invalid", text=text) from None


def parse_date(text: str, today: date) -> date:
    """The date in `text`.

    Accepted: 25/10/2020, 25/10/20, 25-10-2020, 25.10.2020, 2020-10-25, 25/10 (this
    year), and the words "oggi", "ieri", "l'altro ieri"/"altroieri" (any case, accents).
    """
    cleaned = text.strip()
    words = fold(cleaned)
    if words in _DAYS_AGO:
        return today - timedelta(days=_DAYS_AGO[words])
    iso = _ISO.fullmatch(cleaned)
    if iso:
        return _build(int(iso[1]), int(iso[2]), int(iso[3]), cleaned)
    match = _DAY_MONTH_YEAR.fullmatch(cleaned)
    if not match:
        raise ValidationFailed("date_invalid", text=cleaned)
    day, month, year_text = int(match[1]), int(match[2]), match[3]
    if year_text is None:
        year = today.year
    elif len(year_text) == 2:
        year = _full_year(int(year_text), today)
    else:
        year = int(year_text)
    return _build(year, month, day, cleaned)


def check_not_future(day: date, today: date, field: str) -> None:
    """Refuse a `day` after `today`; `field` is the Italian label of the date."""
    if day > today:
        raise ValidationFailed(
            "date_in_future", field=field, date=format_date(day), today=format_date(today)
        )


def check_not_before(day: date, earliest: date, field: str) -> None:
    """Refuse a `day` before `earliest`; `field` is the Italian label of the date."""
    if day < earliest:
        raise ValidationFailed(
            "date_too_early", field=field, date=format_date(day), earliest=format_date(earliest)
        )


def recent_days(today: date, n: int) -> list[date]:
    """The last `n` days, today first (for "which day?" buttons)."""
    return [today - timedelta(days=offset) for offset in range(n)]
