"""/casi, Vedi caso and Modifica caso end to end: paging, edits, conflicts, other plessi."""

from __future__ import annotations

import pytest

from domain.cases import CaseData, complete_case
from emulator.driver import ChatUser
from tests.e2e.steps import PLESSO_MILANO, PLESSO_MILANO_2, joined_referent, report_case
from tests.harness import Harness
from tests.unit.test_cases_rules import TODAY, full_draft

MARIA = 300
PAOLO = 301
ANNA = 302


@pytest.fixture
async def maria(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, MARIA)


@pytest.fixture
async def paolo(harness: Harness, admin: ChatUser) -> ChatUser:
    """A second referent of the same plesso as Maria."""
    return await joined_referent(harness, admin, PAOLO, first_name="Paolo", name="Paolo Neri")


@pytest.fixture
async def anna(harness: Harness, admin: ChatUser) -> ChatUser:
    """The referent of another plesso."""
    return await joined_referent(
        harness, admin, ANNA, PLESSO_MILANO_2, first_name="Anna", name="Anna Gialli"
    )


def case_data(plesso_code: str = PLESSO_MILANO, **changes: object) -> CaseData:
    return complete_case(full_draft(plesso_code=plesso_code, **changes), TODAY)


async def seed_cases(harness: Harness, count: int, plesso_code: str = PLESSO_MILANO) -> list[int]:
    ids = []
    for number in range(1, count + 1):
        case = await harness.svc.cases.create(
            case_data(plesso_code, surname=f"COGNOME {number:02d}"),
            actor=MARIA,
            now=harness.clock(),
        )
        ids.append(case.id)
    return ids


async def close_case(harness: Harness, case_id: int) -> None:
    """What "Chiudi e invia il caso all'ATS" will do (its own issue)."""
    async with harness.svc.db.transaction() as conn:
        await conn.execute(
            "UPDATE cases SET status = 'closed', closed_at = updated_at WHERE id = ?", (case_id,)
        )


async def forge_tap(harness: Harness, user: ChatUser, data: str) -> str:
    """A tap with callback data the bot never gave this user (an old or forged client)."""
    user._mark(f"[forged {data}]")  # so that user.expect() looks after the tap
    return harness.emulator.forge_callback(user.user_id, user.last_message().message_id, data)


async def answer_to(harness: Harness, query_id: str) -> str:
    """The toast the bot showed for a forged tap."""
    answers = harness.emulator.callback_answers
    await harness.emulator.wait_for(lambda: query_id in answers, 5)
    return answers[query_id].text or ""


async def test_list_shows_the_portals_columns(harness: Harness, maria: ChatUser) -> None:
    await maria.send("/casi")
    await maria.expect("Nessun caso segnalato")
    case_id = await report_case(maria)
    await maria.send("/casi")
    listing = await maria.expect("Casi segnalati")
    text = listing.text or ""
    assert f"{case_id} · BIANCHI LUCA · BN…5O" in text
    assert "ult. giorno freq. 16/11/2026" in text
    assert "nr. contatti 0" in text and "aperto" in text
    assert maria.buttons() == [
        f"Vedi caso {case_id}",
        f"Modifica caso {case_id}",
        f"Aggiungi contatti {case_id}",
        f"Vedi contatti {case_id}",
        f"📤 Chiudi e invia caso {case_id}",
        "➕ Nuovo caso",
    ]
    await maria.tap(f"Vedi caso {case_id}")
    view = await maria.expect(f"Caso {case_id} – aperto")
    assert "BNCLCU15C02F205O" in (view.text or "")
    assert "Numero di contatti collegati al caso: 0" in (view.text or "")
    assert maria.buttons() == [
        "✏️ Modifica caso",
        "➕ Aggiungi contatti",
        "👥 Vedi contatti",
        "📤 Chiudi e invia il caso all'ATS",
        "Elenco dei casi",
    ]
    await maria.tap("Elenco dei casi")
    await maria.expect("Casi segnalati")
    await maria.tap("Nuovo caso")
    await maria.expect("Tipo scuola")


async def test_paging_next_and_previous(harness: Harness, maria: ChatUser) -> None:
    ids = await seed_cases(harness, 12)
    await maria.send("/casi")
    first = await maria.expect("Pagina 1 di 3")
    assert "casi segnalati: 12" in (first.text or "")
    assert "COGNOME 12" in (first.text or "") and "COGNOME 07" not in (first.text or "")
    assert maria.buttons()[0] == f"Vedi caso {ids[-1]}"  # newest first
    assert "◀ Indietro" not in maria.buttons()
    await maria.tap("Avanti")
    second = await maria.expect("Pagina 2 di 3")
    assert "COGNOME 07" in (second.text or "") and "COGNOME 12" not in (second.text or "")
    assert second.message_id == first.message_id  # the page turns in place
    await maria.tap("Avanti")
    third = await maria.expect("Pagina 3 di 3")
    assert "COGNOME 01" in (third.text or "")
    assert "Avanti ▶" not in maria.buttons()
    await maria.tap("Indietro")
    await maria.expect("Pagina 2 di 3")
    await maria.tap(f"Vedi caso {ids[6]}")
    await maria.expect(f"Caso {ids[6]} – aperto")


async def test_a_referent_of_two_plessi_picks_the_plesso(harness: Harness, admin: ChatUser) -> None:
    await seed_cases(harness, 2, PLESSO_MILANO_2)
    referent = await joined_referent(harness, admin, 303, PLESSO_MILANO, PLESSO_MILANO_2)
    await referent.send("/casi")
    await referent.expect("Di quale plesso")
    await referent.tap("Parco Nord")
    listing = await referent.expect("Casi segnalati")
    assert "MIMM8AB01V" in (listing.text or "") and "casi segnalati: 2" in (listing.text or "")


async def test_closed_case_offers_view_only(harness: Harness, maria: ChatUser) -> None:
    open_id, closed_id = await seed_cases(harness, 2)
    await maria.send("/casi")
    await maria.expect("Casi segnalati")
    await close_case(harness, closed_id)
    await maria.send("/casi")
    listing = await maria.expect("Casi segnalati")
    assert "Caso chiuso" in (listing.text or "")
    assert maria.buttons() == [
        f"Vedi caso {closed_id}",
        f"Vedi contatti {closed_id}",
        f"Vedi caso {open_id}",
        f"Modifica caso {open_id}",
        f"Aggiungi contatti {open_id}",
        f"Vedi contatti {open_id}",
        f"📤 Chiudi e invia caso {open_id}",
        "➕ Nuovo caso",
    ]
    await maria.tap(f"Vedi caso {closed_id}")
    view = await maria.expect(f"Caso {closed_id} – Caso chiuso")
    assert "non sono più modificabili" in (view.text or "")
    assert maria.buttons() == ["👥 Vedi contatti", "Elenco dei casi"]
    # The first list, from before the case was closed, still shows its edit button.
    await maria.tap_stale(f"Modifica caso {closed_id}")
    await maria.expect("non è più modificabile")


async def test_edit_a_case_and_a_colleague_sees_the_change(
    harness: Harness, maria: ChatUser, paolo: ChatUser
) -> None:
    case_id = await report_case(maria)
    await maria.send("/casi")
    await maria.expect("Casi segnalati")
    await maria.tap(f"Modifica caso {case_id}")
    review = await maria.expect(f"Modifica caso {case_id}")
    assert "Cognome: BIANCHI" in (review.text or "")
    assert "✏️ Plesso" not in maria.buttons()
    await maria.tap("✏️ Telefono 1")
    await maria.expect("Telefono 1 del caso")
    await maria.send("abc")
    await maria.expect("non è un numero di telefono valido")
    await maria.send("340 9876543")
    await maria.expect(f"Modifica caso {case_id}")
    await maria.tap("✏️ Ultimo giorno")
    await maria.expect("Ultimo giorno di frequenza")
    await maria.send("20/11/2026")
    await maria.expect("non può essere nel futuro")
    await maria.tap("Oggi")
    await maria.expect(f"Modifica caso {case_id}")
    await maria.tap("Salva")
    await maria.expect(f"Caso {case_id} aggiornato")
    case = await harness.svc.cases.get(case_id)
    assert case is not None and case.version == 2
    assert case.data.phone1 == "+393409876543"
    history = await harness.svc.audit.for_entity("case", str(case_id))
    assert history[0].action == "case.update"
    assert history[0].details["fields"] == ["phone1", "last_attendance"]

    await paolo.send(f"/caso {case_id}")
    view = await paolo.expect(f"Caso {case_id}")
    assert "+39 340 987 6543" in (view.text or "") and "17/11/2026" in (view.text or "")


async def test_edit_without_changes_and_cancelled_edit_write_nothing(
    harness: Harness, maria: ChatUser
) -> None:
    (case_id,) = await seed_cases(harness, 1)
    await maria.send(f"/caso {case_id}")
    await maria.expect(f"Caso {case_id}")
    await maria.tap("Modifica caso")
    await maria.expect(f"Modifica caso {case_id}")
    await maria.tap("Salva")
    await maria.expect("Nessuna modifica da salvare")
    await maria.send(f"/caso {case_id}")
    await maria.expect(f"Caso {case_id}")
    await maria.tap("Modifica caso")
    await maria.expect(f"Modifica caso {case_id}")
    await maria.tap("✏️ Cognome")
    await maria.expect("Cognome del caso")
    await maria.send("Diverso")
    await maria.expect("non corrisponde al cognome")  # the seeded code is another's
    await maria.tap("Il codice è giusto")
    await maria.expect(f"Modifica caso {case_id}")
    await maria.tap("Annulla")
    await maria.expect("Vuoi davvero annullare?")  # issue 22: answers are not dropped at once
    await maria.tap("Sì")
    await maria.expect("Modifica annullata")
    case = await harness.svc.cases.get(case_id)
    assert case is not None and case.version == 1 and case.data.surname == "COGNOME 01"


async def test_two_referents_editing_at_once_do_not_overwrite(
    harness: Harness, maria: ChatUser, paolo: ChatUser
) -> None:
    (case_id,) = await seed_cases(harness, 1)
    for referent in (maria, paolo):
        await referent.send(f"/caso {case_id}")
        await referent.expect(f"Caso {case_id}")
        await referent.tap("Modifica caso")
        await referent.expect(f"Modifica caso {case_id}")
        await referent.tap("✏️ Cognome")
        await referent.expect("Cognome del caso")
    await maria.send("Primo")
    await maria.expect("non corrisponde al cognome")  # the seeded code is another's
    await maria.tap("Il codice è giusto")
    await maria.expect(f"Modifica caso {case_id}")
    await paolo.send("Secondo")
    await paolo.expect("non corrisponde al cognome")  # the seeded code is another's
    await paolo.tap("Il codice è giusto")
    await paolo.expect(f"Modifica caso {case_id}")
    await maria.tap("Salva")
    await maria.expect("aggiornato")
    await paolo.tap("Salva")
    await paolo.expect("non sono state salvate")
    current = await paolo.expect("Cognome: PRIMO")
    assert "Modifica caso" in " ".join(paolo.buttons())
    assert current is not None
    case = await harness.svc.cases.get(case_id)
    assert case is not None and case.data.surname == "PRIMO" and case.version == 2
    # Paolo starts again from the current values.
    await paolo.tap("Modifica caso")
    await paolo.expect(f"Modifica caso {case_id}")
    await paolo.tap("✏️ Cognome")
    await paolo.expect("Cognome del caso")
    await paolo.send("Secondo")
    await paolo.expect("non corrisponde al cognome")  # the seeded code is another's
    await paolo.tap("Il codice è giusto")
    await paolo.expect(f"Modifica caso {case_id}")
    await paolo.tap("Salva")
    await paolo.expect("aggiornato")
    case = await harness.svc.cases.get(case_id)
    assert case is not None and case.data.surname == "SECONDO" and case.version == 3


async def test_another_plessos_case_is_like_an_unknown_one(
    harness: Harness, maria: ChatUser, anna: ChatUser
) -> None:
    (case_id,) = await seed_cases(harness, 1)
    await anna.send("/caso 999")
    unknown = await anna.expect("Caso non trovato")
    await anna.send(f"/caso {case_id}")
    foreign = await anna.expect("Caso non trovato")
    assert foreign.text == unknown.text
    await anna.send("/caso abc")
    await anna.expect("Caso non trovato")
    await anna.send("/caso")
    await anna.expect("/caso 12")
    await anna.send("/casi")
    listing = await anna.expect("Nessun caso segnalato")
    assert "COGNOME" not in (listing.text or "")

    await forge_tap(harness, anna, f"cs:view:{case_id}")
    await anna.expect("Caso non trovato")
    await forge_tap(harness, anna, f"cs:edit:{case_id}")
    await anna.expect("Caso non trovato")
    query = await forge_tap(harness, anna, f"cs:page:{PLESSO_MILANO}:1")
    assert "non è più attivo" in await answer_to(harness, query)
    await forge_tap(harness, anna, f"cs:new:{PLESSO_MILANO}")
    await anna.expect("Tipo scuola")  # her own plesso, not Maria's
    await anna.send("/annulla")
    await anna.expect("Operazione annullata")
    query = await forge_tap(harness, anna, "cs:view:1:2")
    assert "non è più attivo" in await answer_to(harness, query)
    # Maria's case is untouched and Maria still sees it.
    await maria.send(f"/caso {case_id}")
    await maria.expect("COGNOME 01")


async def test_strangers_and_admins_get_no_cases(
    harness: Harness, admin: ChatUser, stranger: ChatUser
) -> None:
    await seed_cases(harness, 1)
    await stranger.send("/casi")
    await stranger.expect("Non sei registrato")
    await stranger.send("/nuovocaso")
    await stranger.expect("Non sei registrato")
    await admin.send("/caso 1")
    await admin.expect("Caso non trovato")  # an admin sees closed cases only (issue 5)
