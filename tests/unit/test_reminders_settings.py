"""The reminder settings: times, the school-year reminder date, the pace."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from reminders.jobs import schedule_of

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
NAMES = (
    "REMINDER_TIME",
    "DEADLINE_REMINDER_TIME",
    "SCHOOL_YEAR_REMINDER_DATE",
    "REMINDER_RATE_PER_SECOND",
    "REMINDERS_ENABLED",
    "TIMEZONE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_ten_oclock_15_september_20_a_second() -> None:
    settings = load_settings(telegram_bot_token=TOKEN)
    schedule = schedule_of(settings)
    assert (schedule.reminder_time, schedule.deadline_reminder_time) == (time(10), time(10))
    assert schedule.school_year_reminder == (9, 15)
    assert str(schedule.timezone) == "Europe/Rome"
    assert settings.reminder_rate_per_second == 20 and settings.reminders_enabled


def test_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMINDER_TIME", "08:30")
    monkeypatch.setenv("DEADLINE_REMINDER_TIME", "17:00")
    monkeypatch.setenv("SCHOOL_YEAR_REMINDER_DATE", " 10-01 ")
    schedule = schedule_of(load_settings(telegram_bot_token=TOKEN))
    assert (schedule.reminder_time, schedule.deadline_reminder_time) == (time(8, 30), time(17))
    assert schedule.school_year_reminder == (10, 1)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("SCHOOL_YEAR_REMINDER_DATE", "15/09", "not a day of the year like 09-15"),
        ("SCHOOL_YEAR_REMINDER_DATE", "02-29", "not a day of the year like 09-15"),
        ("SCHOOL_YEAR_REMINDER_DATE", "13-01", "not a day of the year like 09-15"),
        ("REMINDER_RATE_PER_SECOND", "31", "less than or equal to 30"),
        ("REMINDER_TIME", "25:00", ""),
    ],
)
def test_a_wrong_value_is_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings(telegram_bot_token=TOKEN)
    assert str(error.value).startswith(f"Setting {name} is not valid")
    assert reason in str(error.value)
