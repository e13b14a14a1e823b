"""Issue 15, item 4: nothing is lost to Telegram's 4,096 characters, at realistic scale.

One ATS with 300 referents, 300 plessi whose names are 150 characters long (40 of them
sentinel, all flagged by the early warning), and a case with 1,000 contacts, 900 of them
outside the case's window. Every list and report of the bot is asked for as a user would,
over HTTP against the emulator, which refuses a message over 4,096 characters with a 400 as
Telegram does: each answer must arrive, and the emulator must have refused nothing.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timedelta

import pytest
from codicefiscale import codicefiscale as cf_lib

from domain.calendar import school_year_bounds, school_year_of
from domain.comuni import comune_by_code
from domain.contacts import ContactData
from domain.people import Role
from domain.registry import Plesso
from emulator.demo import seed_demo_absences
from emulator.driver import ChatUser
from emulator.errors import ApiError
from reminders import early_warning
from storage.db import utc_now_text
from tests.e2e.steps import PLESSO_MILANO, joined_referent, report_case
from tests.harness import ADMIN_MILANO, ROME, Harness

THURSDAY = datetime(2026, 11, 19, 11, 0, tzinfo=ROME)  # as test_ats_report's demo week
SATURDAY_NIGHT = datetime(2026, 11, 21, 0, 0, 30, tzinfo=ROME)
MARIA = 300
PLESSI = 300
SENTINELS = 40
CONTACTS = 1000
TELEGRAM_LIMIT = 4096


def long_name(n: int) -> str:
    """A plesso's name of exactly 150 characters, with markup to escape in it."""
    head = f"Istituto Comprensivo Statale «Garibaldi & Ribeiro» <plesso {n:03d}> – "
    tail = "Scuola Primaria di Via delle Rimembranze dei Caduti di Tutte le Guerre e della Pace"
    return (head + tail + " " * 150)[:150]


def plesso_code(n: int) -> str:
    return f"MIEE9{n:04d}Z"


def contact_cf(n: int) -> str:
    """A distinct valid codice fiscale per contact (born 01/01/2015 in Milano)."""
    letters = "BCDFGLMNPR"
    surname = letters[n // 100 % 10] + letters[n // 10 % 10] + letters[n % 10]
    head = f"{surname}MRA15A01F205"
    return head + str(cf_lib.encode_cin(head))


async def seed_registry(harness: Harness) -> None:
    """300 long-named plessi of ATS-MILANO (the first 40 sentinel), the demo plesso renamed
    long too, and 300 referents with a long name and e-mail, one plesso each."""
    services, now = harness.svc, harness.clock()
    demo = await services.plessi.get(PLESSO_MILANO)
    assert demo is not None
    plessi = [
        Plesso(
            code=plesso_code(n),
            name=long_name(n),
            comune_code="F205",
            comune_name="Milano",
            province="MI",
            address="Via delle Rimembranze 1",
            school_type="primaria",
            sentinel=n < SENTINELS,
            ats_code="ATS-MILANO",
        )
        for n in range(PLESSI)
    ]
    renamed = demo.model_copy(update={"name": long_name(999)})
    await services.plessi.upsert_many([*plessi, renamed], actor=0, now=now)
    stamp = utc_now_text(now)
    async with services.db.transaction() as conn:
        for n in range(PLESSI):
            cursor = await conn.execute(
                "INSERT INTO referents (telegram_user_id, full_name, phone, email, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    50_000 + n,
                    f"ANNAMARIA GIUSEPPINA DELLE ROSE-BERTOLDI {n:03d}",
                    f"+39347{n:07d}",
                    f"annamaria.giuseppina.delle.rose.bertoldi.{n:03d}@ic-garibaldi.example.it",
                    stamp,
                    stamp,
                ),
            )
            await conn.execute(
                "INSERT INTO referent_plessi (referent_id, plesso_code, granted_at)"
                " VALUES (?, ?, ?)",
                (cursor.lastrowid, plesso_code(n), stamp),
            )


async def seed_outbreak(harness: Harness) -> None:
    """The demo absences of every sentinel plesso, then all 40 rising over their last
    three recordings: all flagged."""
    services = harness.svc
    assert await seed_demo_absences(services, actor=0) > 0
    today = services.local_now().date()
    start, _ = school_year_bounds(school_year_of(today))
    calendar = await services.closures.calendar("ATS-MILANO")
    for n in range(SENTINELS):
        code = plesso_code(n)
        enrolment = await services.enrolments.in_force(code, today)
        assert enrolment is not None
        days = calendar.recording_days_between(start, today, code)
        for rate, day in zip((0.08, 0.12, 0.16), days[-3:], strict=True):
            await services.absences.record(
                plesso_code=code,
                day=day,
                absent=round(enrolment.pupils * rate),
                ill=None,
                actor=0,
                now=services.now(),
            )


async def seed_contacts(harness: Harness, case_id: int) -> None:
    """1,000 contacts: one in ten seen yesterday (the case's last day at school: in the
    window), the others today (after it: the closing warning names them, 900 ids)."""
    async with harness.svc.db.transaction():  # one commit, not a thousand
        await _add_contacts(harness, case_id)


async def _add_contacts(harness: Harness, case_id: int) -> None:
    comune = comune_by_code("F205")
    today = harness.clock().date()
    for n in range(CONTACTS):
        data = ContactData(
            role=Role.STUDENT,
            class_name="3",
            section="B",
            surname=f"CONTATTO DI PROVA NUMERO {n:04d}",
            name="MARIA",
            codice_fiscale=contact_cf(n),
            birth_date=date(2015, 1, 1),
            comune=comune,
            phone=f"+39333{n:07d}",
            last_contact=today - timedelta(days=1) if n % 10 == 0 else today,
        )
        change = await harness.svc.contacts.add(case_id, data, actor=MARIA, now=harness.clock())
        assert change.contact is not None


@pytest.fixture
def too_long(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The emulator's refusals of a text or caption over Telegram's limits, as they happen
    (a refused edit the bot then sends anew counts too)."""
    seen: list[str] = []
    count = harness.emulator._count_error

    def noting(error: ApiError) -> None:
        description = str(error.payload().get("description", ""))
        if "too long" in description:
            seen.append(description)
        count(error)

    monkeypatch.setattr(harness.emulator, "_count_error", noting)
    return seen


@pytest.fixture
async def world(harness: Harness, admin: ChatUser, too_long: list[str]) -> tuple[ChatUser, int]:
    harness.clock.set(THURSDAY)
    await admin.send("/aiuto")  # the admin has a chat with the bot (for the push)
    await admin.expect("/report")
    await seed_registry(harness)
    await seed_outbreak(harness)
    referent = await joined_referent(harness, admin, MARIA)
    case_id = await report_case(referent)
    await seed_contacts(harness, case_id)
    return referent, case_id


def longest(user: ChatUser) -> int:
    return max(len(message.content) for message in user.messages)


async def test_every_list_and_report_fits_at_scale(
    harness: Harness, admin: ChatUser, world: tuple[ChatUser, int], too_long: list[str]
) -> None:
    referent, case_id = world

    # /referenti: 300 referents, 15 a page, «Avanti» to the next one.
    await admin.send("/referenti")
    first = await admin.expect("Pagina 1 di 31")
    assert "Referenti (ATS-MILANO): 301" in first.content
    await admin.tap("Avanti")
    second = await admin.expect("Pagina 2 di 31")
    assert "delle rose-bertoldi 015" in second.content.lower()  # names shown in title case
    await admin.tap("Indietro")
    await admin.expect("Pagina 1 di 31")

    # /report: 40 flagged plessi of 150-character names, then its chart.
    await admin.send("/report")
    report = await admin.expect("Allerta assenze")
    assert "Plessi segnalati: 40" in report.content
    await admin.expect("Andamento delle assenze")

    # The nightly push of the same report: delivered, chart too, recorded as sent.
    await early_warning.push_closed_windows(harness.application, now=SATURDAY_NIGHT)  # type: ignore[arg-type]
    push = await admin.expect("la registrazione di giovedì 19/11/2026 si è chiusa")
    assert "Plessi segnalati: 40" in push.content
    await admin.expect("Andamento delle assenze")
    # The start-up catch-up push (an earlier day) may still be on its way: wait for it.
    for _ in range(300):
        rows = await harness.svc.db.fetchall(
            "SELECT day, state FROM report_pushes WHERE admin_user_id = ?", (ADMIN_MILANO,)
        )
        if "claimed" not in {row["state"] for row in rows}:
            break
        await asyncio.sleep(0.1)
    assert ("2026-11-19", "sent") in [(row["day"], row["state"]) for row in rows]
    assert {row["state"] for row in rows} == {"sent"}

    # The other lists of the ATS desk.
    for command, answer in (
        ("/stato", "Stato dei casi"),
        ("/promemoria", "romemoria"),
        (f"/registro {PLESSO_MILANO}", "Registro del plesso"),
        ("/registro ats", "Registro"),
        ("/conservazione", "Conservazione dei dati"),
        ("/chiusure", "Chiusure delle scuole"),
    ):
        await admin.send(command)
        await admin.expect(answer)

    # The referent's lists: the cases, the contacts (paged).
    await referent.send("/casi")
    await referent.expect(f"{case_id}")
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Vedi contatti")
    await referent.expect(f"Contatti del caso {case_id}")

    # Closing: the review, 900 contacts outside the window summarised, Sì, the receipt.
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Chiudi e invia il caso all'ATS")
    question = await referent.expect("Confermi la chiusura")
    assert "di 900 contatti" in question.content and "e altri 880" in question.content
    await referent.tap("Sì, chiudi e invia")
    await referent.expect("è stato chiuso e inviato all'ATS")

    # The admin's view of the closed case: its 1,000 contacts, 20 a page.
    await admin.send(f"/caso {case_id}")
    await admin.expect(f"Caso {case_id}")
    contacts = await admin.expect("Pagina 1 di 50")
    assert len(re.findall(r"CONTATTO DI PROVA", contacts.content)) == 20
    await admin.tap("Avanti")
    await admin.expect("Pagina 2 di 50")
    await admin.send("/casi")
    await admin.expect("Casi chiusi")

    assert too_long == []
    assert longest(admin) <= TELEGRAM_LIMIT and longest(referent) <= TELEGRAM_LIMIT
