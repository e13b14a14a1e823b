"""Chiudi e invia il caso all'ATS, end to end: review, warnings, Sì / No, the receipt, the
lock (flows, stale buttons, repositories, plain SQL), the ATS notice with its XLSX."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from datetime import date, datetime

import openpyxl  # type: ignore[import-untyped]
import pytest

from domain.cases import UpdateOutcome
from domain.closing import OutboxItem, OutboxStatus
from domain.contacts import ContactData, Outcome
from emulator.driver import ChatUser
from tests.e2e.steps import (
    PLESSO_MILANO,
    add_classmate,
    joined_referent,
    report_case,
)
from tests.harness import ADMIN_REGIONAL, ADMIN_VALPADANA, Harness

MARIA = 300
LUIGI = 301


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, MARIA)


async def sent_outbox(harness: Harness, case_id: int) -> list[OutboxItem]:
    """The case's outbox once nothing is pending (the send is recorded just after it went)."""
    for _ in range(50):
        items = await harness.svc.closing.outbox(case_id)
        if all(item.status is not OutboxStatus.PENDING for item in items):
            return items
        await asyncio.sleep(0.05)
    return await harness.svc.closing.outbox(case_id)


async def close(referent: ChatUser, case_id: int) -> str:
    """From /caso to the receipt; returns the receipt code."""
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    await referent.expect("Confermi la chiusura")
    await referent.tap("Sì, chiudi e invia")
    receipt = await referent.expect("Codice ricevuta")
    text = receipt.text or ""
    return text.split("Codice ricevuta: ")[1].split()[0]


async def test_close_with_contacts_and_admin_gets_the_xlsx(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    case_id = await report_case(referent)
    await add_classmate(referent, case_id)
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    review = await referent.expect("Identificativo del caso")
    assert "BIANCHI" in (review.text or "").upper()
    assert "Numero di contatti collegati al caso: 1" in (review.text or "")
    await referent.expect("ROSSI")
    question = await referent.expect("Confermi la chiusura")
    assert "non sarà più possibile modificare" in (question.text or "")
    assert "Prima di inviare" not in (question.text or "")
    await referent.tap("Sì, chiudi e invia")
    receipt = await referent.expect("è stato chiuso e inviato all'ATS")
    text = receipt.text or ""
    assert "Numero di contatti: 1" in text and "17/11/2026" in text
    code = text.split("Codice ricevuta: ")[1].split()[0]
    assert len(code) == 9 and code[4] == "-"

    notice = await admin.document()
    assert f"Caso {case_id}" in notice.content and code in notice.content
    assert notice.document is not None
    assert notice.document.filename == f"caso-{case_id}-{code}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(notice.document.content))
    assert workbook.sheetnames == ["Caso", "Contatti"]
    case_sheet, contacts_sheet = workbook["Caso"], workbook["Contatti"]
    headers = [cell.value for cell in case_sheet[1]]
    assert headers[:3] == ["Id caso", "Plesso", "Tipo scuola"]
    row = dict(zip(headers, [cell.value for cell in case_sheet[2]], strict=True))
    assert row["Id caso"] == case_id
    assert row["Cognome"].upper() == "BIANCHI"
    assert row["Codice fiscale"] == "BNCLCU15C02F205O"
    assert row["Ultimo giorno di frequenza"] == datetime(2026, 11, 16)
    assert row["Codice ricevuta"] == code
    assert PLESSO_MILANO in row["Plesso"]
    assert case_sheet.freeze_panes == "A2"
    contact_headers = [cell.value for cell in contacts_sheet[1]]
    assert contact_headers[-1] == "Data ultimo contatto"
    contact = dict(zip(contact_headers, [c.value for c in contacts_sheet[2]], strict=True))
    assert contact["Codice fiscale"] == "RSSMRA15A01F205J"
    assert contact["Data ultimo contatto"] == datetime(2026, 11, 16)
    assert contacts_sheet.max_row == 2

    # Delivered once, recorded; the regional admin (ATS-MILANO has its own) is not told.
    outbox = await sent_outbox(harness, case_id)
    assert [(item.admin_user_id, item.status.value) for item in outbox] == [(100, "sent")]
    await harness.user(ADMIN_REGIONAL).expect_no_reply(0.3)
    await harness.user(ADMIN_VALPADANA).expect_no_reply(0.1)

    # The admin finds it by id and by receipt code (any case, no dash).
    await admin.send(f"/caso {code.replace('-', '').lower()}")
    found = await admin.expect(f"Caso {case_id}")
    assert code in (found.text or "")
    await admin.expect("ROSSI")
    await admin.send("/casi")
    listed = await admin.expect("Casi chiusi")
    assert str(case_id) in (listed.text or "") and code in (listed.text or "")


async def test_no_keeps_the_case_open(harness: Harness, referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await referent.send(f"/caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    await referent.expect("Confermi la chiusura")
    await referent.tap("No")
    await referent.expect("non è stato chiuso")
    await referent.expect(f"Caso {case_id} – aperto")
    assert "✏️ Modifica caso" in referent.buttons()
    case = await harness.svc.cases.get(case_id)
    assert case is not None and case.is_open and case.receipt_code is None
    assert await harness.svc.closing.outbox(case_id) == []


async def test_warnings_no_contacts(referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await referent.send(f"/caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    question = await referent.expect("Confermi la chiusura")
    assert "Non hai inserito nessun contatto" in (question.text or "")


async def test_warnings_outside_window_and_no_classmates(
    harness: Harness, referent: ChatUser
) -> None:
    case_id = await report_case(referent)
    # A teacher, last seen a week before the case's last day: outside no window (no swab),
    # so add one after the last day directly (the form would refuse it).
    data = ContactData(
        role="docente",
        class_name="3",
        section="B",
        surname="COLOMBO",
        name="ELENA",
        codice_fiscale="CLMLNE82D62F205B",
        birth_date=date(1982, 4, 22),
        comune=None,
        phone=None,
        last_contact=date(2026, 11, 17),
    )
    change = await harness.svc.contacts.add(case_id, data, actor=MARIA, now=harness.svc.now())
    assert change.contact is not None
    await referent.send(f"/caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    question = await referent.expect("Confermi la chiusura")
    text = question.text or ""
    assert "fuori dal periodo" in text and str(change.contact.id) in text
    assert "nessun compagno della classe 3 B" in text


async def test_double_tap_and_stale_yes_close_once(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    case_id = await report_case(referent)
    await referent.send(f"/caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    question = await referent.expect("Confermi la chiusura")
    yes = question.find_button("Sì")
    assert yes is not None
    await referent.press(question, yes)
    await referent.press(question, yes)
    await referent.expect("Codice ricevuta")
    await referent.expect("è già chiuso il 17/11/2026")
    await referent.tap_stale("Sì, chiudi e invia")
    await referent.expect("è già chiuso")
    await admin.document()
    await asyncio.sleep(0.2)
    assert len(await harness.svc.closing.outbox(case_id)) == 1
    entries = await harness.svc.audit.for_entity("case", str(case_id))
    assert [e.action for e in entries].count("case.close") == 1
    docs = [m for m in admin.messages if m.document is not None]
    assert len(docs) == 1


async def test_two_referents_close_at_once(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    luigi = await joined_referent(harness, admin, LUIGI, first_name="Luigi", name="Luigi Verdi")
    case_id = await report_case(referent)
    questions = []
    for person in (referent, luigi):
        await person.send(f"/caso {case_id}")
        await person.tap("Chiudi e invia il caso all'ATS")
        questions.append(await person.expect("Confermi la chiusura"))
    for person, question in zip((referent, luigi), questions, strict=True):
        yes = question.find_button("Sì")
        assert yes is not None
        await person.press(question, yes)  # both before awaiting any answer
    answers = []
    for person in (referent, luigi):
        answers.append(await person.expect("ricevuta"))
    texts = [a.text or "" for a in answers]
    receipts = [t for t in texts if "Codice ricevuta" in t and "chiuso e inviato" in t]
    already = [t for t in texts if "già chiuso" in t]
    assert len(receipts) == 1 and len(already) == 1, texts
    await admin.document()
    assert len(await harness.svc.closing.outbox(case_id)) == 1


async def test_locked_means_locked(harness: Harness, referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await add_classmate(referent, case_id)
    await close(referent, case_id)
    svc = harness.svc
    # Stale buttons of the open case.
    await referent.tap_stale("Modifica caso")
    await referent.expect("non è più modificabile")
    await referent.tap_stale("Aggiungi contatti")
    await referent.expect("non è più modificabile")
    # Still readable.
    await referent.send(f"/caso {case_id}")
    view = await referent.expect(f"Caso {case_id}")
    assert "Caso chiuso" in (view.text or "")
    assert "Chiudi e invia" not in " ".join(referent.buttons())
    await referent.tap("Vedi contatti")
    await referent.expect("ROSSI")
    # Repositories.
    case = await svc.cases.get(case_id)
    assert case is not None
    update = await svc.cases.update(
        case_id, case.data, expected_version=case.version, actor=MARIA, now=svc.now()
    )
    assert update.outcome is UpdateOutcome.CLOSED
    contact = (await svc.contacts.page(case_id, 1)).items[0]
    assert (
        await svc.contacts.delete(contact.id, actor=MARIA, now=svc.now())
    ).outcome is Outcome.CLOSED
    added = await svc.contacts.add(
        case_id,
        contact.data.model_copy(update={"codice_fiscale": "VRDNNA15E52E648D"}),
        actor=MARIA,
        now=svc.now(),
    )
    assert added.outcome is Outcome.CLOSED
    # Plain SQL, straight to the database.
    for sql, params in [
        ("UPDATE contacts SET surname = 'X' WHERE id = ?", (contact.id,)),
        ("DELETE FROM contacts WHERE id = ?", (contact.id,)),
        ("UPDATE cases SET surname = 'X' WHERE id = ?", (case_id,)),
        ("UPDATE cases SET status = 'open' WHERE id = ?", (case_id,)),
        ("DELETE FROM cases WHERE id = ?", (case_id,)),
        (
            "INSERT INTO contacts SELECT NULL, case_id, role, class_name, section, surname, name,"
            " 'VRDNNA15E52E648D', birth_date, comune_code, comune_name, comune_province, address,"
            " phone, last_contact, source, created_by, created_at, updated_by, updated_at, 1,"
            " number + 1 FROM contacts WHERE id = ?",
            (contact.id,),
        ),
    ]:
        with pytest.raises(sqlite3.IntegrityError, match="case closed"):
            async with svc.db.transaction() as conn:
                await conn.execute(sql, params)
    raw = sqlite3.connect(svc.settings.database_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="case closed"):
            raw.execute("UPDATE contacts SET phone = '+390000' WHERE id = ?", (contact.id,))
    finally:
        raw.close()
    # Retention's sanctioned way through (issue 8).
    async with svc.db.transaction() as conn:
        await conn.execute("INSERT INTO retention_guard (id) VALUES (1)")
        await conn.execute("DELETE FROM contacts WHERE case_id = ?", (case_id,))
        await conn.execute("DELETE FROM retention_guard")
    assert (await svc.contacts.page(case_id, 1)).total == 0


async def test_other_ats_admin_is_not_told_and_cannot_see(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    case_id = await report_case(referent)
    code = await close(referent, case_id)
    await admin.document()
    valpadana = harness.user(ADMIN_VALPADANA, "Vera")
    await valpadana.send(f"/caso {case_id}")
    await valpadana.expect("Caso non trovato")
    await valpadana.send(f"/caso {code}")
    await valpadana.expect("Caso non trovato")
    await valpadana.send("/casi")
    listed = await valpadana.expect("Nessun caso chiuso")
    assert str(code) not in (listed.text or "")
    await valpadana.send(f"/casi {PLESSO_MILANO}")
    await valpadana.expect("Nessun caso chiuso")
    assert not [m for m in valpadana.messages if m.document is not None]
    regional = harness.user(ADMIN_REGIONAL, "Rita")
    await regional.send(f"/caso {code}")
    await regional.expect(f"Caso {case_id}")


# Past the old cap of "all contacts" (a first page of 10,000, issue 14 defect 6).
MANY_CONTACTS = 10_001


async def insert_contacts(harness: Harness, case_id: int, how_many: int) -> None:
    """Classmates of the case straight into the database (the form would take hours)."""
    stamp = "2026-11-17T08:00:00Z"
    person = ("studente", "3", "B", "ROSSI")
    bookkeeping = ("2026-11-16", "list", MARIA, stamp, MARIA, stamp)
    rows = [
        (case_id, *person, f"MARIO {n}", f"RSSMRA15A{n:07d}", "2015-01-01", *bookkeeping)
        for n in range(how_many)
    ]
    async with harness.svc.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO contacts (case_id, role, class_name, section, surname, name,"
            " codice_fiscale, birth_date, last_contact, source, created_by, created_at,"
            " updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


async def test_every_contact_past_the_old_cap_is_counted_and_handed_over(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    case_id = await report_case(referent)
    await insert_contacts(harness, case_id, MANY_CONTACTS)
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    review = await referent.expect("Identificativo del caso", timeout=30)
    assert f"Numero di contatti collegati al caso: {MANY_CONTACTS}" in (review.text or "")
    await referent.expect(f"pagina 1 di {-(-MANY_CONTACTS // 10)}", timeout=10)
    await referent.expect("Confermi la chiusura", timeout=10)
    await referent.tap("Sì, chiudi e invia")
    receipt = await referent.expect("è stato chiuso e inviato all'ATS", timeout=30)
    assert f"Numero di contatti: {MANY_CONTACTS}" in (receipt.text or "")

    notice = await admin.document(timeout=60)
    assert f"Numero di contatti: {MANY_CONTACTS}" in notice.content
    assert notice.document is not None
    workbook = openpyxl.load_workbook(io.BytesIO(notice.document.content), read_only=True)
    contacts_sheet = workbook["Contatti"]
    codes = [row[6] for row in contacts_sheet.iter_rows(min_row=2, values_only=True)]
    assert len(codes) == MANY_CONTACTS == len(set(codes))
