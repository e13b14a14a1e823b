"""Many contacts at once: a pasted list, or a class list file (CSV or XLSX).

A pasted list has one person a line: surname, name, codice fiscale, then optionally phone,
comune and address, separated by `;`, `,` or a tab (`ROSSI;MARIO;RSSMRA10A01F205X;333...`).
A first line of column names is allowed, and is then read like a file's header.

A file (such as a class list exported from the school's electronic register) must have a
header row, found among its first rows and matched loosely: Cognome/COGNOME/cognome,
"Codice Fiscale"/CF/codfisc, Nome, "Data di nascita", Telefono/Cellulare, Comune,
Indirizzo. Without surname, name and codice fiscale columns it is refused whole.

Every line is checked on its own; a line with problems is reported with its number and
left out, the others are kept. Nothing here knows the case: `plan_import` then sets apart
the people already among its contacts, and `contacts_from` gives the confirmed ones the
role, class, section and last contact date the referent chose once for all.

Limits: 1 MB, 1,000 people. The birth date comes from the codice fiscale (a birth date
column, when present, must agree with it); the comune and the phone may be missing, and
are then left empty ("da completare"), never guessed.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from domain.codice_fiscale import check_birth_date_matches, parse_codice_fiscale
from domain.comuni import comune_of_cell
from domain.contacts import (
    CaseFacts,
    ContactData,
    ContactDraft,
    ContactPerson,
    parse_address,
    proposed_last_contact,
)
from domain.dates import parse_date
from domain.errors import ValidationFailed
from domain.people import Role, check_birth_date_for_role, parse_phone
from domain.schools import RowError, row_error
from domain.text import collapse_spaces, csv_records, decode_upload, fold, normalize_person_name

MAX_FILE_BYTES = 1024 * 1024
MAX_PEOPLE = 1000
MAX_COLUMNS = 50
HEADER_SCAN_ROWS = 10
# Rows read from a sheet at most, blank ones included.
MAX_SHEET_ROWS = 5000
# An XLSX is a zip: what it may unpack to, whatever its size on the wire.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
SHOWN_CELLS = 15

Cell = str | int | float | date | datetime | None


class Column(StrEnum):
    SURNAME = "surname"
    NAME = "name"
    CODICE_FISCALE = "codice_fiscale"
    BIRTH_DATE = "birth_date"
    PHONE = "phone"
    COMUNE = "comune"
    ADDRESS = "address"


REQUIRED_COLUMNS = (Column.SURNAME, Column.NAME, Column.CODICE_FISCALE)
# A pasted list without a header: these, in this order (the first three mandatory).
LIST_COLUMNS = (
    Column.SURNAME,
    Column.NAME,
    Column.CODICE_FISCALE,
    Column.PHONE,
    Column.COMUNE,
    Column.ADDRESS,
)
# Italian names of the columns, for messages (domain/ does not import the catalog).
COLUMN_NAMES = {
    Column.SURNAME: "cognome",
    Column.NAME: "nome",
    Column.CODICE_FISCALE: "codice fiscale",
}

_ALIASES: dict[Column, tuple[str, ...]] = {
    Column.SURNAME: (
        "cognome",
        "cognomi",
        "cognome alunno",
        "cognome alunna",
        "cognome studente",
        "surname",
        "last name",
    ),
    Column.NAME: (
        "nome",
        "nomi",
        "nome alunno",
        "nome alunna",
        "nome studente",
        "name",
        "first name",
    ),
    Column.CODICE_FISCALE: (
        "codice fiscale",
        "cf",
        "c f",
        "cod fisc",
        "cod fiscale",
        "codice fisc",
        "codfisc",
        "codice fiscale alunno",
        "cf alunno",
        "tax code",
    ),
    Column.BIRTH_DATE: (
        "data di nascita",
        "data nascita",
        "nascita",
        "data nasc",
        "dt nascita",
        "nato il",
        "nata il",
        "nato a il",
        "date of birth",
        "birth date",
    ),
    Column.PHONE: (
        "telefono",
        "cellulare",
        "cell",
        "tel",
        "telefono cellulare",
        "recapito",
        "recapito telefonico",
        "numero di telefono",
        "n telefono",
        "telefono 1",
        "cellulare 1",
        "cellulare genitore",
        "telefono genitore",
        "mobile",
        "phone",
    ),
    Column.COMUNE: (
        "comune",
        "comune di residenza",
        "comune residenza",
        "comune di domicilio",
        "comune domicilio",
        "residenza",
        "citta",
        "localita",
    ),
    Column.ADDRESS: (
        "indirizzo",
        "indirizzo di residenza",
        "indirizzo residenza",
        "indirizzo domicilio",
        "via",
    ),
}


def header_key(cell: str) -> str:
    """A header cell for matching: no case, accents, spaces or punctuation ("Cod. Fisc.")."""
    return fold(cell).replace(" ", "")


_BY_KEY: dict[str, Column] = {
    header_key(alias): column for column, aliases in _ALIASES.items() for alias in aliases
}


class ImportedPerson(ContactPerson):
    """One good line: the person, without what the referent gives once for all."""

    line: int


class ContactList(BaseModel):
    """The people read from a list or file, and the problems of the other lines."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    people: list[ImportedPerson]
    errors: list[RowError]

    @property
    def refused_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})


# --- cells ---------------------------------------------------------------------------------------


def cell_text(cell: Cell) -> str:
    """A cell as text: numbers without ".0" (a phone typed in Excel), dates as dd/mm/yyyy."""
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.strftime("%d/%m/%Y")
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return collapse_spaces(str(cell))


def _birth_date(cell: Cell, today: date) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    return parse_date(cell_text(cell), today)


_OPTIONAL_PARSERS: dict[Column, Callable[[str], object]] = {
    Column.PHONE: parse_phone,
    Column.COMUNE: comune_of_cell,
    Column.ADDRESS: parse_address,
}


T = TypeVar("T")


def _attempt(problems: list[ValidationFailed], parse: Callable[[], T]) -> T | None:
    try:
        return parse()
    except ValidationFailed as problem:
        problems.append(problem)
        return None


def _person(line: int, cells: Mapping[Column, Cell], today: date) -> ImportedPerson:
    """One line as a person; _LineProblems with every problem of the line otherwise."""
    problems: list[ValidationFailed] = []

    def text(column: Column) -> str:
        return cell_text(cells.get(column))

    surname = _attempt(problems, lambda: normalize_person_name(text(Column.SURNAME), "cognome"))
    name = _attempt(problems, lambda: normalize_person_name(text(Column.NAME), "nome"))
    code = _attempt(problems, lambda: parse_codice_fiscale(text(Column.CODICE_FISCALE), today))
    birth_cell = cells.get(Column.BIRTH_DATE)
    if code is not None and cell_text(birth_cell):
        _attempt(problems, lambda: check_birth_date_matches(code, _birth_date(birth_cell, today)))
    optional = {
        column.value: _attempt(problems, partial(parse, text(column)))
        for column, parse in _OPTIONAL_PARSERS.items()
        if text(column)
    }
    if problems or surname is None or name is None or code is None:
        raise _LineProblems(problems)
    return ImportedPerson.model_validate(
        {
            "line": line,
            "surname": surname,
            "name": name,
            "codice_fiscale": code.value,
            "birth_date": code.birth_date,
            **optional,
        }
    )


class _LineProblems(Exception):
    def __init__(self, problems: list[ValidationFailed]) -> None:
        super().__init__(len(problems))
        self.problems = problems


# --- rows to people ------------------------------------------------------------------------------

Row = tuple[int, Sequence[Cell]]
"""(line or row number, cells)."""


def _is_blank(cells: Sequence[Cell]) -> bool:
    return not any(cell_text(cell) for cell in cells)


def header_columns(cells: Sequence[Cell]) -> dict[Column, int]:
    """Column → position for the cells that name a known column (the first one wins)."""
    found: dict[Column, int] = {}
    for position, cell in enumerate(cells):
        column = _BY_KEY.get(header_key(cell_text(cell)))
        if column is not None and column not in found:
            found[column] = position
    return found


def _is_header(columns: Mapping[Column, int]) -> bool:
    return all(column in columns for column in REQUIRED_COLUMNS)


def _no_header(rows: Sequence[Row]) -> ValidationFailed:
    """The refusal of a file without surname/name/codice fiscale columns: what it has."""
    best = max(rows, key=lambda row: len(header_columns(row[1])), default=(0, ()))
    columns = header_columns(best[1])
    cells = [cell_text(cell) for cell in best[1] if cell_text(cell)][:SHOWN_CELLS]
    missing = [COLUMN_NAMES[c] for c in REQUIRED_COLUMNS if c not in columns]
    return ValidationFailed(
        "import_no_header", missing=", ".join(missing), found=", ".join(cells) or "-"
    )


class _Reader:
    """People from rows, keeping each code's first line to refuse repeats."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.people: list[ImportedPerson] = []
        self.errors: list[RowError] = []
        self.first_line: dict[str, int] = {}

    def add(self, line: int, cells: Mapping[Column, Cell]) -> None:
        if len(self.people) + len({e.line for e in self.errors}) >= MAX_PEOPLE:
            raise ValidationFailed("import_too_big", max_rows=MAX_PEOPLE, max_mb=1)
        try:
            person = _person(line, cells, self.today)
        except _LineProblems as failed:
            self.errors.extend(row_error(line, problem) for problem in failed.problems)
            return
        first = self.first_line.setdefault(person.codice_fiscale, line)
        if first != line:
            self.errors.append(
                row_error(line, ValidationFailed("import_repeated", first_line=first))
            )
            return
        self.people.append(person)

    def refuse(self, line: int, error: ValidationFailed) -> None:
        self.errors.append(row_error(line, error))

    def result(self) -> ContactList:
        return ContactList(people=self.people, errors=sorted(self.errors, key=lambda e: e.line))


def _by_header(cells: Sequence[Cell], columns: Mapping[Column, int]) -> dict[Column, Cell]:
    return {column: cells[i] if i < len(cells) else None for column, i in columns.items()}


def read_table(rows: Iterable[Row], today: date) -> ContactList:
    """A file's rows: a header among the first rows, then one person a row."""
    reader = _Reader(today)
    seen: list[Row] = []
    columns: dict[Column, int] | None = None
    for line, cells in rows:
        if _is_blank(cells):
            continue
        if columns is None:
            found = header_columns(cells)
            if _is_header(found):
                columns = found
                continue
            seen.append((line, cells))
            if len(seen) >= HEADER_SCAN_ROWS:
                break
            continue
        reader.add(line, _by_header(cells, columns))
    if columns is None:
        raise _no_header(seen)
    return reader.result()


# --- a pasted list -------------------------------------------------------------------------------

LIST_SEPARATORS = ("\t", ";", ",")


def split_line(line: str) -> list[str]:
    """A pasted line's cells: tab if there is one, else `;`, else `,` (quotes allowed)."""
    separator = next((s for s in LIST_SEPARATORS if s in line), ",")
    cells = next(csv.reader([line], delimiter=separator), [])
    while cells and not cells[-1].strip():
        cells.pop()  # "ROSSI;MARIO;CF;;" from a spreadsheet
    return [cell.strip() for cell in cells]


def read_pasted_list(text: str, today: date) -> ContactList:
    """A pasted list, one person a line; line numbers count every line of the message."""
    lines = [(number, split_line(line)) for number, line in enumerate(text.splitlines(), 1)]
    filled = [(number, cells) for number, cells in lines if not _is_blank(cells)]
    if filled and _is_header(header_columns(filled[0][1])):
        return read_table(filled, today)
    reader = _Reader(today)
    for number, cells in filled:
        if not len(REQUIRED_COLUMNS) <= len(cells) <= len(LIST_COLUMNS):
            reader.refuse(
                number,
                ValidationFailed(
                    "import_list_columns",
                    found=len(cells),
                    least=len(REQUIRED_COLUMNS),
                    most=len(LIST_COLUMNS),
                ),
            )
            continue
        reader.add(number, dict(zip(LIST_COLUMNS, cells, strict=False)))
    return reader.result()


# --- a file --------------------------------------------------------------------------------------

_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"


def check_size(size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise ValidationFailed("import_too_big", max_rows=MAX_PEOPLE, max_mb=1)


def read_contacts_file(file_name: str, content: bytes, today: date) -> ContactList:
    """A CSV or XLSX class list; ValidationFailed when the whole file is refused."""
    check_size(len(content))
    name = file_name.lower()
    if name.endswith(_XLSX_SUFFIXES) or (
        not name.endswith(_CSV_SUFFIXES) and content.startswith(_ZIP_MAGIC)
    ):
        return read_table(xlsx_rows(content), today)
    if name.endswith(_CSV_SUFFIXES):
        return read_table(csv_rows(content), today)
    raise ValidationFailed("import_format", name=file_name or "-")


def _decode(content: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), UTF-16 with its BOM (Excel's "Testo Unicode"),
    else Windows-1252: Italian Excel's own CSV."""
    try:
        return decode_upload(content, fallback="cp1252")
    except UnicodeDecodeError:  # a byte-order mark, then bytes that do not follow it
        raise ValidationFailed("import_encoding") from None


def csv_separator(text: str) -> str:
    """The separator used most in the first lines: `;` (Italian Excel), `,` or tab."""
    sample = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    return max(LIST_SEPARATORS, key=sample.count)


def csv_rows(content: bytes) -> Iterator[Row]:
    text = _decode(content)
    if not text.strip():
        raise ValidationFailed("import_empty")
    for line, cells in csv_records(text, csv_separator(text)):
        yield line, cells[:MAX_COLUMNS]


def _check_zip(content: bytes) -> None:
    """Refuse what is not a plausible XLSX before openpyxl opens it: not a zip, too many
    entries, or more unpacked bytes than a class list needs (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationFailed("import_unreadable") from None
    names = {entry.filename for entry in entries}
    if len(entries) > MAX_ZIP_ENTRIES or "xl/workbook.xml" not in names:
        raise ValidationFailed("import_unreadable")
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise ValidationFailed("import_too_big", max_rows=MAX_PEOPLE, max_mb=1)


def xlsx_rows(content: bytes) -> Iterator[Row]:
    """The first sheet's rows (read-only, values only, capped in rows and columns)."""
    import openpyxl  # type: ignore[import-untyped]  # only XLSX imports need it

    _check_zip(content)
    try:
        workbook: Any = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged file: all mean "unreadable"
        raise ValidationFailed("import_unreadable") from None
    try:
        if not workbook.worksheets:
            raise ValidationFailed("import_empty")
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(max_row=MAX_SHEET_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
        yield from _sheet_rows(rows)
    finally:
        workbook.close()


def _sheet_rows(rows: Iterator[Sequence[Any]]) -> Iterator[Row]:
    number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception:  # a damaged sheet found while reading it
            raise ValidationFailed("import_unreadable") from None
        number += 1
        if number > MAX_SHEET_ROWS:
            raise ValidationFailed("import_too_big", max_rows=MAX_PEOPLE, max_mb=1)
        yield number, [_cell(value) for value in cells]


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | date | datetime):
        return value
    return str(value)


# --- against the case, and once the referent confirms --------------------------------------------


class ImportPlan(BaseModel):
    """What a list would add to a case: the new people, those already there, the problems."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    new: list[ImportedPerson]
    known: list[ImportedPerson]
    errors: list[RowError]

    @property
    def refused_lines(self) -> list[int]:
        return sorted({error.line for error in self.errors})


def plan_import(
    found: ContactList, existing: Collection[str], case_codice_fiscale: str
) -> ImportPlan:
    """Set apart the people already contacts of the case, and refuse the case person."""
    new: list[ImportedPerson] = []
    known: list[ImportedPerson] = []
    errors = list(found.errors)
    for person in found.people:
        if person.codice_fiscale == case_codice_fiscale:
            errors.append(row_error(person.line, ValidationFailed("contact_is_case")))
        elif person.codice_fiscale in existing:
            known.append(person)
        else:
            new.append(person)
    return ImportPlan(new=new, known=known, errors=sorted(errors, key=lambda e: e.line))


def proposed_batch(case: CaseFacts, today: date) -> ContactDraft:
    """What a list's people all get, proposed from the case (usually one tap on Conferma):
    pupils of the case's class and section, last seen on the case's last day at school."""
    return ContactDraft(
        role=Role.STUDENT,
        class_name=case.class_name,
        section=case.section,
        last_contact=proposed_last_contact(case.window, today),
    )


def contacts_from(
    people: Sequence[ImportedPerson], batch: ContactDraft, today: date
) -> tuple[list[ContactData], list[RowError]]:
    """The confirmed people as contacts with the batch's role, class, section and date;
    a birth date implausible for that role leaves the person out, with the reason."""
    assert batch.role is not None
    contacts: list[ContactData] = []
    errors: list[RowError] = []
    for person in people:
        try:
            check_birth_date_for_role(person.birth_date, batch.role, today)
        except ValidationFailed as problem:
            errors.append(row_error(person.line, problem))
            continue
        contacts.append(
            ContactData.model_validate(
                {
                    **batch.model_dump(),
                    **person.model_dump(exclude={"line"}),
                }
            )
        )
    return contacts, errors
