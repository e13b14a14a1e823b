"""/esporta's closed cases and contacts, pinned cell by cell on a small database.

The export's read path (storage/exports.py, services/exports.py, formats/exports.py) is tuned
for speed (issue 16: 205,514 contacts read as plain tuples, put in order off the loop, a page
read while the previous one is written). These tests hold what it must keep doing while it is
tuned: every cell of both sheets and of both CSV files, for cases closed in an order other
than their ids, across pages of two cases, with every optional field empty and filled, text
that needs escaping, an ATS's export and the region's. A refactor that changes one cell, or
the order of one row, fails here.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import openpyxl  # type: ignore[import-untyped]
import pytest

from domain.access import Actor
from domain.cases import complete_case
from domain.comuni import comune_by_code
from domain.contacts import ContactData, ContactSource
from domain.exports import ExportFormat, ExportKind, Period
from domain.people import Role
from domain.schools import SchoolType
from services import exports as exports_service
from services.exports import Exported, ExportRequest
from services.unit_of_work import UnitOfWork
from storage import exports as export_queries
from storage.closing import ClosingRepository
from storage.db import Database
from storage.registry import PlessiRepository
from tests.domain.test_exports import LABELS, ROME
from tests.unit.test_cases_rules import STUDENT_CF, TEACHER_CF, full_draft
from tests.unit.test_storage import plesso

TODAY = date(2026, 11, 17)
NOW = datetime(2026, 11, 17, 10, 0, tzinfo=UTC)
PERIOD = Period(date(2026, 11, 16), TODAY)
REFERENT = 200
PLESSO_A, PLESSO_B, PLESSO_CR = "MIEE00001A", "MIEE00002B", "CREE00003C"


def contact(surname: str, name: str, cf: str, **changes: object) -> ContactData:
    values: dict[str, object] = {
        "role": Role.STUDENT,
        "class_name": "3",
        "section": "B",
        "surname": surname,
        "name": name,
        "codice_fiscale": cf,
        "birth_date": date(2015, 4, 12),
        "comune": comune_by_code("F205"),
        "phone": "+393331112222",
        "last_contact": date(2026, 11, 13),
    }
    values.update(changes)
    return ContactData.model_validate(values)


async def closed(
    uow: UnitOfWork,
    draft: dict[str, object],
    contacts: list[ContactData],
    closed_at: datetime,
    receipt: str,
    *edits: tuple[str, tuple[object, ...]],
) -> int:
    """A case with its contacts, `edits` (raw SQL: a closed case can no longer change), then
    closed at `closed_at` with `receipt` (the repository draws one at random otherwise)."""
    case = await uow.cases.create(
        complete_case(full_draft(**draft), TODAY), actor=REFERENT, now=NOW
    )
    if contacts:
        added = await uow.contacts.add_many(
            case.id, contacts, source=ContactSource.LIST, actor=REFERENT, now=NOW
        )
        assert len(added.added) == len(contacts)
    for sql, params in edits:
        await uow.db.writer.execute(sql, params)
    closing = ClosingRepository(uow.db, receipt_codes=lambda: receipt)
    result = await closing.close(case.id, actor=REFERENT, now=closed_at, recipients=[])
    assert result.outcome.value == "closed"
    return case.id


@pytest.fixture
async def uow(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[UnitOfWork]:
    # Pages of two cases, so the four cases of the region are read in two pages, each page's
    # contacts found out of id order.
    monkeypatch.setattr(export_queries, "PAGE_CASES", 2)
    monkeypatch.setattr(exports_service, "PAGE_CASES", 2)
    database = Database(tmp_path / "exports.sqlite3")  # type: ignore[operator]
    await database.connect()
    units = UnitOfWork(database, absence_start_date=None, timezone=ROME)
    await PlessiRepository(database).upsert_many(
        [
            plesso(PLESSO_A),
            plesso(PLESSO_B, name="SCUOLA SECONDARIA «MANZONI» & C.", school_type="secondaria1"),
            plesso(PLESSO_CR, ats="ATS-VALPADANA", name="SCUOLA DI CREMONA"),
        ],
        actor=1,
        now=NOW,
    )
    await seed(units)
    yield units
    await database.close()


async def seed(uow: UnitOfWork) -> None:
    """Closed in the order B, D, C, A (ids 2, 4, 3, 1): A's contacts were added first."""
    await closed(
        uow,
        {"plesso_code": PLESSO_A},
        [
            contact("PAPAGNI", "IRENE", "PPGRNI15D52F205T"),
            contact("SCROCCHI", "ELIO", "SCRLEI14P03F205J", birth_date=date(2014, 9, 3)),
            contact("D'ANGELO", "ANNA MARIA", "DNGNMR15A41F205X", role=Role.TEACHER),
        ],
        datetime(2026, 11, 17, 9, 0, tzinfo=UTC),
        "AAAA-1111",
    )
    await closed(
        uow,
        {
            "plesso_code": PLESSO_B,
            "school_type": SchoolType.SECONDARIA_1,
            "role": Role.TEACHER,
            "surname": "VERDI",
            "name": "GIULIA",
            "codice_fiscale": TEACHER_CF,
            "birth_date": date(1980, 5, 10),
            "phone2": "+390212345678",
            "swab_date": date(2026, 11, 15),
            "onset_date": date(2026, 11, 14),
        },
        [],
        datetime(2026, 11, 16, 22, 30, tzinfo=UTC),  # 23:30 in Rome, still the 16th
        "BBBB-2222",
    )
    await closed(
        uow,
        {"plesso_code": PLESSO_CR, "surname": "CREMONESI"},
        [contact("CHIUSANI", "OLGA", "CHSLGO15A61F205V")],
        datetime(2026, 11, 17, 8, 0, tzinfo=UTC),
        "CCCC-3333",
    )
    await closed(
        uow,
        {"plesso_code": PLESSO_A, "surname": "QUARTI"},
        [
            contact("ROSSI", "MARIO", "RSSMRA15A01F205J", comune=None, phone=None),
            contact("NERI", "LIA", "NRELIA15A41F205R", last_contact=date(2026, 11, 16)),
        ],
        datetime(2026, 11, 17, 7, 0, tzinfo=UTC),
        "DDDD-4444",
        # Text as older versions or imports may have stored it: escaped in the XLSX, a
        # formula defused in the CSV; a confirmed codice fiscale mismatch.
        (
            "UPDATE contacts SET address = ?, surname = ? WHERE codice_fiscale = ?",
            ("Via <Roma> & C., 3", "=NERI+1", "NRELIA15A41F205R"),
        ),
        ("UPDATE cases SET cf_mismatch_confirmed = 1 WHERE surname = 'QUARTI'", ()),
    )
    # Neither the open case nor one closed before the period is exported.
    await uow.cases.create(
        complete_case(full_draft(plesso_code=PLESSO_A, surname="APERTI"), TODAY),
        actor=REFERENT,
        now=NOW,
    )
    await closed(
        uow,
        {"plesso_code": PLESSO_A, "surname": "VECCHI"},
        [],
        datetime(2026, 11, 15, 22, 59, 59, tzinfo=UTC),  # 23:59:59 on the 15th in Rome
        "XXXX-0000",
    )


async def export(uow: UnitOfWork, ats: str | None, fmt: ExportFormat) -> Exported:
    actor = Actor(user_id=1, is_admin=True, admin_ats=ats)
    request = ExportRequest(ExportKind.CASES, PERIOD, fmt, TODAY)
    result = await exports_service.export(uow, actor, request, LABELS, NOW)
    assert isinstance(result, Exported)
    return result


def sheet_cells(content: bytes, name: str) -> list[tuple[object, ...]]:
    """Every row of the sheet, each cell as its value, or (value, number format) when the
    format is not General (dates, times)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content))[name]
    return [
        tuple(
            cell.value if cell.number_format == "General" else (cell.value, cell.number_format)
            for cell in row
        )
        for row in sheet.iter_rows()
    ]


def day(year: int, month: int, dd: int) -> tuple[datetime, str]:
    return datetime(year, month, dd), "dd/mm/yyyy"


def moment(year: int, month: int, dd: int, hour: int, minute: int) -> tuple[datetime, str]:
    return datetime(year, month, dd, hour, minute), "dd/mm/yyyy hh:mm"


CASE_HEADER = (
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
    "CF non corrispondente a cognome/nome",
    "ATS",
)
REFERENT_CELLS = ("MARIA ROSSI", "+393331234567", "maria.rossi@scuola.example.it")
CASE_B = (
    2,
    "SCUOLA SECONDARIA «MANZONI» & C. (MIEE00002B)",
    "Secondaria di I grado",
    "3",
    "B",
    *REFERENT_CELLS,
    "Docente",
    "VERDI",
    "GIULIA",
    TEACHER_CF,
    day(1980, 5, 10),
    "Milano (MI)",
    "+393471234567",
    "+390212345678",
    day(2026, 11, 16),
    day(2026, 11, 15),
    day(2026, 11, 14),
    moment(2026, 11, 16, 23, 30),
    "BBBB-2222",
    None,
    "ATS-MILANO",
)
STUDENT_CELLS = ("Studente", "BIANCHI", "LUCA", STUDENT_CF, day(2015, 3, 2), "Milano (MI)")


def a_student_case(case_id: int, plesso: str, closed_at: tuple[datetime, str], **cells: object):
    values = {
        "surname": "BIANCHI",
        "receipt": None,
        "mismatch": None,
        "ats": "ATS-MILANO",
        **cells,
    }
    return (
        case_id,
        plesso,
        "Scuola primaria",
        "3",
        "B",
        *REFERENT_CELLS,
        "Studente",
        values["surname"],
        "LUCA",
        STUDENT_CF,
        day(2015, 3, 2),
        "Milano (MI)",
        "+393471234567",
        None,
        day(2026, 11, 16),
        None,
        None,
        closed_at,
        values["receipt"],
        values["mismatch"],
        values["ats"],
    )


PRIMARIA_A = "SCUOLA PRIMARIA VIA DEI TIGLI (MIEE00001A)"
CASE_D = a_student_case(
    4,
    PRIMARIA_A,
    moment(2026, 11, 17, 8, 0),
    surname="QUARTI",
    receipt="DDDD-4444",
    mismatch="Sì, confermato dal referente",
)
CASE_C = a_student_case(
    3,
    "SCUOLA DI CREMONA (CREE00003C)",
    moment(2026, 11, 17, 9, 0),
    surname="CREMONESI",
    receipt="CCCC-3333",
    ats="ATS-VALPADANA",
)
CASE_A = a_student_case(1, PRIMARIA_A, moment(2026, 11, 17, 10, 0), receipt="AAAA-1111")

CONTACT_HEADER = (
    "Id caso",
    "Codice ricevuta",
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


def a_contact(
    case_id: int, receipt: str, contact_id: int, surname: str, name: str, cf: str, **cells: object
):
    values = {
        "role": "Studente",
        "birth": day(2015, 4, 12),
        "comune": "Milano (MI)",
        "address": None,
        "phone": "+393331112222",
        "last": day(2026, 11, 13),
        **cells,
    }
    return (
        case_id,
        receipt,
        contact_id,
        values["role"],
        "3",
        "B",
        surname,
        name,
        cf,
        values["birth"],
        values["comune"],
        values["address"],
        values["phone"],
        values["last"],
    )


CONTACTS_D = [
    a_contact(4, "DDDD-4444", 5, "ROSSI", "MARIO", "RSSMRA15A01F205J", comune=None, phone=None),
    a_contact(
        4,
        "DDDD-4444",
        6,
        "=NERI+1",
        "LIA",
        "NRELIA15A41F205R",
        address="Via <Roma> & C., 3",
        last=day(2026, 11, 16),
    ),
]
CONTACTS_C = [a_contact(3, "CCCC-3333", 4, "CHIUSANI", "OLGA", "CHSLGO15A61F205V")]
CONTACTS_A = [
    a_contact(1, "AAAA-1111", 1, "PAPAGNI", "IRENE", "PPGRNI15D52F205T"),
    a_contact(1, "AAAA-1111", 2, "SCROCCHI", "ELIO", "SCRLEI14P03F205J", birth=day(2014, 9, 3)),
    a_contact(1, "AAAA-1111", 3, "D'ANGELO", "ANNA MARIA", "DNGNMR15A41F205X", role="Docente"),
]


async def test_an_ats_export_cell_by_cell(uow: UnitOfWork) -> None:
    exported = await export(uow, "ATS-MILANO", ExportFormat.XLSX)
    assert exported.counts == (("Casi", 3), ("Contatti", 5))
    assert sheet_cells(exported.content, "Casi") == [CASE_HEADER, CASE_B, CASE_D, CASE_A]
    assert sheet_cells(exported.content, "Contatti") == [CONTACT_HEADER, *CONTACTS_D, *CONTACTS_A]


async def test_the_regions_export_cell_by_cell(uow: UnitOfWork) -> None:
    exported = await export(uow, None, ExportFormat.XLSX)
    assert exported.counts == (("Casi", 4), ("Contatti", 6))
    assert sheet_cells(exported.content, "Casi") == [CASE_HEADER, CASE_B, CASE_D, CASE_C, CASE_A]
    assert sheet_cells(exported.content, "Contatti") == [
        CONTACT_HEADER,
        *CONTACTS_D,
        *CONTACTS_C,
        *CONTACTS_A,
    ]


CSV_CASES = (
    "\ufeffId caso;Plesso;Tipo scuola;Classe;Sezione;Referente;Telefono referente;"
    "Email referente;Ruolo;Cognome;Nome;Codice fiscale;Data di nascita;Comune di domicilio;"
    "Telefono 1;Telefono 2;Ultimo giorno di frequenza;Data tampone positivo;"
    "Data inizio sintomi;Chiuso il;Codice ricevuta;CF non corrispondente a cognome/nome;ATS\r\n"
    "2;SCUOLA SECONDARIA «MANZONI» & C. (MIEE00002B);Secondaria di I grado;3;B;"
    'MARIA ROSSI;"=""+393331234567""";maria.rossi@scuola.example.it;Docente;VERDI;GIULIA;'
    f'{TEACHER_CF};10/05/1980;Milano (MI);"=""+393471234567""";"=""+390212345678""";16/11/2026;'
    "15/11/2026;14/11/2026;16/11/2026 23:30;BBBB-2222;;ATS-MILANO\r\n"
    "4;SCUOLA PRIMARIA VIA DEI TIGLI (MIEE00001A);Scuola primaria;3;B;MARIA ROSSI;"
    '"=""+393331234567""";maria.rossi@scuola.example.it;Studente;QUARTI;LUCA;'
    f'{STUDENT_CF};02/03/2015;Milano (MI);"=""+393471234567""";;16/11/2026;;;17/11/2026 08:00;'
    "DDDD-4444;Sì, confermato dal referente;ATS-MILANO\r\n"
    "1;SCUOLA PRIMARIA VIA DEI TIGLI (MIEE00001A);Scuola primaria;3;B;MARIA ROSSI;"
    '"=""+393331234567""";maria.rossi@scuola.example.it;Studente;BIANCHI;LUCA;'
    f'{STUDENT_CF};02/03/2015;Milano (MI);"=""+393471234567""";;16/11/2026;;;17/11/2026 10:00;'
    "AAAA-1111;;ATS-MILANO\r\n"
)
CSV_CONTACTS = (
    "\ufeffId caso;Codice ricevuta;Id;Ruolo;Classe;Sezione;Cognome;Nome;Codice fiscale;"
    "Data di nascita;Comune di domicilio;Indirizzo;Telefono cellulare;Data ultimo contatto\r\n"
    "4;DDDD-4444;5;Studente;3;B;ROSSI;MARIO;RSSMRA15A01F205J;12/04/2015;;;;13/11/2026\r\n"
    "4;DDDD-4444;6;Studente;3;B;'=NERI+1;LIA;NRELIA15A41F205R;12/04/2015;Milano (MI);"
    'Via <Roma> & C., 3;"=""+393331112222""";16/11/2026\r\n'
    "1;AAAA-1111;1;Studente;3;B;PAPAGNI;IRENE;PPGRNI15D52F205T;12/04/2015;Milano (MI);;"
    '"=""+393331112222""";13/11/2026\r\n'
    "1;AAAA-1111;2;Studente;3;B;SCROCCHI;ELIO;SCRLEI14P03F205J;03/09/2014;Milano (MI);;"
    '"=""+393331112222""";13/11/2026\r\n'
    "1;AAAA-1111;3;Docente;3;B;D'ANGELO;ANNA MARIA;DNGNMR15A41F205X;12/04/2015;Milano (MI);;"
    '"=""+393331112222""";13/11/2026\r\n'
)


async def test_an_ats_export_as_csv_byte_by_byte(uow: UnitOfWork) -> None:
    exported = await export(uow, "ATS-MILANO", ExportFormat.CSV)
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        assert archive.namelist() == ["casi.csv", "contatti.csv"]
        assert archive.read("casi.csv").decode() == CSV_CASES
        assert archive.read("contatti.csv").decode() == CSV_CONTACTS


async def test_a_page_is_read_and_converted_off_the_loop_as_plain_tuples(
    uow: UnitOfWork,
) -> None:
    """Database.long_read: the statement and the conversion run on a thread (the loop serves
    the other chats meanwhile), on rows that are plain tuples, not sqlite3.Row."""
    seen: list[tuple[int, type]] = []

    def convert(rows: list[tuple[object, ...]]) -> int:
        seen.append((threading.get_ident(), type(rows[0])))
        return len(rows)

    count = await uow.db.long_read("SELECT id FROM cases WHERE id IN (?, ?)", (1, 2), convert)
    assert count == 2
    assert seen == [(seen[0][0], tuple)] and seen[0][0] != threading.get_ident()
    # The connection's other reads still get sqlite3.Row (the factory was the cursor's only).
    row = await uow.db.fetchone("SELECT id FROM cases WHERE id = 1", offload=True)
    assert row is not None and row["id"] == 1
