"""/registro: an admin reads the change log of a case, a plesso, a referent of their ATS."""

from __future__ import annotations

from datetime import timedelta

from bot.catalog import common
from domain.cases import Case, complete_case
from emulator.driver import ChatUser
from tests.e2e.steps import PLESSO_MILANO, invite, joined_referent
from tests.harness import ADMIN_REGIONAL, ADMIN_VALPADANA, Harness
from tests.reliability.world import CONTACT_A, _contact
from tests.unit.test_cases_rules import TODAY, full_draft

MARIA = 300


async def created_and_edited(harness: Harness) -> Case:
    """A case Maria reported, then corrected (the class)."""
    svc = harness.svc
    case = await svc.cases.create(complete_case(full_draft(), TODAY), actor=MARIA, now=svc.now())
    harness.clock.advance(minutes=5)
    edited = case.data.model_copy(update={"class_name": "4"})
    result = await svc.cases.update(
        case.id, edited, expected_version=case.version, actor=MARIA, now=svc.now()
    )
    assert result.outcome.value == "saved"
    return case


async def test_a_case_log_newest_first_with_names(harness: Harness, admin: ChatUser) -> None:
    await joined_referent(harness, admin, MARIA)
    case = await created_and_edited(harness)
    await admin.send(f"/registro {case.id}")
    message = await admin.expect(f"Registro del caso {case.id}")
    text = message.text or ""
    assert "MARIA ROSSI · caso modificato" in text and "MARIA ROSSI · caso segnalato" in text
    assert text.index("caso modificato") < text.index("caso segnalato")
    assert f"· caso {case.id}" in text
    local = harness.svc.local_now()
    assert f"{local:%d/%m/%Y}" in text
    assert "Avanti" not in admin.buttons()


async def test_a_plesso_log_has_its_cases_and_referents(harness: Harness, admin: ChatUser) -> None:
    await joined_referent(harness, admin, MARIA)
    case = await created_and_edited(harness)
    await admin.send(f"/registro {PLESSO_MILANO.lower()}")
    message = await admin.expect(f"Registro del plesso {PLESSO_MILANO}")
    text = message.text or ""
    assert "ATS · invito creato · plesso MIEE8AB01T" in text
    assert "referente abilitato al plesso" in text
    assert f"caso modificato · caso {case.id}" in text
    await admin.send("/registro MIMM8AB01V")
    other = await admin.expect("Registro del plesso MIMM8AB01V")
    assert "plesso aggiunto all'anagrafe" in (other.text or "")
    assert "caso segnalato" not in (other.text or "")


async def test_a_referent_log_by_button_and_by_id(harness: Harness, admin: ChatUser) -> None:
    await joined_referent(harness, admin, MARIA)
    await created_and_edited(harness)
    referent = await harness.svc.referents.by_user(MARIA)
    assert referent is not None
    await admin.send("/registro")
    await admin.expect("Registro delle modifiche")
    await admin.tap("Referenti")
    await admin.expect("Scegli il referente")
    await admin.tap("MARIA ROSSI")
    message = await admin.expect("Registro del referente Maria Rossi")
    text = message.text or ""
    assert "referente registrato" in text and "caso segnalato" in text
    await admin.send(f"/registro referente {referent.id}")
    await admin.expect("Registro del referente Maria Rossi")
    await admin.send("/registro boh")
    await admin.expect("Non ho capito: boh")


async def test_pages_of_ten_at_most_fifty(harness: Harness, admin: ChatUser) -> None:
    await joined_referent(harness, admin, MARIA)
    ids = []
    for _ in range(30):
        case = await created_and_edited(harness)
        ids.append(case.id)
    await admin.send(f"/registro {PLESSO_MILANO}")
    first = await admin.expect("pagina 1 di 5")
    assert "Modifiche: 50" in (first.text or "")
    assert f"caso {ids[-1]}" in (first.text or "")
    await admin.tap("Avanti")
    await admin.expect("pagina 2 di 5")
    await admin.tap("Indietro")
    await admin.expect("pagina 1 di 5")


async def test_another_ats_gets_not_found(harness: Harness, admin: ChatUser) -> None:
    await joined_referent(harness, admin, MARIA)
    case = await created_and_edited(harness)
    referent = await harness.svc.referents.by_user(MARIA)
    assert referent is not None
    other = harness.user(ADMIN_VALPADANA, "Olga")
    await other.send(f"/registro {case.id}")
    await other.expect(f"Caso {case.id} non trovato")
    await other.send("/registro 99999")
    await other.expect("Caso 99999 non trovato")
    await other.send(f"/registro {PLESSO_MILANO}")
    await other.expect(f"Plesso {PLESSO_MILANO} non trovato")
    await other.send(f"/registro referente {referent.id}")
    await other.expect(f"Referente {referent.id} non trovato")
    await other.send("/registro")
    await other.tap("Referenti")
    await other.expect("Nessun referente per ATS-VALPADANA")


async def test_a_referent_is_refused(harness: Harness, admin: ChatUser) -> None:
    maria = await joined_referent(harness, admin, MARIA)
    case = await created_and_edited(harness)
    await maria.send(f"/registro {case.id}")
    await maria.expect(common.ADMIN_ONLY)


PLESSO_CREMONA = "CREE81001A"  # ATS-VALPADANA, sentinel


async def test_a_referent_log_shows_only_the_admins_ats(harness: Harness, admin: ChatUser) -> None:
    """Maria holds a Milano plesso and a Valpadana one: the Milano admin reads her Milano
    rows and her own (registration), never what she did in Valpadana (issue 15, item 3)."""
    regional = harness.user(ADMIN_REGIONAL, "Rita")
    maria = await joined_referent(harness, admin, MARIA)
    await maria.send(f"/start {await invite(regional, PLESSO_CREMONA)}")
    await maria.expect("anche per")
    milano_case = await created_and_edited(harness)
    svc = harness.svc
    cremona_case = await svc.cases.create(
        complete_case(full_draft(plesso_code=PLESSO_CREMONA), TODAY), actor=MARIA, now=svc.now()
    )
    await svc.absences.record(
        plesso_code=PLESSO_CREMONA, day=TODAY, absent=3, ill=1, actor=MARIA, now=svc.now()
    )
    contact = _contact(CONTACT_A, TODAY - timedelta(days=1))
    added = await svc.contacts.add(cremona_case.id, contact, actor=MARIA, now=svc.now())
    assert added.contact is not None
    referent = await svc.referents.by_user(MARIA)
    assert referent is not None

    await admin.send(f"/registro referente {referent.id}")
    text = (await admin.expect("Registro del referente Maria Rossi")).text or ""
    assert f"caso {milano_case.id}" in text and "referente registrato" in text
    assert f"caso {cremona_case.id}" not in text
    assert PLESSO_CREMONA not in text and "assenze registrate" not in text
    assert "contatto aggiunto" not in text
    assert text.count("referente abilitato al plesso") == 1  # the Milano link only
    await admin.send(f"/registro {cremona_case.id}")
    await admin.expect(f"Caso {cremona_case.id} non trovato")

    other = harness.user(ADMIN_VALPADANA, "Olga")
    await other.send(f"/registro referente {referent.id}")
    seen = (await other.expect("Registro del referente Maria Rossi")).text or ""
    assert f"caso {cremona_case.id}" in seen and f"plesso {PLESSO_CREMONA}" in seen
    assert f"contatto {added.contact.id} (caso {cremona_case.id})" in seen
    assert f"caso {milano_case.id}" not in seen
    await regional.send(f"/registro referente {referent.id}")
    everything = (await regional.expect("Registro del referente Maria Rossi")).text or ""
    assert f"caso {cremona_case.id}" in everything and f"caso {milano_case.id}" in everything
