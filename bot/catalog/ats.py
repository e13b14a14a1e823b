"""Texts of the ATS desk (issue 8): /report and the early-warning push."""

from __future__ import annotations

# --- /report ----------------------------------------------------------------------------

REPORT_USAGE = (
    "Scrivi /report per l'ultimo giorno di rilevazione, oppure /report GG/MM/AAAA per un "
    "giorno a scelta."
)
REPORT_BAD_DATE = "Non riconosco la data {text}. Scrivi ad esempio /report 12/11/2026."
REPORT_NO_DATA = "Non ci sono ancora assenze registrate dai plessi sentinella ({scope})."
REPORT_NOT_RECORDING_DAY = "{day} non è un giorno di rilevazione (martedì e giovedì)."
REPORT_HEADER = "📊 <b>Allerta assenze – {day}</b> ({scope})"
REPORT_RECORDED = "Plessi sentinella che hanno registrato: <b>{recorded}</b> su {expected}."
REPORT_RATE = "Tasso di assenza dell'ATS: <b>{rate}</b>"
REPORT_ILL_RATE = " (per malattia: <b>{rate}</b>)"
REPORT_NO_RATE = "Nessun tasso calcolabile per questo giorno."
REPORT_WITHOUT_ENROLMENT = "Senza numero di iscritti (nessun tasso): {n} plessi."
REPORT_FLAGGED_HEADER = "\n🚨 <b>Plessi segnalati: {n}</b>"
REPORT_FLAGGED_LINE = "• <b>{name}</b> ({code}): {rate}{baseline} – {rules}"
REPORT_BASELINE = ", valore atteso {baseline}"
REPORT_NONE_FLAGGED = "\n✅ Nessun plesso segnalato."
REPORT_SHORT_HISTORY = (
    "\nStorico troppo breve per il confronto ({needed} rilevazioni precedenti necessarie) e"
    " nessun altro plesso con cui confrontarli, solo la soglia del 10% vale per: {names}."
)
REPORT_PEERS = (
    "\nPlessi con meno di {needed} rilevazioni precedenti: {n}, confrontati con gli altri"
    " plessi sentinella dello stesso tipo lo stesso giorno e con il proprio anno scorso."
)
REPORT_TREND = "{icon} <b>Andamento regionale: {level}</b>"
REPORT_TREND_ICONS = {"nella norma": "🟢", "in aumento": "🟡", "segnale": "🔴"}
REPORT_TREND_NONE = "⚪ <b>Andamento regionale</b>: ancora nessun termine di confronto."
REPORT_SIGNAL_LINE = "• {kind}: {value}, atteso {expected} ({baseline}) – {level}"
REPORT_SIGNAL_LINE_NO_BASE = "• {kind}: {value} – nessun termine di confronto ancora"
REPORT_SIGNALS_AGREE = "Segnali concordi: {kinds}."
REPORT_SIGNAL_EPISODE = (
    "🔔 <b>Segnale regionale</b>: le assenze dell'intera area superano l'atteso."
)
REPORT_METHOD = (
    "\n<i>Metodo: EARS {method} (CDC) sulle ultime 7 rilevazioni del plesso, più la soglia "
    "fissa del 10%.</i>"
)
REPORT_CHART_CAPTION = (
    "Andamento delle assenze – {scope}: quest'anno contro la fascia degli anni precedenti"
)
REPORT_PUSH_HEADER = "🔔 <b>Allerta automatica</b>: la registrazione di {day} si è chiusa."
REPORT_PUSH_FAILED = (
    "⚠️ <b>Allerta automatica</b>: il report di {day} ({n} plessi segnalati) non è stato"
    " recapitato per intero dopo {attempts} tentativi. Scrivi /report per vederlo."
)
SCOPE_ALL = "tutte le ATS"
