"""Contacts one at a time, end to end: Aggiungi contatto, the checks, the contact window, the
ATS rules, Modifica contatto, Elimina contatto, and a closed case."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.cases import complete_case
from domain.comuni import comune_by_code
from domain.contacts import ContactData, ContactSource
from domain.people import Role
from emulator.driver import ChatUser
from tests.e2e.steps import (
    CLASSMATES,
    STUDENT_CF,
    TEACHER_CONTACT_CF,
    Tap,
    add_classmate,
    answers,
    contact_details,
    joined_referent,
    open_add_contacts,
    report_case,
    start_contact,
)
from tests.harness import ROME, Harness
from tests.unit.test_cases_rules import TODAY, full_draft

MARIA = 300
NOW = datetime(2026, 11, 17, 9, 0, tzinfo=ROME)


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, MARIA)


async def seed_case(harness: Harness, **changes: object) -> int:
    """A pupil's case of Maria's plesso (class 3 B, last day at school 16/11/2026)."""
    case = await harness.svc.cases.create(
        complete_case(full_draft(**changes), TODAY), actor=MARIA, now=NOW
    )
    return case.id


async def seed_contact(harness: Harness, case_id: int, codice_fiscale: str) -> int:
    surname, name, birth = CLASSMATES[codice_fiscale]
    data = ContactData(
        role=Role.STUDENT,
        class_name="3",
        section="B",
        surname=surname,
        name=name,
        codice_fiscale=codice_fiscale,
        birth_date=datetime.strptime(birth, "%d/%m/%Y").date(),
        comune=comune_by_code("F205"),
        phone="+393331112222",
        last_contact=date(2026, 11, 16),
    )
    change = await harness.svc.contacts.add(case_id, data, actor=MARIA, now=NOW)
    assert change.contact is not None
    return change.contact.id


async def close_case(harness: Harness, case_id: int) -> None:
    """What "Chiudi e invia il caso all'ATS" will do (issue 5)."""
    async with harness.svc.db.transaction() as conn:
        await conn.execute(
            "UPDATE cases SET status = 'closed', closed_at = updated_at WHERE id = ?", (case_id,)
        )


async def test_one_contact_with_every_field(harness: Harness, referent: ChatUser) -> None:
    case_id = await report_case(referent)
    await referent.tap("Aggiungi contatti")  # right after saving the case
    await referent.expect("Incolla un elenco")
    await referent.tap("Aggiungi contatto")
    await referent.expect("Ruolo del contatto")
    await referent.tap("Studente")
    await referent.expect("Classe del contatto")
    await referent.tap("✅ 3")
    await referent.expect("Sezione del contatto")
    await referent.send("C")
    await referent.expect("Cognome del contatto")
    await referent.send("  rossi ")
    await referent.expect("Nome del contatto")
    await referent.send("mario")
    await referent.expect("Codice fiscale del contatto")
    await referent.send("rssmra15a01f205j")
    await referent.expect("risulta il 01/01/2015")
    await referent.send("01/01/15")
    await referent.expect("Comune di domicilio del contatto")
    await referent.send("sesto s giovanni")
    await referent.expect("Indirizzo")
    await referent.send("Via Roma 12")
    await referent.expect("Telefono cellulare")
    await referent.send("333 765 4321")
    question = await referent.expect("ultimo contatto con il caso")
    assert "entro il 16/11/2026" in (question.text or "")
    assert referent.buttons()[0] == "Ieri 16/11"  # the case's last day at school, first
    await referent.tap("Ieri")
    review = await referent.expect("controlla i dati")
    text = review.text or ""
    for shown in (
        "Ruolo: Studente",
        "Classe: 3",
        "Sezione: C",
        "Cognome: ROSSI",
        "Nome: MARIO",
        "RSSMRA15A01F205J",
        "01/01/2015",
        "Sesto San Giovanni (MI)",
        "Via Roma 12",
        "+39 333 765 4321",  # grouped as people read it
        "Data ultimo contatto con il caso: 16/11/2026",
        "Regole ATS: è un contatto stretto",
    ):
        assert shown in text, shown
    assert await harness.svc.contacts.codes(case_id) == set()  # nothing before Salva
    await referent.tap("Salva")
    await referent.expect(f"Contatto 1 aggiunto al caso {case_id}: ROSSI MARIO")
    assert referent.buttons() == ["➕ Aggiungi un altro contatto", "Fine"]

    contact = await harness.svc.contacts.get(1)
    assert contact is not None and contact.case_id == case_id
    data = contact.data
    assert (data.role, data.class_name, data.section) == (Role.STUDENT, "3", "C")
    assert (data.surname, data.name, data.codice_fiscale) == ("ROSSI", "MARIO", "RSSMRA15A01F205J")
    assert data.birth_date == date(2015, 1, 1)
    assert data.comune is not None and data.comune.name == "Sesto San Giovanni"
    assert (data.address, data.phone) == ("Via Roma 12", "+393337654321")
    assert data.last_contact == date(2026, 11, 16)
    assert contact.source is ContactSource.FORM
    history = await harness.svc.audit.for_entity("contact", "1")
    assert [(e.action, e.details) for e in history] == [
        ("contact.create", {"case": case_id, "source": "form"})
    ]

    await referent.tap("Fine")
    listing = await referent.expect(f"Contatti del caso {case_id}")
    assert "1 · ROSSI MARIO · RS…5J" in (listing.text or "")
    assert "ult. contatto 16/11/2026 · Studente" in (listing.text or "")
    await referent.send("/casi")
    cases = await referent.expect("Casi segnalati")
    assert "nr. contatti 1" in (cases.text or "")


async def test_each_rule_wrong_then_right(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)
    await referent.tap("Aggiungi contatto")
    await referent.expect("Ruolo del contatto")
    await answers(
        referent,
        (Tap("Studente"), "Classe del contatto"),
        ("x" * 21, "al massimo 20 caratteri"),
        (Tap("✅ 3"), "Sezione del contatto"),
        ("y" * 41, "al massimo 40 caratteri"),
        (Tap("✅ B"), "Cognome del contatto"),
        ("R0ssi", "solo lettere"),
        ("Rossi", "Nome del contatto"),
        ("M@rio", "solo lettere"),
        ("Mario", "Codice fiscale del contatto"),
        ("RSSMRA15A01F205X", "non torna"),
        (STUDENT_CF, "caso stesso"),
        ("RSSMRA15A01F205J", "dal codice fiscale risulta"),
        ("02/01/2015", "non corrisponde"),
        (Tap("01/01/2015"), "Comune di domicilio del contatto"),
        ("zzqq", "Nessun comune trovato"),
        ("Lodi", "Scegli il comune"),
        (Tap("Lodi (LO)"), "Indirizzo"),
        ("Via\u200bRoma", "caratteri invisibili"),
        (Tap("Salta"), "Telefono cellulare"),
        ("abc", "non è un numero di telefono valido"),
        ("333 111 2222", "ultimo contatto con il caso"),
        ("20/11/2026", "non può essere nel futuro"),
        ("oggi", "non può essere dopo il 16/11/2026"),  # after the case's last day at school
        ("pippo", "non è una data valida"),
        ("15/11", "controlla i dati"),
    )
    await referent.tap("Salva")
    await referent.expect("aggiunto al caso")
    contact = await harness.svc.contacts.get(1)
    assert contact is not None
    assert contact.data.last_contact == date(2026, 11, 15)
    assert contact.data.comune is not None and contact.data.comune.code == "E648"


async def test_the_contact_window(harness: Harness, referent: ChatUser) -> None:
    # Swab on 13/11, symptoms from 12/11: contacts count from 10/11 to 16/11.
    case_id = await seed_case(harness, swab_date=date(2026, 11, 13), onset_date=date(2026, 11, 12))
    await start_contact(referent, case_id)
    await contact_details(referent, "RSSMRA15A01F205J")
    question = referent.last_message()
    assert "dal 10/11/2026 al 16/11/2026" in (question.text or "")
    assert referent.buttons() == [
        "Ieri 16/11",
        "dom 15/11",
        "sab 14/11",
        "ven 13/11",
        "gio 12/11",
        "mer 11/11",
    ]
    await referent.send("09/11/2026")
    refused = await referent.expect("deve essere tra il 10/11/2026")
    assert "e il 16/11/2026" in (refused.text or "")
    await referent.send("10/11")
    review = await referent.expect("controlla i dati")
    assert "Data ultimo contatto con il caso: 10/11/2026" in (review.text or "")


async def test_the_same_person_twice_is_refused(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    await add_classmate(referent, case_id)
    await start_contact(referent, case_id)
    await referent.send("Rossi")
    await referent.expect("Nome del contatto")
    await referent.send("Mario")
    await referent.expect("Codice fiscale del contatto")
    await referent.send("RSSMRA15A01F205J")
    await referent.expect("già tra i contatti del caso: contatto 1, ROSSI MARIO")
    await referent.send("VRDNNA15E52E648D")
    await referent.expect("dal codice fiscale risulta")


async def test_the_ats_rules_for_a_teacher_of_a_pupil(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    await open_add_contacts(referent, case_id)
    await referent.tap("Aggiungi contatto")
    await referent.expect("Ruolo del contatto")
    await referent.tap("Docente")
    await referent.expect("Vuoi verificarlo con 3 domande?")
    await referent.tap("Verifica con le regole ATS")
    await referent.expect("mascherina")
    assert referent.buttons() == [
        "Sì, sempre",
        "Tolta solo al pasto, ad almeno 1 m",
        "No, non sempre",
    ]
    await referent.tap("Tolta solo al pasto")
    await referent.expect("almeno 2 metri")
    await referent.tap("Sì")
    await referent.expect("contatto fisico")
    await referent.tap("No")
    verdict = await referent.expect("NON è un contatto stretto")
    text = verdict.text or ""
    assert "Gli insegnanti di scuola primaria e secondaria NON sono" in text
    assert "durante il consumo del pasto" in text
    assert "La decisione è tua" in text
    await referent.tap("Aggiungi comunque")
    await referent.expect("Classe del contatto")
    await referent.tap("✅ 3")
    await referent.expect("Sezione del contatto")
    await referent.tap("✅ B")
    await referent.expect("Cognome del contatto")
    await contact_details(referent, TEACHER_CONTACT_CF, "Colombo", "Elena")
    await referent.tap("Ieri")
    review = await referent.expect("controlla i dati")
    assert "Regole ATS: NON è un contatto stretto" in (review.text or "")
    await referent.tap("Salva")
    await referent.expect("aggiunto al caso")
    contact = await harness.svc.contacts.get(1)
    assert contact is not None and contact.data.role is Role.TEACHER

    # Without the mask the verdict comes at once; the referent may still stop.
    await open_add_contacts(referent, case_id)
    await referent.tap("Aggiungi contatto")
    await referent.expect("Ruolo del contatto")
    await referent.tap("Altro personale")
    await referent.expect("Vuoi verificarlo")
    await referent.tap("Verifica")
    await referent.expect("mascherina")
    await referent.tap("non sempre")
    verdict = await referent.expect("Secondo le definizioni ATS: è un contatto stretto")
    assert "vanno allontanati" in (verdict.text or "")
    assert "per analogia" in (verdict.text or "")
    await referent.tap("Annulla")
    await referent.expect("Vuoi davvero annullare?")  # issue 22: answers are not dropped at once
    await referent.tap("Sì")
    await referent.expect("Contatto non salvato")

    # A support teacher: physical contact is the question; without it, case by case.
    await open_add_contacts(referent, case_id)
    await referent.tap("Aggiungi contatto")
    await referent.expect("Ruolo del contatto")
    await referent.tap("Docente di sostegno")
    await referent.expect("con 1 domande")
    await referent.tap("Verifica")
    await referent.expect("contatto fisico")
    await referent.tap("No")
    await referent.expect("da valutare caso per caso")
    assert (await harness.svc.contacts.page(case_id, 1)).total == 1


async def test_edit_a_contact(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    contact_id = await seed_contact(harness, case_id, "RSSMRA15A01F205J")
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Vedi contatti")
    await referent.expect(f"Contatti del caso {case_id}")
    await referent.tap(f"Contatto {contact_id}")
    card = await referent.expect(f"Contatto {contact_id} del caso {case_id}")
    assert "Telefono cellulare: +39 333 111 2222" in (card.text or "")
    await referent.tap("Modifica contatto")
    await referent.expect(f"Modifica contatto {contact_id}")
    await referent.tap("✏️ Telefono cellulare")
    await referent.expect("Telefono cellulare del contatto")
    await referent.send("abc")
    await referent.expect("non è un numero di telefono valido")
    await referent.send("340 9876543")
    await referent.expect(f"Modifica contatto {contact_id}")
    await referent.tap("✏️ Data ultimo contatto")
    await referent.expect("ultimo contatto con il caso")
    await referent.tap("dom 15/11")
    await referent.expect(f"Modifica contatto {contact_id}")
    await referent.tap("Salva")
    await referent.expect(f"Contatto {contact_id} aggiornato")
    card = await referent.expect("Telefono cellulare: +39 340 987 6543")
    assert "Modifica contatto" in " ".join(referent.buttons())
    contact = await harness.svc.contacts.get(contact_id)
    assert contact is not None and contact.version == 2
    assert contact.data.last_contact == date(2026, 11, 15)
    history = await harness.svc.audit.for_entity("contact", str(contact_id))
    assert history[0].action == "contact.update"
    assert history[0].details == {
        "case": case_id,
        "version": 2,
        "fields": ["phone", "last_contact"],
    }

    # Annulla leaves it as it was.
    await referent.tap("Modifica contatto")
    await referent.expect(f"Modifica contatto {contact_id}")
    await referent.tap("✏️ Cognome")
    await referent.expect("Cognome del contatto")
    await referent.send("Diverso")
    await referent.expect(f"Modifica contatto {contact_id}")
    await referent.tap("Annulla")
    await referent.expect("Vuoi davvero annullare?")  # issue 22: answers are not dropped at once
    await referent.tap("Sì")
    await referent.expect("Modifica annullata")
    contact = await harness.svc.contacts.get(contact_id)
    assert contact is not None and contact.data.surname == "ROSSI" and contact.version == 2


async def test_delete_declined_then_confirmed(harness: Harness, referent: ChatUser) -> None:
    case_id = await seed_case(harness)
    first = await seed_contact(harness, case_id, "RSSMRA15A01F205J")
    second = await seed_contact(harness, case_id, "VRDNNA15E52E648D")
    await referent.send(f"/caso {case_id}")
    await referent.expect("Numero di contatti collegati al caso: 2")
    await referent.tap("Vedi contatti")
    await referent.expect("contatti: 2")
    await referent.tap(f"Contatto {first}")
    await referent.expect(f"Contatto {first} del caso")
    await referent.tap("Elimina contatto")
    await referent.expect(f"Confermi l'eliminazione del contatto {first}: ROSSI MARIO?")
    await referent.tap("No")
    await referent.expect("Eliminazione annullata")
    assert await harness.svc.contacts.get(first) is not None
    await referent.tap_stale("Elimina contatto")
    await referent.expect("Confermi l'eliminazione")
    await referent.tap("Sì, elimina")
    await referent.expect(f"Contatto {first} (ROSSI MARIO) eliminato")
    listing = await referent.expect(f"Contatti del caso {case_id}")
    assert "VERDI ANNA" in (listing.text or "") and "ROSSI" not in (listing.text or "")
    assert await harness.svc.contacts.get(first) is None
    assert await harness.svc.contacts.get(second) is not None
    history = await harness.svc.audit.for_entity("contact", str(first))
    assert history[0].action == "contact.delete"
    # The old confirmation, tapped again, finds nothing to delete.
    await referent.tap_stale("Sì, elimina")
    await referent.expect("Contatto non trovato")


async def test_a_closed_case_offers_contacts_read_only(
    harness: Harness, referent: ChatUser
) -> None:
    case_id = await seed_case(harness)
    contact_id = await seed_contact(harness, case_id, "RSSMRA15A01F205J")
    await referent.send("/casi")
    await referent.expect("Casi segnalati")
    assert f"Aggiungi contatti {case_id}" in referent.buttons()
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Vedi contatti")
    await referent.expect(f"Contatti del caso {case_id}")
    await referent.tap(f"Contatto {contact_id}")
    await referent.expect(f"Contatto {contact_id} del caso")
    assert "✏️ Modifica contatto" in referent.buttons()

    await close_case(harness, case_id)
    await referent.send("/casi")
    await referent.expect("Caso chiuso")
    assert referent.buttons() == [
        f"Vedi caso {case_id}",
        f"Vedi contatti {case_id}",
        "➕ Nuovo caso",
    ]
    await referent.tap(f"Vedi contatti {case_id}")
    listing = await referent.expect(f"Contatti del caso {case_id}")
    assert "Caso chiuso" in (listing.text or "")
    assert referent.buttons() == [f"Contatto {contact_id}", f"Vedi caso {case_id}"]
    await referent.tap(f"Contatto {contact_id}")
    await referent.expect(f"Contatto {contact_id} del caso")
    assert referent.buttons() == ["👥 Vedi contatti", f"Vedi caso {case_id}"]

    # Buttons of older messages are refused.
    for stale in ("Aggiungi contatti", "Modifica contatto", "Elimina contatto"):
        await referent.tap_stale(stale)
        await referent.expect("non è più modificabile")
    assert (await harness.svc.contacts.page(case_id, 1)).total == 1


async def test_the_contact_list_turns_its_pages_in_place(
    harness: Harness, referent: ChatUser
) -> None:
    from codicefiscale import codicefiscale

    case_id = await seed_case(harness)
    people = []
    for number in range(12):
        name = "ABCDEFGHILMN"[number] * 3 + "O"
        code = codicefiscale.encode(
            lastname="Bruno",
            firstname=name,
            gender="M",
            birthdate="10/10/2015",
            birthplace="Milano",
        )
        people.append(
            ContactData(
                role=Role.STUDENT,
                class_name="3",
                section="B",
                surname="BRUNO",
                name=name.upper(),
                codice_fiscale=code,
                birth_date=date(2015, 10, 10),
                last_contact=date(2026, 11, 16),
            )
        )
    await harness.svc.contacts.add_many(
        case_id, people, source=ContactSource.FILE, actor=MARIA, now=NOW
    )
    await referent.send(f"/caso {case_id}")
    await referent.expect("Numero di contatti collegati al caso: 12")
    await referent.tap("Vedi contatti")
    first = await referent.expect("Pagina 1 di 2 · contatti: 12")
    assert "⚠️ da completare" in (first.text or "")
    assert referent.buttons()[:2] == ["Contatto 1", "Contatto 2"]
    await referent.tap("Avanti")
    second = await referent.expect("Pagina 2 di 2")
    assert second.message_id == first.message_id
    assert referent.buttons()[:2] == ["Contatto 11", "Contatto 12"]
    await referent.tap("Indietro")
    await referent.expect("Pagina 1 di 2")
