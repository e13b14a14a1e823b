"""/conservazione and the nightly retention run, end to end: what the next runs will delete
for the admin's ATS (numbers only), another ATS's admin sees none of it, a referent is
refused, and the job on the JobQueue deletes what is due at 03:30 Rome time."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from bot.catalog import common
from bot.settings import SettingsError, load_settings
from emulator.driver import ChatUser
from reminders import retention
from tests.e2e.steps import (
    STUDENT_CF,
    add_classmate,
    invite,
    joined_referent,
    report_case,
    start_case_data,
    start_contact,
)
from tests.harness import ADMIN_REGIONAL, ADMIN_VALPADANA, ROME, TOKEN, Harness

MARIA = 300
NEXT_RUN = datetime(2026, 11, 18, 3, 30, tzinfo=ROME)  # Wednesday: the clock is Tuesday 09:30


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


def rows(harness: Harness, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(harness.settings.database_path)) as conn:
        return conn.execute(sql, params).fetchall()


async def conservazione(user: ChatUser) -> str:
    await user.send("/conservazione")
    return (await user.expect("Conservazione dei dati")).text or ""


async def run_the_job(harness: Harness, at: datetime) -> None:
    """Run the job the JobQueue holds, as it would at `at`."""
    harness.clock.set(at)
    assert harness.application is not None and harness.application.job_queue is not None
    (job,) = harness.application.job_queue.get_jobs_by_name(retention.JOB_DAILY)
    await job.run(harness.application)


@pytest.fixture
async def cases(harness: Harness, referent: ChatUser) -> dict[str, int]:
    """Closed cases of ATS-MILANO: due at the next run (one exactly 90 days after closing),
    due on Friday, not due this week; and one open."""
    template = await report_case(referent)  # stays open
    old = await new_case(harness, template, datetime(2026, 7, 20, 9, 0, tzinfo=ROME))
    await add_classmate(referent, old)
    await close(harness, old, datetime(2026, 8, 1, 10, 0, tzinfo=ROME))
    exact = await new_case(harness, template, datetime(2026, 8, 19, 9, 0, tzinfo=ROME))
    await close(harness, exact, datetime(2026, 8, 20, 3, 30, tzinfo=ROME))
    friday = await new_case(harness, template, datetime(2026, 8, 20, 9, 0, tzinfo=ROME))
    await close(harness, friday, datetime(2026, 8, 21, 12, 0, tzinfo=ROME))
    recent = await new_case(harness, template, datetime(2026, 11, 9, 9, 0, tzinfo=ROME))
    await close(harness, recent, datetime(2026, 11, 10, 9, 0, tzinfo=ROME))
    return {"open": template, "old": old, "exact": exact, "friday": friday, "recent": recent}


async def test_the_admin_sees_the_setting_and_what_the_next_runs_will_delete(
    admin: ChatUser, cases: dict[str, int]
) -> None:
    text = await conservazione(admin)
    assert "(ATS-MILANO)" in text
    assert "90 giorni" in text and "alle 03:30" in text
    assert "Prossima eliminazione: mercoledì 18/11/2026 alle 03:30" in text
    assert "Casi chiusi fino al 20/08/2026 03:30: 2 casi e 1 contatto" in text
    assert "Chiusura più vecchia: 01/08/2026" in text
    assert "venerdì 20/11/2026: 1 caso e 0 contatti" in text
    assert "Nessuna eliminazione finora." in text
    assert "BIANCHI" not in text.upper() and "LUCA" not in text.upper()  # numbers only
    assert not any(f"#{case_id}" in text for case_id in cases.values())
    await admin.send("/aiuto")
    await admin.expect("/conservazione")


async def test_another_ats_admin_sees_only_its_own_zero(
    harness: Harness, admin: ChatUser, cases: dict[str, int]
) -> None:
    valpadana = harness.user(ADMIN_VALPADANA, "Vittorio")
    text = await conservazione(valpadana)
    assert "(ATS-VALPADANA)" in text
    assert "Nessun caso da eliminare." in text
    assert "nessun caso fino a martedì 24/11/2026" in text
    assert "2 casi" not in text and "1 caso" not in text

    regional = harness.user(ADMIN_REGIONAL, "Regina")
    everyone = await conservazione(regional)
    assert "(tutte le ATS)" in everyone and "2 casi e 1 contatto" in everyone


async def test_a_referent_and_a_stranger_are_refused(
    referent: ChatUser, stranger: ChatUser
) -> None:
    await referent.send("/conservazione")
    await referent.expect(common.ADMIN_ONLY)
    await stranger.send("/conservazione")
    await stranger.expect(common.NOT_REGISTERED)


async def test_the_job_is_daily_at_half_past_three_in_rome(harness: Harness) -> None:
    assert harness.application is not None and harness.application.job_queue is not None
    (job,) = harness.application.job_queue.get_jobs_by_name(retention.JOB_DAILY)
    trigger = job.job.trigger
    assert isinstance(trigger, CronTrigger) and str(trigger.timezone) == "Europe/Rome"
    fire = trigger.get_next_fire_time(None, harness.clock())
    assert fire == NEXT_RUN
    # Across the end of summer time it stays at 03:30 local.
    october = trigger.get_next_fire_time(None, datetime(2026, 10, 24, 12, 0, tzinfo=ROME))
    assert october is not None and (october.day, october.hour, october.minute) == (25, 3, 30)
    assert october.utcoffset() == timedelta(hours=1)


async def test_at_its_time_the_job_deletes_what_is_due_and_the_admin_reads_it(
    harness: Harness, admin: ChatUser, referent: ChatUser, cases: dict[str, int]
) -> None:
    # The referent left a contact half-typed on a case that is now due.
    draft_case = await new_case(harness, cases["open"], datetime(2026, 7, 1, 9, 0, tzinfo=ROME))
    await start_contact(referent, draft_case)
    await referent.send("Zafferanoquagliotti")
    await referent.expect("Nome del contatto")
    await close(harness, draft_case, datetime(2026, 7, 2, 9, 0, tzinfo=ROME))

    await run_the_job(harness, NEXT_RUN)

    left = {row[0] for row in rows(harness, "SELECT id FROM cases")}
    assert left == {cases["open"], cases["friday"], cases["recent"]}
    assert rows(
        harness, "SELECT COUNT(*) FROM contacts WHERE case_id IN (?, ?)", (cases["old"], draft_case)
    ) == [(0,)]
    assert rows(harness, "SELECT flow FROM conversations WHERE user_id = ?", (MARIA,)) == []
    # The referent's next message is not read as the contact's name any more.
    await referent.send("Teodolinda")
    await referent.expect(common.NOT_UNDERSTOOD)
    await referent.send(f"/caso {cases['old']}")
    await referent.expect("Caso non trovato")

    harness.clock.set(NEXT_RUN + timedelta(hours=6))
    text = await conservazione(admin)
    assert "Ultima eliminazione: 18/11/2026 03:30 – 3 casi e 1 contatto" in text
    assert "Prossima eliminazione: giovedì 19/11/2026 alle 03:30" in text
    assert "Nessun caso da eliminare." in text
    assert "venerdì 20/11/2026: 1 caso e 0 contatti" in text

    # The next night deletes nothing more.
    await run_the_job(harness, NEXT_RUN + timedelta(days=1))
    assert {row[0] for row in rows(harness, "SELECT id FROM cases")} == left
    valpadana = harness.user(ADMIN_VALPADANA, "Vittorio")
    assert "Nessuna eliminazione finora." in await conservazione(valpadana)


async def test_drafts_left_half_way_expire_and_leave_no_trace(
    harness: Harness, admin: ChatUser, referent: ChatUser
) -> None:
    """A case form left at the birth date (name and codice fiscale typed) and a registration
    left after the phone: DRAFT_RETENTION_DAYS (14) later the run deletes them, the flows
    forget them, and the file keeps no byte of them."""
    await start_case_data(referent)
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send("Girasolepalindromo")
    await referent.expect("Nome del caso")
    await referent.send("Luca")
    await referent.expect("Codice fiscale del caso")
    await referent.send(STUDENT_CF)
    # Left at the question the codice fiscale raises (it is BIANCHI LUCA's), code kept.
    await referent.expect("non corrisponde al cognome")
    newcomer = harness.user(MARIA + 1, "Teo")
    await newcomer.send(f"/start {await invite(admin)}")
    await newcomer.expect("nome e cognome")
    await newcomer.send("Teodolinda Scoiattolo")
    await newcomer.expect("telefono")
    await newcomer.send("347 112 2334")
    await newcomer.expect("e-mail")
    secrets = [b"GIRASOLEPALINDROMO", STUDENT_CF.encode(), b"SCOIATTOLO", b"1122334"]
    assert all(secret in raw_files(harness).upper() for secret in secrets)

    # Thirteen days later nothing is deleted yet.
    await run_the_job(harness, harness.clock() + timedelta(days=13))
    assert len(rows(harness, "SELECT * FROM conversations WHERE user_id >= ?", (MARIA,))) == 2

    await run_the_job(harness, harness.clock() + timedelta(days=1, hours=1))

    assert rows(harness, "SELECT * FROM conversations WHERE user_id >= ?", (MARIA,)) == []
    assert [s for s in secrets if s in raw_files(harness).upper()] == []
    # The flows forgot them: the next message is not read as the birth date or the e-mail.
    await referent.send("02/03/2015")
    await referent.expect(common.NOT_UNDERSTOOD)
    await newcomer.send("teodolinda@scuola.example.it")
    await newcomer.expect("Non sei registrato")


def raw_files(harness: Harness) -> bytes:
    """The database and its side files, as they are on disk."""
    path = harness.settings.database_path
    return b"".join(
        side.read_bytes()
        for side in (path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm"))
        if side.exists()
    )


# --- the settings ---------------------------------------------------------------------------


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("RETENTION_DAYS", "RETENTION_TIME", "DRAFT_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.mark.usefixtures("no_env")
def test_ninety_days_at_half_past_three_unless_set() -> None:
    settings = load_settings(telegram_bot_token=TOKEN)
    assert (settings.retention_days, settings.retention_time) == (90, time(3, 30))
    custom = load_settings(telegram_bot_token=TOKEN, retention_days="30", retention_time="02:15")
    assert (custom.retention_days, custom.retention_time) == (30, time(2, 15))


@pytest.mark.usefixtures("no_env")
def test_drafts_expire_after_fourteen_days_unless_set() -> None:
    assert load_settings(telegram_bot_token=TOKEN).draft_retention_days == 14
    custom = load_settings(telegram_bot_token=TOKEN, draft_retention_days="3")
    assert custom.draft_retention_days == 3


@pytest.mark.usefixtures("no_env")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("retention_days", "0"),
        ("retention_days", "novanta"),
        ("retention_time", "25:00"),
        ("draft_retention_days", "0"),
    ],
)
def test_a_bad_retention_setting_stops_start_up_with_one_line(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(telegram_bot_token=TOKEN, **{name: value})
    message = str(error.value)
    assert message.startswith(f"Setting {name.upper()} is not valid: ") and "\n" not in message
