"""The lock-out rule of every guessed secret (an invitation code, a citizen's sign-in). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Lockout:
    """`failures` wrong attempts within one `window` lock the user out for `duration` from
    the last of them."""

    failures: int
    window: timedelta
    duration: timedelta

    @property
    def lookback(self) -> timedelta:
        """How far back the failures can still matter."""
        return self.window + self.duration

    def until(self, failures: list[datetime], now: datetime) -> datetime | None:
        """The end of an active lock-out, or None."""
        recent = sorted(f for f in failures if f > now - self.lookback)
        for index in range(self.failures - 1, len(recent)):
            first, last = recent[index - self.failures + 1], recent[index]
            if last - first <= self.window and now < last + self.duration:
                return last + self.duration
        return None
