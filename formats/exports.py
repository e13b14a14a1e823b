"""/esporta, the files: the tables of an export and their bytes (XLSX, CSV, a ZIP of CSVs).

Records in (`domain.exports`), bytes out; each table's rows are read once, as they are
written, so a large export never sits whole in memory.

- **Tables.** Closed cases with their contacts (two tables, joined by "Id caso"), absences
  with the enrolment in force and the rates (one table), plessi and referents (two tables).
  The cases' and contacts' columns are those of the hand-over workbook
  (`formats.case_export`), with the same headers, so the two files read alike.
- **XLSX.** One sheet per table, Italian headers in bold, header row frozen, column widths
  set, dates and times as real Excel dates (DD/MM/YYYY), rates as percentages, written by
  the streaming writer of `formats.xlsx` (the hand-over's too): a few seconds and constant
  memory for a 10,000-case export, where openpyxl took 24 s. Text goes in as inline
  strings, which Excel never evaluates, so nothing needs escaping against formulas.
- **CSV.** UTF-8 with a byte-order mark (Excel then reads the accents right), `;` between
  fields (Italian Excel uses the comma as decimal separator, and splits a CSV on `;`), CRLF
  line ends, dates as dd/mm/yyyy and rates as "4,1%" (what Italian Excel reads as numbers).
  Text that Excel would run as a formula (starting with =, +, -, @, tab or CR, other than
  a plain number) is prefixed with an apostrophe. Text made of digits that a spreadsheet
  would read as a different number (an E.164 phone "+39…" loses its "+", "0…" its zeros,
  more than 15 digits their tail) is written as `="+393471234567"`: Excel and LibreOffice
  (which evaluates formulas in a CSV by default) both show it as that text; only digits
  and "+" ever go between the quotes, so nothing a user typed becomes a formula. An export of two
  tables is one ZIP file with one CSV per table: the issue asks for one file, and the ZIP
  also shrinks CSV text several times over.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

from domain.absences import format_percent
from domain.calendar import school_year_label
from domain.exports import (
    AbsenceRecord,
    CaseRecord,
    ContactRow,
    ExportFormat,
    PlessoRecord,
    ReferentRecord,
    absence_rates,
)
from domain.people import Role
from domain.schools import SchoolType
from domain.senthome import SentHomeRecord
from formats.case_export import CASE_HEADERS, CF_MISMATCH_YES, CONTACT_HEADERS
from formats.xlsx import Cell, Column, Row, Table, write_xlsx

# --- Tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportLabels:
    """The words of the catalog the tables use (texts live in bot/catalog)."""

    roles: Mapping[Role, str]
    school_types: Mapping[SchoolType, str]
    timezone: ZoneInfo
    yes: str
    no: str
    active: str
    revoked: str
    sent_home: Mapping[str, str] = field(default_factory=dict)
    """Labels of the sent-home reports' values (roles, symptoms, handed to, outcomes)."""


CASES_SHEET = "Casi"
CONTACTS_SHEET = "Contatti"
ABSENCES_SHEET = "Assenze"
PLESSI_SHEET = "Plessi"
REFERENTS_SHEET = "Referenti"

# Widths by header, for the columns whose content is longer or shorter than the header.
_WIDTHS: dict[str, int] = {
    "Id caso": 9,
    "Id": 8,
    "Plesso": 36,
    "Tipo scuola": 24,
    "Classe": 8,
    "Sezione": 9,
    "Referente": 24,
    "Telefono referente": 18,
    "Email referente": 30,
    "Ruolo": 22,
    "Cognome": 18,
    "Nome": 16,
    "Codice fiscale": 19,
    "Data di nascita": 15,
    "Comune di domicilio": 26,
    "Telefono 1": 16,
    "Telefono 2": 16,
    "Ultimo giorno di frequenza": 14,
    "Data tampone positivo": 14,
    "Data inizio sintomi": 14,
    "Chiuso il": 17,
    "Codice ricevuta": 16,
    "ATS": 16,
    "Indirizzo": 30,
    "Telefono cellulare": 16,
    "Data ultimo contatto": 14,
}


def _columns(headers: Iterable[str], percent: Iterable[str] = ()) -> tuple[Column, ...]:
    rates = set(percent)
    return tuple(
        Column(h, _WIDTHS.get(h, max(len(h) + 2, 10)), percent=h in rates) for h in headers
    )


CASE_COLUMNS = _columns((*CASE_HEADERS, "ATS"))
CONTACT_COLUMNS = _columns(("Id caso", "Codice ricevuta", *CONTACT_HEADERS))
ABSENCE_COLUMNS = _columns(
    (
        "Codice meccanografico",
        "Plesso",
        "Comune",
        "ATS",
        "Giorno di rilevazione",
        "Iscritti",
        "Classi",
        "Assenti",
        "Assenti per malattia",
        "Tasso di assenza",
        "Tasso di assenza per malattia",
        "Registrato il",
        "Aggiornato il",
    ),
    percent=("Tasso di assenza", "Tasso di assenza per malattia"),
)
PLESSO_COLUMNS = _columns(
    (
        "Codice meccanografico",
        "Plesso",
        "Comune",
        "Provincia",
        "Indirizzo",
        "Tipo scuola",
        "Sentinella",
        "ATS",
        "Referenti attivi",
        "Iscritti",
        "Classi",
        "Anno scolastico",
    )
)
REFERENT_COLUMNS = _columns(
    (
        "Id referente",
        "Nome e cognome",
        "Telefono",
        "Email",
        "Codice meccanografico",
        "Plesso",
        "ATS",
        "Stato",
        "Abilitato il",
        "Revocato il",
        "Ultimo utilizzo",
        "Non raggiungibile dal",
    )
)


def _local(moment: datetime | None, timezone: ZoneInfo) -> datetime | None:
    """A stored moment as the local wall clock to the minute: Excel has no time zones."""
    if moment is None:
        return None
    return moment.astimezone(timezone).replace(tzinfo=None, second=0, microsecond=0)


def _comune(name: str | None, province: str | None) -> str | None:
    return f"{name} ({province})" if name else None


def _lookup(labels: Mapping[Role, str] | Mapping[SchoolType, str]) -> dict[str, str]:
    """Labels by stored value ('studente' -> 'Studente'); an unknown value shows as stored."""
    return {str(key): label for key, label in labels.items()}


def cases_table(records: Iterable[CaseRecord], labels: ExportLabels) -> Table:
    roles, schools, tz = _lookup(labels.roles), _lookup(labels.school_types), labels.timezone

    def row(r: CaseRecord) -> Row:
        # The hand-over's case_row, column for column, plus the ATS.
        return (
            r.id,
            f"{r.plesso_name} ({r.plesso_code})",
            schools.get(r.school_type, r.school_type),
            r.class_name,
            r.section,
            r.referent_name,
            r.referent_phone,
            r.referent_email,
            roles.get(r.role, r.role),
            r.surname,
            r.name,
            r.codice_fiscale,
            r.birth_date,
            _comune(r.comune_name, r.comune_province),
            r.phone1,
            r.phone2,
            r.last_attendance,
            r.swab_date,
            r.onset_date,
            _local(r.closed_at, tz),
            r.receipt_code,
            CF_MISMATCH_YES if r.cf_mismatch_confirmed else None,
            r.ats_code,
        )

    return Table(CASES_SHEET, CASE_COLUMNS, map(row, records))


def contacts_table(records: Iterable[ContactRow], labels: ExportLabels) -> Table:
    roles = _lookup(labels.roles)

    def rows() -> Iterator[Row]:
        # 200,000 rows for a year's export: each unpacked in the loop, no call per row.
        for (
            case_id,
            receipt_code,
            contact_id,
            role,
            class_name,
            section,
            surname,
            name,
            codice_fiscale,
            birth_date,
            comune_name,
            comune_province,
            address,
            phone,
            last_contact,
        ) in records:
            yield (
                case_id,
                receipt_code,
                contact_id,
                roles.get(role, role),
                class_name,
                section,
                surname,
                name,
                codice_fiscale,
                birth_date,
                f"{comune_name} ({comune_province})" if comune_name else None,  # as _comune
                address,
                phone,
                last_contact,
            )

    return Table(CONTACTS_SHEET, CONTACT_COLUMNS, rows())


def absences_table(records: Iterable[AbsenceRecord], labels: ExportLabels) -> Table:
    tz = labels.timezone

    def row(r: AbsenceRecord) -> Row:
        absence_rate, ill_rate = absence_rates(r)
        return (
            r.plesso_code,
            r.plesso_name,
            r.comune_name,
            r.ats_code,
            r.day,
            r.enrolled,
            r.classes,
            r.absent,
            r.ill,
            absence_rate,
            ill_rate,
            _local(r.recorded_at, tz),
            _local(r.updated_at, tz),
        )

    return Table(ABSENCES_SHEET, ABSENCE_COLUMNS, map(row, records))


def plessi_table(records: Iterable[PlessoRecord], labels: ExportLabels) -> Table:
    schools = _lookup(labels.school_types)

    def row(r: PlessoRecord) -> Row:
        year = school_year_label(r.school_year) if r.school_year else None
        return (
            r.code,
            r.name,
            r.comune_name,
            r.province,
            r.address,
            schools.get(r.school_type, r.school_type),
            labels.yes if r.sentinel else labels.no,
            r.ats_code,
            r.active_referents,
            r.pupils,
            r.classes,
            year,
        )

    return Table(PLESSI_SHEET, PLESSO_COLUMNS, map(row, records))


def referents_table(records: Iterable[ReferentRecord], labels: ExportLabels) -> Table:
    tz = labels.timezone

    def row(r: ReferentRecord) -> Row:
        return (
            r.referent_id,
            r.full_name,
            r.phone,
            r.email,
            r.plesso_code,
            r.plesso_name,
            r.ats_code,
            labels.revoked if r.revoked_at else labels.active,
            _local(r.granted_at, tz),
            _local(r.revoked_at, tz),
            _local(r.last_used_at, tz),
            _local(r.unreachable_since, tz),
        )

    return Table(REFERENTS_SHEET, REFERENT_COLUMNS, map(row, records))


# --- Writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    extension: str
    """"xlsx", "csv", or "zip" (one CSV per table)."""
    rows: tuple[int, ...]
    """Data rows per table, headers not counted."""


def write_export(tables: Sequence[Table], fmt: ExportFormat, target: IO[bytes]) -> Written:
    """Write `tables` to `target` as one file; each table's rows are read once."""
    if not tables:
        raise ValueError("nothing to write")
    if fmt is ExportFormat.XLSX:
        return Written("xlsx", write_xlsx(tables, target))
    if len(tables) == 1:
        return Written("csv", (write_csv(tables[0], target),))
    return Written("zip", write_csv_zip(tables, target))


# -- CSV --

CSV_SEPARATOR = ";"
CSV_ENCODING = "utf-8-sig"  # UTF-8 with the byte-order mark
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# Digits a spreadsheet would turn into another number: "+39…" (the "+" dropped), "0…" (the
# leading zeros dropped), more than 15 digits (Excel's precision: the tail becomes zeros).
_ALTERED_NUMBER = re.compile(r"\+\d+|0\d+|\d{16,}")


def csv_text(value: str) -> str:
    """`value` as a CSV cell that a spreadsheet shows as this very text: a number it would
    alter (a phone) as `="…"`, text Excel would run as a formula with an apostrophe before.
    NUL characters, which no CSV reader takes, are dropped."""
    value = value.replace("\x00", "")
    if _ALTERED_NUMBER.fullmatch(value):
        return f'="{value}"'  # only digits and "+" inside: a constant, never user markup
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _csv_cell(value: Cell, percent: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float):
        return format_percent(value) if percent else repr(value).replace(".", ",")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"cannot export a {type(value).__name__}")


def _write_csv_text(table: Table, text: IO[str]) -> int:
    writer = csv.writer(text, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow([column.header for column in table.columns])
    percent = [column.percent for column in table.columns]
    count = 0
    for row in table.rows:
        writer.writerow([_csv_cell(v, p) for v, p in zip(row, percent, strict=True)])
        count += 1
    return count


def write_csv(table: Table, target: IO[bytes]) -> int:
    """One table as a CSV file; returns its data rows."""
    text = io.TextIOWrapper(target, encoding=CSV_ENCODING, newline="")
    try:
        count = _write_csv_text(table, text)
        text.flush()
    finally:
        text.detach()  # the caller owns `target`
    return count


def write_csv_zip(tables: Sequence[Table], target: IO[bytes]) -> tuple[int, ...]:
    """Several tables as one ZIP of CSV files (casi.csv, contatti.csv...)."""
    counts = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            with archive.open(f"{table.name.lower()}.csv", "w") as member:
                counts.append(write_csv(table, member))
    return tuple(counts)


# --- sent-home reports (issue 17) ------------------------------------------------------------

SENT_HOME_SHEET = "Allontanamenti"
SENT_HOME_COLUMNS = _columns(
    (
        "Id",
        "Plesso",
        "ATS",
        "Ruolo",
        "Classe",
        "Sezione",
        "Cognome",
        "Nome",
        "Codice fiscale",
        "Comune di domicilio",
        "Telefono 1",
        "Telefono 2",
        "Giorno",
        "Ora",
        "Sintomi",
        "Temperatura",
        "Affidato a",
        "Esito",
        "Caso collegato",
        "Codice ricevuta",
        "Versione",
    )
)


def sent_home_table(records: Iterable[SentHomeRecord], labels: ExportLabels) -> Table:
    words = labels.sent_home

    def label(value: str | None) -> str | None:
        return words.get(value, value) if value is not None else None

    def row(r: SentHomeRecord) -> Row:
        data = r.report.data
        return (
            r.report.id,
            f"{r.plesso_name} ({data.plesso_code})",
            r.ats_code,
            label(data.role),
            data.class_name,
            data.section,
            data.surname,
            data.name,
            data.codice_fiscale,
            _comune(data.comune.name, data.comune.province),
            data.phone1,
            data.phone2,
            data.day,
            data.time,
            ", ".join(label(s) or s for s in data.symptoms),
            data.temperature,
            label(data.handed_to),
            label(r.report.outcome),
            r.report.case_id,
            r.report.receipt_code,
            r.report.version,
        )

    return Table(SENT_HOME_SHEET, SENT_HOME_COLUMNS, map(row, records))


# --- the isolation follow-up (issue 19): people, diary entries, household members ------------

ISOLATION_PEOPLE_SHEET = "Persone"
ISOLATION_DIARY_SHEET = "Diario"
ISOLATION_HOUSEHOLD_SHEET = "Conviventi"

ISOLATION_PEOPLE_COLUMNS = tuple(
    Column(h, w)
    for h, w in (
        ("id", 6),
        ("ATS", 12),
        ("codice fiscale", 18),
        ("cognome", 18),
        ("nome", 16),
        ("data di nascita", 12),
        ("telefono", 15),
        ("D0", 12),
        ("esordio", 12),
        ("stato", 14),
        ("tampone dal", 12),
        ("conviventi presi in carico", 14),
        ("chiuso il", 16),
    )
)
ISOLATION_DIARY_COLUMNS = tuple(
    Column(h, w)
    for h, w in (
        ("id persona", 8),
        ("giorno", 12),
        ("sintomi", 40),
        ("temperatura", 10),
        ("segnali di allarme", 30),
    )
)
ISOLATION_HOUSEHOLD_COLUMNS = tuple(
    Column(h, w)
    for h, w in (
        ("id persona", 8),
        ("cognome", 18),
        ("nome", 16),
        ("codice fiscale", 18),
        ("cellulare", 15),
        ("ultimo contatto", 12),
        ("già positivo", 8),
        ("scuola", 20),
    )
)


def isolation_tables(
    people: Sequence[Row], diary: Sequence[Row], household: Sequence[Row]
) -> list[Table]:
    """The three tables of the follow-up, rows as services.citizens gives them (in the
    column order above): /esporta «Isolamenti» and the desk's «Esporta» button both."""
    return [
        Table(ISOLATION_PEOPLE_SHEET, ISOLATION_PEOPLE_COLUMNS, people),
        Table(ISOLATION_DIARY_SHEET, ISOLATION_DIARY_COLUMNS, diary),
        Table(ISOLATION_HOUSEHOLD_SHEET, ISOLATION_HOUSEHOLD_COLUMNS, household),
    ]
