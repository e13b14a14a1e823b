"""Texts of the vaccination-duty check (issue 18): the school's «vaccini» role and the ATS.

Messages carry counts only: names (and who is "non in regola", health data) go in files
sent with protect_content."""

from __future__ import annotations

COMMANDS: list[tuple[str, str]] = [
    ("start", "Inizia o riprendi"),
    ("aiuto", "Cosa posso fare"),
    ("annulla", "Annulla l'operazione in corso"),
    ("vaccini", "Verifica obblighi vaccinali: elenco, esito, famiglie"),
]
ADMIN_COMMAND = ("vaccini", "Obblighi vaccinali: elenchi, esiti, /vaccini CODICE")
HELP_HEADER = "<b>Verifica obblighi vaccinali</b>"
VACCINES_ONLY = (
    "Questa funzione è riservata a chi ha il ruolo «vaccini» del plesso. "
    "Chiedi un invito alla tua ATS."
)
NOT_FOUND = "Non trovo il plesso tra i tuoi per la verifica vaccinale."

JOINED = (
    "Fatto! Ora hai il ruolo «vaccini» (verifica obblighi vaccinali) per <b>{plesso}</b>"
    " ({code}).\n\nScrivi /vaccini per iniziare."
)
INVITE_ROLE = "\nRuolo: <b>vaccini</b> (verifica obblighi vaccinali)."
INVITES_ROLE = " · ruolo «vaccini»"  # appended to an /inviti line
INVITE_ROLE_UNKNOWN = (
    "Ruolo sconosciuto «{role}». Scrivi ad esempio <code>/invita MIEE00001A</code> (referente"
    " COVID) o <code>/invita MIEE00001A vaccini</code> (verifica obblighi vaccinali)."
)

# --- the school ------------------------------------------------------------------------------

PICK_PLESSO = "Verifica obblighi vaccinali: scegli il plesso."
CARD = (
    "💉 <b>Verifica obblighi vaccinali</b>\n"
    "{plesso} ({code}) · anno scolastico {year}/{next_year}\n\n"
)
STAGE_NO_LIST = "Elenco degli iscritti: <b>non ancora caricato</b>."
STAGE_DRAFT = "Elenco caricato, <b>non ancora inviato</b>: {pupils} ({refused})."
PUPILS = ("1 alunno", "{count} alunni")
ROWS_EXCLUDED = ("1 riga con errori esclusa", "{count} righe con errori escluse")
STAGE_SENT = "Elenco inviato all'ATS il {sent} · {pupils} alunni · ricevuta <code>{receipt}</code>."
STAGE_WAITING = "In attesa dell'esito dell'ATS (entro il {due})."
STAGE_PUBLISHED = (
    "Esito dell'ATS: <b>{not_in_order}</b> alunni non in regola.\n"
    "Famiglie invitate: {invited} · documenti consegnati: {documents}"
    " · nessun documento: {no_document} · da completare: {open}."
)
STAGE_PER_CLASS = "Per classe: {classes}"
STAGE_INVITE_DUE = "Invitare le famiglie entro il {due}; documenti entro il {documents}."
STAGE_TRANSMITTED = "Esito trasmesso all'ATS il {sent}. Procedura conclusa per quest'anno."
DRAFT_PENDING = "\nUn'integrazione di {pupils} alunni è caricata ma non ancora inviata."
NEXT_DEADLINE = "\n\n⏰ {what} entro il {due}: {left}."
NEXT_LIST = "Elenco"
NEXT_OUTCOME = "Esito alle famiglie (trasmissione all'ATS)"
DAYS_LEFT = "mancano {days} giorni"
DAY_LEFT = "manca 1 giorno"
TODAY = "scade oggi"
OVERDUE = "scaduto da {days} giorni"

BUTTON_TEMPLATE = "Scarica modello"
BUTTON_UPLOAD = "Carica elenco"
BUTTON_UPLOAD_LATE = "Carica integrazione"
BUTTON_SEND = "Invia all'ATS"
BUTTON_CONFIRM_SEND = "Conferma invio"
BUTTON_CANCEL = "Annulla"
BUTTON_NAMES = "Elenco non in regola (file)"
BUTTON_ALL_INVITED = "Segna tutti invitati"
BUTTON_FOLLOW_UP = "Aggiorna un alunno"
BUTTON_TRANSMIT = "Trasmetti all'ATS"
BUTTON_CONFIRM_TRANSMIT = "Sì, trasmetti"
BUTTON_PREVIOUS = "◀ Indietro"
BUTTON_NEXT = "Avanti ▶"

TEMPLATE_CAPTION = (
    "Modello dell'elenco: una riga per alunno iscritto per il prossimo anno scolastico"
    " (0–16 anni). Servizio: nido, infanzia, primaria o secondaria."
)
ASK_LIST = (
    "Inviami ora il file dell'elenco (<b>CSV</b> o <b>XLSX</b>, come il modello): codice"
    " fiscale, cognome, nome, data di nascita, classe, servizio, minore straniero non"
    " accompagnato (sì/no). Per un'integrazione, solo i nuovi iscritti. Oppure /annulla."
)
FILE_TOO_BIG = "Il file è troppo grande (massimo {max_mb} MB)."
FILE_REFUSED = "File rifiutato, nessun alunno caricato: "
ROWS_REPORT = "<b>{valid}</b> valide · <b>{errors}</b> errori"
ROWS_REPORT_KIND = " ({kind})"
ROW_ERROR = "riga {line}: {reason}"
ROWS_MORE = "… e altre {more} righe con errori."
ROWS_FIX = (
    "\n\nCorreggi il file e caricalo di nuovo, oppure invia: le righe con errori saranno escluse."
)
KIND_FIRST = "elenco"
KIND_LATE = "integrazione"
REVIEW = (
    "Invio all'ATS ({kind}): <b>{pupils}</b> alunni\n{services}{refused}\n\n"
    "Dopo l'invio l'elenco non è più modificabile."
)
REVIEW_SERVICE = "• {service}: {count}"
REVIEW_REFUSED = "\n{refused}."
NOTHING_TO_SEND = "Non c'è un elenco da inviare: caricalo prima."
ALREADY_SENT = "Questo elenco è già stato inviato e non è più modificabile."
SENT = (
    "✅ {kind} inviato all'ATS il {date} alle {time}: {pupils} alunni.\n"
    "Ricevuta: <code>{receipt}</code> (conservala: prova l'invio entro il termine)."
)
SEND_CANCELLED = "Invio annullato: l'elenco resta caricato, non inviato."
LOCKED = "La procedura di quest'anno è conclusa: niente più modifiche."
NOT_PUBLISHED = "L'ATS non ha ancora pubblicato l'esito."
NAMES_CAPTION = "Alunni non in regola ({count}): numerati come nei pulsanti. Non inoltrare."
ALL_INVITED = "Segnate come invitate oggi: {count} famiglie."
FOLLOW_UP_PAGE = (
    "Alunni non in regola: {total} · pagina {page} di {pages}.\n"
    "Il numero è quello del file «Elenco non in regola». Scegli l'alunno."
)
FOLLOW_UP_BUTTON = "n° {number} · {class_name}{mark}"
FOLLOW_UP_NONE = "Nessun alunno non in regola."
PUPIL = (
    "Alunno n° {number} · classe {class_name}\nFamiglia invitata: {invited}\nDocumento: {document}"
)
NOT_YET = "—"
DOCUMENT_ON = "{document} ({date})"
BUTTON_INVITED = "Famiglia invitata"
DOCUMENT_BUTTONS = {
    "vaccinazione": "Certificato vaccinale",
    "esonero": "Esonero",
    "differimento": "Differimento",
    "richiesta": "Richiesta all'ATS",
    "nessuno": "Nessun documento",
}
RECORDED = "Registrato per l'alunno n° {number}."
TRANSMIT_CONFIRM = (
    "Trasmettere l'esito all'ATS? Non in regola: {not_in_order} · documenti: {documents}"
    " · nessun documento: {no_document} · senza risposta: {open} (trasmessi come senza"
    " documento).\nDopo la trasmissione non è più modificabile."
)
TRANSMITTED = "✅ Esito trasmesso all'ATS il {date} alle {time}."

# --- the ATS ---------------------------------------------------------------------------------

ATS_OVERVIEW = (
    "💉 <b>Verifica obblighi vaccinali {year}</b> ({scope})\n"
    "Elenchi ricevuti: <b>{arrived}</b> su {total} plessi · mancanti: <b>{missing}</b>"
    " (scadenza {due}).\n"
    "Dettaglio e file di un plesso: <code>/vaccini CODICE</code>"
)
ATS_ARRIVED_HEADER = "\n\n<b>Ricevuti</b>:"
ATS_ARRIVED_LINE = "• {name} ({code}): {sent} · {pupils} alunni"
ATS_PUBLISHED_MARK = " · esito pubblicato"
ATS_TRANSMITTED_MARK = " · esito famiglie trasmesso"
ATS_MISSING_HEADER = "\n\n<b>Mancanti</b>:"
ATS_MISSING_LINE = "• {name} ({code})"
ATS_MORE = "… e altri {more}."
ATS_NONE = "\n\nNessun plesso ha ancora il ruolo «vaccini»: invitali con /invita CODICE vaccini."
BUTTON_REMIND = "Ricorda ora ai mancanti"
BUTTON_OUTCOMES = "Esiti delle scuole (XLSX)"
REMINDED = "Promemoria in invio a {count} persone dei plessi mancanti."
ATS_PLESSO = "💉 <b>{name}</b> ({code}) · {year}"
ATS_PLESSO_OUTCOMES = (
    "Esito caricato: in regola {in_order} · non in regola {not_in_order} · non trovati"
    " {not_found} · senza esito {missing}."
)
ATS_NO_LIST = "Elenco non ancora ricevuto."
ATS_LIST_LINE = "{kind} inviato il {sent}: {pupils} alunni (ricevuta {receipt})"
ATS_STATE_DRAFT = "Esito non ancora pubblicato."
ATS_STATE_PUBLISHED = (
    "Esito pubblicato il {published}. Famiglie invitate {invited} · documenti {documents}"
    " · nessun documento {no_document}."
)
ATS_STATE_TRANSMITTED = " Esito della scuola trasmesso il {transmitted}."
ATS_HOLDERS = "Ruolo «vaccini»: {names}"
ATS_NO_HOLDER = "Nessuno ha il ruolo «vaccini»: /invita {code} vaccini"
BUTTON_REVOKE = "Revoca ruolo: {name}"
REVOKE_CONFIRM = "Revocare il ruolo «vaccini» a <b>{name}</b> per {code}?"
REVOKED = "Ruolo «vaccini» revocato a {name} per {code}. È stato avvisato."
REVOKE_GONE = "Non ha più il ruolo «vaccini» per questo plesso."
REVOKE_KEPT = "Nessuna revoca."
BUTTON_YES = "Sì, revoca"
BUTTON_NO = "No"
BUTTON_DOWNLOAD = "Scarica elenco (XLSX)"
BUTTON_ANSWER = "Carica esito"
BUTTON_PUBLISH = "Pubblica"
LIST_CAPTION = "Elenco di {code}: compila la colonna «Esito» e caricalo con «Carica esito»."
NO_LIST_YET = "Nessun elenco ricevuto da questo plesso."
ASK_ANSWER = (
    "Inviami il file dell'esito per {code} (CSV o XLSX): codice fiscale ed esito (in regola /"
    " non in regola / non trovato). Oppure /annulla."
)
ANSWER_LOADED = (
    "Esito caricato per {code}: {recorded} righe · in regola {in_order} · non in regola"
    " {not_in_order} · non trovati {not_found} · righe rifiutate {errors}."
)
ANSWER_PUBLISHED_ALREADY = "L'esito di questo plesso è già pubblicato."
PUBLISH_INCOMPLETE = "Prima di pubblicare, ogni alunno dell'elenco deve avere un esito."
PUBLISHED = "Esito pubblicato: {not_in_order} non in regola. La scuola è stata avvisata."
OUTCOMES_CAPTION = "Esiti {year}: alunni non in regola per scuola, con i documenti consegnati."

# --- notices and reminders (counts only) --------------------------------------------------

NOTICE_REVOKED = "L'ATS ha revocato il tuo ruolo «vaccini» per il plesso {code}."
NOTICE_PUBLISHED = (
    "💉 L'ATS ha pubblicato l'esito della verifica vaccinale del plesso {code}."
    " Apri /vaccini per i numeri e il file."
)
REMIND_LIST = (
    "💉 Verifica obblighi vaccinali: l'elenco degli iscritti del plesso {code} va inviato"
    " all'ATS entro il {due}. Apri /vaccini."
)
REMIND_INVITE = (
    "💉 Plesso {code}: restano pochi giorni per invitare le famiglie degli alunni non in"
    " regola (entro il {due}). Apri /vaccini."
)
REMIND_OUTCOME = (
    "💉 Plesso {code}: l'esito (documenti delle famiglie) va trasmesso all'ATS entro il"
    " {due}. Apri /vaccini."
)
MISSED_SUMMARY = "💉 Elenchi vaccinali non inviati entro il {due}: <b>{count}</b> plessi.\n{lines}"

ERRORS = {
    "vx_no_header": (
        "non trovo l'intestazione: servono almeno le colonne codice fiscale, cognome, nome,"
        " data di nascita e servizio (oppure codice fiscale ed esito)"
    ),
    "vx_too_many": "troppe righe (massimo {max_rows})",
    "vx_missing_cf": "manca il codice fiscale",
    "vx_missing_surname": "manca il cognome",
    "vx_missing_name": "manca il nome",
    "vx_missing_birth_date": "manca la data di nascita",
    "vx_missing_service": "manca il servizio",
    "vx_cf_invalid": "codice fiscale non valido",
    "vx_birth_date_invalid": "data di nascita non valida",
    "vx_cf_birth_date": "la data di nascita non corrisponde al codice fiscale",
    "vx_age": "età fuori dai 0–{max_age} anni all'inizio dell'anno scolastico",
    "vx_service": "servizio non riconosciuto (nido, infanzia, primaria, secondaria)",
    "vx_name": "cognome o nome non valido",
    "vx_duplicate": "alunno già presente (codice fiscale ripetuto)",
    "vx_foreign_cf": "codice fiscale non presente nell'elenco di questa scuola",
    "vx_outcome": "esito non riconosciuto (in regola, non in regola, non trovato)",
}
