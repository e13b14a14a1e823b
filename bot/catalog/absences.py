"""Texts of the absence surveillance: enrolment, absences, recording windows, comparisons.

HTML, sent with parse_mode HTML. `ERRORS` templates are filled by `bot.catalog.render`, which
escapes the values; the functions below build their text from numbers and dates only.
"""

from __future__ import annotations

from datetime import date

from domain.absences import (
    Comparison,
    ComparisonKind,
    format_count,
    format_decimal,
    format_percent,
)
from domain.enrolment import WARN_PUPILS_PER_CLASS, EnrolmentCheck

ERRORS: dict[str, str] = {
    # numbers as typed (domain.enrolment.parse_count)
    "count_empty": "Scrivi un numero.",
    "count_negative": "Il numero non può essere negativo.",
    "count_not_whole": "Scrivi un numero intero, senza virgola.",
    "count_not_number": "Scrivi solo il numero, in cifre (ad esempio <code>12</code>).",
    "count_too_large": "Il numero è troppo grande: al massimo {maximum}.",
    # enrolment (domain.enrolment.check_enrolment)
    "enrolment_no_pupils": "Il numero di iscritti deve essere almeno 1.",
    "enrolment_no_classes": "Il numero di classi deve essere almeno 1.",
    "enrolment_more_classes_than_pupils": (
        "Le classi ({classes}) non possono essere più degli iscritti ({pupils})."
    ),
    "enrolment_too_many_per_class": (
        "Risultano {per_class} alunni per classe: non è possibile, il massimo è {maximum}. "
        "Controlla il numero di iscritti e di classi."
    ),
    # absences (domain.absences.check_absences)
    "absences_no_enrolment": (
        "Prima di registrare le assenze inserisci il numero di iscritti e di classi del plesso."
    ),
    "absent_negative": "Il numero di assenti non può essere negativo.",
    "absent_more_than_enrolled": (
        "Gli assenti ({absent}) non possono essere più degli iscritti ({enrolled})."
    ),
    "ill_negative": "Il numero di assenti per malattia non può essere negativo.",
    "ill_more_than_absent": (
        "Gli assenti per malattia ({ill}) non possono essere più degli assenti ({absent})."
    ),
    # recording windows (domain.calendar.SchoolCalendar.require_open)
    "window_too_early": (
        "Il {day} non è ancora arrivato: le assenze si registrano dal giorno stesso."
    ),
    "window_closed": (
        "Il {day} non si può più registrare: era possibile fino alle 23:59 del {deadline}."
    ),
    "window_not_recording_day": (
        "Il {day} non è un giorno di rilevazione: le assenze si registrano il martedì e il giovedì."
    ),
    "window_holiday": "Il {day} è festivo: non c'è nulla da registrare.",
    "window_closure": "Il {day} la scuola è chiusa: non c'è nulla da registrare.",
    "window_before_start": "Il {day} la rilevazione delle assenze non era ancora iniziata.",
    # closures set by the ATS (domain.calendar.Closure)
    "closure_end_before_start": "La chiusura non può finire ({end}) prima di iniziare ({start}).",
}

WEEKDAY_NAMES: tuple[str, ...] = (
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
)
# "gli ultimi 4 martedì", "gli ultimi 2 sabati", "le ultime 3 domeniche"
_LAST_N: tuple[str, ...] = (
    "gli ultimi {n} lunedì",
    "gli ultimi {n} martedì",
    "gli ultimi {n} mercoledì",
    "gli ultimi {n} giovedì",
    "gli ultimi {n} venerdì",
    "gli ultimi {n} sabati",
    "le ultime {n} domeniche",
)
_PREVIOUS_ONE: tuple[str, ...] = tuple(
    f"la {name} precedente" if name == "domenica" else f"il {name} precedente"
    for name in WEEKDAY_NAMES
)

WARNINGS: dict[str, str] = {
    "many_pupils_per_class": (
        "Attenzione: risultano {per_class} alunni per classe, più di {threshold}. "
        "Controlla il numero di iscritti e di classi."
    ),
}
CONFIRM_ENROLMENT_CHANGE = (
    "Gli iscritti passano da {previous} a {pupils} ({change}): "
    "una variazione di oltre il 30%. Confermi?"
)


# --- Comparison -------------------------------------------------------------------------


def describe_comparison(c: Comparison, weekday: int) -> str:
    """ "4,1%, in linea con gli ultimi 4 martedì: 3,2–4,8%"."""
    shown = format_percent(c.rate)
    if c.kind is ComparisonKind.FIRST or c.low is None or c.high is None:
        return f"{shown}, prima rilevazione di {WEEKDAY_NAMES[weekday]}: nessun confronto."
    others = _LAST_N[weekday].format(n=c.count) if c.count > 1 else _PREVIOUS_ONE[weekday]
    relation = {
        ComparisonKind.IN_LINE: "in linea con",
        ComparisonKind.ABOVE: "sopra",
        ComparisonKind.BELOW: "sotto",
    }[c.kind]
    return f"{shown}, {relation} {others}: {_range(c.low, c.high)}"


def _range(low: float, high: float) -> str:
    shown_low, shown_high = format_percent(low), format_percent(high)
    if shown_low == shown_high:
        return shown_low
    return f"{shown_low.removesuffix('%')}–{shown_high}"


# --- Enrolment --------------------------------------------------------------------------


def enrolment_warning_texts(check: EnrolmentCheck) -> list[str]:
    """One text per warning of `check`, in order."""
    values = {
        "per_class": format_decimal(check.pupils_per_class),
        "threshold": str(WARN_PUPILS_PER_CLASS),
    }
    return [WARNINGS[code].format(**values) for code in check.warnings]


def enrolment_confirmation_text(check: EnrolmentCheck) -> str | None:
    """The question for a large change from the previous figure, or None if not needed."""
    if not check.needs_confirmation or check.change_percent is None:
        return None
    sign = "+" if check.change_percent > 0 else "−"
    return CONFIRM_ENROLMENT_CHANGE.format(
        previous=format_count(check.previous_pupils or 0),
        pupils=format_count(check.pupils),
        change=f"{sign}{format_decimal(abs(check.change_percent), 0)}%",
    )


# --- Recording windows ------------------------------------------------------------------


def describe_day(day: date) -> str:
    """ "martedì 13/10/2026"."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day:%d/%m/%Y}"


def offer_day_text(day: date, today: date) -> str:
    """What the flow offers: today, or yesterday as the last chance."""
    if day == today:
        return f"Registra le assenze di oggi, {describe_day(day)}."
    return (
        f"Registra le assenze di ieri, {describe_day(day)}: "
        "è l'ultimo giorno utile, fino alle 23:59."
    )


def next_window_text(day: date | None) -> str:
    """What the flow says on a day with no open window."""
    if day is None:
        return "Al momento non sono previste rilevazioni delle assenze."
    return f"Oggi non ci sono assenze da registrare. La prossima rilevazione è {describe_day(day)}."
