"""Clocks. Rules never read the time themselves; the services hold one of these."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def system_clock() -> datetime:
    return datetime.now(UTC)


class ShiftedClock:
    """Real time moved by an offset: the console's `!ora` sets it to try another day."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def __call__(self) -> datetime:
        return system_clock() + self._offset

    def set(self, moment: datetime) -> None:
        self._offset = moment - system_clock()

    def reset(self) -> None:
        self._offset = timedelta()
