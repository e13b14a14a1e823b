"""Texts of /esporta (issue 8): the ATS exports its data as an Excel or CSV file."""

from __future__ import annotations

SCOPE_ALL = "tutte le ATS"

ASK_KIND = "📦 <b>Esporta i dati</b> ({scope})\nCosa vuoi esportare?"
BUTTON_CASES = "Casi chiusi e contatti"
BUTTON_ABSENCES = "Assenze, iscritti e tassi"
BUTTON_REGISTRY = "Referenti e plessi"
BUTTON_SENT_HOME = "Allontanamenti"
BUTTON_ISOLATIONS = "Isolamenti (persone, diario, conviventi)"

# What the file holds, in the questions and in the caption.
KIND_CASES = "Casi chiusi e loro contatti"
KIND_ABSENCES = "Assenze dei plessi sentinella, con iscritti e tassi"
KIND_REGISTRY = "Referenti e plessi"
KIND_SENT_HOME = "Allontanamenti per sintomi, con esito"
KIND_ISOLATIONS = "Isolamenti: persone, diario e conviventi"

ASK_PERIOD = "<b>{what}</b>: di quale periodo?"
ASK_PERIOD_CASES = "<b>{what}</b>: di quale periodo? Conta il giorno di chiusura del caso."
ASK_PERIOD_ISOLATIONS = (
    "<b>{what}</b>: di quale periodo? Conta chi era in isolamento nel periodo (dal D0 alla "
    "chiusura); del diario, i giorni del periodo."
)
BUTTON_WEEK = "Questa settimana (dal {start})"
BUTTON_LAST_30 = "Ultimi 30 giorni (dal {start})"
BUTTON_SCHOOL_YEAR = "Quest'anno scolastico {year}"
BUTTON_TYPED = "📅 Date a scelta"

ASK_START = "Dal giorno (compreso)? Scrivi la data, ad esempio <b>{example}</b>."
ASK_END = (
    "Fino al giorno (compreso)? Scrivi la data, ad esempio <b>{example}</b>, oppure <b>oggi</b>."
)

ASK_FORMAT = "<b>{what}</b>, {period}.\nIn quale formato?"
BUTTON_XLSX = "📊 Excel (.xlsx)"
BUTTON_CSV = "📄 CSV"

PERIOD = "dal {start} al {end}"
SNAPSHOT = "situazione al {today}"

NOTHING_CASES = "Nessun caso chiuso {period} ({scope}): non c'è nulla da esportare."
NOTHING_ABSENCES = "Nessuna assenza registrata {period} ({scope}): non c'è nulla da esportare."
NOTHING_SENT_HOME = "Nessun allontanamento {period} ({scope}): non c'è nulla da esportare."
NOTHING_ISOLATIONS = "Nessuna persona in isolamento {period} ({scope}): non c'è nulla da esportare."
NOTHING_REGISTRY = "Nessun plesso caricato ({scope}): non c'è nulla da esportare."
TOO_BIG = (
    "Il file sarebbe di {size} MB, oltre il limite di Telegram (50 MB). "
    "Scegli un periodo più breve con /esporta."
)

CAPTION = "📦 <b>{what}</b> – {scope}\n{period}\n{counts}"
CAPTION_COUNT = "{table}: {n}"
CAPTION_SEPARATOR = " · "
CAPTION_ZIP = "\nUn file CSV per tabella, nell'archivio ZIP."
CAPTION_CSV = "\nCSV separato da punto e virgola (;), codifica UTF-8."

# Words inside the tables.
YES = "Sì"
NO = "No"
ACTIVE = "attivo"
REVOKED = "revocato"

# Typed dates refused by domain.exports.
ERRORS: dict[str, str] = {
    "export_start_in_future": (
        "Il primo giorno non può essere dopo oggi: hai scritto {date}, oggi è {today}."
    ),
    "export_end_before_start": (
        "L'ultimo giorno ({end}) non può essere prima del primo ({start})."
    ),
}
