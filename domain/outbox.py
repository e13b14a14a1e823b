"""A persistent outbox's rules, whatever it carries: the states of a row, how many times
it is tried and when next. Pure.

A row is written in the transaction that makes the message owed (a closing, a revocation),
so a crash or an outage after the commit delays the message but never loses it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Given up after MAX_ATTEMPTS, or an answer that a retry cannot change."""
    UNREACHABLE = "unreachable"
    """The recipient blocked the bot or never started it."""


MAX_ATTEMPTS = 8
_FIRST_RETRY = timedelta(minutes=1)
_LONGEST_RETRY = timedelta(hours=1)


def next_attempt(attempts: int, now: datetime, longest: timedelta = _LONGEST_RETRY) -> datetime:
    """When to try again after `attempts` failed tries: 1, 2, 4 … minutes, at most `longest`
    (an hour unless told)."""
    # The doubling stops at 2**10 minutes (past any `longest`): a huge count cannot overflow.
    delay = _FIRST_RETRY * (1 << min(max(attempts - 1, 0), 10))
    return now + min(delay, longest)
