"""domain.calendar loads the `holidays` package's Italy from its own file (not through
`holidays.countries`, which imports every country): the same dates as country_holidays."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import holidays
import pytest

from domain.calendar import _italy, is_national_holiday, italian_holidays


@pytest.mark.parametrize("subdivision", [None, "MI", "LO", "RM", "BZ"])
def test_the_same_holidays_as_country_holidays(subdivision: str | None) -> None:
    for year in range(1990, 2041):
        ours = _italy()(subdiv=subdivision, years=year)
        theirs = holidays.country_holidays("IT", subdiv=subdivision, years=year)
        assert dict(ours) == dict(theirs), (year, subdivision)


def test_the_known_ones() -> None:
    assert is_national_holiday(date(2026, 6, 2))  # Festa della Repubblica
    assert is_national_holiday(date(2026, 4, 6))  # Pasquetta
    assert not is_national_holiday(date(2026, 12, 7))
    assert italian_holidays("MI")(date(2026, 12, 7))  # Sant'Ambrogio in Milano


def test_a_holiday_does_not_import_the_other_countries() -> None:
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from domain.calendar import is_national_holiday\n"
        "assert is_national_holiday(date(2026, 12, 25))\n"
        "print(sorted(m for m in sys.modules if m.startswith('holidays.countries')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
