"""The symptom diary of a person in isolation: the ISS symptom list, the red flags, the
temperature, which days may be written, and the day grid the ATS reads."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.dates import format_date
from domain.errors import ValidationFailed


class Symptom(StrEnum):
    """The ISS list (Rapporto COVID-19 n. 58/2020), in its order; the diary asks the last
    three for children only (CHILD_ONLY). The sent-home report picks from it too."""

    FEVER = "febbre"
    CHILLS = "brividi"
    COUGH = "tosse"
    BREATHING = "respiro"
    SMELL_TASTE = "olfatto"
    RUNNY_NOSE = "naso"
    SORE_THROAT = "gola"
    DIARRHOEA = "diarrea"
    HEADACHE = "testa"
    NAUSEA = "nausea"
    MUSCLE_PAIN = "muscoli"


CHILD_ONLY = (Symptom.HEADACHE, Symptom.NAUSEA, Symptom.MUSCLE_PAIN)
CHILD_UNDER_YEARS = 14


class RedFlag(StrEnum):
    """Signs that need the emergency number at once."""

    SHORT_OF_BREATH = "fiato"
    CHEST_PAIN = "petto"
    CONFUSION = "confusione"
    BLUE_LIPS = "labbra"


def symptoms_for(birth_date: date, today: date) -> list[Symptom]:
    """The symptoms asked about: the whole list for a child, without CHILD_ONLY for others."""
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    if age < CHILD_UNDER_YEARS:
        return list(Symptom)
    return [symptom for symptom in Symptom if symptom not in CHILD_ONLY]


TEMPERATURE_MIN = 34.0
TEMPERATURE_MAX = 42.5
FEVER_FROM = 37.5


def parse_temperature(text: str) -> float:
    """A body temperature in °C, "37,8" or "37.8", between TEMPERATURE_MIN and _MAX."""
    cleaned = text.strip().replace(",", ".").removesuffix("°").removesuffix("°C").strip()
    try:
        value = round(float(cleaned), 1)
    except ValueError:
        raise ValidationFailed("temperature_invalid", text=text.strip()[:20]) from None
    if not TEMPERATURE_MIN <= value <= TEMPERATURE_MAX:
        raise ValidationFailed("temperature_invalid", text=text.strip()[:20])
    return value


class DiaryEntry(BaseModel):
    """One day of the diary."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True)

    day: date
    symptoms: tuple[Symptom, ...] = ()
    temperature: float | None = None
    red_flags: tuple[RedFlag, ...] = ()

    @property
    def has_symptoms(self) -> bool:
        return bool(self.symptoms) or self.has_fever

    @property
    def has_fever(self) -> bool:
        return self.temperature is not None and self.temperature >= FEVER_FROM

    @property
    def counts_for_recovery(self) -> bool:
        """Symptoms that keep the isolation going: loss of smell or taste may last weeks and
        does not (Circolare 32850)."""
        return self.has_fever or any(s is not Symptom.SMELL_TASTE for s in self.symptoms)


def writable_days(today: date) -> tuple[date, date]:
    """Only today and yesterday may be written or corrected."""
    return today, today - timedelta(days=1)


def check_writable(day: date, today: date) -> None:
    if day not in writable_days(today):
        raise ValidationFailed("diary_day_closed", date=format_date(day))


def check_onset(day: date, d0: date, today: date) -> None:
    """The onset of symptoms: from D0 − 14 to today, never in the future."""
    if day > today:
        raise ValidationFailed(
            "date_in_future",
            field="inizio dei sintomi",
            date=format_date(day),
            today=format_date(today),
        )
    earliest = d0 - timedelta(days=14)
    if day < earliest:
        raise ValidationFailed(
            "date_too_early",
            field="inizio dei sintomi",
            date=format_date(day),
            earliest=format_date(earliest),
        )


def last_symptom_day(entries: list[DiaryEntry]) -> date | None:
    days = [entry.day for entry in entries if entry.counts_for_recovery]
    return max(days) if days else None


class Mark(StrEnum):
    WELL = "🟢"
    ILL = "🔴"
    MISSING = "⚪"


def day_grid(d0: date, today: date, entries: list[DiaryEntry]) -> list[tuple[date, Mark]]:
    """Each day from D0 to today: green no symptoms, red symptoms, grey nothing written."""
    by_day = {entry.day: entry for entry in entries}
    grid = []
    for offset in range((today - d0).days + 1):
        day = d0 + timedelta(days=offset)
        entry = by_day.get(day)
        mark = Mark.MISSING if entry is None else Mark.ILL if entry.has_symptoms else Mark.WELL
        grid.append((day, mark))
    return grid


def grid_text(grid: list[tuple[date, Mark]], per_line: int = 7) -> str:
    """The grid as text, a week a line: "G0 🟢🟢🔴⚪…" (compact: a month is 5 lines)."""
    lines = []
    for start in range(0, len(grid), per_line):
        chunk = grid[start : start + per_line]
        lines.append(f"G{start:<2} " + "".join(mark.value for _, mark in chunk))
    return "\n".join(lines)
