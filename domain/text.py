"""Text clean-up shared by the rules: loose matching keys and normalized names."""

from __future__ import annotations

import re
import unicodedata

from domain.errors import ValidationFailed

PERSON_NAME_MAX_LENGTH = 60

_WHITESPACE = re.compile(r"\s+")
# Phones and word processors turn ' into typographic quotes; the portal knows only '.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_HYPHENS = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})


def collapse_spaces(text: str) -> str:
    """Trim `text` and turn every run of whitespace (newlines, tabs too) into one space."""
    return _WHITESPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """A key for loose matching: lower-case, no accents, punctuation as spaces, spaces collapsed.

    `fold("Sant’Angelo  Lodigiano") == "sant angelo lodigiano"`.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = [
        char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char)
    ]
    return collapse_spaces("".join(kept))


ASCII_DIGITS = frozenset("0123456789")
MAX_ID_DIGITS = 12  # ids and page numbers: anything longer is absurd, refused as unknown


def parse_ascii_int(text: str, max_digits: int = MAX_ID_DIGITS) -> int | None:
    """The whole number `text` spells in ASCII digits only (`"12"` → 12), else None.

    `str.isdigit()` also accepts "²" or "٣", which `int()` then refuses or reads: every
    number typed in an argument or carried by a button goes through here instead.
    """
    if not 0 < len(text) <= max_digits or not ASCII_DIGITS.issuperset(text):
        return None
    return int(text)


def _is_name_char(char: str) -> bool:
    # Letters of any script, and the combining marks NFC could not merge into them.
    return unicodedata.category(char)[0] in "LM" or char in "' -"


def normalize_person_name(text: str, field: str) -> str:
    """A surname or first name as the portal shows it: upper-case, single spaces.

    Letters (accented too), apostrophes, hyphens and spaces are kept; anything else is refused.
    `field` is the Italian label of the field ("cognome", "nome"), shown in the message.
    """
    name = collapse_spaces(
        unicodedata.normalize("NFC", text).translate(_APOSTROPHES).translate(_HYPHENS)
    )
    if not name:
        raise ValidationFailed("name_empty", field=field)
    wrong = sorted({char for char in name if not _is_name_char(char)})
    if wrong:
        raise ValidationFailed("name_invalid_chars", field=field, chars=" ".join(wrong))
    if not any(unicodedata.category(char).startswith("L") for char in name):
        raise ValidationFailed("name_no_letters", field=field)
    if len(name) > PERSON_NAME_MAX_LENGTH:
        raise ValidationFailed(
            "name_too_long", field=field, max_length=PERSON_NAME_MAX_LENGTH, length=len(name)
        )
    return name.upper()


def normalize_free_text(text: str, field: str, max_length: int) -> str:
    """Short free text (class, section, address, school name): trimmed, single spaces.

    Case is kept. Empty text, text longer than `max_length` and invisible control
    characters are refused; `field` is the Italian label shown in the message.
    """
    cleaned = collapse_spaces(unicodedata.normalize("NFC", text))
    if not cleaned:
        raise ValidationFailed("text_empty", field=field)
    # Whitespace is already collapsed, so any control/format character left is garbage
    # pasted from somewhere (zero-width spaces, escape codes) that would corrupt exports.
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"} for char in cleaned):
        raise ValidationFailed("text_invalid_chars", field=field)
    if len(cleaned) > max_length:
        raise ValidationFailed(
            "text_too_long", field=field, max_length=max_length, length=len(cleaned)
        )
    return cleaned


def fit(text: str, limit: int, marker: str) -> str:
    """`text` whole when it has at most `limit` characters; else its longest head of whole
    lines that fits with `marker` after it (Telegram refuses a message over its limit).

    A first line too long on its own is cut inside, but never inside an HTML tag or entity,
    which Telegram would refuse to parse.
    """
    if len(marker) > limit:
        raise ValueError(f"a marker of {len(marker)} characters cannot fit in {limit}")
    if len(text) <= limit:
        return text
    room = limit - len(marker)
    newline = text.rfind("\n", 0, room + 1)
    if newline > 0:
        return text[:newline] + marker
    return _outside_markup(text[:room]) + marker


def _outside_markup(head: str) -> str:
    """`head` without a tag (`<b`) or an entity (`&amp`) left open at its end."""
    while True:  # cutting an entity off may leave a tag open before it, and the other way
        start = max(_open_at(head, "<", ">"), _open_at(head, "&", ";"))
        if start < 0:
            return head
        head = head[:start]


def _open_at(head: str, opening: str, closing: str) -> int:
    start = head.rfind(opening)
    return start if start > head.rfind(closing) else -1
