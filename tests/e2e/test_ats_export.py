"""/esporta: an admin exports closed cases, absences, referents and plessi of their ATS as an
Excel workbook or CSV, over a period chosen with buttons or typed; the export is logged."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import sqlite3
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest

from bot.catalog import common
from domain.cases import complete_case
from domain.comuni import comune_by_code
from domain.contacts import ContactData, ContactSource
from domain.people import Role as PersonRole
from emulator.demo import seed_demo_absences
from emulator.driver import ChatUser
from emulator.models import BotMessage
from services.exports import paged
from storage import exports as export_queries
from tests.e2e.steps import PLESSO_MILANO, joined_referent
from tests.e2e.test_citizens import MARIO_CF, signed_in_mario
from tests.e2e.test_console import start_console
from tests.harness import ADMIN_REGIONAL, ADMIN_VALPADANA, Harness
from tests.unit.test_cases_rules import STUDENT_CF, TEACHER_CF, full_draft

MARIA = 300
TODAY = date(2026, 11, 17)  # the harness's Tuesday
PLESSO_VALPADANA = "CREE81001A"

MILANO_CASE = {"surname": "ZANZOTTO", "name": "ERMENEGILDA", "codice_fiscale": STUDENT_CF}
JUNE_CASE = {"surname": "GIUGNETTI", "name": "ADA", "codice_fiscale": STUDENT_CF}
VALPADANA_CASE = {
    "surname": "QUAGLIOTTI",
    "name": "GIULIA",
    "codice_fiscale": TEACHER_CF,
    "role": PersonRole.TEACHER,
    "birth_date": date(1980, 5, 10),
}
CONTACTS = [
    {
        "surname": "PAPAGNI",
        "name": "IRENE",
        "codice_fiscale": "PPGRNI15D52F205T",
        "birth_date": date(2015, 4, 12),
    },
    {
        "surname": "SCROCCHI",
        "name": "ELIO",
        "codice_fiscale": "SCRLEI14P03F205J",
        "birth_date": date(2014, 9, 3),
    },
]
VALPADANA_CONTACT = {
    "surname": "CHIUSANI",
    "name": "OLGA",
    "codice_fiscale": "CHSLGO15A61F205V",
    "birth_date": date(2015, 1, 21),
}


@dataclass(frozen=True)
class Cases:
    milano: int
    june: int  # closed on 1 June 2026: the previous school year
    valpadana: int
    open_milano: int


def contact(values: dict[str, object]) -> ContactData:
    return ContactData.model_validate(
        {
            "role": PersonRole.STUDENT,
            "class_name": "3",
            "section": "B",
            "comune": comune_by_code("F205"),
            "phone": "+393331112222",
            "last_contact": date(2026, 5, 29),
            **values,
        }
    )


async def closed_case(
    harness: Harness,
    plesso: str,
    values: Mapping[str, object],
    contacts: list[dict[str, object]],
) -> int:
    svc = harness.svc
    today = svc.local_now().date()
    draft = full_draft(plesso_code=plesso, last_attendance=today - timedelta(days=1), **values)
    case = await svc.cases.create(complete_case(draft, today), actor=MARIA, now=svc.now())
    if contacts:
        last = today - timedelta(days=1)
        added = await svc.contacts.add_many(
            case.id,
            [contact({**c, "last_contact": last}) for c in contacts],
            source=ContactSource.LIST,
            actor=MARIA,
            now=svc.now(),
        )
        assert len(added.added) == len(contacts), added
    # No admin to notify: the hand-over documents would mix with the exports in the chats.
    result = await svc.closing.close(case.id, actor=MARIA, now=svc.now(), recipients=[])
    assert result.outcome.value == "closed", result
    return case.id


async def some_cases(harness: Harness) -> Cases:
    """A Milano case closed today with two contacts, one closed in June, an open one, and a
    Val Padana case closed today with one contact."""
    now = harness.clock.current
    harness.clock.set(datetime(2026, 6, 1, 11, 0, tzinfo=now.tzinfo))
    june = await closed_case(harness, PLESSO_MILANO, JUNE_CASE, [])
    harness.clock.set(now)
    milano = await closed_case(harness, PLESSO_MILANO, MILANO_CASE, CONTACTS)
    valpadana = await closed_case(harness, PLESSO_VALPADANA, VALPADANA_CASE, [VALPADANA_CONTACT])
    svc = harness.svc
    draft = full_draft(surname="APERTINI", last_attendance=TODAY - timedelta(days=1))
    still_open = await svc.cases.create(complete_case(draft, TODAY), actor=MARIA, now=svc.now())
    return Cases(milano=milano, june=june, valpadana=valpadana, open_milano=still_open.id)


async def choose(admin: ChatUser, *taps: str) -> None:
    await admin.send("/esporta")
    await admin.expect("Cosa vuoi esportare?")
    for label in taps:
        await admin.tap(label)


async def document(admin: ChatUser) -> tuple[BotMessage, bytes]:
    message = await admin.document(timeout=15)
    assert message.document is not None
    return message, message.document.content


def rows(sheet: object) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))  # type: ignore[attr-defined]
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def audit_rows(harness: Harness) -> list[tuple[str, str, str, str, dict[str, object]]]:
    with contextlib.closing(sqlite3.connect(harness.settings.database_path)) as conn:
        found = conn.execute(
            "SELECT actor, action, entity, entity_id, details FROM audit_log"
            " WHERE action LIKE 'export.%' ORDER BY id"
        ).fetchall()
    return [(a, b, c, d, json.loads(e)) for a, b, c, d, e in found]


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";")
    return list(reader)


# --- closed cases ---------------------------------------------------------------------------


async def test_closed_cases_of_the_school_year_as_excel(harness: Harness, admin: ChatUser) -> None:
    cases = await some_cases(harness)
    await admin.send("/esporta")
    question = await admin.expect("Cosa vuoi esportare?")
    assert "ATS-MILANO" in (question.text or "")
    await admin.tap("Casi chiusi e contatti")
    await admin.expect("Conta il giorno di chiusura")
    assert "Questa settimana (dal 16/11)" in admin.buttons()
    await admin.tap("Quest'anno scolastico 2026/27")
    await admin.expect("dal 01/09/2026 al 17/11/2026")
    await admin.tap("Excel")
    message, content = await document(admin)
    assert message.document is not None
    assert message.document.filename == "sentinella-casi-ATS-MILANO-20260901-20261117.xlsx"
    caption = message.content
    assert "Casi chiusi e loro contatti" in caption and "ATS-MILANO" in caption
    assert "Casi: 1 · Contatti: 2" in caption

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Casi", "Contatti"]
    case_sheet, contact_sheet = workbook["Casi"], workbook["Contatti"]
    assert case_sheet.freeze_panes == "A2" and contact_sheet.freeze_panes == "A2"
    assert case_sheet.column_dimensions["A"].width
    (case,) = rows(case_sheet)
    assert case["Id caso"] == cases.milano
    assert case["Cognome"] == "ZANZOTTO" and case["Codice fiscale"] == STUDENT_CF
    assert case["Chiuso il"] == datetime(2026, 11, 17, 9, 30)
    assert case["Ultimo giorno di frequenza"] == datetime(2026, 11, 16)
    assert len(str(case["Codice ricevuta"])) == 9
    contacts = rows(contact_sheet)
    assert [c["Cognome"] for c in contacts] == ["PAPAGNI", "SCROCCHI"]
    assert {c["Id caso"] for c in contacts} == {cases.milano}
    assert contacts[0]["Codice ricevuta"] == case["Codice ricevuta"]
    assert contacts[0]["Data ultimo contatto"] == datetime(2026, 11, 16)
    # Not the June case, not the open one, nothing of the other ATS.
    text = " ".join(str(v) for row in [*rows(case_sheet), *contacts] for v in row.values())
    for absent in ("GIUGNETTI", "APERTINI", "QUAGLIOTTI", "CHIUSANI", "CREE81001A"):
        assert absent not in text

    # The export is in the change log: who, what, which days, how many rows; no names.
    ((actor, action, entity, entity_id, details),) = audit_rows(harness)
    assert (actor, action, entity, entity_id) == ("tg:100", "export.cases", "ats", "ATS-MILANO")
    assert details == {
        "kind": "casi",
        "format": "xlsx",
        "from": "2026-09-01",
        "to": "2026-11-17",
        "rows": {"casi": 1, "contatti": 2},
    }
    await admin.send("/registro ats")
    log = await admin.expect("Registro dell'ATS")
    assert "ATS · esportati i casi chiusi · ATS ATS-MILANO" in (log.text or "")

    # The format buttons are gone with the export: an old one does nothing more.
    await admin.tap_stale("Excel")
    await admin.expect_answer(common.STALE_BUTTON)
    assert len(audit_rows(harness)) == 1


async def test_typed_dates_bad_ones_asked_again_then_csv_in_a_zip(
    harness: Harness, admin: ChatUser
) -> None:
    cases = await some_cases(harness)
    await choose(admin, "Casi chiusi e contatti", "Date a scelta")
    await admin.expect("Dal giorno (compreso)?")
    await admin.send("31/02/2026")
    await admin.expect("non è una data valida")
    await admin.expect("Dal giorno (compreso)?")
    await admin.send("18/11/2026")
    await admin.expect("non può essere dopo oggi")
    await admin.expect("Dal giorno (compreso)?")
    await admin.send("1/6/26")
    await admin.expect("Fino al giorno (compreso)?")
    await admin.send("31/05/2026")
    await admin.expect("non può essere prima del primo (01/06/2026)")
    await admin.expect("Fino al giorno (compreso)?")
    await admin.send("oggi")
    await admin.expect("dal 01/06/2026 al 17/11/2026")
    await admin.tap("CSV")
    message, content = await document(admin)
    assert message.document is not None
    assert message.document.filename == "sentinella-casi-ATS-MILANO-20260601-20261117.zip"
    assert "Casi: 2 · Contatti: 2" in message.content and "ZIP" in message.content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == ["casi.csv", "contatti.csv"]
        case_rows = csv_rows(archive.read("casi.csv"))
        contact_rows = csv_rows(archive.read("contatti.csv"))
    assert [r["Cognome"] for r in case_rows] == ["GIUGNETTI", "ZANZOTTO"]  # by closing time
    assert [r["Id caso"] for r in case_rows] == [str(cases.june), str(cases.milano)]
    assert case_rows[0]["Chiuso il"] == "01/06/2026 11:00"
    assert case_rows[1]["Telefono 1"] == '="+393471234567"'  # stays text in a spreadsheet
    assert [r["Cognome"] for r in contact_rows] == ["PAPAGNI", "SCROCCHI"]
    ((_, _, _, _, details),) = audit_rows(harness)
    assert details["format"] == "csv" and details["from"] == "2026-06-01"


async def test_nothing_closed_in_the_period_sends_no_file(
    harness: Harness, admin: ChatUser
) -> None:
    await choose(admin, "Casi chiusi e contatti", "Questa settimana")
    await admin.tap("Excel")
    await admin.expect(
        "Nessun caso chiuso dal 16/11/2026 al 17/11/2026 (ATS-MILANO): non c'è nulla da esportare"
    )
    assert not [m for m in admin.messages if m.document is not None]
    assert audit_rows(harness) == []


# --- absences -------------------------------------------------------------------------------


async def test_absences_with_enrolment_and_rates_as_excel_and_csv(
    harness: Harness, admin: ChatUser
) -> None:
    await seed_demo_absences(harness.svc, actor=0)
    await choose(admin, "Assenze, iscritti e tassi", "Ultimi 30 giorni")
    await admin.expect("dal 19/10/2026 al 17/11/2026")
    await admin.tap("Excel")
    message, content = await document(admin)
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Assenze"]
    figures = rows(sheet)
    # The 6 sentinel plessi of ATS-MILANO, on each Tuesday and Thursday from 20/10 to 17/11.
    days = {f["Giorno di rilevazione"] for f in figures}
    assert min(days) == datetime(2026, 10, 20) and max(days) == datetime(2026, 11, 17)
    assert {f["ATS"] for f in figures} == {"ATS-MILANO"}
    assert "CREE81001A" not in {f["Codice meccanografico"] for f in figures}
    assert len(figures) == 6 * len(days)
    assert f"Assenze: {len(figures)}" in message.content
    first = figures[0]
    assert first["Tasso di assenza"] == first["Assenti"] / first["Iscritti"]
    assert sheet["J2"].number_format == "0.0%" and sheet["E2"].is_date

    await choose(admin, "Assenze, iscritti e tassi", "Questa settimana")
    await admin.tap("CSV")
    message, content = await document(admin)
    assert message.document is not None
    assert message.document.filename == "sentinella-assenze-ATS-MILANO-20261116-20261117.csv"
    week = csv_rows(content)
    assert {r["Giorno di rilevazione"] for r in week} == {"17/11/2026"}
    assert len(week) == 6 and week[0]["Tasso di assenza"].endswith("%")
    assert [d["kind"] for *_, d in audit_rows(harness)] == ["assenze", "assenze"]


# --- referents and plessi -------------------------------------------------------------------


async def test_referents_and_plessi_are_a_snapshot_without_a_period(
    harness: Harness, admin: ChatUser
) -> None:
    await joined_referent(harness, admin, MARIA)
    await choose(admin, "Referenti e plessi")
    await admin.expect("situazione al 17/11/2026")
    await admin.tap("Excel")
    message, content = await document(admin)
    assert message.document is not None
    assert message.document.filename == "sentinella-anagrafe-ATS-MILANO-20261117.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Plessi", "Referenti"]
    plessi = rows(workbook["Plessi"])
    assert len(plessi) == 12 and {p["ATS"] for p in plessi} == {"ATS-MILANO"}
    manzoni = next(p for p in plessi if p["Codice meccanografico"] == PLESSO_MILANO)
    assert manzoni["Sentinella"] == "Sì" and manzoni["Referenti attivi"] == 1
    (referent,) = rows(workbook["Referenti"])
    assert referent["Nome e cognome"] == "MARIA ROSSI"
    assert referent["Stato"] == "attivo" and referent["Codice meccanografico"] == PLESSO_MILANO
    assert "Plessi: 12 · Referenti: 1" in message.content

    await choose(admin, "Referenti e plessi")
    await admin.tap("CSV")
    message, content = await document(admin)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == ["plessi.csv", "referenti.csv"]
        assert len(csv_rows(archive.read("plessi.csv"))) == 12
    ((_, action, _, _, details), _) = audit_rows(harness)
    assert action == "export.registry" and "from" not in details


# --- who sees what --------------------------------------------------------------------------


async def test_another_ats_gets_none_of_milanos_rows(harness: Harness, admin: ChatUser) -> None:
    cases = await some_cases(harness)
    await joined_referent(harness, admin, MARIA)
    other = harness.user(ADMIN_VALPADANA, "Olga")
    await choose(other, "Casi chiusi e contatti", "Quest'anno scolastico")
    await other.tap("Excel")
    message, content = await document(other)
    assert "Casi: 1 · Contatti: 1" in message.content and "ATS-VALPADANA" in message.content
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    (case,) = rows(workbook["Casi"])
    assert case["Id caso"] == cases.valpadana and case["ATS"] == "ATS-VALPADANA"
    everything = str([rows(workbook[name]) for name in workbook.sheetnames])
    for milano in ("ZANZOTTO", "PAPAGNI", "SCROCCHI", PLESSO_MILANO, "ATS-MILANO"):
        assert milano not in everything

    await choose(other, "Referenti e plessi")
    await other.tap("Excel")
    _, content = await document(other)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert {p["Codice meccanografico"] for p in rows(workbook["Plessi"])} == {
        "CREE81001A",
        "CRPS02000B",
    }
    assert rows(workbook["Referenti"]) == []  # Maria is Milano's
    assert [row[3] for row in audit_rows(harness)] == ["ATS-VALPADANA", "ATS-VALPADANA"]


async def test_the_regional_admin_exports_every_ats(harness: Harness) -> None:
    cases = await some_cases(harness)
    regional = harness.user(ADMIN_REGIONAL, "Rita")
    await regional.send("/esporta")
    await regional.expect("(tutte le ATS)")
    await regional.tap("Casi chiusi e contatti")
    await regional.tap("Quest'anno scolastico")
    await regional.tap("Excel")
    message, content = await document(regional)
    assert message.document is not None
    assert message.document.filename.startswith("sentinella-casi-regione-")
    assert "Casi: 2 · Contatti: 3" in message.content
    sheet_rows = rows(openpyxl.load_workbook(io.BytesIO(content))["Casi"])
    assert {r["Id caso"] for r in sheet_rows} == {cases.milano, cases.valpadana}
    ((actor, _, _, entity_id, _),) = audit_rows(harness)
    assert (actor, entity_id) == (f"tg:{ADMIN_REGIONAL}", "regione")


async def test_a_referent_and_a_stranger_are_refused(
    harness: Harness, admin: ChatUser, stranger: ChatUser
) -> None:
    maria = await joined_referent(harness, admin, MARIA)
    await maria.send("/esporta")
    await maria.expect(common.ADMIN_ONLY)
    await stranger.send("/esporta")
    await stranger.expect(common.NOT_REGISTERED)
    await maria.send("/aiuto")
    assert "/esporta" not in ((await maria.expect("Comandi")).text or "")
    assert audit_rows(harness) == []


async def test_the_flow_survives_a_restart(harness: Harness, admin: ChatUser) -> None:
    await some_cases(harness)
    await choose(admin, "Casi chiusi e contatti", "Date a scelta")
    await admin.send("01/09/2026")
    await admin.expect("Fino al giorno (compreso)?")
    await harness.restart_bot()
    await admin.send("17/11/2026")
    await admin.expect("In quale formato?")
    await admin.tap("Excel")
    message, _ = await document(admin)
    assert "Casi: 1 · Contatti: 2" in message.content


# --- the queries use the indexes -------------------------------------------------------------


async def test_the_export_queries_search_through_indexes(harness: Harness) -> None:
    """No export query reads a whole table: an ATS's rows are found through its plessi, the
    days and closing times through their indexes. (The regional admin's plessi and referents
    are every row by definition.)"""
    queries = {
        f"{name} {ats}": export_queries.scoped(getattr(export_queries, name), ats)[0]
        for name in ("CLOSED_CASE_IDS", "ABSENCES", "PLESSI", "REFERENTS")
        for ats in ("ATS-MILANO", None)
        if ats is not None or name in ("CLOSED_CASE_IDS", "ABSENCES")
    }
    queries["CASES"] = export_queries.CASES.format(ids="?,?")
    queries["CONTACTS"] = export_queries.CONTACTS.format(ids="?,?")
    with contextlib.closing(sqlite3.connect(harness.settings.database_path)) as conn:
        for name, sql in queries.items():
            plan = [
                str(row[3])
                for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", [1] * sql.count("?"))
            ]
            assert not [step for step in plan if step.startswith("SCAN")], (name, plan)
            assert any("INDEX" in step or "PRIMARY KEY" in step for step in plan), (name, plan)


async def test_pages_are_read_for_the_worker_thread_never_on_the_loop() -> None:
    loop = asyncio.get_running_loop()
    asked: list[int] = []

    async def read(ids: Sequence[int]) -> list[int]:
        asked.append(len(ids))
        return list(ids)

    with pytest.raises(RuntimeError):
        next(paged(loop, read, [1, 2]))
    read_in_thread = await asyncio.to_thread(list, paged(loop, read, range(1_200)))
    assert read_in_thread == list(range(1_200)) and asked == [500, 500, 200]


# --- the console ----------------------------------------------------------------------------


async def test_the_console_admin_exports_the_demo_absences(tmp_path: Path) -> None:
    term = await start_console(tmp_path)
    process = term.process
    try:
        await term.wait_for("Sentinella console")
        await term.type("!ora 17/11/2026 09:30")
        await term.wait_for("Ora del bot: martedì 17/11/2026 09:30")
        await term.type("!demo")
        await term.wait_for("Assenze demo registrate")
        await term.type("/esporta")
        await term.wait_for(r"\[2\] Assenze, iscritti e tassi")
        await term.type("#2")
        await term.wait_for(r"\[1\] Questa settimana")
        await term.type("#1")
        await term.wait_for(r"\[1\] 📊 Excel")
        await term.type("#1")
        match = await term.wait_for(r"📎 (sentinella-assenze-ATS-MILANO-\S+\.xlsx) \((\d+) byte\)")
        assert int(match.group(2)) > 1000
        await term.wait_for(r"Assenze: [1-9]")
        await term.type("!esci")
        await asyncio.wait_for(process.wait(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# --- the isolation follow-up (issue 19) -----------------------------------------------------


async def _diary_without_symptoms(citizen: ChatUser) -> None:
    await citizen.send("📝 Diario")
    await citizen.tap("Nessun sintomo")
    await citizen.tap("Salva")
    await citizen.expect("salvato")


async def test_isolations_of_the_period_with_the_diary_days_of_the_period(
    harness: Harness, admin: ChatUser
) -> None:
    citizen = await signed_in_mario(harness, admin)
    await _diary_without_symptoms(citizen)  # 17/11
    harness.clock.advance(days=1)
    await _diary_without_symptoms(citizen)  # 18/11: after the period below
    # Before anyone's D0 (12/11 and 13/11): nothing, no file, no audit row.
    await choose(admin, "Isolamenti", "Date a scelta")
    await admin.send("01/11/2026")
    await admin.send("11/11/2026")
    await admin.expect("dal 01/11/2026 al 11/11/2026")
    await admin.tap("Excel")
    await admin.expect("Nessuna persona in isolamento dal 01/11/2026 al 11/11/2026 (ATS-MILANO)")
    assert audit_rows(harness) == []

    await choose(admin, "Isolamenti", "Date a scelta")
    await admin.send("01/11/2026")
    await admin.send("17/11/2026")
    await admin.tap("CSV")
    message, content = await document(admin)
    assert message.document is not None
    assert message.document.filename == "sentinella-isolamenti-ATS-MILANO-20261101-20261117.zip"
    assert "Persone: 3 · Diario: 1 · Conviventi: 0" in message.content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist() == ["persone.csv", "diario.csv", "conviventi.csv"]
        people = csv_rows(archive.read("persone.csv"))
        diary = csv_rows(archive.read("diario.csv"))
        assert archive.read("conviventi.csv").decode("utf-8-sig").startswith("id persona;")
    assert {p["cognome"] + " " + p["nome"] for p in people} == {
        "ROSSI MARIO",
        "ROSSI GIULIA",
        "ROSSI LUCA",
    }
    mario = next(p for p in people if p["codice fiscale"] == MARIO_CF)
    assert mario["D0"] == "12/11/2026"
    assert [(d["id persona"], d["giorno"]) for d in diary] == [(mario["id"], "17/11/2026")]
    ((actor, action, entity, entity_id, details),) = audit_rows(harness)
    assert (actor, action, entity, entity_id) == (
        "tg:100",
        "export.isolations",
        "ats",
        "ATS-MILANO",
    )
    assert details == {
        "kind": "isolamenti",
        "format": "csv",
        "from": "2026-11-01",
        "to": "2026-11-17",
        "rows": {"persone": 3, "diario": 1, "conviventi": 0},
    }
    assert MARIO_CF not in str(audit_rows(harness))


async def test_isolations_are_scoped_to_the_ats_and_the_region_sees_all(
    harness: Harness, admin: ChatUser
) -> None:
    await signed_in_mario(harness, admin)
    valpadana = harness.user(ADMIN_VALPADANA, "Valpadana")
    await choose(valpadana, "Isolamenti", "Questa settimana")
    await valpadana.tap("Excel")
    await valpadana.expect("Nessuna persona in isolamento dal 16/11/2026 al 17/11/2026")
    regional = harness.user(ADMIN_REGIONAL, "Regione")
    await choose(regional, "Isolamenti", "Questa settimana")
    await regional.tap("Excel")
    _, content = await document(regional)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Persone", "Diario", "Conviventi"]
    assert {r["ATS"] for r in rows(workbook["Persone"])} == {"ATS-MILANO"}
    assert len(rows(workbook["Persone"])) == 3
    # The desk's button goes through the same use case: the whole follow-up, no period.
    await admin.send("/isolamenti")
    await admin.tap("Esporta")
    desk_message, desk_content = await document(admin)
    assert desk_message.document is not None
    assert desk_message.document.filename == "sentinella-isolamenti-ATS-MILANO-20261117.xlsx"
    desk_book = openpyxl.load_workbook(io.BytesIO(desk_content))
    assert desk_book.sheetnames == ["Persone", "Diario", "Conviventi"]
    actions = [(a, e) for a, action, _, e, _ in audit_rows(harness)]
    assert actions == [("tg:101", "regione"), ("tg:100", "ATS-MILANO")]
