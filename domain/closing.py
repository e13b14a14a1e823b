"""Closing a case and handing it to the ATS: the receipt code, the warnings before the
question, who is notified, the retry back-off, and the admins' filters. Pure."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.cases import Case, CaseSummary
from domain.contacts import Contact, ContactField, contact_window
from domain.invitations import ALPHABET
from domain.outbox import MAX_ATTEMPTS as MAX_ATTEMPTS
from domain.outbox import OutboxStatus as OutboxStatus
from domain.outbox import next_attempt as next_attempt
from domain.people import Role

# --- the receipt ---------------------------------------------------------------------------------

RECEIPT_LENGTH = 8  # 8 × log2(31) ≈ 40 bits: unique in practice; the index makes sure
_RECEIPT_GROUP = 4
_SEPARATORS = re.compile(r"[\s-]+")


class CaseClosed(Exception):
    """A change was attempted on a closed case (the database refused it)."""

    def __init__(self, case_id: int | None = None) -> None:
        super().__init__(f"case {case_id} closed" if case_id is not None else "case closed")
        self.case_id = case_id


def new_receipt_code() -> str:
    """A fresh code as shown and stored: "ABCD-EFGH", without look-alike characters."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_LENGTH))
    return f"{raw[:_RECEIPT_GROUP]}-{raw[_RECEIPT_GROUP:]}"


def normalize_receipt_code(text: str) -> str | None:
    """The stored form of a typed code (any case, dash or spaces optional), or None."""
    code = _SEPARATORS.sub("", text.strip())
    if not code.isascii():
        return None
    code = code.upper()
    if len(code) != RECEIPT_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return f"{code[:_RECEIPT_GROUP]}-{code[_RECEIPT_GROUP:]}"


# --- the closing ----------------------------------------------------------------------------------


class CloseOutcome(StrEnum):
    CLOSED = "closed"
    """This call closed it: send the receipt, deliver the outbox."""
    ALREADY_CLOSED = "already_closed"
    MISSING = "missing"


class CloseResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: CloseOutcome
    case: Case | None = None
    contacts: int = 0


# --- before the question -------------------------------------------------------------------------


class Reminder(StrEnum):
    """What the referent may have missed; said before Sì / No, never blocking."""

    NO_CONTACTS = "no_contacts"
    OUTSIDE_WINDOW = "outside_window"
    NO_CLASSMATES = "no_classmates"
    INCOMPLETE_CONTACTS = "incomplete_contacts"


class Incomplete(BaseModel):
    """A contact with fields still to complete (an import left them empty)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    contact_id: int
    surname: str
    name: str
    missing: tuple[ContactField, ...]


class Review(BaseModel):
    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    reminders: tuple[Reminder, ...] = ()
    outside_window: tuple[int, ...] = ()
    """Numbers (within the case) of the contacts whose last contact date lies outside the
    contact window."""
    incomplete: tuple[Incomplete, ...] = ()
    """The contacts the ATS would get with empty fields (no comune, no phone)."""


def review_before_closing(case: Case, contacts: Sequence[Contact]) -> Review:
    """No contacts at all; contacts outside the window; a pupil case without classmates."""
    if not contacts:
        return Review(reminders=(Reminder.NO_CONTACTS,))
    data = case.data
    window = contact_window(data.last_attendance, data.swab_date, data.onset_date)
    outside = tuple(
        contact.number
        for contact in contacts
        if contact.data.last_contact > window.latest
        or (window.earliest is not None and contact.data.last_contact < window.earliest)
    )
    reminders: list[Reminder] = []
    if outside:
        reminders.append(Reminder.OUTSIDE_WINDOW)
    if data.role is Role.STUDENT and not any(is_classmate(case, c) for c in contacts):
        reminders.append(Reminder.NO_CLASSMATES)
    incomplete = tuple(
        Incomplete(
            contact_id=c.id,
            surname=c.data.surname,
            name=c.data.name,
            missing=tuple(c.data.to_complete()),
        )
        for c in contacts
        if c.data.to_complete()
    )
    if incomplete:
        reminders.append(Reminder.INCOMPLETE_CONTACTS)
    return Review(reminders=tuple(reminders), outside_window=outside, incomplete=incomplete)


def is_classmate(case: Case, contact: Contact) -> bool:
    """A pupil of the case's class and section (compared without case and spaces)."""

    def same(a: str, b: str) -> bool:
        return a.strip().casefold() == b.strip().casefold()

    return (
        contact.data.role is Role.STUDENT
        and same(contact.data.class_name, case.data.class_name)
        and same(contact.data.section, case.data.section)
    )


# --- the hand-over -------------------------------------------------------------------------------


def recipients(admins: Iterable[tuple[int, str | None]], ats_code: str) -> list[int]:
    """Who is told of a case of `ats_code`: the ATS's own admins; if it has none, the
    regional admins (ats None), so a case never goes unseen. Regional admins are not told
    of every case: they see them all in /casi."""
    pairs = list(admins)
    own = [user for user, ats in pairs if ats == ats_code]
    chosen = own or [user for user, ats in pairs if ats is None]
    return sorted(set(chosen))


# OutboxStatus, MAX_ATTEMPTS and next_attempt (imported above) are domain.outbox's, shared
# with the referents' notices.
class OutboxItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    admin_user_id: int
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    sent_at: datetime | None = None


def export_filename(case: Case) -> str:
    """No personal data in the name: the id and the receipt."""
    receipt = case.receipt_code or "aperto"
    return f"caso-{case.id}-{receipt}.xlsx"


# --- the admins' list ----------------------------------------------------------------------------

ADMIN_PAGE_SIZE = 10
_PLESSO_CODE = re.compile(r"^[A-Z]{4}[A-Z0-9]{6}$")


class ClosedFilter(BaseModel):
    """Which closed cases an admin lists: a plesso, and days (local dates, inclusive)."""

    model_config = ConfigDict(frozen=True)

    plesso_code: str | None = None
    since: date | None = None
    until: date | None = None


def is_plesso_code(text: str) -> bool:
    return bool(_PLESSO_CODE.match(text.strip().upper()))


def last_days(today: date, days: int) -> ClosedFilter:
    """ "Ultimi N giorni": today and the N-1 days before it."""
    return ClosedFilter(since=today - timedelta(days=days - 1), until=today)


class ClosedSummary(CaseSummary):
    """A row of the admins' list: the case list's row, plus where and when it was closed."""

    plesso_code: str
    closed_at: datetime
    receipt_code: str


class ClosedPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[ClosedSummary]
    page: int
    pages: int
    total: int
