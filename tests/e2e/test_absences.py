"""/assenze: sentinel schools record absences on Tuesday and Thursday, or late the next day.

The clock is the test's (harness.clock), never the machine's: the default is Tuesday
17/11/2026 09:30 in Rome.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from bot.catalog import common
from domain.enrolment import Enrolment
from emulator.driver import ChatUser
from storage.db import DatabaseUnavailable
from tests.conftest import TUESDAY_MORNING
from tests.e2e.steps import NOT_SENTINEL, SENTINEL, SENTINEL_2, referent_of
from tests.harness import ADMIN_MILANO, ROME, Harness, MutableClock

TUESDAY = date(2026, 11, 17)
WEDNESDAY_EVENING = datetime(2026, 11, 18, 20, 0, tzinfo=ROME)
THURSDAY_MORNING = datetime(2026, 11, 19, 9, 0, tzinfo=ROME)
REFERENT_ID = 310


@pytest.fixture
async def referent(harness: Harness, admin: ChatUser) -> ChatUser:
    return await referent_of(admin, harness.user(REFERENT_ID, "Maria"), SENTINEL)


async def enrol(harness: Harness, code: str = SENTINEL, pupils: int = 290) -> None:
    """An enrolment figure for this school year, recorded earlier."""
    enrolment = Enrolment(plesso_code=code, pupils=pupils, classes=14, valid_from=date(2026, 9, 1))
    await harness.svc.enrolments.add(enrolment, actor=REFERENT_ID, now=harness.clock())


async def past(harness: Harness, day: date, absent: int, code: str = SENTINEL) -> None:
    """A figure recorded in its own window, some time ago."""
    await harness.svc.absences.record(
        plesso_code=code, day=day, absent=absent, ill=None, actor=REFERENT_ID, now=harness.clock()
    )


async def record(referent: ChatUser, absent: str, ill: str | None) -> None:
    """Answer the two questions (the day has been offered already)."""
    await referent.expect("Quanti alunni di 6-19 anni erano assenti")
    await referent.send(absent)
    if absent == "0":
        return
    await referent.expect("per malattia")
    if ill is None:
        await referent.tap("Non lo sappiamo")
    else:
        await referent.send(ill)


# --- Tuesday, the happy path ------------------------------------------------------------------


async def test_enrolment_first_then_tuesday_absences_with_the_rate(
    harness: Harness, referent: ChatUser
) -> None:
    await referent.send("/assenze")
    await referent.expect("nessuna rilevazione registrata")
    await referent.expect("Manca il numero di iscritti")
    await referent.expect("Quanti alunni")
    await referent.send("290")
    await referent.expect("Quante classi")
    await referent.send("14")
    await referent.expect("Salvato: 290")
    await referent.expect("Registra le assenze di oggi, martedì 17/11/2026")
    await record(referent, "12", "3")
    saved = await referent.expect("Salvato per")
    assert saved.text is not None
    assert "martedì 17/11/2026: 12 assenti su 290 iscritti, di cui 3 per malattia" in saved.text
    assert "Tasso di assenza: 4,1%, prima rilevazione di martedì" in saved.text
    assert "fino alle 23:59 di mercoledì 18/11/2026" in saved.text
    figure = await harness.svc.absences.get(SENTINEL, TUESDAY)
    assert figure is not None and (figure.absent, figure.ill, figure.enrolled) == (12, 3, 290)
    entry = (await harness.svc.audit.for_entity("plesso", SENTINEL))[0]
    assert entry.action == "absence.record" and entry.actor == f"tg:{REFERENT_ID}"


async def test_rate_is_compared_with_the_last_four_tuesdays(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness, pupils=1000)
    earlier = [date(2026, 10, 13), date(2026, 10, 20), date(2026, 10, 27), date(2026, 11, 3)]
    for day, absent in zip([*earlier, date(2026, 11, 10)], [90, 32, 40, 48, 35], strict=True):
        await past(harness, day, absent)
    await past(harness, date(2026, 11, 12), 200)  # a Thursday: not compared
    await referent.send("/assenze")
    listing = await referent.expect("ultime rilevazioni")
    assert listing.text is not None
    assert "gio 12/11/2026: 200 assenti (20,0%)" in listing.text
    await record(referent, "41", None)
    saved = await referent.expect("Salvato per")
    assert saved.text is not None
    assert "41 assenti su 1.000 iscritti." in saved.text  # no "per malattia": not known
    assert "4,1%, in linea con gli ultimi 4 martedì: 3,2–4,8%" in saved.text
    figure = await harness.svc.absences.get(SENTINEL, TUESDAY)
    assert figure is not None and figure.ill is None


async def test_the_last_eight_recordings_are_listed_with_their_rates(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness, pupils=200)
    days = [date(2026, 10, d) for d in (13, 15, 20, 22, 27, 29)] + [
        date(2026, 11, d) for d in (3, 5, 10, 12)
    ]
    for absent, day in enumerate(days, start=1):
        await past(harness, day, absent)
    await referent.send("/assenze")
    listing = await referent.expect("ultime rilevazioni")
    lines = [line for line in (listing.text or "").splitlines() if line.startswith("•")]
    assert len(lines) == 8
    assert lines[0] == "• gio 12/11/2026: 10 assenti (5,0%)"
    assert lines[-1] == "• mar 20/10/2026: 3 assenti (1,5%)"


async def test_no_absent_pupils_needs_no_illness_question(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness)
    await referent.send("/assenze")
    await record(referent, "0", None)
    saved = await referent.expect("Salvato per")
    assert saved.text is not None
    assert "0 assenti su 290 iscritti" in saved.text and "0,0%" in saved.text


async def test_a_failure_after_the_figure_saves_nothing_and_keeps_the_step(
    harness: Harness, referent: ChatUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The figure and the plesso's last use are one transaction: when the second write
    fails, the first is rolled back, so "non salvato" is the truth and the same answer
    goes through once the database is back (a recording, not a correction)."""
    await enrol(harness)
    referents = harness.svc.referents
    touch_plesso = referents.touch_plesso

    async def busy(*args: object, **kwargs: object) -> None:
        raise DatabaseUnavailable("database is locked")

    monkeypatch.setattr(referents, "touch_plesso", busy)
    await referent.send("/assenze")
    await record(referent, "12", "3")
    await referent.expect(common.DATABASE_BUSY)
    await referent.expect("per malattia")  # the same question, asked again
    assert await harness.svc.absences.get(SENTINEL, TUESDAY) is None
    audit = await harness.svc.audit.for_entity("plesso", SENTINEL)
    assert [e.action for e in audit if e.action.startswith("absence.")] == []
    monkeypatch.setattr(referents, "touch_plesso", touch_plesso)
    await referent.send("3")
    saved = await referent.expect("Salvato per")
    assert "12 assenti su 290 iscritti, di cui 3 per malattia" in (saved.text or "")
    figure = await harness.svc.absences.get(SENTINEL, TUESDAY)
    assert figure is not None and (figure.absent, figure.ill) == (12, 3)


# --- The window -------------------------------------------------------------------------------


async def test_wednesday_offers_tuesday_as_the_last_chance(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness)
    harness.clock.set(WEDNESDAY_EVENING)
    await referent.send("/assenze")
    await referent.expect(
        "Registra le assenze di ieri, martedì 17/11/2026: è l'ultimo giorno utile"
    )
    await record(referent, "15", "4")
    await referent.expect("Salvato per")
    figure = await harness.svc.absences.get(SENTINEL, TUESDAY)
    assert figure is not None and figure.absent == 15


async def test_thursday_for_tuesday_is_refused(harness: Harness, referent: ChatUser) -> None:
    await enrol(harness)
    harness.clock.set(THURSDAY_MORNING)
    await referent.send("/assenze 17/11")
    await referent.expect(
        "Il 17/11/2026 non si può più registrare: era possibile fino alle 23:59 del 18/11/2026"
    )
    await referent.send("/assenze")
    await referent.expect("Registra le assenze di oggi, giovedì 19/11/2026")
    assert await harness.svc.absences.get(SENTINEL, TUESDAY) is None


async def test_ahead_of_time_is_refused(harness: Harness, referent: ChatUser) -> None:
    await enrol(harness)
    await referent.send("/assenze 19/11")
    await referent.expect("Il 19/11/2026 non è ancora arrivato")
    await referent.send("/assenze domani")
    await referent.expect("non è una data valida")
    harness.clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=ROME))  # Monday
    await referent.send("/assenze")
    await referent.expect("Oggi non ci sono assenze da registrare")
    await referent.expect("La prossima rilevazione è martedì 17/11/2026")


async def test_window_closing_while_typing_refuses_the_figure(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness)
    harness.clock.set(datetime(2026, 11, 18, 23, 58, tzinfo=ROME))
    await referent.send("/assenze")
    await referent.expect("è l'ultimo giorno utile, fino alle 23:59")
    await referent.expect("erano assenti")
    harness.clock.set(datetime(2026, 11, 19, 0, 0, 1, tzinfo=ROME))
    await referent.send("12")
    await referent.expect("non si può più registrare")
    assert await harness.svc.absences.get(SENTINEL, TUESDAY) is None


async def test_the_2359_edge_across_the_clock_change(harness: Harness, referent: ChatUser) -> None:
    """Tuesday 27/10/2026 follows the end of summer time: 23:59 in Rome is 22:59 UTC."""
    await enrol(harness)
    harness.clock.set(datetime(2026, 10, 28, 22, 59, 30, tzinfo=UTC))
    await referent.send("/assenze")
    await referent.expect("martedì 27/10/2026: è l'ultimo giorno utile")
    await record(referent, "10", None)
    await referent.expect("Salvato per")
    harness.clock.set(datetime(2026, 10, 28, 23, 0, 0, tzinfo=UTC))  # Thursday 00:00 in Rome
    await referent.send("/assenze 27/10")
    await referent.expect("non si può più registrare")


async def test_holidays_closures_and_the_start_date_have_no_window(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness)
    harness.clock.set(datetime(2026, 12, 8, 10, 0, tzinfo=ROME))  # Immacolata, a Tuesday
    await referent.send("/assenze")
    await referent.expect("La prossima rilevazione è giovedì 10/12/2026")
    await referent.send("/assenze 08/12")
    await referent.expect("è festivo")
    await harness.svc.closures.add(
        ats_code="ATS-MILANO",
        plesso_code=SENTINEL,
        start=date(2026, 12, 10),
        end=date(2026, 12, 11),
        note="",
        actor=ADMIN_MILANO,
        now=harness.clock(),
    )
    harness.clock.set(datetime(2026, 12, 10, 10, 0, tzinfo=ROME))
    await referent.send("/assenze")
    await referent.expect("La prossima rilevazione è martedì 15/12/2026")
    await referent.send("/assenze oggi")
    await referent.expect("la scuola è chiusa")


@pytest.fixture
async def late_start(tmp_path, clock: MutableClock) -> AsyncIterator[Harness]:
    """A bot whose ABSENCE_START_DATE is Thursday 19/11/2026."""
    h = Harness(tmp_path=tmp_path, clock=clock, extra_settings={"absence_start_date": "2026-11-19"})
    await h.start()
    await h.seed_schools()
    try:
        yield h
    finally:
        await h.stop()


async def test_nothing_is_recorded_before_the_start_date(late_start: Harness) -> None:
    assert late_start.clock() == TUESDAY_MORNING
    referent = await referent_of(late_start.user(ADMIN_MILANO), late_start.user(311), SENTINEL)
    await enrol(late_start)
    await referent.send("/assenze")
    await referent.expect("La prossima rilevazione è giovedì 19/11/2026")
    await referent.send("/assenze oggi")
    await referent.expect("non era ancora iniziata")


# --- The figures ------------------------------------------------------------------------------


async def test_more_absent_than_enrolled_or_ill_than_absent_is_refused(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness)
    await referent.send("/assenze")
    await referent.expect("erano assenti")
    await referent.send("291")
    await referent.expect("Gli assenti (291) non possono essere più degli iscritti (290)")
    await referent.expect("erano assenti")
    await referent.send("dodici")
    await referent.expect("in cifre")
    await referent.send("12")
    await referent.expect("per malattia")
    await referent.send("13")
    await referent.expect("Gli assenti per malattia (13) non possono essere più degli assenti (12)")
    await referent.expect("per malattia")
    await referent.send("12")
    await referent.expect("Salvato per")


async def test_a_correction_within_the_window_keeps_the_old_value_in_the_audit(
    harness: Harness, referent: ChatUser
) -> None:
    await enrol(harness)
    await referent.send("/assenze")
    await record(referent, "12", "3")
    await referent.expect("Salvato per")
    harness.clock.set(WEDNESDAY_EVENING)
    await referent.send("/assenze")
    await referent.expect("hai già registrato 12 assenti su 290 iscritti, di cui 3 per malattia")
    await record(referent, "15", None)
    corrected = await referent.expect("Corretto per")
    assert corrected.text is not None
    assert "15 assenti su 290 iscritti (prima: 12 assenti" in corrected.text
    entry = (await harness.svc.audit.for_entity("plesso", SENTINEL))[0]
    assert entry.action == "absence.correct"
    assert (entry.details["old_absent"], entry.details["old_ill"]) == (12, 3)
    assert (entry.details["absent"], entry.details["ill"]) == (15, None)
    # after the window the figure is read-only
    harness.clock.set(THURSDAY_MORNING)
    await referent.send("/assenze 17/11")
    await referent.expect("non si può più registrare")
    figure = await harness.svc.absences.get(SENTINEL, TUESDAY)
    assert figure is not None and figure.absent == 15


# --- Which plesso -----------------------------------------------------------------------------


async def test_a_plesso_that_is_not_sentinel_is_only_asked_its_enrolment(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await referent_of(admin, harness.user(312), NOT_SENTINEL)
    await referent.send("/assenze")
    await referent.expect("riservata alle scuole sentinella")
    await referent.expect("Manca il numero di iscritti")
    await referent.send("500")
    await referent.expect("Quante classi")
    await referent.send("22")
    await referent.expect("Salvato: 500")
    await referent.send("12")
    await referent.expect("Non ho capito")  # the flow has ended: no absences asked
    await referent.send("/assenze")
    await referent.expect("riservata alle scuole sentinella")
    await referent.send("12")
    await referent.expect("Non ho capito")  # enrolment done: nothing more asked


async def test_several_sentinel_plessi_the_missing_one_first(
    harness: Harness, admin: ChatUser
) -> None:
    referent = await referent_of(admin, harness.user(313), SENTINEL, SENTINEL_2, NOT_SENTINEL)
    await enrol(harness, SENTINEL)
    await enrol(harness, SENTINEL_2, pupils=120)
    await past(harness, TUESDAY, 5, code=SENTINEL)
    await referent.send("/assenze")
    await referent.expect("Per quale plesso")
    labels = referent.buttons()
    assert len(labels) == 2  # the plesso that is not sentinel is not offered
    assert labels[0] == "⏳ Scuola dell'Infanzia Girasole"
    assert labels[1] == "✅ Scuola Primaria Via dei Tigli"
    await referent.tap("Girasole")
    await referent.expect("Scuola dell'Infanzia Girasole (MIAA8AB01P) – nessuna rilevazione")
    await record(referent, "6", "1")
    saved = await referent.expect("Salvato per")
    assert saved.text is not None
    assert "6 assenti su 120 iscritti" in saved.text and "5,0%" in saved.text
    await referent.tap_stale("Girasole")
    await referent.expect_answer("non è più attivo")


async def test_admins_cannot_record_absences(admin: ChatUser) -> None:
    await admin.send("/assenze")
    await admin.expect("referenti COVID")
