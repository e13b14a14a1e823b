"""The console tour's class list: a whole class added from one file in a few taps."""

from __future__ import annotations

from pathlib import Path

from emulator.driver import ChatUser
from tests.e2e.steps import joined_referent, open_add_contacts
from tests.e2e.test_contacts_form import MARIA, seed_case
from tests.harness import Harness

DEMO_CLASS = Path(__file__).resolve().parents[2] / "emulator" / "demo" / "classe_3B.csv"


async def test_the_demo_class_file_adds_25_classmates(harness: Harness, admin: ChatUser) -> None:
    referent = await joined_referent(harness, admin, MARIA)
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)
    await referent.send_file("classe_3B.csv", DEMO_CLASS.read_bytes(), "text/csv")
    summary = await referent.expect("Elenco letto")
    assert "25 da aggiungere · 0 righe scartate" in (summary.text or "")
    await referent.expect("Aggiungo 25 contatti")
    await referent.tap("Conferma")
    await referent.expect("Aggiunti 25 contatti")
    page = await harness.svc.contacts.page(case_id, 1, size=100)
    assert len(page.items) == 25


async def test_the_class_file_and_a_pasted_list_leave_the_chat_once_saved(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await joined_referent(harness, admin, MARIA)
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)
    await referent.send_file("classe_3B.csv", DEMO_CLASS.read_bytes(), "text/csv")
    await referent.expect("Aggiungo 25 contatti")
    await referent.tap("Conferma")
    await referent.expect("Aggiunti 25 contatti")
    await open_add_contacts(referent, case_id)
    await referent.send("VERDI;ANNA;VRDNNA15E52E648D")
    await referent.expect("Aggiungo 1 contatto")
    await referent.tap("Conferma")
    await referent.expect("Aggiunto 1 contatto")
    await harness.emulator.wait_for(
        lambda: (
            not any(
                m.get("document") or "VERDI" in m.get("text", "")
                for m in harness.emulator.user_messages(MARIA)
            )
        )
    )
    assert len((await harness.svc.contacts.page(case_id, 1, size=100)).items) == 26
