"""The vaccination-duty reminders on the legal calendar (issue 18), on a faked clock: the
list on 20 February, 1, 8 and 10 March while it is not sent (none after), the ATS's list of
the schools that missed it on the 11th, the families' invitations on day 7 while some is
not invited, the outcome in July until it is transmitted. Run as the daily job would
(`reminders.vaccines.run_due`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from domain.invitations import hash_invitation_code, new_invitation_code
from domain.registry import ReferentProfile
from domain.vaccines import AnswerRow, ListKind, Outcome, Pupil, Service
from emulator.driver import ChatUser
from reminders import vaccines as vaccine_reminders
from tests.e2e.steps import PLESSO_MILANO, PLESSO_MILANO_2
from tests.harness import ADMIN_MILANO, ADMIN_VALPADANA, ROME, Harness

SENDS, LATE = 7101, 7102  # the school that sends its list, the one that does not
YEAR = 2027


def at(month: int, day: int, year: int = YEAR) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=ROME)


async def vaccini_holder(harness: Harness, user_id: int, plesso: str) -> ChatUser:
    svc, now = harness.svc, harness.svc.now()
    code = new_invitation_code()
    await svc.invitations.create(
        code_hash=hash_invitation_code(code),
        plesso_code=plesso,
        created_by=ADMIN_MILANO,
        now=now,
        expires_at=now + timedelta(days=7),
        role="vaccini",
    )
    profile = ReferentProfile(full_name="Paola Preside", phone="3337654321", email="p@x.it")
    joined = await svc.referents.join(
        telegram_user_id=user_id,
        profile=profile,
        invitation_hash=hash_invitation_code(code),
        now=now,
    )
    assert joined is not None
    user = harness.user(user_id, "Preside")
    await user.send("/aiuto")  # opens the chat
    await user.expect("Verifica obblighi vaccinali")
    return user


async def run(harness: Harness, moment: datetime) -> Any:
    harness.clock.set(moment)
    assert harness.application is not None
    return await vaccine_reminders.run_due(harness.application)


def texts_of(harness: Harness, user_id: int) -> list[str]:
    return [m.content for m in harness.emulator.messages(user_id) if "💉" in m.content]


PUPIL = Pupil(
    line=2,
    codice_fiscale="RSSLCU16C02F205E",
    surname="ROSSI",
    name="LUCA",
    birth_date=date(2016, 3, 2),
    class_name="5A",
    service=Service.PRIMARIA,
)


async def test_list_reminders_stop_once_sent_and_the_ats_hears_of_the_missing(
    harness: Harness,
) -> None:
    harness.clock.set(at(2, 19))
    for admin in (ADMIN_MILANO, ADMIN_VALPADANA):
        harness.emulator.open_chat(admin, "Admin")
    await vaccini_holder(harness, SENDS, PLESSO_MILANO)
    await vaccini_holder(harness, LATE, PLESSO_MILANO_2)
    assert (await run(harness, at(2, 19))).people == 0
    queued = await run(harness, at(2, 20))
    assert (queued.people, queued.schools) == (2, 2)
    [reminder] = texts_of(harness, SENDS)
    assert "entro il 10/03/2027" in reminder and PLESSO_MILANO in reminder
    assert (await run(harness, at(2, 20) + timedelta(hours=3))).people == 0  # once a day
    assert (await run(harness, at(2, 21))).people == 0
    assert (await run(harness, at(3, 1))).people == 2

    # The first school sends its list on 5 March: no reminder after.
    svc = harness.svc
    harness.clock.set(at(3, 5))
    list_id = await svc.vaccines.save_draft(
        PLESSO_MILANO, YEAR, ListKind.FIRST, [PUPIL], 0, actor=SENDS, now=svc.now()
    )
    assert await svc.vaccines.send(PLESSO_MILANO, list_id, "R", actor=SENDS, now=svc.now())
    assert (await run(harness, at(3, 8))).people == 1
    assert (await run(harness, at(3, 10))).people == 1
    assert len(texts_of(harness, SENDS)) == 2  # 20 February and 1 March only
    assert len(texts_of(harness, LATE)) == 4

    # 11 March: the ATS's admins hear which of their schools missed it; Val Padana's none.
    queued = await run(harness, at(3, 11))
    assert queued.people == 0 and queued.ats_summaries == 2  # Milano's and the regional
    [summary] = texts_of(harness, ADMIN_MILANO)
    assert "non inviati entro il 10/03/2027: 1 plessi" in summary
    assert PLESSO_MILANO_2 in summary and PLESSO_MILANO not in summary
    assert texts_of(harness, ADMIN_VALPADANA) == []


async def test_invitation_and_outcome_reminders_until_the_school_acts(harness: Harness) -> None:
    harness.clock.set(at(2, 1))
    await vaccini_holder(harness, SENDS, PLESSO_MILANO)
    svc = harness.svc
    list_id = await svc.vaccines.save_draft(
        PLESSO_MILANO, YEAR, ListKind.FIRST, [PUPIL], 0, actor=SENDS, now=svc.now()
    )
    assert await svc.vaccines.send(PLESSO_MILANO, list_id, "R", actor=SENDS, now=svc.now())
    harness.clock.set(at(6, 3))
    row = AnswerRow(line=2, codice_fiscale=PUPIL.codice_fiscale, outcome=Outcome.NOT_IN_ORDER)
    await svc.vaccines.record_answer(PLESSO_MILANO, YEAR, [row], actor=ADMIN_MILANO, now=svc.now())
    assert await svc.vaccines.publish(PLESSO_MILANO, YEAR, actor=ADMIN_MILANO, now=svc.now())

    assert (await run(harness, at(6, 9))).people == 0
    assert (await run(harness, at(6, 10))).people == 1  # day 7 of the 10: not invited yet
    assert "invitare le famiglie" in texts_of(harness, SENDS)[-1]
    assert (await run(harness, at(7, 1))).people == 1
    assert "entro il 20/07/2027" in texts_of(harness, SENDS)[-1]
    # Transmitted on 5 July: no more outcome reminders.
    harness.clock.set(at(7, 5))
    assert await svc.vaccines.transmit(PLESSO_MILANO, YEAR, actor=SENDS, now=svc.now())
    for day in (8, 18, 20):
        assert (await run(harness, at(7, day))).people == 0
    assert len(texts_of(harness, SENDS)) == 2
