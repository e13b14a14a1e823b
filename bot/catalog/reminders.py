"""Texts of the scheduled reminders and of /promemoria.

HTML, sent with parse_mode HTML; values go through `bot.catalog.render`, which escapes them.
"""

from __future__ import annotations

# --- The reminder a referent receives ---------------------------------------------------

REMINDER_HEADER = "🔔 <b>Promemoria di Sentinella</b>"
REMINDER_PLESSO = "<b>{plesso}</b> ({code})"
ITEM_ABSENCES = "• Registra le assenze di oggi, {day}."
ITEM_LAST_CALL = (
    "• Mancano ancora le assenze di {day}: la registrazione chiude <b>oggi alle 23:59</b>."
)
ITEM_MANUAL_TODAY = "• L'ATS ti ricorda di registrare le assenze di oggi, {day}."
ITEM_MANUAL_LATE = (
    "• L'ATS ti ricorda le assenze di {day}: la registrazione chiude alle 23:59 di {deadline}."
)
ITEM_ENROLMENT = (
    "• Inserisci il numero di iscritti e di classi per l'anno scolastico {year}: scrivi /iscritti."
)
ITEM_CASE_24H = (
    "• Il caso n. {case}, inserito il {opened}, è ancora aperto: aggiungi i contatti, poi "
    "«Chiudi e invia il caso all'ATS». Scrivi /caso {case}."
)
ITEM_CASE_72H = (
    "• Il caso n. {case}, inserito il {opened}, è aperto da più di 3 giorni: completa i "
    "contatti e chiudi e invia il caso all'ATS. Scrivi /caso {case}."
)
REMINDER_BUTTONS_HINT = "Tocca un pulsante qui sotto per registrare subito."
BUTTON_RECORD = "📝 Assenze {day} – {plesso}"

# --- /promemoria ------------------------------------------------------------------------

SCHEDULE = (
    "<b>Promemoria automatici</b> – {scope}\n"
    "• {recording_days} alle {reminder_time}: le assenze del giorno, a chi non le ha ancora "
    "registrate.\n"
    "• Il giorno dopo alle {deadline_time}: l'ultimo avviso (si chiude alle 23:59).\n"
    "• Dal {enrolment_date}, poi ogni settimana: iscritti e classi dell'anno scolastico, a chi "
    "non li ha inseriti.\n"
    "• Casi ancora aperti dopo 24 e dopo 72 ore: un avviso a chi li ha inseriti (tra le 8 e le 20)."
)
SCOPE_ALL = "tutte le ATS"
RECORDING_DAYS = "Martedì e giovedì"
DAY_OPEN = "<b>Rilevazione di {day}</b> – aperta fino alle 23:59 di {deadline}."
DAY_CLOSED = "<b>Rilevazione di {day}</b> – chiusa."
NO_RECORDING_DAY = "Non c'è ancora stata nessuna rilevazione delle assenze."
RECORDED_HEADER = "✅ Hanno registrato ({n}):"
MISSING_HEADER = "⏳ Mancano ({n}):"
NONE_LINE = "• nessuno"
PLESSO_LINE = "• {plesso}"
REFERENTS_SEPARATOR = " – "  # between a missing plesso and its referents
NO_REFERENT = "nessun referente"
REFERENT_REMINDED = "{name} (promemoria alle {time})"
REFERENT_NOT_REMINDED = "{name}"
REFERENT_UNREACHABLE = "{name} (non raggiungibile)"
REMINDED_HEADER = "🔔 Promemoria inviati ({n}):"
REMINDED_LINE = "• {time} {name} – {plesso}"
UNREACHABLE_HEADER = (
    "🚫 Non raggiungibili ({n}): hanno bloccato il bot o chiuso l'account, "
    "non ricevono promemoria finché non tornano a scrivere al bot:"
)
UNREACHABLE_LINE = "• {name}, dal {since}"
MORE_LINES = "• … e altri {n}"
BUTTON_REMIND_NOW = "🔔 Ricorda ora ai mancanti ({n})"

PUSH_TOO_SOON = "Un promemoria è già partito alle {time}: il prossimo si può inviare dalle {next}."
PUSH_WINDOW_CLOSED = "La rilevazione di {day} è chiusa: non c'è più nulla da ricordare."
PUSH_NOBODY = (
    "Nessuno da avvisare: non mancano registrazioni, oppure i plessi che mancano non hanno "
    "referenti raggiungibili, oppure i loro referenti hanno ricevuto un promemoria "
    "nell'ultima ora."
)
PUSH_DONE = "Promemoria inviati: {sent}."
PUSH_UNREACHABLE = " Non raggiungibili: {unreachable}."
PUSH_FAILED = " Non inviati per un errore: {failed} (riprova più tardi)."
