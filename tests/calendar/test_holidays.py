"""domain.calendar writes the Italian national holidays since 2001 itself (the `holidays`
package cost 3.6 MB at every start-up, 8 MB more at its first use): the same dates as the
package's, which still answers for earlier years and the provinces' patron saints."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import holidays
import pytest
from dateutil.easter import easter  # type: ignore[import-untyped]

from domain.calendar import (
    _italian_holiday_dates,
    _national_holidays_of,
    easter_sunday,
    is_national_holiday,
    italian_holidays,
)


@pytest.mark.parametrize("year", range(2001, 2061))
def test_the_national_holidays_are_the_packages(year: int) -> None:
    # Fails when a law adds or moves one and the package follows (as for San Francesco,
    # 4 October, from 2026): then the rules in domain/calendar.py need it too.
    theirs = holidays.country_holidays("IT", years=year)
    assert _national_holidays_of(year) == frozenset(theirs)
    assert _italian_holiday_dates(year, None) == frozenset(theirs)


def test_easter_is_the_gregorian_one() -> None:
    for year in range(1583, 3001):
        assert easter_sunday(year) == easter(year), year


@pytest.mark.parametrize("subdivision", ["MI", "RM", "BZ"])
def test_the_patron_saints_and_earlier_years_still_come_from_the_package(
    subdivision: str,
) -> None:
    for year in (1999, 2026):
        theirs = holidays.country_holidays("IT", subdiv=subdivision, years=year)
        assert _italian_holiday_dates(year, subdivision) == frozenset(theirs)
    assert _italian_holiday_dates(1990, None) == frozenset(
        holidays.country_holidays("IT", years=1990)
    )


def test_the_known_ones() -> None:
    assert is_national_holiday(date(2026, 6, 2))  # Festa della Repubblica
    assert is_national_holiday(date(2026, 4, 6))  # Pasquetta
    assert is_national_holiday(date(2026, 10, 4))  # San Francesco, from 2026
    assert not is_national_holiday(date(2025, 10, 4))
    assert not is_national_holiday(date(2026, 12, 7))
    assert italian_holidays("MI")(date(2026, 12, 7))  # Sant'Ambrogio in Milano


def test_a_national_holiday_does_not_import_the_package() -> None:
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from domain.calendar import is_national_holiday\n"
        "assert is_national_holiday(date(2026, 12, 25))\n"
        "assert not is_national_holiday(date(2026, 12, 22))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'holidays'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
