"""Logging that never carries personal data or the bot token.

Third-party loggers (the Telegram library, the HTTP clients) print whole updates and request
bodies at DEBUG, with names and codici fiscali in them, and request URLs with the token at
INFO: they are held at WARNING whatever LOG_LEVEL says. Everything that is printed still goes
through `RedactingFilter`, which masks the token and anything shaped like a codice fiscale,
a phone number or an e-mail address, and renders tracebacks with `safe_traceback`: frames and
exception types, but the exception's message only for the kinds whose messages never quote
what a user typed (a name can be recognised by no pattern).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import sys
import traceback

_THIRD_PARTY = ("telegram", "httpx", "httpcore", "aiohttp", "apscheduler", "aiosqlite", "asyncio")
_PATTERNS = (
    # A bot token, even one not given as a secret (another bot's, an old one).
    re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"),
    re.compile(
        r"\b[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}"
        r"[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]\b"
    ),
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),
    re.compile(r"(?<![\w:])\+?\d[\d .-]{7,}\d(?!\w)"),
)


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.clean(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, cleaned, so a handler cannot print the raw one.
            formatted = safe_traceback(record.exc_info[1])
            cleaned = f"{cleaned}\n{self.clean(formatted)}"
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = cleaned, None
        return True

    def clean(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        for pattern in _PATTERNS:
            text = pattern.sub("<redacted>", text)
        return text


# Exceptions whose messages are about the system, never about what a user typed: database
# and transport errors. Telegram's own "Bad Request" may quote the text the bot sent.
_MESSAGE_KEPT: tuple[type[BaseException], ...] = (sqlite3.Error, ConnectionError, TimeoutError)
_MESSAGE_KEPT_MODULES = ("storage.db", "telegram.error", "aiohttp")
_MESSAGE_NEVER_KEPT = ("BadRequest",)


def _message_is_safe(error: BaseException) -> bool:
    kind = type(error)
    if kind.__name__ in _MESSAGE_NEVER_KEPT:
        return False
    return isinstance(error, _MESSAGE_KEPT) or kind.__module__.startswith(_MESSAGE_KEPT_MODULES)


def describe_exception(error: BaseException) -> str:
    kind = type(error)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else (f"{kind.__module__}.{kind.__qualname__}")
    )
    if _message_is_safe(error):
        return f"{name}: {error}"
    return f"{name} (message not logged: it may quote personal data)"


def safe_traceback(error: BaseException) -> str:
    """The traceback of `error` and of the errors that led to it, as Python prints it, with
    each exception's message kept only when it cannot quote personal data."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts: list[str] = []
    for index, item in enumerate(reversed(chain)):
        if index:
            parts.append("\nThe above exception led to the following one:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        parts.append(describe_exception(item) + "\n")
    return "".join(parts).rstrip("\n")


def setup_logging(level: str, secrets: list[str], stream: object = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _THIRD_PARTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
