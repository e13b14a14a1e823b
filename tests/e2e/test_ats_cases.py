"""The ATS side of a closed case: the admins' /casi and /caso, and the hand-over's
retries (a blocked admin, a crash after the closing)."""

from __future__ import annotations

import asyncio

import pytest

from domain.cases import complete_case
from domain.closing import OutboxStatus
from emulator.driver import ChatUser
from tests.e2e.steps import PLESSO_MILANO, joined_referent
from tests.harness import ADMIN_MILANO, ADMIN_VALPADANA, Harness
from tests.unit.test_cases_rules import TODAY, full_draft

MARIA = 300


async def closed_cases(harness: Harness, count: int, *, deliver: bool = False) -> list[int]:
    """`count` cases of PLESSO_MILANO closed through the repository (no notice sent)."""
    svc = harness.svc
    ids = []
    for _ in range(count):
        case = await svc.cases.create(
            complete_case(full_draft(), TODAY), actor=MARIA, now=svc.now()
        )
        result = await svc.closing.close(
            case.id, actor=MARIA, now=svc.now(), recipients=[ADMIN_MILANO] if deliver else []
        )
        assert result.outcome.value == "closed"
        ids.append(case.id)
    return ids


async def test_admin_list_newest_first_paged_and_filtered(
    harness: Harness, admin: ChatUser
) -> None:
    ids = await closed_cases(harness, 12)
    await admin.send("/casi")
    first = await admin.expect("Casi chiusi")
    text = first.text or ""
    assert "Pagina 1 di 2" in text and "casi: 12" in text
    assert text.index(f"{ids[-1]} · ") < text.index(f"{ids[2]} · ")
    await admin.tap("Avanti")
    await admin.expect("Pagina 2 di 2")
    await admin.send(f"/casi {PLESSO_MILANO.lower()}")
    await admin.expect(f"plesso {PLESSO_MILANO}")
    await admin.send("/casi MIMM8AB01V")
    await admin.expect("Nessun caso chiuso")
    await admin.send("/casi 01/10/2026 31/10/2026")
    await admin.expect("Nessun caso chiuso")
    await admin.send("/casi 01/11/2026 30/11/2026")
    await admin.expect("casi: 12")
    await admin.tap("Ultimi 7 giorni")
    await admin.expect("casi: 12")
    await admin.send("/casi boh")
    await admin.expect("Non ho capito: boh")
    await admin.tap("Vedi caso")
    await admin.expect("Codice ricevuta")


async def test_open_cases_and_forged_buttons_are_not_shown(
    harness: Harness, admin: ChatUser
) -> None:
    case = await harness.svc.cases.create(
        complete_case(full_draft(), TODAY), actor=MARIA, now=harness.svc.now()
    )
    await admin.send(f"/caso {case.id}")
    await admin.expect("Caso non trovato")  # not closed: not yet the ATS's
    await admin.send("/caso")
    await admin.expect("codice ricevuta")


async def test_a_referent_cannot_use_the_admin_buttons(harness: Harness, admin: ChatUser) -> None:
    referent = await joined_referent(harness, admin, MARIA)
    await closed_cases(harness, 1)
    await referent.send("/casi")
    listed = await referent.expect("Casi segnalati")
    assert "Caso chiuso" in (listed.text or "")
    await referent.send("/caso ABCD-EFGH")
    await referent.expect("riservato agli operatori ATS")


async def test_a_blocked_admin_is_recorded_and_the_case_stays_closed(
    harness: Harness, admin: ChatUser
) -> None:
    await admin.block()
    (case_id,) = await closed_cases(harness, 1, deliver=True)
    from reminders.handover import deliver

    assert harness.application is not None
    assert await deliver(harness.application) == 0
    (item,) = await harness.svc.closing.outbox(case_id)
    assert item.status is OutboxStatus.UNREACHABLE and item.attempts == 1
    case = await harness.svc.cases.get(case_id)
    assert case is not None and not case.is_open
    assert await deliver(harness.application) == 0  # not tried again


async def test_a_crash_after_closing_still_delivers_at_start_up(
    harness: Harness, admin: ChatUser
) -> None:
    await harness.stop_bot()
    harness.db = None
    from storage.db import Database

    db = Database(harness.settings.database_path)
    await db.connect()
    from bot.context import Services

    services = Services(settings=harness.settings, db=db, clock=harness.clock)
    case = await services.cases.create(
        complete_case(full_draft(), TODAY), actor=MARIA, now=services.now()
    )
    await services.closing.close(
        case.id, actor=MARIA, now=services.now(), recipients=[ADMIN_MILANO]
    )
    await db.close()  # "crash": closed, nothing sent
    await harness.start_bot()
    notice = await admin.document(timeout=10)
    assert f"Caso {case.id}" in notice.content
    for _ in range(50):
        (item,) = await harness.svc.closing.outbox(case.id)
        if item.status is OutboxStatus.SENT:
            break
        await asyncio.sleep(0.05)
    assert item.status is OutboxStatus.SENT
    await harness.user(ADMIN_VALPADANA).expect_no_reply(0.1)


@pytest.mark.parametrize("typed", ["/casi 01/11/2026 02/11/2026 03/11/2026"])
async def test_too_many_dates_are_refused(admin: ChatUser, typed: str) -> None:
    await admin.send(typed)
    await admin.expect("Non ho capito")
