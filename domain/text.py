"""Text clean-up shared by the rules: loose matching keys and normalized names."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from domain.errors import ValidationFailed

PERSON_NAME_MAX_LENGTH = 60

_WHITESPACE = re.compile(r"\s+")
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")
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


def csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each record of an uploaded CSV (the first line is 1); a
    record may span lines inside quotes. A record the csv module cannot read refuses the
    file, naming the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error:
        raise ValidationFailed("csv_malformed", line=line) from None


def collapse_spaces(text: str) -> str:
    """Trim `text` and turn every run of whitespace (newlines, tabs too) into one space."""
    return _WHITESPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """A key for loose matching: lower-case, no accents, punctuation as spaces, spaces collapsed.

    `fold("Sant’Angelo  Lodigiano") == "sant angelo lodigiano"`.
    """
    if text.isascii():
        # The same key the long way below gives (casefold is lower-case, NFKD and the accents
        # change nothing in ASCII), in C: the comuni index folds 16,000 names at start-up.
        return _NOT_ASCII_ALNUM.sub(" ", text.lower()).strip()
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


MESSAGE_LIMIT = 4096  # Telegram's limit on a message's text, in UTF-16 code units

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>")


def utf16_length(text: str) -> int:
    """The length Telegram measures: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 units, cut at line boundaries.

    An HTML element open at a cut (`<b>` spanning lines) is closed at the end of its piece
    and opened again at the start of the next, so every piece parses on its own. A line too
    long on its own is cut inside, never inside a tag or an entity. Pieces that would be
    blank (Telegram refuses an empty message) are left out; a text that fits is one piece.
    """
    if utf16_length(text) <= limit:
        return [text]
    pieces: list[str] = []
    current, started = "", False  # the piece being filled (tags reopened at its start)
    for line in text.split("\n"):
        joined = current + "\n" + line if started else current + line
        if _fits(joined, limit):
            current, started = joined, True
            continue
        if started:
            _flush(pieces, current)
            current = _openers(_open_tags(current))
            joined = current + line
            if _fits(joined, limit):
                current = joined
                continue
        current, started = _cut_long(pieces, joined, limit), True
    _flush(pieces, current)
    return pieces


def _fits(text: str, limit: int) -> bool:
    return utf16_length(text + _closers(_open_tags(text))) <= limit


def _cut_long(pieces: list[str], text: str, limit: int) -> str:
    """Full pieces cut off `text` (one line, the tags open before it reopened at its start)
    until the rest fits; returns the rest."""
    while not _fits(text, limit):
        head = _outside_markup(_utf16_head(text, limit))
        while head and not _fits(head, limit):
            head = _outside_markup(head[:-1])
        rest = _openers(_open_tags(head)) + text[len(head) :]
        if len(rest) >= len(text):
            # No room for any text beside the markup (absurdly nested tags): drop the markup.
            plain = _TAG.sub("", text)
            head = _outside_markup(_utf16_head(plain, limit)) or _utf16_head(plain, limit)
            pieces.append(head)
            text = plain[len(head) :]
            continue
        if _TAG.sub("", head).strip():
            pieces.append(head + _closers(_open_tags(head)))
        text = rest
    return text


def _flush(pieces: list[str], current: str) -> None:
    if _TAG.sub("", current).strip():
        pieces.append(current + _closers(_open_tags(current)))


def _open_tags(text: str) -> list[tuple[str, str]]:
    """The elements left open at the end of `text`: (name, opening tag), outermost first."""
    stack: list[tuple[str, str]] = []
    for match in _TAG.finditer(text):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append((name, match.group(0)))
        elif any(open_name == name for open_name, _ in stack):
            while stack and stack.pop()[0] != name:
                pass
    return stack


def _closers(open_tags: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(open_tags))


def _openers(open_tags: list[tuple[str, str]]) -> str:
    return "".join(tag for _, tag in open_tags)


def _utf16_head(text: str, units: int) -> str:
    """The longest head of `text` of at most `units` UTF-16 units."""
    head = text[:units]
    while utf16_length(head) > units:
        head = head[: -max(1, (utf16_length(head) - units) // 2)]
    return head
