"""Fault injection and counters: what a load test or a retry test needs to control and see."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TypeVar

from emulator.errors import ApiError, too_many_requests

RATE_WINDOW_SECONDS = 1.0


def is_send_method(method: str) -> bool:
    """The calls Telegram's flood control counts: every send* except chat actions."""
    return method.startswith("send") and method != "sendChatAction"


@dataclass
class _Failure:
    method: str
    status: int
    retry_after: int | None
    description: str | None
    remaining: int

    def error(self) -> ApiError:
        if self.status == 429:
            retry_after = self.retry_after
            if retry_after is None:
                return ApiError(429, self.description or "Too Many Requests")
            error = too_many_requests(retry_after)
            error.description = self.description or error.description
            return error
        description = self.description or _default_description(self.status)
        return ApiError(self.status, description)


def _default_description(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass
class _Drop:
    method: str
    remaining: int
    after_processing: bool


_Rule = TypeVar("_Rule", _Failure, _Drop)


@dataclass
class Stats:
    """Counters over the emulator's life; `reset()` starts a new measurement."""

    calls: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)  # by HTTP status
    throttled: int = 0  # 429 answers, injected or from the rate limit
    dropped: int = 0  # connections closed without an answer
    sent_at: list[float] = field(default_factory=list)  # monotonic time of each message sent
    throttled_at: list[float] = field(default_factory=list)  # monotonic time of each 429
    # Seconds each update waited in the queue before a getUpdates first took it (the part of
    # a step's time that is the polling cycle's, not the bot's).
    queue_waits: list[float] = field(default_factory=list)

    def messages_per_second(self) -> float:
        if len(self.sent_at) < 2:
            return 0.0
        elapsed = self.sent_at[-1] - self.sent_at[0]
        return (len(self.sent_at) - 1) / elapsed if elapsed > 0 else float("inf")

    def reset(self) -> None:
        self.calls.clear()
        self.errors.clear()
        self.throttled = 0
        self.dropped = 0
        self.sent_at.clear()
        self.throttled_at.clear()
        self.queue_waits.clear()


class FaultInjector:
    def __init__(self) -> None:
        self._failures: list[_Failure] = []
        self._drops: list[_Drop] = []
        self._window: deque[float] = deque()

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        retry_after: int | None,
        description: str | None,
        times: int,
    ) -> None:
        self._failures.append(_Failure(method.lower(), status, retry_after, description, times))

    def drop_connection_next(self, method: str, times: int, after_processing: bool) -> None:
        self._drops.append(_Drop(method.lower(), times, after_processing))

    def clear(self) -> None:
        self._failures.clear()
        self._drops.clear()
        self._window.clear()

    def take_failure(self, method: str) -> ApiError | None:
        failure = _take(self._failures, method)
        return failure.error() if failure is not None else None

    def take_drop(self, method: str) -> _Drop | None:
        return _take(self._drops, method)

    def admit(self, limit: int | None, now: float) -> bool:
        """Whether one more send fits the sliding one-second window (rejected ones don't count)."""
        if limit is None:
            return True
        window = self._window
        while window and window[0] <= now - RATE_WINDOW_SECONDS:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True


def _take(rules: list[_Rule], method: str) -> _Rule | None:
    if not rules:
        return None
    wanted = method.lower()
    for rule in rules:
        if rule.method in ("*", wanted):
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
    return None
