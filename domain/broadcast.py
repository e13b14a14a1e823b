"""/avviso, the rules: the admin's text, who receives it, how each send ended, the count.

Pure: no Telegram, no database, no clock (time comes in as `now`).

- The text is sent as plain text under a header (the catalog escapes it), so what the
  admin typed is what the referents read, `<`, `&` and `>` included. Telegram takes at most
  4096 characters after parsing the markup, counted in UTF-16 code units; the header's
  share (`reserved`) is left out of what the admin may type.
- Recipients: the referents holding a plesso of the audience now, each person once
  however many plessi they hold.
- Each recipient ends `sent`, `blocked` (blocked the bot, account gone) or `failed`; a
  send a crash interrupted (left `claimed`) is `failed` with the error UNCERTAIN and never
  sent again: Telegram may have delivered it, and the promise is "never twice".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain import outbox
from domain.errors import ValidationFailed

MAX_MESSAGE_LENGTH = 4096  # Telegram's limit on a message's text, after parsing
MAX_ATTEMPTS = 5  # sends that surely did not reach Telegram, before giving up
_LONGEST_RETRY = timedelta(minutes=15)
UNCERTAIN = "uncertain"  # the error of a send a crash interrupted
_KEPT_CONTROLS = frozenset("\n\t")


class Audience(StrEnum):
    ALL = "all"  # every referent of the scope
    SENTINEL = "sentinel"  # the referents of its sentinel plessi


class RecipientState(StrEnum):
    PENDING = "pending"  # to send (now, or after `next_attempt_at`)
    CLAIMED = "claimed"  # being sent; a crash leaves it so, and it is not sent again
    SENT = "sent"
    BLOCKED = "blocked"  # the referent blocked the bot, or the account is gone
    FAILED = "failed"  # any other error, an interrupted send, or too many attempts


FINAL_STATES = frozenset({RecipientState.SENT, RecipientState.BLOCKED, RecipientState.FAILED})


class SummaryState(StrEnum):
    """The final count to the admin who sent the broadcast: once."""

    PENDING = "pending"  # delivery under way (or the count is to be sent again)
    CLAIMED = "claimed"  # being sent; a crash leaves it so, and it is not sent again
    SENT = "sent"
    FAILED = "failed"


# --- the text -------------------------------------------------------------------------------


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji may count 2)."""
    return len(text.encode("utf-16-le")) // 2


def room_for_text(reserved: int) -> int:
    """How many characters the admin may type, the header having taken `reserved`."""
    return max(MAX_MESSAGE_LENGTH - reserved, 0)


def clean_text(text: str, reserved: int = 0) -> str:
    """The admin's message as the referents will read it: NFC, line breaks as `\\n`, no
    leading or trailing blank space (Telegram drops it anyway); the rest as typed.

    Refused: an empty message, control characters other than line breaks and tabs (pasted
    garbage Telegram would mangle), a message that with the header (`reserved` characters)
    exceeds Telegram's 4096.
    """
    cleaned = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    cleaned = cleaned.strip()
    if not cleaned:
        raise ValidationFailed("broadcast_empty")
    if any(_is_bad_control(char) for char in cleaned):
        raise ValidationFailed("broadcast_invalid_chars")
    room = room_for_text(reserved)
    length = utf16_length(cleaned)
    if length > room:
        raise ValidationFailed("broadcast_too_long", length=length, max_length=room)
    return cleaned


def _is_bad_control(char: str) -> bool:
    category = unicodedata.category(char)
    return (category == "Cc" and char not in _KEPT_CONTROLS) or category == "Cs"


# --- the audience ---------------------------------------------------------------------------


class Member(BaseModel):
    """A referent holding a plesso now (one row per plesso held)."""

    model_config = ConfigDict(frozen=True)

    referent_id: int
    user_id: int  # the Telegram chat to send to
    sentinel: bool  # whether that plesso is a sentinel one


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    referent_id: int
    user_id: int


def recipients(members: Iterable[Member], audience: Audience) -> list[Recipient]:
    """Who receives a broadcast to `audience`: each person once, by referent id."""
    chosen: dict[int, Recipient] = {}
    for member in members:
        if audience is Audience.SENTINEL and not member.sentinel:
            continue
        chosen.setdefault(
            member.user_id, Recipient(referent_id=member.referent_id, user_id=member.user_id)
        )
    return sorted(chosen.values(), key=lambda r: (r.referent_id, r.user_id))


# --- delivery -------------------------------------------------------------------------------


def next_attempt(attempts: int, now: datetime) -> datetime:
    """When to try again after `attempts` sends that did not reach Telegram: 1, 2, 4 …
    minutes (the outboxes' back-off), at most 15."""
    return outbox.next_attempt(attempts, now, longest=_LONGEST_RETRY)


def after_release(attempts: int) -> RecipientState:
    """A send that surely did not reach Telegram: again later, or given up."""
    return RecipientState.FAILED if attempts >= MAX_ATTEMPTS else RecipientState.PENDING


class DeliveryCount(BaseModel):
    """How the sends of one broadcast ended so far: the admin's final count."""

    model_config = ConfigDict(frozen=True)

    pending: int = 0  # not ended yet (to send, or being sent)
    sent: int = 0
    blocked: int = 0
    failed: int = 0  # uncertain ones included
    uncertain: int = 0  # of `failed`: interrupted by a crash, not sent again

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.blocked + self.failed

    @property
    def ended(self) -> int:
        return self.total - self.pending

    @property
    def done(self) -> bool:
        return self.pending == 0


def count_outcomes(rows: Iterable[tuple[RecipientState, str | None, int]]) -> DeliveryCount:
    """The count from (state, error, how many) rows."""
    pending = sent = blocked = failed = uncertain = 0
    for state, error, n in rows:
        if state is RecipientState.SENT:
            sent += n
        elif state is RecipientState.BLOCKED:
            blocked += n
        elif state is RecipientState.FAILED:
            failed += n
            uncertain += n if error == UNCERTAIN else 0
        else:
            pending += n
    return DeliveryCount(
        pending=pending, sent=sent, blocked=blocked, failed=failed, uncertain=uncertain
    )


class Broadcast(BaseModel):
    """One confirmed broadcast. `text` is None once delivery is complete (see storage)."""

    model_config = ConfigDict(frozen=True)

    id: int
    ats_code: str | None  # None: a regional admin's, to every ATS
    audience: Audience
    text: str | None
    created_by: int  # Telegram user id of the admin (private chat: also where the count goes)
    created_at: datetime
    completed_at: datetime | None
    summary: SummaryState


class Delivery(BaseModel):
    """One recipient row, claimed for a send."""

    model_config = ConfigDict(frozen=True)

    id: int
    broadcast_id: int
    referent_id: int
    user_id: int
    attempts: int


class CreateOutcome(StrEnum):
    CREATED = "created"
    """This call stored it: tell the admin, deliver it."""
    ALREADY = "already"
    """That preview was confirmed before (a double tap): nothing new."""
    NO_RECIPIENTS = "no_recipients"
    """Nobody to send it to: nothing stored."""


class CreateResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    outcome: CreateOutcome
    broadcast: Broadcast | None = None
    recipients: int = 0


class BroadcastStatus(BaseModel):
    """A broadcast and how its sends went so far, for the admin's list."""

    model_config = ConfigDict(frozen=True)

    broadcast: Broadcast
    count: DeliveryCount
