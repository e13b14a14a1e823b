"""The reminders as the rest of the code sees them: what a reminder is (its kind, its log key
and state), who gets one, and who cannot be reached. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ReminderKind(StrEnum):
    ABSENCES = "absences"  # a recording day: today's figure is missing
    LAST_CALL = "last_call"  # the day after: yesterday's figure is missing, closes tonight
    ENROLMENT = "enrolment"  # no enrolment for the school year, weekly
    CASE_24H = "case_24h"  # a case still open 24 hours after it was created
    CASE_72H = "case_72h"  # ... and 72 hours after
    MANUAL = "manual"  # an admin's "remind the missing ones now"


class ReminderState(StrEnum):
    CLAIMED = "claimed"  # about to be sent (a crash leaves it so)
    SENT = "sent"
    UNREACHABLE = "unreachable"  # Telegram refused: blocked, deactivated, no chat
    FAILED = "failed"  # another error that a retry would not cure, or might duplicate


@dataclass(frozen=True, order=True)
class ReminderKey:
    """What makes a reminder the same reminder: the log's UNIQUE key."""

    referent_id: int
    plesso_code: str
    kind: ReminderKind
    day: date
    ref: str = ""  # the case id of a case reminder; the push id of an admin's push


@dataclass(frozen=True)
class ReferentLink:
    """A referent holding a plesso now: who to remind, and about which plesso."""

    referent_id: int
    user_id: int  # the Telegram chat to send to
    full_name: str
    plesso_code: str
    plesso_name: str
    ats_code: str
    sentinel: bool


@dataclass(frozen=True)
class OpenCaseRow:
    case_id: int
    plesso_code: str
    created_by: int  # Telegram user id of the referent who reported it
    created_at: datetime


@dataclass(frozen=True)
class LogEntry:
    key: ReminderKey
    state: ReminderState
    claimed_at: datetime
    done_at: datetime | None


@dataclass(frozen=True)
class UnreachableReferent:
    referent_id: int
    full_name: str
    since: datetime
    reason: str
