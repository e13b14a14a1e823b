"""The text and buttons of a reminder (reminders.messages) and the /promemoria report model
(domain.reminder_report)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import keyboards
from bot.callbacks import REMINDER_ABSENCES
from domain.calendar import SchoolCalendar
from domain.registry import Plesso
from domain.reminder_report import build_report, next_push_at, report_day, window_open
from domain.reminders import (
    LogEntry,
    ReferentLink,
    ReminderKey,
    ReminderKind,
    ReminderState,
    UnreachableReferent,
)
from reminders.due import DueReminder, ReminderBatch
from reminders.messages import render_batch

ROME = ZoneInfo("Europe/Rome")
TUESDAY = date(2026, 11, 17)


def item(
    kind: ReminderKind,
    code: str = "MIEE8AB01T",
    *,
    name: str = "Tigli",
    day: date = TUESDAY,
    ref: str = "",
    opened_at: datetime | None = None,
) -> DueReminder:
    return DueReminder(
        referent_id=1,
        user_id=11,
        plesso_code=code,
        plesso_name=name,
        kind=kind,
        day=day,
        ref=ref,
        opened_at=opened_at,
    )


def render(*items: DueReminder, today: date = TUESDAY) -> tuple[str, list[tuple[str, str]]]:
    message = render_batch(ReminderBatch(1, 11, items), today, ROME)
    return message.text, list(message.buttons)


def test_names_are_escaped_in_the_text_and_plain_on_the_button() -> None:
    text, buttons = render(item(ReminderKind.ABSENCES, name="<Rossi & C>"))
    assert "<b>&lt;Rossi &amp; C&gt;</b> (MIEE8AB01T)" in text
    assert "Registra le assenze di oggi, martedì 17/11/2026." in text
    assert buttons == [("📝 Assenze 17/11 – <Rossi & C>", "abr:MIEE8AB01T:2026-11-17")]
    assert keyboards.parse(buttons[0][1], REMINDER_ABSENCES.prefix, 2) == [
        "MIEE8AB01T",
        "2026-11-17",
    ]


def test_the_last_call_and_an_admins_push() -> None:
    wednesday = TUESDAY + timedelta(days=1)
    text, _ = render(item(ReminderKind.LAST_CALL), today=wednesday)
    assert "Mancano ancora le assenze di martedì 17/11/2026" in text
    assert "<b>oggi alle 23:59</b>" in text
    today, _ = render(item(ReminderKind.MANUAL, ref="3"))
    assert "L'ATS ti ricorda di registrare le assenze di oggi, martedì 17/11/2026." in today
    late, _ = render(item(ReminderKind.MANUAL, ref="3"), today=wednesday)
    assert "chiude alle 23:59 di mercoledì 18/11/2026" in late


def test_enrolment_and_cases_have_no_button() -> None:
    opened = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
    text, buttons = render(
        item(ReminderKind.ENROLMENT, "MIMM8AB01V", name="Parco Nord", day=date(2026, 9, 15)),
        item(ReminderKind.CASE_24H, "MIMM8AB01V", name="Parco Nord", ref="12", opened_at=opened),
        item(ReminderKind.CASE_72H, "MIMM8AB01V", name="Parco Nord", ref="9", opened_at=opened),
    )
    assert buttons == []
    assert "Tocca un pulsante" not in text
    assert "anno scolastico 2026/27: scrivi /iscritti" in text
    assert "Il caso n. 12, inserito il 17/11/2026 alle 09:30, è ancora aperto" in text
    assert "Il caso n. 9, inserito il 17/11/2026 alle 09:30, è aperto da più di 3 giorni" in text
    assert text.count("<b>Parco Nord</b>") == 1  # one section per plesso


def test_one_button_per_plesso_and_day() -> None:
    _, buttons = render(
        item(ReminderKind.ABSENCES, "MIEE8AB01T", name="Tigli"),
        item(ReminderKind.MANUAL, "MIEE8AB01T", name="Tigli", ref="1"),
        item(ReminderKind.ABSENCES, "MIAA8AB01P", name="Girasole"),
    )
    assert [label for label, _ in buttons] == [
        "📝 Assenze 17/11 – Tigli",
        "📝 Assenze 17/11 – Girasole",
    ]


# --- /promemoria --------------------------------------------------------------------------------


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ROME)


def test_the_report_day_and_its_window() -> None:
    calendar = SchoolCalendar(timezone=ROME)
    assert report_day(calendar, at(17, 8)) == TUESDAY
    assert report_day(calendar, at(18, 8)) == TUESDAY
    assert report_day(calendar, at(22, 8)) == date(2026, 11, 19)  # Sunday: Thursday's
    assert window_open(calendar, TUESDAY, at(18, 23, 59))
    assert not window_open(calendar, TUESDAY, at(19, 0, 0))
    assert not window_open(calendar, date(2026, 11, 19), at(18, 12))
    later = SchoolCalendar(timezone=ROME, start_date=date(2026, 12, 1))
    assert report_day(later, at(17, 8)) is None


def test_a_push_once_an_hour() -> None:
    assert next_push_at(None) is None
    assert next_push_at(at(17, 11)) == at(17, 12)


def plesso(code: str, name: str) -> Plesso:
    return Plesso(
        code=code,
        name=name,
        comune_code="F205",
        comune_name="Milano",
        province="MI",
        address="",
        school_type="primaria",
        sentinel=True,
        ats_code="ATS-MILANO",
    )


def link(referent_id: int, code: str, name: str) -> ReferentLink:
    return ReferentLink(
        referent_id=referent_id,
        user_id=referent_id + 10,
        full_name=f"R{referent_id}",
        plesso_code=code,
        plesso_name=name,
        ats_code="ATS-MILANO",
        sentinel=True,
    )


def test_the_report_says_who_recorded_who_is_missing_who_was_reminded() -> None:
    links = [link(1, "A", "Alfa"), link(2, "B", "Beta"), link(3, "B", "Beta")]
    sent = LogEntry(
        key=ReminderKey(2, "B", ReminderKind.ABSENCES, TUESDAY),
        state=ReminderState.SENT,
        claimed_at=at(17, 10),
        done_at=at(17, 10, 1),
    )
    blocked = LogEntry(
        key=ReminderKey(3, "B", ReminderKind.ABSENCES, TUESDAY),
        state=ReminderState.UNREACHABLE,
        claimed_at=at(17, 10),
        done_at=at(17, 10),
    )
    enrolment = LogEntry(
        key=ReminderKey(1, "A", ReminderKind.ENROLMENT, TUESDAY),
        state=ReminderState.SENT,
        claimed_at=at(17, 10),
        done_at=at(17, 10),
    )
    unreachable = [UnreachableReferent(3, "R3", at(17, 10), "blocked")]
    report = build_report(
        day=TUESDAY,
        is_open=True,
        recorded=[("A", "Alfa")],
        missing=[plesso("B", "Beta"), plesso("C", "Gamma")],
        links=links,
        entries=[sent, blocked, enrolment],
        unreachable=unreachable,
    )
    assert [p.name for p in report.recorded] == ["Alfa"]
    beta, gamma = report.missing
    assert [(r.name, r.reminded_at, r.unreachable) for r in beta.referents] == [
        ("R2", at(17, 10, 1), False),
        ("R3", None, True),
    ]
    assert gamma.referents == ()
    assert [(r.name, r.plesso_name) for r in report.reminded] == [("R2", "Beta")]
    assert report.can_push == 1
    closed = build_report(
        day=TUESDAY,
        is_open=False,
        recorded=[],
        missing=[plesso("B", "Beta")],
        links=links,
        entries=[],
        unreachable=[],
    )
    assert closed.can_push == 0
