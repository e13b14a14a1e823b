"""The one way a rule says "no": a code the message catalog turns into Italian."""

from __future__ import annotations


class ValidationFailed(ValueError):
    """Input refused by a rule.

    `code` is a key of `bot.catalog.validation.ERRORS`; `params` fill its placeholders.
    Values in `params` are shown to the user (escaped by the catalog), never logged.
    """

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:  # params may hold personal data: keep them out of logs
        return f"ValidationFailed({self.code!r})"

    def __str__(self) -> str:
        return self.code
