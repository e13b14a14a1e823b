"""A case and its contacts as an XLSX workbook, headers in Italian as in the portal.

Pure: models in, bytes out (no clock, no database), written by the streaming writer of
`domain.xlsx`, like /esporta's files. Sheet "Caso" holds one row, sheet "Contatti" one row
per contact; headers in bold, the header row frozen, each column as wide as its longest
cell (8 to 40 characters). Dates are real dates (DD/MM/YYYY), the closing a date-time to
the minute in local time (DD/MM/YYYY HH:MM). The labels of roles and school types come in
as arguments (they live in the catalog). Text goes in as inline strings, which Excel never
evaluates: "=…" reads as typed and a phone "+39…" stays the phone, with no apostrophe.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.cases import Case
from domain.comuni import Comune
from domain.contacts import Contact
from domain.people import Role
from domain.schools import SchoolType
from formats.xlsx import Cell, Column, Table, write_xlsx

CASE_SHEET = "Caso"
CONTACTS_SHEET = "Contatti"

# The referent confirmed a codice fiscale that does not match the surname or name.
CF_MISMATCH_HEADER = "CF non corrispondente a cognome/nome"
CF_MISMATCH_YES = "Sì, confermato dal referente"

CASE_HEADERS = (
    "Id caso",
    "Plesso",
    "Tipo scuola",
    "Classe",
    "Sezione",
    "Referente",
    "Telefono referente",
    "Email referente",
    "Ruolo",
    "Cognome",
    "Nome",
    "Codice fiscale",
    "Data di nascita",
    "Comune di domicilio",
    "Telefono 1",
    "Telefono 2",
    "Ultimo giorno di frequenza",
    "Data tampone positivo",
    "Data inizio sintomi",
    "Chiuso il",
    "Codice ricevuta",
    CF_MISMATCH_HEADER,
)
CONTACT_HEADERS = (
    "Id",
    "Ruolo",
    "Classe",
    "Sezione",
    "Cognome",
    "Nome",
    "Codice fiscale",
    "Data di nascita",
    "Comune di domicilio",
    "Indirizzo",
    "Telefono cellulare",
    "Data ultimo contatto",
)
_MIN_WIDTH, _MAX_WIDTH = 8, 40  # characters: a column fits its longest cell, within reason


@dataclass(frozen=True)
class ExportLabels:
    roles: Mapping[Role, str]
    school_types: Mapping[SchoolType, str]
    timezone: ZoneInfo
    plesso: str
    """How the plesso reads, e.g. "Primaria Manzoni (MIEE8AB01T)"."""


def _comune(comune: Comune | None) -> str | None:
    return f"{comune.name} ({comune.province})" if comune is not None else None


def case_row(case: Case, labels: ExportLabels) -> list[Cell]:
    data = case.data
    closed = (
        case.closed_at.astimezone(labels.timezone).replace(tzinfo=None, second=0, microsecond=0)
        if case.closed_at is not None
        else None
    )
    return [
        case.id,
        labels.plesso,
        labels.school_types[data.school_type],
        data.class_name,
        data.section,
        data.referent_name,
        data.referent_phone,
        data.referent_email,
        labels.roles[data.role],
        data.surname,
        data.name,
        data.codice_fiscale,
        data.birth_date,
        _comune(data.comune),
        data.phone1,
        data.phone2,
        data.last_attendance,
        data.swab_date,
        data.onset_date,
        closed,
        case.receipt_code,
        CF_MISMATCH_YES if data.cf_mismatch_confirmed else None,
    ]


def contact_row(contact: Contact, labels: ExportLabels) -> list[Cell]:
    data = contact.data
    return [
        contact.id,
        labels.roles[data.role],
        data.class_name,
        data.section,
        data.surname,
        data.name,
        data.codice_fiscale,
        data.birth_date,
        _comune(data.comune),
        data.address,
        data.phone,
        data.last_contact,
    ]


def _table(name: str, headers: Sequence[str], rows: list[list[Cell]]) -> Table:
    """A sheet whose columns are as wide as their longest cell (header included)."""
    columns = tuple(
        Column(header, _width([header, *(_shown(row[index]) for row in rows)]))
        for index, header in enumerate(headers)
    )
    return Table(name, columns, rows)


def _width(texts: Sequence[str]) -> int:
    return min(max(max(map(len, texts)) + 2, _MIN_WIDTH), _MAX_WIDTH)


def _shown(value: Cell) -> str:
    """How long the cell reads in Excel: dates by their format, not their repr."""
    if isinstance(value, datetime):
        return "00/00/0000 00:00"
    if isinstance(value, date):
        return "00/00/0000"
    return "" if value is None else str(value)


def case_workbook(case: Case, contacts: Sequence[Contact], labels: ExportLabels) -> bytes:
    """The XLSX file: sheet "Caso" (one row) and sheet "Contatti"."""
    buffer = io.BytesIO()
    write_xlsx(
        [
            _table(CASE_SHEET, CASE_HEADERS, [case_row(case, labels)]),
            _table(
                CONTACTS_SHEET,
                CONTACT_HEADERS,
                [contact_row(contact, labels) for contact in contacts],
            ),
        ],
        buffer,
    )
    return buffer.getvalue()
