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
    "closure_too_long": (
        "La chiusura durerebbe {days} giorni: al massimo {maximum}. Controlla le date."
    ),
    "closure_too_old": (
        "La chiusura è finita il {end}, più di un anno fa: non serve più registrarla."
    ),
    "closure_note_too_long": "La nota è troppo lunga: al massimo {maximum} caratteri.",
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


# --- /iscritti: enrolment flow ----------------------------------------------------------

ENROL_PICK_PLESSO = "Per quale plesso vuoi inserire iscritti e classi?"
ENROL_CURRENT = (
    "<b>{plesso}</b> ({code})\n"
    "In vigore: <b>{pupils}</b> alunni di 6-19 anni in <b>{classes}</b> classi, "
    "dal {valid_from} (anno scolastico {year})."
)
ENROL_NONE = "<b>{plesso}</b> ({code})\nNon c'è ancora il numero di iscritti."
ENROL_NONE_THIS_YEAR = (
    "Manca il numero di iscritti e di classi di <b>{plesso}</b> per l'anno scolastico {year}: "
    "inseriscilo ora."
)
ENROL_ASK_PUPILS = (
    "Quanti alunni <b>di 6-19 anni</b> (primaria, secondaria di primo e secondo grado) "
    "sono iscritti al plesso <b>{plesso}</b>? Scrivi il numero."
)
ENROL_ASK_CLASSES = "Quante <b>classi</b> ha il plesso? Scrivi il numero."
ENROL_CHECK = "Iscritti: <b>{pupils}</b> in <b>{classes}</b> classi."
ENROL_CONFIRM_QUESTION = "Confermi questi numeri?"
ENROL_SAVED = (
    "Salvato: <b>{pupils}</b> alunni di 6-19 anni in <b>{classes}</b> classi per "
    "<b>{plesso}</b>, in vigore dal {valid_from} (anno scolastico {year})."
)
ENROL_REDO = "D'accordo, riscrivi i numeri."
BUTTON_REDO = "✏️ Correggi"

# --- /assenze: absences flow ------------------------------------------------------------

ABSENCES_USAGE = (
    "Scrivi /assenze, oppure /assenze con la data da registrare, ad esempio "
    "<code>/assenze ieri</code> o <code>/assenze 17/11</code>."
)
_SENTINEL_ONLY = (
    "La registrazione delle assenze è riservata alle <b>scuole sentinella</b> scelte dall'ATS: "
)
_ENROLMENT_STILL = (
    "\nIl numero di iscritti e di classi va invece inserito per ogni plesso, con /iscritti."
)
ABSENCES_NOT_SENTINEL = (
    _SENTINEL_ONLY
    + "{plessi} non ne fa parte, quindi non ci sono assenze da registrare."
    + _ENROLMENT_STILL
)
ABSENCES_NOT_SENTINEL_MANY = (
    _SENTINEL_ONLY
    + "{plessi} non ne fanno parte, quindi non ci sono assenze da registrare."
    + _ENROLMENT_STILL
)
ABSENCES_PICK_PLESSO = "Per quale plesso vuoi registrare le assenze?"
BUTTON_PLESSO_MISSING = "⏳ {name}"
BUTTON_PLESSO_DONE = "✅ {name}"
ABSENCES_PLESSO_GONE = "Non sei più referente di questo plesso."
ABSENCES_RECENT_HEADER = "<b>{plesso}</b> ({code}) – ultime rilevazioni:"
ABSENCES_RECENT_NONE = "<b>{plesso}</b> ({code}) – nessuna rilevazione registrata finora."
ABSENCES_ALREADY = (
    "Per questo giorno hai già registrato {figure}. "
    "Scrivi il numero corretto per modificarlo, oppure /annulla per lasciarlo così."
)
ABSENCES_ASK_ABSENT = (
    "Quanti alunni <b>di 6-19 anni</b> erano assenti? Scrivi il numero (su {enrolled} iscritti)."
)
ABSENCES_ASK_ILL = (
    "Di questi {absent}, quanti sono assenti <b>per malattia</b>? "
    "Scrivi il numero, oppure tocca «Non lo sappiamo»."
)
BUTTON_ILL_UNKNOWN = "Non lo sappiamo"
ABSENCES_SAVED = "Salvato per <b>{plesso}</b>, {day}: {figure}."
ABSENCES_CORRECTED = "Corretto per <b>{plesso}</b>, {day}: {figure} (prima: {old})."
ABSENCES_RATE = "Tasso di assenza: {comparison}"
ABSENCES_CAN_CORRECT = "Puoi correggerlo con /assenze fino alle 23:59 di {deadline}."


def describe_figure(absent: int, ill: int | None, enrolled: int | None) -> str:
    """ "12 assenti su 290 iscritti, di cui 3 per malattia"."""
    text = f"{format_count(absent)} assenti"
    if enrolled is not None:
        text += f" su {format_count(enrolled)} iscritti"
    if ill is not None and absent > 0:
        text += f", di cui {format_count(ill)} per malattia"
    return text


def recent_line(day: date, absent: int, ill: int | None, rate: float | None) -> str:
    """ "• mar 17/11/2026: 12 assenti (4,1%), 3 per malattia"."""
    shown = format_percent(rate) if rate is not None else "–"
    line = f"• {WEEKDAY_NAMES[day.weekday()][:3]} {day:%d/%m/%Y}: {format_count(absent)} assenti ({shown})"
    if ill is not None and absent > 0:
        line += f", {format_count(ill)} per malattia"
    return line


# --- /chiusure: closures set by the ATS -------------------------------------------------

CLOSURES_PICK_ATS = "Di quale ATS vuoi vedere le chiusure?"
CLOSURES_UNKNOWN_ATS = "Non trovo l'ATS {ats} tra quelle con plessi caricati."
CLOSURES_HEADER = (
    "<b>Chiusure delle scuole – {ats}</b>\n"
    "Nei giorni di chiusura non si registrano assenze e non partono promemoria."
)
CLOSURES_NONE = "Nessuna chiusura in corso o in programma."
CLOSURES_LINE = "{n}. {period}, {scope}"
CLOSURES_NOTE = " – {note}"
CLOSURES_WHOLE_ATS = "tutta l'ATS"
CLOSURES_ONE_PLESSO = "plesso {code}"
BUTTON_CLOSURE_ADD = "➕ Aggiungi"
BUTTON_CLOSURE_REMOVE = "🗑 Rimuovi {n} ({period})"
CLOSURE_ASK_SCOPE = "La chiusura vale per tutta l'ATS {ats} o per un solo plesso?"
BUTTON_SCOPE_ATS = "Tutta l'ATS"
BUTTON_SCOPE_PLESSO = "Un solo plesso"
CLOSURE_ASK_PLESSO = (
    "Scrivi il codice meccanografico del plesso (ad esempio <code>MIEE8AB01T</code>)."
)
CLOSURE_PLESSO_NOT_HERE = (
    "Non trovo il plesso {code} tra quelli dell'ATS {ats}. Controlla il codice."
)
CLOSURE_ASK_START = "Primo giorno di chiusura? Scrivi la data, ad esempio <b>23/12/2026</b>."
CLOSURE_ASK_END = (
    "Ultimo giorno di chiusura (compreso)? Per un giorno solo riscrivi la stessa data."
)
CLOSURE_ASK_NOTE = (
    "Una nota, se vuoi (ad esempio «Vacanze di Natale»), oppure tocca «Nessuna nota»."
)
BUTTON_NO_NOTE = "Nessuna nota"
CLOSURE_SUMMARY = (
    "Controlla la chiusura:\n\n"
    "ATS: <b>{ats}</b>\n"
    "Vale per: <b>{scope}</b>\n"
    "Dal <b>{start}</b> al <b>{end}</b> compreso\n"
    "Nota: {note}\n\n"
    "La salvo?"
)
CLOSURE_NO_NOTE = "–"
CLOSURE_SAVED = "Chiusura salvata."
CLOSURE_DISCARDED = "Chiusura non salvata."
CLOSURE_REMOVE_CONFIRM = (
    "Rimuovere la chiusura {period}, {scope}? In quei giorni si tornerà a registrare le assenze."
)
CLOSURE_REMOVED = "Chiusura rimossa."
CLOSURE_KEPT = "La chiusura resta."
CLOSURE_GONE = "Questa chiusura non c'è più."


def describe_period(start: date, end: date) -> str:
    """ "23/12/2026 – 06/01/2027", or one day: "17/11/2026"."""
    if start == end:
        return f"{start:%d/%m/%Y}"
    return f"{start:%d/%m/%Y} – {end:%d/%m/%Y}"


def describe_short_period(start: date, end: date) -> str:
    """For a button: "23/12–06/01", or "17/11"."""
    if start == end:
        return f"{start:%d/%m}"
    return f"{start:%d/%m}–{end:%d/%m}"
