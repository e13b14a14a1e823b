"""/avviso, end to end: an admin writes to the referents of the ATS, previews, confirms,
and gets the count; delivered in the background, resumed after a restart, never twice."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.catalog import common
from domain.broadcast import Audience, CreateOutcome, RecipientState
from emulator.driver import ChatUser
from reminders import broadcast as delivery
from tests.e2e.steps import NOT_SENTINEL, SENTINEL, SENTINEL_2, joined_referent
from tests.harness import ADMIN_MILANO, ADMIN_REGIONAL, ADMIN_VALPADANA, Harness, MutableClock

NOT_SENTINEL_2 = "MIEE8CD02X"  # Scuola Primaria Rondinella, not sentinel, ATS-MILANO
VALPADANA_PLESSO = "CREE81001A"
MARIA, LUCA, SARA, VITTORIA = 301, 302, 303, 304
MILANO_HEADER = "📢 Avviso di ATS-MILANO ai referenti COVID\n\n"
SENTINEL_HEADER = "📢 Avviso di ATS-MILANO ai referenti delle scuole sentinella\n\n"
TEXT = 'Riunione <b>giovedì</b> alle 10 & "sala A" <script>x</script>\nPortate i dati: 5 > 3'


@dataclass
class People:
    maria: ChatUser  # a sentinel plesso and a non-sentinel one: one person, one message
    luca: ChatUser  # a non-sentinel plesso
    sara: ChatUser  # a sentinel plesso
    vittoria: ChatUser  # ATS-VALPADANA

    @property
    def milano(self) -> list[ChatUser]:
        return [self.maria, self.luca, self.sara]


async def referents_of_two_ats(harness: Harness, admin: ChatUser) -> People:
    valpadana = harness.user(ADMIN_VALPADANA, "Vittorio")
    return People(
        maria=await joined_referent(harness, admin, MARIA, SENTINEL, NOT_SENTINEL),
        luca=await joined_referent(
            harness, admin, LUCA, NOT_SENTINEL_2, first_name="Luca", name="Luca Bianchi"
        ),
        sara=await joined_referent(
            harness, admin, SARA, SENTINEL_2, first_name="Sara", name="Sara Neri"
        ),
        vittoria=await joined_referent(
            harness,
            valpadana,
            VITTORIA,
            VALPADANA_PLESSO,
            first_name="Vittoria",
            name="Vittoria Sala",
        ),
    )


@pytest.fixture
async def people(harness: Harness, admin: ChatUser) -> People:
    return await referents_of_two_ats(harness, admin)


def avvisi(user: ChatUser) -> list[str]:
    """The broadcasts the person received, as they read them."""
    return [m.text or "" for m in user.messages if (m.text or "").startswith("📢 Avviso")]


async def write(admin: ChatUser, audience: str, text: str, recipients: int) -> None:
    """/avviso up to the preview, which is checked to be the message as it will arrive."""
    await admin.send("/avviso")
    await admin.expect("A chi vuoi scrivere?")
    await admin.tap(audience)
    await admin.expect("Scrivi il messaggio")
    await admin.send(text)
    await admin.expect(f"arriverà a {recipients} referent")


async def broadcast(admin: ChatUser, audience: str, text: str, recipients: int) -> str:
    """Write, confirm, and wait for the final count; returns it."""
    await write(admin, audience, text, recipients)
    await admin.tap("Conferma")
    await admin.expect(f"Invio in corso a {recipients} referent")
    return (await admin.expect("consegnato", timeout=10)).text or ""


def app(harness: Harness) -> delivery.AnyApplication:
    assert harness.application is not None
    return harness.application


def rows(harness: Harness, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(harness.settings.database_path) as conn:
        return conn.execute(sql).fetchall()


# --- the way it should go ---------------------------------------------------------------------


async def test_the_preview_is_what_each_referent_then_receives_once(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    await admin.send("/avviso")
    question = await admin.expect("A chi vuoi scrivere?")
    assert "ATS-MILANO" in (question.text or "")
    assert admin.buttons() == ["Tutti i referenti (3)", "Solo plessi sentinella (2)", "Annulla"]
    await admin.tap("Tutti i referenti")
    await admin.expect("Scrivi il messaggio")
    await admin.send(TEXT)
    preview = await admin.expect("📢 Avviso di ATS-MILANO")
    assert preview.text == MILANO_HEADER + TEXT
    await admin.expect("arriverà a 3 referenti")
    await admin.tap("Conferma")
    await admin.expect("Invio in corso a 3 referenti")
    count = (await admin.expect("consegnato", timeout=10)).text or ""
    assert "inviati: 3" in count and "non riusciti: 0" in count
    assert "esito incerto" not in count

    for referent in people.milano:
        assert avvisi(referent) == [MILANO_HEADER + TEXT], referent.name
    assert avvisi(people.vittoria) == []
    (status,) = await harness.svc.broadcasts.recent("ATS-MILANO", 5)
    assert status.count.sent == 3 and status.count.done
    sent = await harness.svc.broadcasts.recipients_of(status.broadcast.id)
    assert sent == [(user, RecipientState.SENT) for user in (MARIA, LUCA, SARA)]
    # Delivered: the text is no longer kept anywhere in the database, the audit says what.
    assert status.broadcast.text is None
    assert rows(harness, "SELECT 1 FROM broadcasts WHERE body IS NOT NULL") == []
    assert rows(harness, "SELECT 1 FROM conversations WHERE data LIKE '%Riunione%'") == []
    audit = await harness.svc.audit.for_ats("ATS-MILANO")
    assert [entry.action for entry in audit] == ["broadcast.delivered", "broadcast.create"]
    assert audit[1].details["recipients"] == 3 and "Riunione" not in str(audit)
    # The next /avviso lists it.
    await admin.send("/avviso")
    listed = await admin.expect("Ultimi avvisi")
    assert "tutti i referenti: inviati 3, bloccati 0, non riusciti 0" in (listed.text or "")


async def test_sentinel_only_leaves_out_the_referents_of_other_plessi(
    admin: ChatUser, people: People
) -> None:
    count = await broadcast(admin, "Solo plessi sentinella", "Domani si registra", 2)
    assert "inviati: 2" in count
    assert avvisi(people.maria) == avvisi(people.sara) == [SENTINEL_HEADER + "Domani si registra"]
    assert avvisi(people.luca) == [] and avvisi(people.vittoria) == []


async def test_modifica_writes_it_again_and_the_old_preview_cannot_send(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    await write(admin, "Tutti i referenti", "Prima versione", 3)
    await admin.tap("Modifica")
    await admin.expect("Scrivi il messaggio")
    await admin.send("Seconda versione")
    await admin.expect("arriverà a 3 referenti")
    await admin.tap_stale("Conferma")  # the first preview's button
    await admin.expect_answer(common.STALE_BUTTON)
    assert await harness.svc.broadcasts.recent("ATS-MILANO", 5) == []
    await admin.tap("Conferma")
    await admin.expect("consegnato", timeout=10)
    assert avvisi(people.sara) == [MILANO_HEADER + "Seconda versione"]


async def test_a_double_tap_on_conferma_sends_one_broadcast(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    await write(admin, "Tutti i referenti", "Una volta sola", 3)
    await admin.tap("Conferma")
    await admin.tap_stale("Conferma")
    await admin.expect("consegnato", timeout=10)
    await asyncio.sleep(0.3)
    (status,) = await harness.svc.broadcasts.recent("ATS-MILANO", 5)
    assert all(avvisi(referent) == [MILANO_HEADER + "Una volta sola"] for referent in people.milano)
    # The same confirmation again (as after a crash before the flow ended) adds nothing.
    rows_before = rows(harness, "SELECT COUNT(*) FROM broadcast_recipients")
    again = await harness.svc.broadcasts.create(
        request_key=str(rows(harness, "SELECT request_key FROM broadcasts")[0][0]),
        ats_code="ATS-MILANO",
        audience=Audience.ALL,
        text="Una volta sola",
        actor=ADMIN_MILANO,
        now=harness.svc.now(),
    )
    assert again.outcome is CreateOutcome.ALREADY and again.broadcast == status.broadcast
    assert rows(harness, "SELECT COUNT(*) FROM broadcast_recipients") == rows_before


async def test_bad_text_is_asked_again_and_annulla_sends_nothing(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    await admin.send("/avviso")
    await admin.tap("Solo plessi sentinella")
    ask = await admin.expect("Scrivi il messaggio")
    assert "Al massimo 4034 caratteri" in (ask.text or "")
    await admin.send("x" * 4035)
    await admin.expect("troppo lungo: 4035 caratteri, al massimo 4034")
    await admin.expect("Scrivi il messaggio")
    await admin.send_photo()
    await admin.expect(common.TEXT_EXPECTED)
    await admin.send("x" * 4034)
    await admin.expect("arriverà a 2 referenti")
    await admin.tap("Annulla")
    await admin.expect("Avviso annullato")
    await asyncio.sleep(0.3)
    assert rows(harness, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    assert all(avvisi(referent) == [] for referent in people.milano)


# --- Telegram answering no, and restarts -------------------------------------------------------


async def test_a_blocked_referent_is_counted_as_bloccato_and_marked_unreachable(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    await people.luca.block()
    count = await broadcast(admin, "Tutti i referenti", "Chi mi ha bloccato?", 3)
    assert "inviati: 2" in count and "più l'account): 1" in count
    assert avvisi(people.maria) != [] and avvisi(people.luca) == []
    luca = await harness.svc.referents.by_user(LUCA)
    assert luca is not None and await harness.svc.reminders.unreachable_ids() == {luca.id}


async def test_a_429_is_waited_out_and_everybody_gets_it(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    created = await harness.svc.broadcasts.create(
        request_key="test-429",
        ats_code="ATS-MILANO",
        audience=Audience.ALL,
        text="Con calma",
        actor=ADMIN_MILANO,
        now=harness.svc.now(),
    )
    assert created.outcome is CreateOutcome.CREATED
    harness.emulator.fail_next("sendMessage", status=429, retry_after=1)
    (count,) = await delivery.deliver(app(harness))
    assert (count.sent, count.blocked, count.failed) == (3, 0, 0)
    assert harness.emulator.stats.throttled == 1
    assert all(avvisi(referent) == [MILANO_HEADER + "Con calma"] for referent in people.milano)
    await admin.expect("inviati: 3")


async def test_after_a_crash_the_rest_is_sent_and_nobody_gets_it_twice(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    svc = harness.svc
    created = await svc.broadcasts.create(
        request_key="crash",
        ats_code="ATS-MILANO",
        audience=Audience.ALL,
        text="Dopo il riavvio",
        actor=ADMIN_MILANO,
        now=svc.now(),
    )
    assert created.broadcast is not None
    # The process died mid-broadcast: Maria's send recorded, Luca's claimed but never
    # marked (it may have arrived), Sara's not started.
    first = await svc.broadcasts.claim_next(created.broadcast.id, svc.now())
    assert first is not None and first.user_id == MARIA
    await svc.broadcasts.finish(first.id, RecipientState.SENT, svc.now(), message_id=1)
    second = await svc.broadcasts.claim_next(created.broadcast.id, svc.now())
    assert second is not None and second.user_id == LUCA

    await harness.restart_bot()  # the start-up run resumes it
    count = (await admin.expect("consegnato", timeout=10)).text or ""
    assert "inviati: 2" in count and "non riusciti: 1" in count
    assert "Di cui 1 con esito incerto" in count
    assert avvisi(people.maria) == avvisi(people.luca) == []  # not sent (again)
    assert avvisi(people.sara) == [MILANO_HEADER + "Dopo il riavvio"]
    # A later run, or another restart, sends nothing more: not even the count.
    sends = harness.emulator.stats.calls["sendMessage"]
    assert await delivery.deliver(app(harness)) == []
    await harness.restart_bot()
    await asyncio.sleep(0.5)
    assert harness.emulator.stats.calls["sendMessage"] == sends


@pytest.fixture
async def slow(tmp_path, clock: MutableClock) -> AsyncIterator[Harness]:
    """A bot that pushes one message a second, so a stop falls in the middle."""
    h = Harness(tmp_path=tmp_path, clock=clock, extra_settings={"reminder_rate_per_second": 1})
    await h.start()
    await h.seed_schools()
    try:
        yield h
    finally:
        await h.stop()


async def test_a_stop_in_the_middle_resumes_at_the_next_start(slow: Harness) -> None:
    admin = slow.user(ADMIN_MILANO, "Anna")
    people = await referents_of_two_ats(slow, admin)
    await write(admin, "Tutti i referenti", "Piano piano", 3)
    await admin.tap("Conferma")
    await people.maria.expect("Piano piano")
    await slow.stop_bot()  # SIGTERM: the send in flight ends, the rest waits
    states = rows(slow, "SELECT state FROM broadcast_recipients ORDER BY user_id")
    assert ("pending",) in states and ("claimed",) not in states
    await slow.start_bot()
    count = (await admin.expect("consegnato", timeout=10)).text or ""
    assert "inviati: 3" in count and "esito incerto" not in count
    assert all(avvisi(referent) == [MILANO_HEADER + "Piano piano"] for referent in people.milano)


# --- who may ------------------------------------------------------------------------------------


async def test_another_ats_admin_sees_and_reaches_only_their_own(
    harness: Harness, admin: ChatUser, people: People
) -> None:
    await broadcast(admin, "Tutti i referenti", "Solo per Milano", 3)
    valpadana = harness.user(ADMIN_VALPADANA, "Vittorio")
    await valpadana.send("/avviso")
    question = (await valpadana.expect("A chi vuoi scrivere?")).text or ""
    assert "ATS-VALPADANA" in question and "Ultimi avvisi" not in question
    assert valpadana.buttons() == ["Tutti i referenti (1)", "Solo plessi sentinella (1)", "Annulla"]
    # Milano's buttons are nothing to them.
    key = rows(harness, "SELECT request_key FROM broadcasts")[0][0]
    await valpadana.tap("Tutti i referenti")
    await valpadana.expect("Scrivi il messaggio")
    await valpadana.send("Solo per Cremona")
    await valpadana.expect("arriverà a 1 referente")
    harness.emulator.forge_callback(ADMIN_VALPADANA, 1, f"bc:ok:{key}")
    await asyncio.sleep(0.3)
    await valpadana.tap("Conferma")
    await valpadana.expect("consegnato", timeout=10)
    assert avvisi(people.vittoria) == [
        "📢 Avviso di ATS-VALPADANA ai referenti COVID\n\nSolo per Cremona"
    ]
    assert all(
        avvisi(referent) == [MILANO_HEADER + "Solo per Milano"] for referent in people.milano
    )
    assert rows(harness, "SELECT ats_code FROM broadcasts ORDER BY id") == [
        ("ATS-MILANO",),
        ("ATS-VALPADANA",),
    ]


async def test_a_referent_is_refused(harness: Harness, admin: ChatUser, people: People) -> None:
    await people.maria.send("/avviso")
    await people.maria.expect(common.ADMIN_ONLY)
    await people.maria.send("Ciao a tutti")
    await asyncio.sleep(0.3)
    assert rows(harness, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    assert avvisi(people.sara) == []


async def test_a_regional_admin_writes_to_every_ats(harness: Harness, people: People) -> None:
    regional = harness.user(ADMIN_REGIONAL, "Regina")
    count = await broadcast(regional, "Tutti i referenti", "A tutta la Lombardia", 4)
    assert "inviati: 4" in count and "tutte le ATS" in count
    for referent in [*people.milano, people.vittoria]:
        assert avvisi(referent) == [
            "📢 Avviso della Regione ai referenti COVID\n\nA tutta la Lombardia"
        ]
    await regional.send("/avviso ATS-VALPADANA")
    assert "Tutti i referenti (1)" in [b for b in (await _buttons_after(regional))]


async def _buttons_after(user: ChatUser) -> list[str]:
    await user.expect("A chi vuoi scrivere?")
    return user.buttons()


async def test_with_nobody_to_write_to_there_is_nothing_to_confirm(admin: ChatUser) -> None:
    await admin.send("/avviso")
    await admin.expect("A chi vuoi scrivere?")
    assert admin.buttons()[0] == "Tutti i referenti (0)"
    await admin.tap("Tutti i referenti")
    await admin.send("Nessuno?")
    await admin.expect("nessun referente la riceverebbe")
    assert "Conferma" not in " ".join(admin.buttons())
