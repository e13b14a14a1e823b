"""A case and its contacts as an XLSX workbook, headers in Italian as in the portal.

Pure: models in, bytes out (openpyxl, no clock, no database). Sheet "Caso" holds one row,
sheet "Contatti" one row per contact; dates are real dates, the header row is frozen.
The labels of roles and school types come in as arguments (they live in the catalog).
Cells that start like a formula are written as text, never evaluated.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from domain.cases import Case
from domain.comuni import Comune
from domain.contacts import Contact
from domain.people import Role
from domain.schools import SchoolType

CASE_SHEET = "Caso"
CONTACTS_SHEET = "Contatti"

CASE_HEADERS = (
    "Id caso", "Plesso", "Tipo scuola", "Classe", "Sezione", "Referente", "Telefono referente",
    "Email referente", "Ruolo", "Cognome", "Nome", "Codice fiscale", "Data di nascita",
    "Comune di domicilio", "Telefono 1", "Telefono 2", "Ultimo giorno di frequenza",
    "Data tampone positivo", "Data inizio sintomi", "Chiuso il", "Codice ricevuta",
)
CONTACT_HEADERS = (
    "Id", "Ruolo", "Classe", "Sezione", "Cognome", "Nome", "Codice fiscale", "Data di nascita",
    "Comune di domicilio", "Indirizzo", "Telefono cellulare", "Data ultimo contatto",
)
DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
_MIN_WIDTH, _MAX_WIDTH = 8, 40
_FORMULA_START = ("=", "+", "-", "@")

Cell = str | int | date | datetime | None


@dataclass(frozen=True)
class ExportLabels:
    roles: Mapping[Role, str]
    school_types: Mapping[SchoolType, str]
    timezone: ZoneInfo
    plesso: str
    """How the plesso reads, e.g. "Primaria Manzoni (MIEE8AB01T)"."""


def _comune(comune: Comune | None) -> str | None:
    return f"{comune.name} ({comune.province})" if comune is not None else None


def _safe(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # a phone "+39…" stays text; "=…" is never a formula
    return value


def case_row(case: Case, labels: ExportLabels) -> list[Cell]:
    data = case.data
    closed = (
        case.closed_at.astimezone(labels.timezone).replace(tzinfo=None, second=0, microsecond=0)
        if case.closed_at is not None else None
    )
    return [
        case.id, labels.plesso, labels.school_types[data.school_type], data.class_name,
        data.section, data.referent_name, data.referent_phone, data.referent_email,
        labels.roles[data.role], data.surname, data.name, data.codice_fiscale, data.birth_date,
        _comune(data.comune), data.phone1, data.phone2, data.last_attendance, data.swab_date,
        data.onset_date, closed, case.receipt_code,
    ]


def contact_row(contact: Contact, labels: ExportLabels) -> list[Cell]:
    data = contact.data
    return [
        contact.id, labels.roles[data.role], data.class_name, data.section, data.surname,
        data.name, data.codice_fiscale, data.birth_date, _comune(data.comune), data.address,
        data.phone, data.last_contact,
    ]


def _fill(sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(value) for value in row])
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            if isinstance(cell.value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        longest = max(
            [len(header), *(len(_shown(row[index - 1])) for row in rows)], default=_MIN_WIDTH
        )
        width = min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width


def _shown(value: Cell) -> str:
    if isinstance(value, datetime):
        return "00/00/0000 00:00"
    if isinstance(value, date):
        return "00/00/0000"
    return "" if value is None else str(value)


def case_workbook(case: Case, contacts: Sequence[Contact], labels: ExportLabels) -> bytes:
    """The XLSX file: sheet "Caso" (one row) and sheet "Contatti"."""
    workbook = Workbook()
    first = workbook.active
    first.title = CASE_SHEET
    _fill(first, CASE_HEADERS, [case_row(case, labels)])
    _fill(
        workbook.create_sheet(CONTACTS_SHEET), CONTACT_HEADERS,
        [contact_row(contact, labels) for contact in contacts],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
