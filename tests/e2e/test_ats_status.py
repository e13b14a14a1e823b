"""/stato, end to end: an ATS admin's follow-up indicators, scoped to the ATS, admins only."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from bot.catalog import common
from emulator.driver import ChatUser
from tests.e2e.steps import (
    PLESSO_MILANO,
    SENTINEL,
    SENTINEL_2,
    add_classmate,
    joined_referent,
    report_case,
)
from tests.harness import ADMIN_VALPADANA, ROME, Harness

MARIA = 300
# Recording days (Tue/Thu) whose window has closed on Tuesday 17/11/2026 09:30.
LAST_FOUR = [date(2026, 11, 3), date(2026, 11, 5), date(2026, 11, 10), date(2026, 11, 12)]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ROME)


def mentions(text: str, case_id: int) -> bool:
    return re.search(rf"#{case_id}\b", text) is not None


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await joined_referent(harness, admin, MARIA)


async def new_case(harness: Harness, template_id: int, created: datetime) -> int:
    """A case like `template_id`, created at `created` straight through the repository."""
    template = await harness.svc.cases.get(template_id)
    assert template is not None
    case = await harness.svc.cases.create(template.data, actor=MARIA, now=created)
    return case.id


async def close(harness: Harness, case_id: int, closed: datetime) -> None:
    await harness.svc.closing.close(case_id, actor=MARIA, now=closed, recipients=[])


async def recorded(harness: Harness, plesso_code: str, days: list[date]) -> None:
    for day in days:
        await harness.svc.absences.record(
            plesso_code=plesso_code,
            day=day,
            absent=3,
            ill=None,
            actor=MARIA,
            now=datetime(day.year, day.month, day.day, 12, 0, tzinfo=ROME),
        )


async def section(user: ChatUser, header: str) -> str:
    """The /stato answer from `header` to the next section."""
    await user.send("/stato")
    message = await user.expect("Stato dei casi")
    text = message.text or ""
    start = text.index(header)
    end = text.find("\n\n", start)
    return text[start:] if end < 0 else text[start:end]


async def test_the_ats_admin_sees_the_indicators_of_the_ats(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    # Tuesday 09:30: the referent reports a case; it stays open (10 hours old at 19:30).
    recent = await report_case(referent)
    stale = await new_case(harness, recent, at(15, 8))  # Sunday: 59 h 30 min by 19:30
    # Closed this week: 2 h, 27 h and 68 h from opening to closing; one contact in all.
    quick = await new_case(harness, recent, at(17, 9, 30))
    await close(harness, quick, at(17, 11, 30))
    middle = await new_case(harness, recent, at(16, 9, 30))
    await add_classmate(referent, middle)
    await close(harness, middle, at(17, 12, 30))
    slow = await new_case(harness, recent, at(13, 12, 30))
    await close(harness, slow, at(16, 8, 30))
    last_week = await new_case(harness, recent, at(12, 9))
    await close(harness, last_week, at(15, 20))  # Sunday: not this week
    # Both sentinel plessi of the fixture recorded, the second one missed Thursday 12/11.
    await recorded(harness, SENTINEL, LAST_FOUR)
    await recorded(harness, SENTINEL_2, LAST_FOUR[:3])
    harness.clock.set(at(17, 19, 30))

    opened = await section(admin, "Casi aperti da più di 48 ore")
    assert "Casi aperti da più di 48 ore: 1" in opened
    assert PLESSO_MILANO in opened and "Scuola Primaria Via dei Tigli" in opened
    assert mentions(opened, stale) and "MARIA ROSSI" in opened.upper() and "2 g 11 h" in opened
    assert not mentions(opened, recent)

    closed = await section(admin, "Casi chiusi questa settimana")
    assert "Casi chiusi questa settimana (da lunedì 16/11): 3" in closed
    assert "Contatti: 1 in tutto, in media 0,3 per caso" in closed
    assert "Tempo mediano dall'apertura alla chiusura: 1 g 3 h" in closed

    missed = await section(admin, "Plessi sentinella senza")
    assert SENTINEL_2 in missed and "12/11" in missed
    assert SENTINEL not in missed


async def test_another_ats_admin_sees_none_of_it(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    recent = await report_case(referent)
    stale = await new_case(harness, recent, at(14, 8))
    await close(harness, await new_case(harness, recent, at(16, 8)), at(17, 9))
    await recorded(harness, SENTINEL_2, LAST_FOUR[:3])
    valpadana = harness.user(ADMIN_VALPADANA, "Vittorio")

    await valpadana.send("/stato")
    message = await valpadana.expect("Stato dei casi")
    text = message.text or ""
    assert "ATS-VALPADANA" in text
    assert "Casi aperti da più di 48 ore: 0" in text and not mentions(text, stale)
    assert "MARIA ROSSI" not in text.upper()
    assert "Casi chiusi questa settimana (da lunedì 16/11): 0" in text
    assert SENTINEL_2 not in text and PLESSO_MILANO not in text

    opened = await section(admin, "Casi aperti da più di 48 ore")
    assert mentions(opened, stale)


async def test_a_referent_is_refused(referent: ChatUser) -> None:
    await referent.send("/stato")
    await referent.expect(common.ADMIN_ONLY)


async def test_nothing_to_show_is_said_plainly(admin: ChatUser) -> None:
    await admin.send("/stato")
    message = await admin.expect("Stato dei casi")
    text = message.text or ""
    assert "Casi aperti da più di 48 ore: 0" in text
    assert "Nessun caso chiuso da lunedì." in text
    assert "Referenti non raggiungibili: 0" in text
