"""The school registry as the rest of the code sees it: plessi, referents, invitations."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

LOCKOUT_FAILURES = 5
LOCKOUT_WINDOW = timedelta(hours=1)
LOCKOUT_DURATION = timedelta(hours=1)


class Plesso(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    code: str
    name: str
    comune_code: str
    comune_name: str
    province: str
    address: str
    school_type: str
    sentinel: bool
    ats_code: str


class Referent(BaseModel):
    """A registered referent and the plessi they currently hold."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    id: int
    telegram_user_id: int
    full_name: str
    phone: str
    email: str
    plessi: tuple[str, ...] = ()
    revoked_plessi: tuple[str, ...] = ()


class Invitation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    plesso_code: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None


class ReferentProfile(BaseModel):
    """What a referent tells about themselves when joining."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    full_name: str
    phone: str
    email: str


class ImportCounts(BaseModel):
    """What a CSV import of plessi did."""

    model_config = ConfigDict(frozen=True)

    added: int
    updated: int
    unchanged: int


class RegistryCounts(BaseModel):
    """How many plessi an ATS (or the region) has, and how many are sentinel."""

    model_config = ConfigDict(frozen=True)

    plessi: int
    sentinel: int


class ReferentWithPlessi(BaseModel):
    model_config = ConfigDict(frozen=True)

    referent: Referent
    plessi: list[Plesso]


def lockout_until(failures: list[datetime], now: datetime) -> datetime | None:
    """When `LOCKOUT_FAILURES` wrong codes fall within one `LOCKOUT_WINDOW`, the user is
    locked out for `LOCKOUT_DURATION` from the last of them. Returns the end of an active
    lock-out, or None."""
    recent = sorted(f for f in failures if f > now - LOCKOUT_WINDOW - LOCKOUT_DURATION)
    for index in range(LOCKOUT_FAILURES - 1, len(recent)):
        first, last = recent[index - LOCKOUT_FAILURES + 1], recent[index]
        if last - first <= LOCKOUT_WINDOW and now < last + LOCKOUT_DURATION:
            return last + LOCKOUT_DURATION
    return None
