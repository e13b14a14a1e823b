"""The message of one reminder batch: a section per plesso, a line per thing owed, and a
button per absence day that opens /assenze for that plesso and day in one tap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from bot.callbacks import reminder_button_data
from bot.catalog import absences as absence_texts
from bot.catalog import reminders as texts
from bot.catalog import render
from bot.keyboards import Button
from domain.calendar import school_year_label, school_year_of
from domain.reminders import ReminderKind
from reminders.due import DueReminder, ReminderBatch

_ABSENCE_KINDS = frozenset({ReminderKind.ABSENCES, ReminderKind.LAST_CALL, ReminderKind.MANUAL})


@dataclass(frozen=True)
class ReminderMessage:
    text: str
    buttons: tuple[Button, ...]


def render_batch(batch: ReminderBatch, today: date, timezone: ZoneInfo) -> ReminderMessage:
    """The text and buttons for `batch`; `today` is the local date of the sending."""
    sections = [texts.REMINDER_HEADER]
    for (code, name), items in groupby(batch.items, key=lambda i: (i.plesso_code, i.plesso_name)):
        lines = [render(texts.REMINDER_PLESSO, plesso=name, code=code)]
        lines.extend(item_line(item, today, timezone) for item in items)
        sections.append("\n".join(lines))
    buttons = tuple(
        (
            # Button labels are plain text, not HTML: no escaping.
            texts.BUTTON_RECORD.format(day=f"{item.day:%d/%m}", plesso=item.plesso_name),
            reminder_button_data(item.plesso_code, item.day),
        )
        for item in _absence_items(batch.items)
    )
    if buttons:
        sections.append(texts.REMINDER_BUTTONS_HINT)
    return ReminderMessage(text="\n\n".join(sections), buttons=buttons)


def _absence_items(items: tuple[DueReminder, ...]) -> list[DueReminder]:
    seen: set[tuple[str, date]] = set()
    found: list[DueReminder] = []
    for item in items:
        if item.kind in _ABSENCE_KINDS and (item.plesso_code, item.day) not in seen:
            seen.add((item.plesso_code, item.day))
            found.append(item)
    return found


def item_line(item: DueReminder, today: date, timezone: ZoneInfo) -> str:
    day = absence_texts.describe_day(item.day)
    if item.kind is ReminderKind.ABSENCES:
        return render(texts.ITEM_ABSENCES, day=day)
    if item.kind is ReminderKind.LAST_CALL:
        return render(texts.ITEM_LAST_CALL, day=day)
    if item.kind is ReminderKind.MANUAL:
        if item.day == today:
            return render(texts.ITEM_MANUAL_TODAY, day=day)
        deadline = absence_texts.describe_day(item.day + timedelta(days=1))
        return render(texts.ITEM_MANUAL_LATE, day=day, deadline=deadline)
    if item.kind is ReminderKind.ENROLMENT:
        return render(texts.ITEM_ENROLMENT, year=school_year_label(school_year_of(item.day)))
    template = texts.ITEM_CASE_72H if item.kind is ReminderKind.CASE_72H else texts.ITEM_CASE_24H
    opened = item.opened_at.astimezone(timezone) if item.opened_at else None
    shown = f"{opened:%d/%m/%Y alle %H:%M}" if opened else f"{item.day:%d/%m/%Y}"
    return render(template, case=item.ref, opened=shown)
