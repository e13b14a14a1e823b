"""/report and the early-warning push, end to end (the clock: Tuesday 17/11/2026 09:30)."""

from __future__ import annotations

import asyncio
import io
import struct
from datetime import date, datetime, timedelta

import pytest

from domain.enrolment import Enrolment
from emulator.demo import seed_demo_absences
from emulator.driver import ChatUser
from reminders import early_warning
from tests.e2e.steps import SENTINEL
from tests.harness import ADMIN_MILANO, ADMIN_REGIONAL, ADMIN_VALPADANA, ROME, Harness

# Demo data are written "as of" this Thursday: its window closes on Friday at 23:59.
THURSDAY = datetime(2026, 11, 19, 11, 0, tzinfo=ROME)
SATURDAY_NIGHT = datetime(2026, 11, 21, 0, 0, 30, tzinfo=ROME)


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def decodes(content: bytes) -> bool:
    import matplotlib.image as mpimg

    image = mpimg.imread(io.BytesIO(content), format="png")
    return bool(image.shape[0] > 100 and image.shape[1] > 100)


async def demo_week(harness: Harness) -> None:
    harness.clock.set(THURSDAY)
    assert await seed_demo_absences(harness.svc, actor=0, outbreak_plesso=SENTINEL) > 0


async def test_report_shows_rates_flags_and_a_chart(harness: Harness, admin: ChatUser) -> None:
    await demo_week(harness)
    await admin.send("/report")
    message = await admin.expect("Allerta assenze")
    text = message.text or ""
    assert "giovedì 19/11/2026" in text
    assert "registrato: 6 su 6" in text
    assert "Tasso di assenza dell'ATS" in text and "per malattia" in text
    assert "Plessi segnalati: 1" in text
    assert "Scuola Primaria Via dei Tigli" in text
    assert "EARS C2" in text and "soglia 10%" in text
    photo = await admin.expect("Andamento delle assenze")
    assert photo.photo is not None
    width, height = png_size(photo.photo)
    assert 700 <= width <= 1200 and height >= 600
    assert decodes(photo.photo)


async def test_report_of_a_chosen_day_and_short_history(harness: Harness, admin: ChatUser) -> None:
    await demo_week(harness)
    await admin.send("/report 17/09/2026")  # the third recording of the year
    message = await admin.expect("Allerta assenze")
    text = message.text or ""
    assert "giovedì 17/09/2026" in text
    assert "Nessun plesso segnalato" in text
    # Issue 21: from the first recording a plesso is compared with its peers the same day.
    assert "Storico troppo breve" not in text
    assert "confrontati con gli altri plessi sentinella" in text
    assert "Andamento regionale" in text
    await admin.send("/report 18/11/2026")
    await admin.expect("non è un giorno di rilevazione")
    await admin.send("/report ieri l'altro")
    await admin.expect("Non riconosco la data")


async def test_no_data_yet(harness: Harness, admin: ChatUser) -> None:
    await admin.send("/report")
    await admin.expect("Non ci sono ancora assenze")


async def test_another_ats_sees_nothing_of_this_one(harness: Harness) -> None:
    await demo_week(harness)
    other = harness.user(ADMIN_VALPADANA, "Vera")
    await other.send("/report")
    message = await other.expect("Allerta assenze")
    assert "ATS-VALPADANA" in (message.text or "")
    assert "Tigli" not in (message.text or "") and "Girasole" not in (message.text or "")
    regional = harness.user(ADMIN_REGIONAL, "Rita")
    await regional.send("/report")
    text = (await regional.expect("Allerta assenze")).text or ""
    assert "tutte le ATS" in text and "Tigli" in text


async def test_non_admin_is_refused(harness: Harness, stranger: ChatUser) -> None:
    await demo_week(harness)
    await stranger.send("/report")
    await stranger.expect("Non sei registrato")
    await asyncio.sleep(0.3)
    assert all(m.photo is None and "Allerta" not in m.content for m in stranger.messages)


def pushes(admin: ChatUser) -> list[str]:
    return [m.content for m in admin.messages if "Allerta automatica" in m.content]


async def push_rows(harness: Harness) -> list[tuple[str, str, int, str]]:
    rows = await harness.svc.db.fetchall("SELECT * FROM report_pushes ORDER BY day")
    return [(r["ats_code"], r["day"], r["admin_user_id"], r["state"]) for r in rows]


async def test_push_when_the_window_closes_goes_once(harness: Harness, admin: ChatUser) -> None:
    await admin.send("/aiuto")  # the admin has a chat with the bot
    await admin.expect("/report")
    await demo_week(harness)
    application = harness.application
    assert application is not None
    # Friday morning: Tuesday's window has closed (flagged: the rise began), Thursday's not.
    harness.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=ROME))
    await early_warning.push_closed_windows(application)
    await admin.expect("Allerta automatica")
    assert len(pushes(admin)) == 1 and "martedì 17/11/2026" in pushes(admin)[0]
    # Saturday just after midnight: Thursday's window closed at Friday 23:59.
    harness.clock.set(SATURDAY_NIGHT)
    await early_warning.push_closed_windows(application)
    await admin.expect("giovedì 19/11/2026")
    photo = await admin.expect("Andamento delle assenze")
    assert photo.photo is not None and decodes(photo.photo)
    # A second run, or a restart, sends nothing again.
    await early_warning.push_closed_windows(application)
    await harness.restart_bot()
    assert harness.application is not None
    await early_warning.push_closed_windows(harness.application)
    await asyncio.sleep(0.3)
    assert len(pushes(admin)) == 2
    assert [row for row in await push_rows(harness) if row[2] == ADMIN_MILANO] == [
        ("ATS-MILANO", "2026-11-17", ADMIN_MILANO, "sent"),
        ("ATS-MILANO", "2026-11-19", ADMIN_MILANO, "sent"),
    ]


async def test_no_push_without_a_flag(harness: Harness, admin: ChatUser) -> None:
    harness.clock.set(THURSDAY)
    await seed_demo_absences(harness.svc, actor=0, outbreak_plesso="none")
    harness.clock.set(SATURDAY_NIGHT)
    application = harness.application
    assert application is not None
    await early_warning.push_closed_windows(application)
    assert await push_rows(harness) == []
    assert await harness.svc.ats.last_recorded_day("ATS-MILANO", date(2026, 11, 21))


async def _push_friday(harness: Harness, admin: ChatUser, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tuesday's window closed, the admin has a chat: push it, with no pause between tries."""
    monkeypatch.setattr(early_warning, "PUSH_RETRY_SECONDS", 0.0)
    await admin.send("/aiuto")
    await admin.expect("/report")
    await demo_week(harness)
    assert harness.application is not None
    harness.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=ROME))
    await early_warning.push_closed_windows(harness.application)


async def test_a_refused_chart_is_tried_again_and_the_push_completes(
    harness: Harness, admin: ChatUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.emulator.fail_next(
        "sendPhoto", status=400, description="Bad Request: wrong file", times=2
    )
    await _push_friday(harness, admin, monkeypatch)
    await admin.expect("Allerta automatica")
    photo = await admin.expect("Andamento delle assenze")
    assert photo.photo is not None
    assert [row[3] for row in await push_rows(harness) if row[2] == ADMIN_MILANO] == ["sent"]


async def test_a_push_that_keeps_failing_still_tells_the_admin(
    harness: Harness, admin: ChatUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.emulator.fail_next(
        "sendPhoto",
        status=400,
        description="Bad Request: wrong file",
        times=early_warning.PUSH_ATTEMPTS,
    )
    await _push_friday(harness, admin, monkeypatch)
    await admin.expect("Allerta automatica")
    notice = await admin.expect("non è stato recapitato per intero")
    assert "martedì 17/11/2026" in notice.content and "/report" in notice.content
    assert [row[3] for row in await push_rows(harness) if row[2] == ADMIN_MILANO] == ["failed"]


# --- issue 21: the aggregate (ATS-wide) signal ------------------------------------------


def tue_thu(first: date, last: date) -> list[date]:
    days: list[date] = []
    day = first
    while day <= last:
        christmas = date(day.year if day.month == 12 else day.year - 1, 12, 23)
        if day.weekday() in (1, 3) and not christmas <= day <= christmas + timedelta(days=15):
            days.append(day)
        day += timedelta(days=1)
    return days


async def seed_wave(harness: Harness) -> None:
    """Last school year and this one at about 3% in every sentinel plesso of ATS-MILANO,
    then all of them together at 5% on Tuesday 17/11 and 6,6% on Thursday 19/11: a shared
    rise that no plesso's own rule flags (under 10%, under EARS C2's minimum excess)."""
    services = harness.svc
    now = THURSDAY
    plessi = await services.ats.sentinel_plessi("ATS-MILANO")
    for number, plesso in enumerate(plessi):
        await services.enrolments.add(
            Enrolment(plesso_code=plesso.code, pupils=500, classes=20, valid_from=date(2025, 9, 1)),
            actor=0,
            now=now,
        )
        days = tue_thu(date(2025, 9, 15), date(2026, 6, 5))
        days += tue_thu(date(2026, 9, 15), date(2026, 11, 19))
        for index, day in enumerate(days):
            rate = 0.03 + 0.001 * ((index * 7 + number * 3) % 5 - 2)
            rate = {date(2026, 11, 17): 0.05, date(2026, 11, 19): 0.066}.get(day, rate)
            absent = round(500 * rate)
            await services.absences.record(
                plesso_code=plesso.code, day=day, absent=absent, ill=absent // 2, actor=0, now=now
            )
        # One pupil sent home in each plesso on Thursday 19/11 (issue 17's reports): counts
        # only matter here, so the rows are written directly.
        async with services.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO sent_home (plesso_code, class_key, codice_fiscale, sent_day, data,"
                " receipt_code, created_by, created_at, last_sent_at, kept_from, updated_at)"
                " VALUES (?, '3a', ?, '2026-11-19', '{\"role\": \"alunno\"}', ?, 0, ?, ?, ?, ?)",
                (plesso.code, f"CF{number}", f"R{number}", *["2026-11-19T10:00:00Z"] * 4),
            )


async def test_a_shared_rise_is_the_regional_signal_in_report_and_push(
    harness: Harness, admin: ChatUser
) -> None:
    await admin.send("/aiuto")  # the admin has a chat with the bot
    await admin.expect("/report")
    harness.clock.set(THURSDAY)
    await seed_wave(harness)
    await admin.send("/report 12/11/2026")
    text = (await admin.expect("Allerta assenze")).text or ""
    assert "Andamento regionale: nella norma" in text
    await admin.send("/report")
    text = (await admin.expect("giovedì 19/11/2026")).text or ""
    assert text.index("Andamento regionale: segnale") < text.index("Tasso di assenza dell'ATS")
    assert "Assenze: 6,6%" in text and "atteso 3,0% (anno in corso)" in text
    # The sent-home series (issue 17) runs through the same machinery: 6 pupils of 3.000.
    assert "• Rinvii a casa: 2,0 per 1.000 alunni" in text
    assert "Segnali concordi: assenze, assenze per malattia, rinvii a casa" in text
    assert "Nessun plesso segnalato" in text  # no plesso alone is abnormal
    photo = await admin.expect("fascia degli anni precedenti")
    assert photo.photo is not None and decodes(photo.photo)
    # The push: Tuesday's window closed, the episode opens: pushed with the regional signal.
    application = harness.application
    assert application is not None
    harness.clock.set(datetime(2026, 11, 20, 10, 0, tzinfo=ROME))
    await early_warning.push_closed_windows(application)
    pushed = await admin.expect("Segnale regionale")
    assert (
        "martedì 17/11/2026" in pushed.content and "Andamento regionale: segnale" in pushed.content
    )
    await admin.expect("fascia degli anni precedenti")
    # Thursday's window closes: the same episode, no second push.
    harness.clock.set(SATURDAY_NIGHT)
    await early_warning.push_closed_windows(application)
    await asyncio.sleep(0.3)
    assert len(pushes(admin)) == 1
    assert [row for row in await push_rows(harness) if row[2] == ADMIN_MILANO] == [
        ("ATS-MILANO", "2026-11-17", ADMIN_MILANO, "sent"),
    ]
