"""The message catalog: every Italian text the users see, in one package.

Texts are HTML (the bot sends with parse_mode HTML). Every value put into a text goes
through `render`, which escapes it, so a name like `<Rossi & C>` is shown as typed.
Each module holds one area; `ERRORS` gathers the validation messages of every area,
keyed by the codes that `domain` rules raise.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from domain.errors import ValidationFailed


def render(template: str, /, **values: object) -> str:
    """Fill `template` with escaped values."""
    return template.format(**{key: html.escape(str(value)) for key, value in values.items()})


Plural = tuple[str, str]
"""A text for one and a text for any other count ("{count}" in either is filled)."""


def plural(count: int, forms: Plural) -> str:
    """The form of `forms` for `count` (Italian: 1 is singular; 0 and more are plural), its
    "{count}" filled; other placeholders are left for `render`."""
    one, many = forms
    return (one if count == 1 else many).replace("{count}", str(count))


def _collect_errors() -> dict[str, str]:
    import bot.catalog.absences as absences
    import bot.catalog.admin as admin
    import bot.catalog.broadcast as broadcast
    import bot.catalog.citizens as citizens
    import bot.catalog.contacts as contacts
    import bot.catalog.export as export
    import bot.catalog.senthome as senthome
    import bot.catalog.swabs as swabs
    import bot.catalog.vaccines as vaccines
    import bot.catalog.validation as validation

    merged: dict[str, str] = {}
    modules = (
        validation,
        absences,
        admin,
        contacts,
        broadcast,
        export,
        citizens,
        senthome,
        vaccines,
        swabs,
    )
    for module in modules:
        merged.update(module.ERRORS)
    return merged


ERRORS: Mapping[str, str] = _collect_errors()


def error_text(error: ValidationFailed) -> str:
    """The Italian message for a refused input, with its values escaped."""
    template = ERRORS.get(error.code)
    if template is None:
        raise KeyError(f"no catalog text for validation code {error.code!r}")
    return render(template, **{key: _shortened(value) for key, value in error.params.items()})


QUOTED_MAX = 80  # characters of a refused answer quoted back in the message


def _shortened(value: object) -> object:
    if isinstance(value, str) and len(value) > QUOTED_MAX:
        return value[: QUOTED_MAX - 1] + "…"
    return value
