"""Invitation codes: how an ATS admin lets a referent (or another admin) into the bot.

A code is shown once (as a t.me deep link or to be typed) and only its hash is stored.
"""

from __future__ import annotations

import hashlib
import re
import secrets

# Upper-case letters and digits without the look-alikes 0/O, 1/I/L: a code read aloud or
# copied from paper cannot be mistyped into another valid-looking one. 31 symbols.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 12 × log2(31) ≈ 59.4 bits: guessing one is hopeless

_SEPARATORS = re.compile(r"[\s-]+")


def new_invitation_code() -> str:
    """A fresh random code, usable as a Telegram deep-link start parameter."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_invitation_code(text: str) -> str | None:
    """The code in `text` (spaces and dashes dropped, upper-cased), or None if it cannot be one."""
    code = _SEPARATORS.sub("", text)
    if not code.isascii():  # "ß".upper() is "SS": no Unicode case games
        return None
    code = code.upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def hash_invitation_code(code: str) -> str:
    """The sha256 hex digest stored instead of the code; pass a normalized code."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()
