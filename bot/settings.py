"""Settings, read from the environment and an optional `.env` file."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.text import parse_ascii_int
from domain.vaccines import VaccineCalendar

_TOKEN_PATTERN = re.compile(r"^[0-9]{3,20}:[A-Za-z0-9_-]{20,}$")
_ATS_PATTERN = re.compile(r"^ATS-[A-Z0-9-]{2,30}$")
# What Telegram accepts as a webhook's secret_token (1-256 of these); 16 at least, so that it
# cannot be guessed. `secrets.token_urlsafe(32)` makes one.
_WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
WEBHOOK_SECRET_HINT = (
    "16 to 256 letters, digits, _ or - (e.g. the output of"
    " python -c 'import secrets; print(secrets.token_urlsafe(32))')"
)


class AdminEntry(BaseModel):
    """One admin from ADMIN_IDS: an ATS admin, or a regional admin when `ats_code` is None."""

    model_config = ConfigDict(frozen=True)

    user_id: int
    ats_code: str | None = None


def parse_admin_ids(raw: str) -> tuple[AdminEntry, ...]:
    """`"111:ATS-MILANO, 222"` → an ATS admin and a regional admin."""
    entries: list[AdminEntry] = []
    for chunk in raw.split(","):
        item = chunk.strip()
        if not item:
            continue
        user_part, _, ats_part = item.partition(":")
        user_id = parse_ascii_int(user_part.strip(), max_digits=20)
        if user_id is None:
            raise ValueError(f"'{user_part.strip()}' is not a Telegram user id")
        ats_code = ats_part.strip().upper() or None
        if ats_code is not None and not _ATS_PATTERN.match(ats_code):
            raise ValueError(f"'{ats_part.strip()}' is not an ATS code like ATS-MILANO")
        entries.append(AdminEntry(user_id=user_id, ats_code=ats_code))
    return tuple(entries)


def parse_month_day(raw: str) -> tuple[int, int]:
    """`"09-15"` → (9, 15): a day of the year, the same every year (so never 29 February)."""
    month_text, _, day_text = raw.strip().partition("-")
    try:
        day = date(2001, int(month_text), int(day_text))  # 2001: not a leap year
    except ValueError:
        raise ValueError(f"'{raw.strip()}' is not a day of the year like 09-15 (MM-DD)") from None
    return day.month, day.day


class Settings(BaseSettings):
    """Every setting of the bot; README.md has the table."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr
    telegram_api_base_url: str | None = None
    telegram_api_file_url: str | None = None
    database_path: Path = Path("data/sentinella.sqlite3")
    admin_ids: Annotated[tuple[AdminEntry, ...], NoDecode] = ()
    timezone: str = "Europe/Rome"
    webhook_url: str | None = None
    # Required in webhook mode: without it anyone reaching the port could post updates.
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # Loopback: the HTTPS reverse proxy in front runs on the same host.
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    log_level: str = "INFO"
    invitation_valid_days: int = Field(default=7, ge=1, le=90)
    # After a case or contact is saved, delete the user's messages that carried its data.
    delete_personal_messages: bool = True
    absence_start_date: date | None = None
    reminder_time: time = time(10, 0)
    deadline_reminder_time: time = time(10, 0)
    # MM-DD: from this day of each school year the referents owing the enrolment are reminded.
    school_year_reminder_date: str = "09-15"
    # Pushes per second: well under Telegram's ~30 messages a second for a bot.
    reminder_rate_per_second: int = Field(default=20, ge=1, le=30)
    reminders_enabled: bool = True
    # Automatic and catch-up reminders go only on school days between these local times.
    reminders_from: time = time(8, 0)
    reminders_until: time = time(19, 0)
    # Closed cases and their contacts are deleted this many days after closing, daily at
    # RETENTION_TIME (issue 8).
    retention_days: int = Field(default=90, ge=1)
    retention_time: time = time(3, 30)
    # A form set aside by another command is offered back («Riprendi») for this many days,
    # then dropped with a word (issue 22).
    draft_max_age_days: int = Field(default=3, ge=1, le=30)
    # Sent-home reports (issue 17): the daily outcome question, and the cluster alert when
    # SIZE reports come from one class within SCHOOL_DAYS school days.
    sent_home_question_time: time = time(8, 0)
    sent_home_cluster_size: int = Field(default=2, ge=2, le=30)
    sent_home_cluster_school_days: int = Field(default=3, ge=1, le=20)
    # Drafts (a form or a registration left half-way) untouched for more than this many days
    # are deleted by the same run (issue 15).
    draft_retention_days: int = Field(default=14, ge=1)
    # The vaccination-duty check (issue 18): the legal dates as MM-DD (moved to the next
    # working day when on a Sunday or holiday), the days to invite the families, and the
    # day after which a campaign's school-side data are deleted.
    vaccines_list_due: str = "03-10"
    vaccines_answer_due: str = "06-10"
    vaccines_invite_days: int = Field(default=10, ge=1, le=60)
    vaccines_documents_due: str = "07-10"
    vaccines_outcome_due: str = "07-20"
    vaccines_retention_date: str = "12-31"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_PATTERN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admins(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_admin_ids(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone '{value}'") from error
        return value

    @field_validator(
        "school_year_reminder_date",
        "vaccines_list_due",
        "vaccines_answer_due",
        "vaccines_documents_due",
        "vaccines_outcome_due",
        "vaccines_retention_date",
    )
    @classmethod
    def _month_day(cls, value: str) -> str:
        parse_month_day(value)
        return value.strip()

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @field_validator("webhook_url")
    @classmethod
    def _webhook(cls, value: str | None) -> str | None:
        if value is not None and value.strip() and not value.startswith("https://"):
            raise ValueError("must start with https:// (Telegram only calls HTTPS webhooks)")
        return value.strip() or None if value is not None else None

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        secret = value.get_secret_value().strip() if value is not None else ""
        if not secret:
            if info.data.get("webhook_url"):
                raise ValueError(f"required when WEBHOOK_URL is set: {WEBHOOK_SECRET_HINT}")
            return None
        if not _WEBHOOK_SECRET_PATTERN.match(secret):
            raise ValueError(WEBHOOK_SECRET_HINT)
        return SecretStr(secret)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def school_year_reminder(self) -> tuple[int, int]:
        """SCHOOL_YEAR_REMINDER_DATE as (month, day)."""
        return parse_month_day(self.school_year_reminder_date)

    @property
    def vaccine_calendar(self) -> VaccineCalendar:
        return VaccineCalendar(
            list_due=self.vaccines_list_due,
            answer_due=self.vaccines_answer_due,
            invite_days=self.vaccines_invite_days,
            documents_due=self.vaccines_documents_due,
            outcome_due=self.vaccines_outcome_due,
            retention_date=self.vaccines_retention_date,
        )

    def admin(self, user_id: int) -> AdminEntry | None:
        for entry in self.admin_ids:
            if entry.user_id == user_id:
                return entry
        return None


def database_path_setting() -> Path:
    """DATABASE_PATH alone (for tools such as backup that need no token)."""

    class _DatabaseOnly(BaseSettings):
        model_config = SettingsConfigDict(env_file=".env", extra="ignore")
        database_path: Path = Settings.model_fields["database_path"].default

    return _DatabaseOnly().database_path


class SettingsError(Exception):
    """A missing or malformed setting, explained in one line."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "?"
        if first["type"] == "missing":
            raise SettingsError(
                f"Setting {name} is missing (set it in the environment or .env)"
            ) from None
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"Setting {name} is not valid: {reason}") from None
