"""Inline keyboards and their callback data.

Callback data are short strings `prefix:arg:arg`, at most 64 bytes (Telegram's limit),
built with `callback()` and checked on the way in with `parse()`: a forged or stale value
that does not fit the shape is treated like an unknown button.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.text import parse_ascii_int

MAX_CALLBACK_BYTES = 64
_ARG = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class BadCallback(ValueError):
    """Callback data that this bot did not make."""


def callback(prefix: str, *args: object) -> str:
    parts = [prefix, *(str(arg) for arg in args)]
    for part in parts:
        if not _ARG.match(part):
            raise ValueError(f"callback part {part!r} has characters outside [A-Za-z0-9_.-]")
    data = ":".join(parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_CALLBACK_BYTES} bytes")
    return data


def pattern(prefix: str) -> str:
    """Regex for CallbackQueryHandler: this prefix and any arguments."""
    return rf"^{re.escape(prefix)}(:[A-Za-z0-9_.-]{{1,40}})*$"


def parse(data: str | None, prefix: str, arity: int) -> list[str]:
    """The arguments of `data`, which must be `prefix` with exactly `arity` arguments."""
    if data is None or len(data.encode()) > MAX_CALLBACK_BYTES:
        raise BadCallback("missing or too long")
    parts = data.split(":")
    if parts[0] != prefix or len(parts) != arity + 1:
        raise BadCallback("wrong shape")
    if not all(_ARG.match(part) for part in parts[1:]):
        raise BadCallback("bad characters")
    return parts[1:]


def parse_int(value: str) -> int:
    """An id from callback data or a typed argument, in ASCII digits; absurd values (and
    "²", which `isdigit()` would let through to a failing `int()`) are refused like unknown
    ones."""
    number = parse_ascii_int(value)
    if number is None:
        raise BadCallback("not an id")
    return number


Button = tuple[str, str]


def inline(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    """Rows of (label, callback data)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def column(buttons: Sequence[Button]) -> InlineKeyboardMarkup:
    return inline([[button] for button in buttons])
