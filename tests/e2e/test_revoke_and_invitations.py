"""Every access can be revoked and every invitation cancelled (issue 15, item 2): /revoca pages
and takes `NOME|CODICE_PLESSO`, /inviti lists the invitations not used yet with «Annulla», and
the «Referenti» button of /registro pages too. An intruder who registered as "Zz…" with a
leaked invitation is never out of reach."""

from __future__ import annotations

from datetime import timedelta

from domain.invitations import hash_invitation_code, new_invitation_code
from domain.registry import ReferentProfile
from emulator.driver import ChatUser
from tests.e2e.steps import PLESSO_MILANO, PLESSO_MILANO_2, invite, join
from tests.harness import ADMIN_MILANO, ADMIN_VALPADANA, Harness

INTRUDER = "Zz Intruso"
FIRST_USER = 5000


async def registered(
    harness: Harness, count: int, *, name: str = "Referente {n:02d}", plesso: str = PLESSO_MILANO
) -> list[int]:
    """`count` referents of `plesso` (their telegram ids), registered as the join flow would."""
    svc = harness.svc
    users = []
    for n in range(count):
        user_id = FIRST_USER + len(await svc.referents.list_for_ats(None)) + 1
        code = new_invitation_code()
        await svc.invitations.create(
            code_hash=hash_invitation_code(code),
            plesso_code=plesso,
            created_by=ADMIN_MILANO,
            now=svc.now(),
            expires_at=svc.now() + timedelta(days=7),
        )
        profile = ReferentProfile(full_name=name.format(n=n), phone="3331234567", email="r@x.it")
        joined = await svc.referents.join(
            telegram_user_id=user_id,
            profile=profile,
            invitation_hash=hash_invitation_code(code),
            now=svc.now(),
        )
        assert joined is not None
        users.append(user_id)
    return users


async def test_the_intruder_past_the_first_forty_is_revoked(
    harness: Harness, admin: ChatUser
) -> None:
    await registered(harness, 45)
    [intruder] = await registered(harness, 1, name=INTRUDER)
    await admin.send("/revoca")
    first = await admin.expect("Accessi: 46 · pagina 1 di 5")
    assert "/revoca NOME" in (first.text or "")
    assert len(admin.buttons()) == 11  # ten accesses and «Avanti»
    assert not any(INTRUDER in label for label in admin.buttons())
    for page in range(2, 6):
        await admin.tap("Avanti")
        await admin.expect(f"pagina {page} di 5")
    assert any(INTRUDER in label for label in admin.buttons())
    assert "Avanti ▶" not in admin.buttons() and "◀ Indietro" in admin.buttons()
    await admin.tap(INTRUDER)
    await admin.expect("Revocare a")
    await admin.tap("Sì")
    await admin.expect(f"Accesso revocato: {INTRUDER}")
    referent = await harness.svc.referents.by_user(intruder)
    assert referent is not None and referent.plessi == ()
    await admin.send("/revoca")
    await admin.expect("Accessi: 45 · pagina 1 di 5")


async def test_revoca_narrows_by_name_or_plesso_code(harness: Harness, admin: ChatUser) -> None:
    await registered(harness, 12)
    await registered(harness, 1, name=INTRUDER, plesso=PLESSO_MILANO_2)
    await registered(harness, 11, name="Ζωή Παπαδάκη {n:02d}")
    await admin.send("/revoca zz")
    found = await admin.expect("Ricerca: zz")
    assert "Accessi: 1 · pagina 1 di 1" in (found.text or "")
    assert admin.buttons() == [f"{INTRUDER} – {PLESSO_MILANO_2}"]
    await admin.send(f"/revoca {PLESSO_MILANO_2.lower()}")
    await admin.expect("Accessi: 1 · pagina 1 di 1")
    assert admin.buttons() == [f"{INTRUDER} – {PLESSO_MILANO_2}"]
    await admin.send("/revoca REFERENTE")  # any case; twelve of them: the search pages
    await admin.expect("Accessi: 12 · pagina 1 di 2")
    await admin.tap("Avanti")
    page = await admin.expect("pagina 2 di 2")
    assert "Ricerca: referente" in (page.text or "")
    assert len(admin.buttons()) == 3  # two accesses and «Indietro»
    await admin.send("/revoca Ζωή")  # other letters travel in the buttons too
    await admin.expect("Accessi: 11 · pagina 1 di 2")
    await admin.tap("Avanti")
    greek = await admin.expect("pagina 2 di 2")
    assert "Ricerca: ζωη" in (greek.text or "")
    await admin.send("/revoca nessuno")
    await admin.expect("Nessun accesso corrisponde a «nessuno»")
    await admin.send("/revoca " + "x" * 50)
    await admin.expect("Ricerca troppo lunga")
    other = harness.user(ADMIN_VALPADANA, "Olga")
    await other.send("/revoca zz")
    await other.expect("Nessun accesso corrisponde a «zz» (ATS-VALPADANA)")


async def test_an_outstanding_invitation_is_cancelled(harness: Harness, admin: ChatUser) -> None:
    first = await invite(admin, PLESSO_MILANO)
    second = await invite(admin, PLESSO_MILANO_2)
    await admin.send("/inviti")
    listed = await admin.expect("Inviti in sospeso")
    text = listed.text or ""
    assert "ATS-MILANO): 2" in text and PLESSO_MILANO in text and PLESSO_MILANO_2 in text
    assert first not in text and second not in text  # the codes are never shown again
    other = harness.user(ADMIN_VALPADANA, "Olga")
    await other.send("/inviti")
    await other.expect("Nessun invito in sospeso (ATS-VALPADANA)")
    await admin.tap(f"({PLESSO_MILANO})")
    await admin.expect(f"per {PLESSO_MILANO} annullato")
    refreshed = await admin.expect("ATS-MILANO): 1")
    assert PLESSO_MILANO not in (refreshed.text or "").replace(PLESSO_MILANO_2, "")
    rows = await harness.svc.db.fetchall(
        "SELECT actor, entity_id FROM audit_log WHERE action = 'invitation.cancel'"
    )
    assert [(row["actor"], row["entity_id"]) for row in rows] == [
        (f"tg:{ADMIN_MILANO}", PLESSO_MILANO)
    ]
    referent = harness.user(301, "Luigi")
    await referent.send(f"/start {first}")
    await referent.expect("annullato")
    assert await harness.svc.referents.by_user(301) is None
    await join(referent, second, name="Luigi Verdi")  # the other one still works
    await admin.send("/inviti")
    await admin.expect("Nessun invito in sospeso (ATS-MILANO)")


async def test_invitations_page_and_a_stale_cancel_changes_nothing(
    harness: Harness, admin: ChatUser
) -> None:
    for _ in range(12):
        await invite(admin, PLESSO_MILANO)
    await admin.send("/inviti")
    await admin.expect("12 · pagina 1 di 2")
    await admin.tap("Avanti")
    await admin.expect("12 · pagina 2 di 2")
    assert len(admin.buttons()) == 3  # two «Annulla» and «Indietro»
    await admin.tap("Annulla n. 1 ")
    await admin.expect("Invito n. 1 per")
    await admin.tap_stale("Annulla n. 1 ")
    await admin.expect("Invito n. 1: già usato o scaduto")
    rows = await harness.svc.db.fetchall(
        "SELECT id FROM audit_log WHERE action = 'invitation.cancel'"
    )
    assert len(rows) == 1


async def test_the_registro_referents_button_pages(harness: Harness, admin: ChatUser) -> None:
    await registered(harness, 45)
    await registered(harness, 1, name=INTRUDER)
    await admin.send("/registro")
    await admin.tap("Referenti")
    await admin.expect("Referenti: 46 · pagina 1 di 5")
    assert INTRUDER not in admin.buttons()
    for page in range(2, 6):
        await admin.tap("Avanti")
        await admin.expect(f"pagina {page} di 5")
    await admin.tap(INTRUDER)
    await admin.expect(f"Registro del referente {INTRUDER}")
