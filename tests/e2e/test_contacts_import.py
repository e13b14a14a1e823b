"""Many contacts at once, end to end: a pasted list, a CSV and an XLSX with odd headers,
files refused whole, and the same file sent twice."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl  # type: ignore[import-untyped]
import pytest

from domain.contacts import Contact, ContactSource
from domain.people import Role
from emulator.driver import ChatUser
from tests.e2e.steps import joined_referent, open_add_contacts
from tests.e2e.test_contacts_form import MARIA, seed_case
from tests.harness import Harness

ROSSI = "RSSMRA15A01F205J"
VERDI = "VRDNNA15E52E648D"
NERI = "NREPLA15B20F205S"
GIALLI = "GLLSRA15C43F205W"
RUSSO = "RSSLCU15L14F704U"


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, MARIA)


async def contacts_of(harness: Harness, case_id: int) -> dict[str, Contact]:
    page = await harness.svc.contacts.page(case_id, 1, size=100)
    return {contact.data.codice_fiscale: contact for contact in page.items}


def class_xlsx(rows: list[list[object]]) -> bytes:
    """A class list as the electronic register exports it: a title, then the table."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Elenco alunni - Classe 3B - a.s. 2026/27"])
    sheet.append([])
    sheet.append(["N.", "Cognome alunno", "NOME", "C.F.", "Data nascita", "Cellulare"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_a_pasted_list_with_good_and_bad_lines(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)
    await referent.send(
        "\n".join(
            [
                f"ROSSI;MARIO;{ROSSI};333 1234567",
                f"Verdi,Anna,{VERDI}",
                f"NERI\tPAOLO\t{NERI}\t\tMilano\tVia Dante 3",
                "GIALLI;SARA;GLLSRA15C43F205X",
                "BIANCHI;LUCA;BNCLCU15C02F205O",
                f"ROSSI;MARIO;{ROSSI}",
                "solo due;colonne",
                f"RUSSO;LUCA;{RUSSO};abc",
            ]
        )
    )
    summary = await referent.expect("Elenco letto")
    text = summary.text or ""
    assert "3 da aggiungere · 5 righe scartate · 0 già tra i contatti" in text
    for line in (
        "riga 4: Il codice fiscale non è corretto",
        "riga 5: Questo è il codice fiscale del caso stesso",
        "riga 6: Il codice fiscale compare già alla riga 1",
        "riga 7: La riga ha 2 colonne",
        "riga 8: «abc» non è un numero di telefono valido",
    ):
        assert line in text, line
    review = await referent.expect("Aggiungo 3 contatti")
    text = review.text or ""
    for shown in (
        "Ruolo: Studente",
        "Classe: 3",
        "Sezione: B",
        "Data ultimo contatto con il caso: 16/11/2026",
        "da completare",
    ):
        assert shown in text, shown
    assert await contacts_of(harness, case_id) == {}  # nothing before Conferma
    await referent.tap("✏️ Sezione")
    await referent.expect("Sezione del contatto")
    await referent.send("C")
    await referent.expect("Aggiungo 3 contatti")
    await referent.tap("Conferma: aggiungi 3 contatti")
    await referent.expect(f"Aggiunti 3 contatti al caso {case_id}")

    saved = await contacts_of(harness, case_id)
    assert set(saved) == {ROSSI, VERDI, NERI}
    rossi, verdi, neri = (saved[code] for code in (ROSSI, VERDI, NERI))
    for contact in (rossi, verdi, neri):
        assert contact.data.role is Role.STUDENT
        assert (contact.data.class_name, contact.data.section) == ("3", "C")
        assert contact.data.last_contact == date(2026, 11, 16)
        assert contact.source is ContactSource.LIST
    assert rossi.data.phone == "+393331234567"
    assert (verdi.data.comune, verdi.data.phone) == (None, None)
    assert verdi.data.birth_date == date(2015, 5, 12)
    assert neri.data.comune is not None
    assert neri.data.comune.name == "Milano"
    assert neri.data.address == "Via Dante 3"
    history = await harness.svc.audit.for_entity("case", str(case_id))
    assert history[0].action == "contact.import"
    assert history[0].details == {"source": "list", "added": 3, "skipped": 0, "contacts": [1, 2, 3]}

    await referent.tap("Vedi contatti")
    listing = await referent.expect(f"Contatti del caso {case_id}")
    assert "VERDI ANNA" in (listing.text or "") and "da completare" in (listing.text or "")


async def test_a_csv_with_odd_headers(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)
    csv = "\r\n".join(
        [
            "COGNOME;Nome;Cod. Fisc.;Data di nascita;Cellulare;Comune di residenza;Indirizzo",
            f"Rossi;Niccolò;{ROSSI};01/01/2015;333 1234567;Sesto San Giovanni (MI);Via Roma, 1",
            f"Verdi;Anna;{VERDI};13/05/2015;;;",
            f"Neri;Paolo;{NERI};20/02/2015;;Lodi;",
            ";;;;;;",
        ]
    ).encode("cp1252")  # Italian Excel's "CSV (delimitato dal separatore di elenco)"
    await referent.send_file("3B.csv", csv, "text/csv")
    summary = await referent.expect("Elenco letto")
    assert "2 da aggiungere · 1 riga scartata" in (summary.text or "")
    assert "riga 3: La data di nascita 13/05/2015 non corrisponde" in (summary.text or "")
    await referent.expect("Aggiungo 2 contatti")
    await referent.tap("Conferma")
    await referent.expect("Aggiunti 2 contatti")
    saved = await contacts_of(harness, case_id)
    assert set(saved) == {ROSSI, NERI}
    rossi = saved[ROSSI].data
    assert rossi.name == "NICCOLÒ" and rossi.address == "Via Roma, 1"
    assert rossi.comune is not None
    assert rossi.comune.name == "Sesto San Giovanni"
    assert saved[NERI].source is ContactSource.FILE


async def test_an_xlsx_and_the_same_file_again(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    rows: list[list[object]] = [
        [1, "Rossi", "Mario", ROSSI, datetime(2015, 1, 1), 3331234567],
        [2, "Verdi", "Anna", VERDI, None, None],
        [3, "Neri", "Paolo", NERI, "20/02/2015", "02 1234567"],
    ]
    content = class_xlsx(rows)
    await open_add_contacts(referent, case_id)
    await referent.send_file("Classe 3B.xlsx", content)
    summary = await referent.expect("Elenco letto")
    assert "3 da aggiungere · 0 righe scartate" in (summary.text or "")
    await referent.tap("Conferma: aggiungi 3 contatti")
    await referent.expect("Aggiunti 3 contatti")
    saved = await contacts_of(harness, case_id)
    assert saved[ROSSI].data.phone == "+393331234567"
    assert saved[NERI].data.phone == "+39021234567"

    # The same file again: nothing new, and the bot says so.
    await open_add_contacts(referent, case_id)
    await referent.send_file("Classe 3B.xlsx", content)
    await referent.expect("Nessun contatto nuovo: le 3 persone dell'elenco sono già tutte")
    assert len(await contacts_of(harness, case_id)) == 3
    # With one more pupil, only that one is added.
    rows.append([4, "Gialli", "Sara", GIALLI, None, None])
    await referent.send_file("Classe 3B.xlsx", class_xlsx(rows))
    summary = await referent.expect("Elenco letto")
    assert "1 da aggiungere · 0 righe scartate · 3 già tra i contatti" in (summary.text or "")
    assert "riga 4: ROSSI MARIO" in (summary.text or "")  # the sheet's own row numbers
    await referent.tap("Conferma: aggiungi 1 contatto")
    await referent.expect("Aggiunto 1 contatto")
    assert len(await contacts_of(harness, case_id)) == 4


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


async def test_files_refused_whole(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)

    big = b"Cognome;Nome;Codice fiscale\n" + b"x" * (1024 * 1024)
    await referent.send_file("enorme.csv", big)
    await referent.expect("troppo grande: al massimo 1 MB e 1000 righe")
    assert harness.emulator.stats.calls["getFile"] == 0  # refused before downloading
    many = "Cognome;Nome;Codice fiscale\n" + f"ROSSI;MARIO;{ROSSI}\n" * 1001
    await referent.send_file("tanti.csv", many.encode())
    await referent.expect("troppo grande")
    await referent.send_file("classe.csv", b"Alunno;Classe\nRossi Mario;3B\n")
    refused = await referent.expect("Non trovo le colonne di cognome, nome, codice fiscale")
    assert "Colonne trovate: Alunno, Classe" in (refused.text or "")
    await referent.send_file("classe.xlsx", b"this is not a spreadsheet")
    await referent.expect("non è un foglio Excel (.xlsx) leggibile")
    await referent.send_file("bomba.xlsx", zip_bomb())
    await referent.expect("troppo grande")
    await referent.send_file("classe.pdf", b"%PDF-1.4")
    await referent.expect("«classe.pdf» non è un file CSV o Excel")
    await referent.send_photo()
    await referent.expect("Incolla un elenco")
    assert await contacts_of(harness, case_id) == {}

    # Still waiting for a list: a good one now goes through.
    await referent.send(f"ROSSI;MARIO;{ROSSI}")
    await referent.expect("Aggiungo 1 contatto")
    await referent.tap("Annulla")
    await referent.expect("Vuoi davvero annullare?")  # issue 22: answers are not dropped at once
    await referent.tap("Sì")
    await referent.expect("Nessun contatto aggiunto")
    assert await contacts_of(harness, case_id) == {}


async def test_the_role_chosen_for_a_list_is_checked_against_ages(
    harness: Harness, referent: ChatUser
) -> None:
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)
    await referent.send(f"ROSSI;MARIO;{ROSSI}\nCOLOMBO;ELENA;CLMLNE82D62F205B")
    await referent.expect("Aggiungo 2 contatti")
    await referent.tap("✏️ Ruolo")
    await referent.expect("Ruolo del contatto")
    await referent.tap("Docente")
    await referent.expect("Aggiungo 2 contatti")
    await referent.tap("✏️ Data ultimo contatto")
    await referent.expect("ultimo contatto con il caso")
    await referent.send("17/11/2026")
    await referent.expect("non può essere dopo il 16/11/2026")
    await referent.tap("dom 15/11")
    await referent.expect("Aggiungo 2 contatti")
    await referent.tap("Conferma")
    done = await referent.expect("Aggiunto 1 contatto")
    assert "riga 1: Con la data di nascita 01/01/2015 avrebbe 11 anni" in (done.text or "")
    saved = await contacts_of(harness, case_id)
    assert list(saved) == ["CLMLNE82D62F205B"]
    assert saved["CLMLNE82D62F205B"].data.role is Role.TEACHER
