"""Text clean-up shared by the rules: loose matching keys and normalized names."""

from __future__ import annotations

import codecs
import re
import unicodedata

from domain.errors import ValidationFailed

PERSON_NAME_MAX_LENGTH = 60

_WHITESPACE = re.compile(r"\s+")
# Phones and word processors turn ' into typographic quotes; the portal knows only '.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
_HYPHENS = str.maketrans({"‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-"})


# Byte-order marks Excel writes: "CSV UTF-8" (EF BB BF) and "Testo Unicode" (UTF-16, FF FE
# on Windows; FE FF big-endian from some other tools). The mark says the encoding for sure.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_upload(data: bytes, *, fallback: str | None = None) -> str:
    """An uploaded text file (a CSV) as text, whatever Excel saved it as.

    A byte-order mark decides (UTF-8, UTF-16 LE or BE; the mark itself is dropped); without
    one the file is read as UTF-8, else with `fallback` (e.g. "cp1252", Italian Excel's plain
    CSV) when given, bytes it leaves undefined read as Latin-1. Raises UnicodeDecodeError when
    the bytes are not what the mark says, or not UTF-8 and there is no fallback.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if fallback is None:
            raise
    try:
        return data.decode(fallback)
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte is a character: never fails


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
