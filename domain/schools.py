"""Plessi (school buildings): school types, ministry codes, and the ATS's CSV of plessi."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.comuni import Comune, comune_of_cell
from domain.errors import ValidationFailed
from domain.text import collapse_spaces, csv_records, decode_upload, fold, normalize_free_text


class SchoolType(StrEnum):
    """The school types of the portal's "Tipo scuola"."""

    NIDO = "nido"  # servizi educativi 0-3
    INFANZIA = "infanzia"  # scuola dell'infanzia (materna), 3-6
    PRIMARIA = "primaria"
    SECONDARIA_1 = "secondaria1"
    SECONDARIA_2 = "secondaria2"
    CFP = "cfp"  # centri di formazione professionale (IeFP regionale)


def is_zero_six(school_type: SchoolType) -> bool:
    """Whether this is a 0-6 service, where educators are always close contacts."""
    return school_type in (SchoolType.NIDO, SchoolType.INFANZIA)


# Words that carry no meaning for the type: "Scuola secondaria di I grado" → "secondaria 1".
_FILLER = frozenset({"scuola", "scuole", "di", "del", "della", "dell", "d", "grado", "la", "l"})
_ORDINALS = {"i": "1", "primo": "1", "prima": "1", "ii": "2", "secondo": "2", "seconda": "2"}

_ALIASES: dict[SchoolType, tuple[str, ...]] = {
    SchoolType.NIDO: (
        "nido",
        "asilo nido",
        "nido infanzia",
        "micronido",
        "servizi 0 3",
        "servizio 0 3",
        "0 3",
        "sezione primavera",
        "primavera",
        "nido servizi 0 3",
    ),
    # "0-6" alone names the whole 0-6 system; the school-run part of it is the infanzia, and
    # the contact rules of the two are the same (is_zero_six).
    SchoolType.INFANZIA: (
        "infanzia",
        "materna",
        "materne",
        "asilo",
        "3 6",
        "0 6",
        "servizi 0 6",
        "servizio 0 6",
    ),
    SchoolType.PRIMARIA: ("primaria", "elementare", "elementari"),
    SchoolType.SECONDARIA_1: (
        "secondaria 1",
        "secondaria1",
        "media",
        "medie",
        "media inferiore",
        "medie inferiori",
    ),
    SchoolType.SECONDARIA_2: (
        "secondaria 2",
        "secondaria2",
        "superiore",
        "superiori",
        "media superiore",
        "medie superiori",
        "liceo",
        "istituto tecnico",
        "tecnico",
        "istituto professionale",
        "istituto superiore",
        "istituto istruzione superiore",
        "iis",
    ),
    SchoolType.CFP: (
        "cfp",
        "formazione professionale",
        "centro formazione professionale",
        "centro formazione",
        "iefp",
        "istruzione e formazione professionale",
        "formazione professionale cfp",
    ),
}
_ALIAS_INDEX = {alias: kind for kind, aliases in _ALIASES.items() for alias in aliases}
# A name starting with these is an upper secondary school: "Liceo scientifico Volta".
_SECONDARIA_2_STARTS = ("liceo", "istituto tecnico", "istituto professionale", "itis", "ipsia")


def _school_type_key(text: str) -> str:
    words = [_ORDINALS.get(word, word) for word in fold(text).split()]
    return " ".join(word for word in words if word not in _FILLER)


def parse_school_type(text: str) -> SchoolType:
    """The school type meant by `text`: "primaria", "elementare", "media", "liceo", ..."""
    key = _school_type_key(text)
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key]
    if key.startswith(_SECONDARIA_2_STARTS):
        return SchoolType.SECONDARIA_2
    raise ValidationFailed("school_type_unknown", text=collapse_spaces(text))


SCHOOL_CODE_LENGTH = 10
# 2 letters (province) + 2 type characters (a digit for paritarie: MI1A...) + 6 characters.
_SCHOOL_CODE = re.compile(r"[A-Z]{2}[A-Z0-9]{8}")


def validate_codice_meccanografico(text: str) -> str:
    """The ministry code of a plesso, upper-case, spaces removed: e.g. "MIIC8AB00X"."""
    code = "".join(text.split()).upper()
    if len(code) != SCHOOL_CODE_LENGTH:
        raise ValidationFailed("school_code_length", length=len(code))
    if not (code.isascii() and _SCHOOL_CODE.fullmatch(code)):
        raise ValidationFailed("school_code_invalid", school_code=code)
    return code


_ATS_CODE = re.compile(r"ATS-[A-Z0-9-]{2,30}")


def validate_ats_code(text: str) -> str:
    """An ATS identifier, upper-case: e.g. "ATS-MILANO"."""
    code = text.strip().upper()
    if not (code.isascii() and _ATS_CODE.fullmatch(code)):
        raise ValidationFailed("ats_code_invalid", ats_code=collapse_spaces(text))
    return code


_YES = frozenset({"si", "s", "yes", "y", "1", "true", "vero", "x"})
_NO = frozenset({"no", "n", "0", "false", "falso"})


def parse_yes_no(text: str) -> bool:
    """Sì/no as written in a spreadsheet: sì, si, yes, 1, true / no, 0, false."""
    word = fold(text)
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValidationFailed("yes_no_invalid", text=collapse_spaces(text))


SCHOOL_NAME_MAX_LENGTH = 150
ADDRESS_MAX_LENGTH = 200


class PlessoRow(BaseModel):
    """One valid line of the plessi CSV."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    line: int
    """1-based line in the file where the row starts; the header is line 1."""
    code: str
    name: str
    comune: Comune
    address: str
    """May be empty: the file's other columns identify the plesso."""
    school_type: SchoolType
    sentinel: bool
    ats_code: str


class RowError(BaseModel):
    """One problem on one line of the CSV; `code` and `params` are a catalog message."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    line: int
    """1-based line in the file; the header is line 1."""
    code: str
    params: dict[str, str]


def row_error(line: int, error: ValidationFailed) -> RowError:
    """The RowError of one of a line's problems."""
    return RowError(line=line, code=error.code, params={k: str(v) for k, v in error.params.items()})


class SchoolsImport(BaseModel):
    """The outcome of reading a plessi CSV: the good rows and what is wrong with the others."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    rows: list[PlessoRow]
    errors: list[RowError]


CSV_COLUMNS = (
    "codice_meccanografico",
    "denominazione",
    "comune",
    "indirizzo",
    "tipo_scuola",
    "sentinella",
    "ats",
)
CSV_MAX_ROWS = 5000
CSV_MAX_BYTES = 2 * 1024 * 1024


def _decode(data: bytes) -> str:
    """The file as text: UTF-8 (Excel's "CSV UTF-8" starts with a BOM, which is dropped) or
    UTF-16 with its BOM (Excel's "Testo Unicode"); anything else is refused, not guessed."""
    if len(data) > CSV_MAX_BYTES:
        raise ValidationFailed("csv_too_large", max_rows=CSV_MAX_ROWS, max_mb=2)
    try:
        text = decode_upload(data)
    except UnicodeDecodeError:
        raise ValidationFailed("csv_encoding") from None
    if not text.strip():
        raise ValidationFailed("csv_empty")
    return text


def _separator(header_line: str) -> str:
    # Italian Excel writes ";" (the comma is the decimal separator), others write ",", and
    # Excel's "Testo Unicode" (UTF-16) separates with tabs. A tie goes to ",".
    return max((",", ";", "\t"), key=header_line.count)


def _header_name(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _drop_trailing_blanks(cells: list[str]) -> list[str]:
    # Excel adds empty cells ("a;b;c;;") when a column beyond the data was ever touched.
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _check_header(cells: list[str]) -> dict[str, int]:
    """Column name → position; refuses a header that is not exactly CSV_COLUMNS."""
    cells = _drop_trailing_blanks(cells)
    names = [_header_name(cell) for cell in cells]
    found = ", ".join(cell.strip() for cell in cells if cell.strip()) or "-"
    missing = [column for column in CSV_COLUMNS if column not in names]
    if missing:
        raise ValidationFailed("csv_header", missing=", ".join(missing), found=found)
    pairs = zip(cells, names, strict=True)
    extra = [cell.strip() or '""' for cell, name in pairs if name not in CSV_COLUMNS]
    if extra or len(names) != len(set(names)):
        duplicated = [name for name in CSV_COLUMNS if names.count(name) > 1]
        raise ValidationFailed(
            "csv_header_unexpected", unexpected=", ".join(extra + duplicated), found=found
        )
    return {name: position for position, name in enumerate(names)}


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    return csv_records(text, _separator(text.splitlines()[0]))


def _is_blank(cells: list[str]) -> bool:
    # Excel leaves ";;;;;;" lines after the data when rows are cleared.
    return not any(cell.strip() for cell in cells)


def _parse_address(text: str) -> str:
    if not text.strip():
        return ""
    return normalize_free_text(text, "indirizzo", ADDRESS_MAX_LENGTH)


def _parse_name(text: str) -> str:
    return normalize_free_text(text, "denominazione", SCHOOL_NAME_MAX_LENGTH)


# PlessoRow field → (CSV column, parser of the cell).
_ROW_PARSERS: dict[str, tuple[str, Callable[[str], object]]] = {
    "code": ("codice_meccanografico", validate_codice_meccanografico),
    "name": ("denominazione", _parse_name),
    "comune": ("comune", comune_of_cell),
    "address": ("indirizzo", _parse_address),
    "school_type": ("tipo_scuola", parse_school_type),
    "sentinel": ("sentinella", parse_yes_no),
    "ats_code": ("ats", validate_ats_code),
}


def _parse_row(cells: dict[str, str]) -> tuple[dict[str, object], list[ValidationFailed]]:
    """Each field's value, and the problems found (all of them, to fix the file in one go)."""
    values: dict[str, object] = {}
    problems: list[ValidationFailed] = []
    for field, (column, parse) in _ROW_PARSERS.items():
        try:
            values[field] = parse(cells[column])
        except ValidationFailed as error:
            problems.append(error)
    return values, problems


def parse_schools_csv(data: bytes) -> SchoolsImport:
    """Read the ATS's CSV of plessi (columns CSV_COLUMNS, "," ";" or tab, UTF-8 or
    UTF-16 with its byte-order mark).

    Problems with the whole file raise ValidationFailed; problems with a line are
    collected in `errors` (several per line if several cells are wrong) and the line is
    left out of `rows`.
    """
    records = _records(_decode(data))
    _, header = next(records)
    positions = _check_header(header)
    rows: list[PlessoRow] = []
    errors: list[RowError] = []
    first_seen: dict[str, int] = {}
    count = 0
    for line, cells in records:
        if _is_blank(cells):
            continue
        count += 1
        if count > CSV_MAX_ROWS:
            raise ValidationFailed("csv_too_large", max_rows=CSV_MAX_ROWS, max_mb=2)
        if len(cells) > len(positions):
            cells = cells[: len(positions)] + _drop_trailing_blanks(cells[len(positions) :])
        if len(cells) != len(positions):
            errors.append(
                RowError(
                    line=line,
                    code="csv_row_columns",
                    params={"expected": str(len(positions)), "found": str(len(cells))},
                )
            )
            continue
        values, problems = _parse_row({name: cells[i] for name, i in positions.items()})
        code = values.get("code")
        if isinstance(code, str):
            if code in first_seen:
                problems.insert(
                    0,
                    ValidationFailed(
                        "csv_duplicate_code", school_code=code, first_line=first_seen[code]
                    ),
                )
            else:
                first_seen[code] = line
        if problems:
            errors.extend(row_error(line, problem) for problem in problems)
        else:
            rows.append(PlessoRow.model_validate({"line": line, **values}))
    return SchoolsImport(rows=rows, errors=errors)
