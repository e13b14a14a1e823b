"""The school registry as the rest of the code sees it: plessi, referents, invitations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from domain.lockout import Lockout

T = TypeVar("T")

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
    vaccine_plessi: tuple[str, ...] = ()
    """The plessi where they hold the "vaccini" role (issue 18)."""


class Invitation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    plesso_code: str
    created_by: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by: int | None = None
    role: str = "referent"
    """What it grants: "referent" (COVID) or "vaccini" (issue 18)."""


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


INVITATION_LOCKOUT = Lockout(LOCKOUT_FAILURES, LOCKOUT_WINDOW, LOCKOUT_DURATION)


def lockout_until(failures: list[datetime], now: datetime) -> datetime | None:
    """When `LOCKOUT_FAILURES` wrong codes fall within one `LOCKOUT_WINDOW`, the user is
    locked out for `LOCKOUT_DURATION` from the last of them. Returns the end of an active
    lock-out, or None."""
    return INVITATION_LOCKOUT.until(failures, now)


class OutstandingInvitation(BaseModel):
    """An invitation not used yet and not expired, with the plesso it is for (/inviti)."""

    model_config = ConfigDict(frozen=True)

    invitation: Invitation
    plesso: Plesso


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 0) out of `pages`, of `total` items."""

    items: list[T]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number + 1 < self.pages


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """Page `number` (from 0) of `items`, `size` a page; a number past either end (a stale
    button after the list shrank) shows the nearest page there is."""
    pages = max(1, -(-len(items) // size))
    number = min(max(number, 0), pages - 1)
    return Page(list(items[number * size : (number + 1) * size]), number, pages, len(items))
