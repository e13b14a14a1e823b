"""Inline keyboards and their callback data.

Callback data are short strings `prefix:arg:arg`, at most 64 bytes (Telegram's limit),
built with `callback()` and checked on the way in with `parse()`: a forged or stale value
that does not fit the shape is treated like an unknown button.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

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


class Keyboard(InlineKeyboardMarkup):
    """An inline keyboard of callback buttons that turns itself into a dict cheaply.

    A python-telegram-bot `InlineKeyboardMarkup` like any other (every PTB method takes it,
    a test reads its buttons), but its `to_dict` (what PTB sends: every reply with a keyboard
    calls it) builds the dict from its rows directly instead of walking the PTB objects'
    attributes: 0.1 ms for a keyboard of five buttons, 0.005 ms so (benchmarks/load.py,
    cProfile). The same dict, so the same bytes on the wire: tests/unit/test_wire_bytes.py
    compares them."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Sequence[Sequence[Button]]) -> None:
        super().__init__([[_button(label, data) for label, data in row] for row in rows])
        self._rows = tuple(tuple(row) for row in rows)

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        """See `TelegramObject.to_dict`: as PTB's (a button's fields in this order; no rows,
        no field at all)."""
        if not recursive or not self._rows:
            return super().to_dict(recursive=recursive)
        return {
            "inline_keyboard": [
                [{"callback_data": data, "text": label} for label, data in row]
                for row in self._rows
            ]
        }


# Buttons are immutable: the same (label, data) is one object, built once. The same
# questions' options recur from chat to chat ("Ieri", "Salva", a plesso's buttons).
_BUTTONS: dict[Button, InlineKeyboardButton] = {}
_MAX_BUTTONS = 4096


def _button(label: str, data: str) -> InlineKeyboardButton:
    key = (label, data)
    button = _BUTTONS.get(key)
    if button is None:
        if len(_BUTTONS) >= _MAX_BUTTONS:
            _BUTTONS.clear()  # a bound, not a policy: buttons with ids are seldom reused
        button = _BUTTONS[key] = InlineKeyboardButton(label, callback_data=data)
    return button


def inline(rows: Sequence[Sequence[Button]]) -> Keyboard:
    """Rows of (label, callback data)."""
    return Keyboard(rows)


def column(buttons: Sequence[Button]) -> Keyboard:
    return inline([[button] for button in buttons])
