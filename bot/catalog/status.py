"""Texts of /stato (issue 8): the follow-up indicators of an ATS."""

from __future__ import annotations

SCOPE_ALL = "tutte le ATS"
HEADER = "📋 <b>Stato dei casi e delle rilevazioni</b> ({scope})\nAggiornato al {now}"

STALE_HEADER = "\n⏰ <b>Casi aperti da più di 48 ore: {n}</b>"
STALE_PLESSO = "🏫 {plesso} ({code})"
STALE_CASE = "   • caso #{case_id}, aperto il {opened} ({age}) – referente: {referent}"

CLOSED_HEADER = "\n✅ <b>Casi chiusi questa settimana</b> (da lunedì {since}): <b>{n}</b>"
CLOSED_CONTACTS = "Contatti: {contacts} in tutto, in media <b>{mean}</b> per caso"
CLOSED_MEDIAN = "Tempo mediano dall'apertura alla chiusura: <b>{median}</b>"
CLOSED_NONE = "Nessun caso chiuso da lunedì."

MISSED_HEADER = "\n📉 <b>Plessi sentinella senza una delle ultime 4 rilevazioni: {n}</b>"
MISSED_LINE = ("• {plesso} ({code}): manca il {days}", "• {plesso} ({code}): mancano {days}")

UNREACHABLE_HEADER = "\n📵 <b>Referenti non raggiungibili: {n}</b>"
UNREACHABLE_LINE = "• {name}, dal {since}"

SENT_HOME_OPEN = "\n🏠 <b>Allontanamenti senza esito: {n}</b> (/allontanamenti)"

NONE_LINE = "• nessuno"
MORE_LINES = "• … e altri {n}"

DURATION_DAYS = "{days} g {hours} h"
DURATION_HOURS = "{hours} h {minutes} min"
DURATION_MINUTES = "{minutes} min"
DURATION_NONE = "meno di un minuto"
