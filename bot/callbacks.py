"""Callback data: the one convention for what a button carries, and the one registry of
prefixes.

Every family of buttons is a `Buttons(prefix)` made at import time; a second family with a
prefix already taken fails at import (two flows can never read each other's buttons). The
data are `<prefix>:<verb>[:<arg>...]`, ASCII `[A-Za-z0-9_.-]` parts, at most 64 bytes
(Telegram's limit), checked when made and when tapped: a forged, stale or malformed value is
treated as an unknown button. Ids come back as `int`s (`tapped_ids`), never as raw text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from telegram import Update

from bot import keyboards

_PREFIXES: dict[str, str] = {}


def registered_prefixes() -> dict[str, str]:
    """Prefix → what its buttons are for, for every family made so far."""
    return dict(_PREFIXES)


@dataclass(frozen=True)
class Buttons:
    """One family of buttons: callback data `<prefix>:<verb>[:<arg>...]`."""

    prefix: str
    purpose: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        keyboards.callback(self.prefix)  # the prefix alone must be valid callback data
        if self.prefix in _PREFIXES:
            raise ValueError(f"callback prefix {self.prefix!r} is already registered")
        _PREFIXES[self.prefix] = self.purpose

    def data(self, verb: str, *args: object) -> str:
        return keyboards.callback(self.prefix, verb, *args)

    def pattern(self, verb: str) -> str:
        return keyboards.pattern(f"{self.prefix}:{verb}")

    def args(self, data: str | None, verb: str, arity: int) -> list[str]:
        """The arguments of a `<prefix>:<verb>:...` button; BadCallback if it is not one."""
        parts = keyboards.parse(data, self.prefix, arity + 1)
        if parts[0] != verb:
            raise keyboards.BadCallback("wrong verb")
        return parts[1:]

    def tapped_args(self, update: Update, verb: str, arity: int) -> list[str] | None:
        """The arguments of the tapped button, or None for a forged or malformed one."""
        query = update.callback_query
        try:
            return self.args(query.data if query else None, verb, arity)
        except keyboards.BadCallback:
            return None

    def tapped_ids(self, update: Update, verb: str, arity: int = 1) -> list[int] | None:
        """The tapped button's arguments as ids (a case, a contact, a page), or None."""
        found = self.tapped_args(update, verb, arity)
        try:
            return [keyboards.parse_int(value) for value in found] if found else None
        except keyboards.BadCallback:
            return None

    # --- verb-less data ----------------------------------------------------------------------
    # A few families predate the `<prefix>:<verb>` shape and their buttons are already in
    # users' chats (`rv:12:MIEE8AB01T`, `onb_ok`, `prm:ATS:2026-11-17`): they keep their bytes
    # as `<prefix>[:<arg>...]`, one family per meaning. New families use verbs.

    def bare(self, *args: object) -> str:
        """Verb-less data `<prefix>[:<arg>...]` (see above): only for bytes already sent."""
        return keyboards.callback(self.prefix, *args)

    def bare_pattern(self) -> str:
        """The handler pattern of this family's verb-less data."""
        return keyboards.pattern(self.prefix)

    def tapped_bare(self, update: Update, arity: int) -> list[str] | None:
        """The arguments of a tapped verb-less button, or None for a forged or malformed one."""
        query = update.callback_query
        try:
            return keyboards.parse(query.data if query else None, self.prefix, arity)
        except keyboards.BadCallback:
            return None


# Buttons that one module makes and another answers (a reminder opens /assenze).
REMINDER_ABSENCES = Buttons("abr", "a reminder's «Registra» button: /assenze for a plesso and day")


def reminder_button_data(plesso_code: str, day: date) -> str:
    """A reminder's button, `abr:CODE:YYYY-MM-DD` (no verb: reminders already in users' chats
    carry this shape): straight into /assenze, for that plesso and day."""
    return keyboards.callback(REMINDER_ABSENCES.prefix, plesso_code, day.isoformat())
