"""Scheduled reminders, end to end: the real bot over HTTP against the Bot API emulator.

The clock is the test's (harness.clock): a test moves it and runs the due-reminder check as
the JobQueue would (`reminders.jobs.run_due`), instead of waiting for real time. The default
is Tuesday 17/11/2026 09:30 in Rome.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from domain.enrolment import Enrolment
from domain.registry import ReferentProfile
from domain.reminders import ReminderKey, ReminderKind
from emulator.driver import ChatUser
from reminders import jobs
from reminders.sender import RunSummary
from tests.e2e.steps import NOT_SENTINEL, SENTINEL, SENTINEL_2, joined_referent, report_case
from tests.harness import ROME, Harness, MutableClock

SENTINEL_3 = "MIPS05000C"  # Liceo Scientifico Galassia, sentinel, ATS-MILANO
TUESDAY = date(2026, 11, 17)
TUESDAY_10 = datetime(2026, 11, 17, 10, 0, tzinfo=ROME)
WEDNESDAY_10 = datetime(2026, 11, 18, 10, 0, tzinfo=ROME)
FIRST, SECOND, THIRD = 401, 402, 403


def app(harness: Harness) -> jobs.AnyApplication:
    assert harness.application is not None
    return harness.application


async def remind(harness: Harness) -> RunSummary:
    """What the JobQueue does at the scheduled times: send what is due now."""
    return await jobs.run_due(app(harness))


async def enrol(harness: Harness, *codes: str) -> None:
    for code in codes:
        enrolment = Enrolment(plesso_code=code, pupils=290, classes=14, valid_from=date(2026, 9, 1))
        await harness.svc.enrolments.add(enrolment, actor=0, now=harness.clock())


async def record(harness: Harness, code: str, day: date = TUESDAY) -> None:
    await harness.svc.absences.record(
        plesso_code=code, day=day, absent=10, ill=None, actor=0, now=harness.clock()
    )


async def caught_up(harness: Harness) -> None:
    """Wait for the start-up catch-up job to have run."""
    queue = app(harness).job_queue
    assert queue is not None
    for _ in range(100):
        if not queue.get_jobs_by_name(jobs.JOB_CATCH_UP):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)
    await remind(harness)  # runs take turns: this one ends after the catch-up


def reminders_to(referent: ChatUser) -> list[str]:
    return [m.text or "" for m in referent.messages if "Promemoria di Sentinella" in (m.text or "")]


def sends(harness: Harness) -> int:
    return harness.emulator.stats.calls["sendMessage"]


@pytest.fixture
async def three(harness: Harness, admin: ChatUser) -> list[ChatUser]:
    """Three referents, one sentinel plesso each, all enrolled for the school year."""
    referents = [
        await joined_referent(harness, admin, FIRST, SENTINEL, first_name="Maria"),
        await joined_referent(
            harness, admin, SECOND, SENTINEL_2, first_name="Luca", name="Luca Bianchi"
        ),
        await joined_referent(
            harness, admin, THIRD, SENTINEL_3, first_name="Sara", name="Sara Neri"
        ),
    ]
    await enrol(harness, SENTINEL, SENTINEL_2, SENTINEL_3)
    return referents


# --- Tuesday, Wednesday, a restart ------------------------------------------------------------


async def test_tuesday_reminds_only_the_two_plessi_still_missing(
    harness: Harness, three: list[ChatUser]
) -> None:
    first, second, third = three
    await record(harness, SENTINEL)
    harness.clock.set(TUESDAY_10 - timedelta(minutes=1))
    assert (await remind(harness)).messages == 0
    harness.clock.set(TUESDAY_10)
    before = sends(harness)
    summary = await remind(harness)
    assert (summary.messages, sends(harness) - before) == (2, 2)
    assert reminders_to(first) == []
    text = (await second.expect("Promemoria di Sentinella")).text or ""
    assert "Scuola dell'Infanzia Girasole" in text
    assert "Registra le assenze di oggi, martedì 17/11/2026" in text
    assert "Liceo Scientifico Galassia" in ((await third.expect("Promemoria")).text or "")


async def test_running_twice_or_restarting_sends_nothing_twice_then_wednesday_last_call(
    harness: Harness, three: list[ChatUser]
) -> None:
    second = three[1]
    await record(harness, SENTINEL)
    harness.clock.set(TUESDAY_10)
    assert (await remind(harness)).messages == 2
    assert (await remind(harness)).messages == 0
    harness.clock.advance(minutes=30)
    before = sends(harness)
    await harness.restart_bot()  # the catch-up runs at start-up
    await caught_up(harness)
    assert (await remind(harness)).messages == 0
    assert sends(harness) == before
    assert [len(reminders_to(r)) for r in three] == [0, 1, 1]
    await record(harness, SENTINEL_3)  # Sara records on Tuesday afternoon
    harness.clock.set(WEDNESDAY_10)
    assert (await remind(harness)).messages == 1
    last_call = reminders_to(second)[-1]
    assert "Mancano ancora le assenze di martedì 17/11/2026" in last_call
    assert "chiude oggi alle 23:59" in last_call
    assert [len(reminders_to(r)) for r in three] == [0, 2, 1]


async def test_a_429_is_waited_out_and_the_reminder_delivered(
    harness: Harness, three: list[ChatUser]
) -> None:
    harness.clock.set(TUESDAY_10)
    harness.emulator.fail_next("sendMessage", status=429, retry_after=1)
    summary = await remind(harness)
    assert (summary.messages, summary.released, summary.failed) == (3, 0, 0)
    assert harness.emulator.stats.throttled == 1
    assert all(len(reminders_to(r)) == 1 for r in three)


async def test_a_referent_who_blocked_the_bot_is_marked_unreachable_the_others_get_theirs(
    harness: Harness, admin: ChatUser, three: list[ChatUser]
) -> None:
    first, second, third = three
    await second.block()
    harness.clock.set(TUESDAY_10)
    summary = await remind(harness)
    assert (summary.messages, summary.unreachable) == (2, 1)
    assert len(reminders_to(first)) == 1 and len(reminders_to(third)) == 1
    svc = harness.svc
    luca = await svc.referents.by_user(SECOND)
    assert luca is not None and await svc.reminders.unreachable_ids() == {luca.id}
    entry = (await svc.audit.for_entity("referent", str(luca.id)))[0]
    assert entry.action == "referent.unreachable" and entry.actor == "system"
    # Not tried again: later runs leave Luca alone.
    attempts = sends(harness)
    harness.clock.set(WEDNESDAY_10)
    assert (await remind(harness)).messages == 2
    assert sends(harness) - attempts == 2
    # The admins see it.
    await admin.send("/promemoria")
    status = await admin.expect("Non raggiungibili (1)")
    assert "LUCA BIANCHI, dal 17/11/2026 10:00" in (status.text or "")
    # Writing to the bot again makes Luca reachable.
    await second.unblock()
    await second.send("/aiuto")
    await second.expect("Comandi")
    assert await svc.reminders.unreachable_ids() == frozenset()


# --- The button --------------------------------------------------------------------------------


async def reminded_on_tuesday(harness: Harness, referent: ChatUser) -> ChatUser:
    harness.clock.set(TUESDAY_10)
    await remind(harness)
    await referent.expect("Promemoria")
    return referent


async def test_the_button_opens_the_absence_flow_for_that_plesso_and_day(
    harness: Harness, three: list[ChatUser]
) -> None:
    second = await reminded_on_tuesday(harness, three[1])
    await second.tap("Assenze 17/11")
    await second.expect("Registra le assenze di oggi, martedì 17/11/2026")
    await second.send("12")
    await second.expect("per malattia")
    await second.tap("Non lo sappiamo")
    await second.expect("Salvato per Scuola dell'Infanzia Girasole")
    figure = await harness.svc.absences.get(SENTINEL_2, TUESDAY)
    assert figure is not None and figure.absent == 12


async def test_one_message_per_referent_listing_each_plesso_with_its_own_button(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await joined_referent(harness, admin, FIRST, SENTINEL, SENTINEL_2, NOT_SENTINEL)
    await enrol(harness, SENTINEL, SENTINEL_2)  # NOT_SENTINEL still owes its enrolment
    harness.clock.set(WEDNESDAY_10)
    assert (await remind(harness)).messages == 1
    text = (await referent.expect("Promemoria")).text or ""
    assert text.count("Mancano ancora le assenze di martedì 17/11/2026") == 2
    assert "Scuola Secondaria di I grado Parco Nord" in text and "/iscritti" in text
    assert referent.buttons() == [
        "📝 Assenze 17/11 – Scuola Primaria Via dei Tigli",
        "📝 Assenze 17/11 – Scuola dell'Infanzia Girasole",
    ]
    await referent.tap("Scuola dell'Infanzia Girasole")
    await referent.expect("Scuola dell'Infanzia Girasole (MIAA8AB01P) – nessuna rilevazione")
    offer = await referent.expect("Registra le assenze di ieri, martedì 17/11/2026")
    assert "ultimo giorno utile" in (offer.text or "")


async def test_the_button_after_the_deadline_says_the_day_is_closed(
    harness: Harness, three: list[ChatUser]
) -> None:
    second = await reminded_on_tuesday(harness, three[1])
    harness.clock.set(datetime(2026, 11, 19, 8, 0, tzinfo=ROME))
    await second.tap("Assenze 17/11")
    await second.expect("non si può più registrare")


# --- Catch-up at start-up ------------------------------------------------------------------------


async def test_after_downtime_an_open_window_is_caught_up_a_closed_one_is_not(
    harness: Harness, three: list[ChatUser]
) -> None:
    second = three[1]
    await harness.stop_bot()
    harness.clock.set(datetime(2026, 11, 17, 15, 0, tzinfo=ROME))  # down at 10:00
    await harness.start_bot()
    await second.expect("Registra le assenze di oggi", timeout=10)
    await harness.stop_bot()
    harness.clock.set(datetime(2026, 11, 19, 9, 0, tzinfo=ROME))  # Thursday before 10:00
    await harness.start_bot()
    await caught_up(harness)
    # Wednesday's last call came and went while the bot was down: not sent now.
    assert len(reminders_to(second)) == 1


async def test_a_reminder_claimed_when_the_bot_died_is_sent_at_start_up_within_its_window(
    harness: Harness, three: list[ChatUser]
) -> None:
    second = three[1]
    luca = await harness.svc.referents.by_user(SECOND)
    assert luca is not None
    await harness.stop_bot()
    harness.clock.set(TUESDAY_10)
    await harness.start_bot()  # catch-up sends the three reminders
    await second.expect("Promemoria", timeout=10)
    # On screen before the bot has Telegram's answer and marks the row sent: let it finish.
    await caught_up(harness)
    # As if the process had died between claiming a row and sending it.
    key = ReminderKey(luca.id, SENTINEL_2, ReminderKind.ABSENCES, TUESDAY)
    svc = harness.svc
    async with svc.db.transaction() as conn:
        await conn.execute(
            "DELETE FROM reminder_log WHERE referent_id = ? AND kind = 'absences'", (luca.id,)
        )
    assert await svc.reminders.claim([key], harness.clock()) != {}
    await harness.restart_bot()
    await harness.emulator.wait_for(lambda: len(reminders_to(second)) == 2, 10)
    await caught_up(harness)
    assert len(reminders_to(second)) == 2  # the crashed one, re-sent once


# --- The schedule on the JobQueue ----------------------------------------------------------------


async def test_the_jobs_are_on_the_job_queue_at_the_configured_times_in_rome(
    harness: Harness,
) -> None:
    queue = app(harness).job_queue
    assert queue is not None
    by_name = {job.name: job.job.trigger for job in queue.jobs()}
    daily = by_name["reminders:daily:10:00"]
    assert isinstance(daily, CronTrigger) and str(daily.timezone) == "Europe/Rome"
    hourly = by_name["reminders:hourly"]
    assert isinstance(hourly, IntervalTrigger) and hourly.interval == timedelta(hours=1)
    # Across the end of summer time the job stays at 10:00 local, once a day.
    fire = daily.get_next_fire_time(None, datetime(2026, 10, 24, 12, 0, tzinfo=ROME))
    fires = []
    for _ in range(3):
        assert fire is not None
        fires.append(fire)
        fire = daily.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert [(f.day, f.hour, f.utcoffset()) for f in fires] == [
        (25, 10, timedelta(hours=1)),
        (26, 10, timedelta(hours=1)),
        (27, 10, timedelta(hours=1)),
    ]
    first = daily.get_next_fire_time(None, datetime(2026, 10, 23, 12, 0, tzinfo=ROME))
    assert first is not None and (first.day, first.hour, first.utcoffset()) == (
        24,
        10,
        timedelta(hours=2),
    )


@pytest.fixture
async def custom(tmp_path: Path, clock: MutableClock) -> AsyncIterator[Harness]:
    h = Harness(
        tmp_path=tmp_path,
        clock=clock,
        extra_settings={"reminder_time": "09:00", "deadline_reminder_time": "12:30"},
    )
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def test_separate_times_make_two_daily_jobs(custom: Harness) -> None:
    queue = app(custom).job_queue
    assert queue is not None
    names = sorted(
        job.name
        for job in queue.jobs()
        if job.name and job.name.startswith("reminders:") and job.name != jobs.JOB_CATCH_UP
    )  # other features (the ATS hand-over, issue 5) have jobs of their own
    assert names == ["reminders:daily:09:00", "reminders:daily:12:30", "reminders:hourly"]
    settings = custom.settings
    assert (settings.reminder_time, settings.deadline_reminder_time) == (time(9), time(12, 30))


async def test_no_jobs_when_reminders_are_disabled(tmp_path: Path, clock: MutableClock) -> None:
    h = Harness(tmp_path=tmp_path, clock=clock, extra_settings={"reminders_enabled": False})
    await h.start()
    try:
        queue = app(h).job_queue
        assert queue is not None
        # Only the reminders' jobs are off: the ATS hand-over (issue 5) keeps its own.
        assert [job for job in queue.jobs() if (job.name or "").startswith("reminders:")] == []
    finally:
        await h.stop()


# --- /promemoria -------------------------------------------------------------------------------


async def test_promemoria_shows_the_day_and_reminds_the_missing_once_an_hour(
    harness: Harness, admin: ChatUser, three: list[ChatUser]
) -> None:
    _, second, third = three
    await record(harness, SENTINEL)
    await third.block()
    harness.clock.set(TUESDAY_10)
    await remind(harness)
    harness.clock.set(datetime(2026, 11, 17, 11, 0, tzinfo=ROME))
    await admin.send("/promemoria")
    status = (await admin.expect("Promemoria automatici")).text or ""
    assert "Martedì e giovedì alle 10:00" in status
    assert "Rilevazione di martedì 17/11/2026 – aperta fino alle 23:59 di mercoledì" in status
    assert "Hanno registrato (1):\n• Scuola Primaria Via dei Tigli" in status
    assert "Mancano (5):" in status  # the sentinel plessi with no referent count too
    assert "Scuola Media Quercia Grande – nessun referente" in status
    assert "Scuola dell'Infanzia Girasole – LUCA BIANCHI (promemoria alle 10:00)" in status
    assert "Liceo Scientifico Galassia – SARA NERI (non raggiungibile)" in status
    assert "Promemoria inviati (1):\n• 10:00 LUCA BIANCHI – Scuola dell'Infanzia Girasole" in status
    assert "Non raggiungibili (1)" in status
    await admin.tap("Ricorda ora ai mancanti (1)")
    await admin.expect("Promemoria inviati: 1")
    pushed = await second.expect("L'ATS ti ricorda di registrare le assenze di oggi")
    assert pushed.find_button("Assenze 17/11") is not None
    entry = (await harness.svc.audit.for_entity("ats", "ATS-MILANO"))[0]
    assert entry.action == "reminders.push" and entry.details["referents"] == 1
    # Once an hour at most.
    harness.clock.advance(minutes=30)
    await admin.send("/promemoria")
    await admin.tap("Ricorda ora ai mancanti")
    await admin.expect("già partito alle 11:00: il prossimo si può inviare dalle 12:00")
    harness.clock.advance(minutes=31)
    await admin.send("/promemoria")
    await admin.tap("Ricorda ora ai mancanti")
    await admin.expect("Promemoria inviati: 1")
    assert len(reminders_to(second)) == 3


async def test_promemoria_on_a_later_day_shows_the_last_recording_day_without_a_button(
    harness: Harness, admin: ChatUser, three: list[ChatUser]
) -> None:
    harness.clock.set(datetime(2026, 11, 19, 8, 0, tzinfo=ROME))  # Thursday: today's day
    await admin.send("/promemoria")
    today = (await admin.expect("Rilevazione di giovedì 19/11/2026")).text or ""
    assert "Mancano (6)" in today
    harness.clock.set(datetime(2026, 11, 21, 9, 0, tzinfo=ROME))  # Saturday
    await admin.send("/promemoria")
    closed = await admin.expect("Rilevazione di giovedì 19/11/2026 – chiusa")
    assert closed.buttons == []


async def test_promemoria_is_for_admins_only(three: list[ChatUser]) -> None:
    await three[0].send("/promemoria")
    await three[0].expect("riservato agli operatori ATS")


# --- Enrolment and open cases --------------------------------------------------------------------


async def test_enrolment_from_15_september_then_weekly_until_done(
    harness: Harness, admin: ChatUser
) -> None:
    harness.clock.set(datetime(2026, 9, 14, 9, 0, tzinfo=ROME))
    referent = await joined_referent(harness, admin, FIRST, NOT_SENTINEL)
    harness.clock.set(datetime(2026, 9, 14, 12, 0, tzinfo=ROME))
    assert (await remind(harness)).messages == 0
    harness.clock.set(datetime(2026, 9, 15, 10, 0, tzinfo=ROME))
    assert (await remind(harness)).messages == 1
    text = (await referent.expect("Promemoria")).text or ""
    assert "iscritti e di classi per l'anno scolastico 2026/27" in text
    harness.clock.set(datetime(2026, 9, 18, 10, 0, tzinfo=ROME))
    assert (await remind(harness)).messages == 0  # once a week
    harness.clock.set(datetime(2026, 9, 22, 10, 0, tzinfo=ROME))
    assert (await remind(harness)).messages == 1
    await referent.send("/iscritti")
    await referent.expect("Quanti alunni")
    await referent.send("300")
    await referent.expect("Quante classi")
    await referent.send("15")
    await referent.expect("Salvato")
    harness.clock.set(datetime(2026, 9, 29, 10, 0, tzinfo=ROME))
    assert (await remind(harness)).messages == 0
    assert len(reminders_to(referent)) == 2


async def test_an_open_case_is_reminded_after_24_and_72_hours_once_each(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await joined_referent(harness, admin, FIRST, NOT_SENTINEL)
    await enrol(harness, NOT_SENTINEL)
    case_id = await report_case(referent)
    opened = harness.clock()
    harness.clock.set(opened + timedelta(hours=23, minutes=59))
    assert (await remind(harness)).messages == 0
    harness.clock.set(opened + timedelta(hours=24))
    assert (await remind(harness)).messages == 1
    first = (await referent.expect("Promemoria")).text or ""
    assert f"Il caso n. {case_id}, inserito il 17/11/2026 alle 09:30" in first
    assert "aggiungi i contatti" in first and f"/caso {case_id}" in first
    harness.clock.set(opened + timedelta(hours=30))
    assert (await remind(harness)).messages == 0
    harness.clock.set(opened + timedelta(hours=72))
    assert (await remind(harness)).messages == 1
    assert "più di 3 giorni" in reminders_to(referent)[-1]
    harness.clock.set(opened + timedelta(hours=100))
    assert (await remind(harness)).messages == 0


# --- Pace ----------------------------------------------------------------------------------------


async def test_thirty_referents_are_reminded_under_telegrams_limit(harness: Harness) -> None:
    svc, now = harness.svc, harness.clock()
    for user_id in range(500, 530):
        harness.user(user_id)  # each has a chat with the bot
        code_hash = f"pace-{user_id}"
        await svc.invitations.create(
            code_hash=code_hash,
            plesso_code=SENTINEL,
            created_by=0,
            now=now,
            expires_at=now + timedelta(days=1),
        )
        profile = ReferentProfile(full_name=f"R{user_id}", phone="+393331234567", email="r@x.it")
        await svc.referents.join(
            telegram_user_id=user_id, profile=profile, invitation_hash=code_hash, now=now
        )
    await enrol(harness, SENTINEL)
    harness.emulator.rate_limit_per_second = 25  # answers 429 above 25 a second
    harness.emulator.stats.reset()
    harness.clock.set(TUESDAY_10)
    summary = await remind(harness)
    stats = harness.emulator.stats
    assert (summary.messages, stats.throttled) == (30, 0)
    assert stats.messages_per_second() <= 21
