"""Logging that never carries personal data or the bot token.

Third-party loggers (the Telegram library, the HTTP clients) print whole updates and request
bodies at DEBUG, with names and codici fiscali in them, and request URLs with the token at
INFO: they are held at WARNING whatever LOG_LEVEL says. Everything that is printed still goes
through `RedactingFilter`, which masks the token and anything shaped like a codice fiscale,
a phone number or an e-mail address.
"""

from __future__ import annotations

import logging
import re
import sys

_THIRD_PARTY = ("telegram", "httpx", "httpcore", "aiohttp", "apscheduler", "aiosqlite", "asyncio")
_PATTERNS = (
    re.compile(r"\b[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{2}"
               r"[A-Za-z][0-9LMNPQRSTUVlmnpqrstuv]{3}[A-Za-z]\b"),
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
            formatted = logging.Formatter().formatException(record.exc_info)
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
