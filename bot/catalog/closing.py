"""Texts of "Chiudi e invia il caso all'ATS": the review, the receipt, the ATS notice,
and the admins' /casi and /caso."""

from __future__ import annotations

# --- the referent: review, question, receipt ---------------------------------------------------

BUTTON_CLOSE = "📤 Chiudi e invia il caso all'ATS"
BUTTON_CLOSE_FOR = "📤 Chiudi e invia caso {case_id}"
BUTTON_YES = "Sì, chiudi e invia"
BUTTON_NO = "No"
BUTTON_MORE_CONTACTS = "Altri contatti ▶"

REVIEW = (
    "<b>Chiudi il caso ed invia i dati all'ATS</b>\n\n"
    "Identificativo del caso: <b>{case_id}</b>\n"
    "Cognome: <b>{surname}</b>\n"
    "Nome: <b>{name}</b>\n"
    "Codice fiscale: <b>{cf}</b>\n"
    "Ultimo giorno di frequenza: <b>{last_attendance}</b>\n"
    "Numero di contatti collegati al caso: <b>{contacts}</b>"
)
REVIEW_CONTACTS = "<b>Contatti</b> (pagina {page} di {pages}):"
REVIEW_CONTACT_LINE = "{contact_id} · {surname} {name} · {role} {class_name} {section} · ultimo contatto {last_contact}"
REVIEW_MORE = "… e altri {more} contatti: li vedi con «Vedi contatti»."
WARNINGS_HEADER = "<b>Prima di inviare, controlla:</b>"
WARN_NO_CONTACTS = "⚠️ Non hai inserito nessun contatto."
WARN_OUTSIDE_WINDOW = (
    "⚠️ La data dell'ultimo contatto di 1 contatto ({ids}) è fuori dal periodo "
    "dei contatti stretti del caso.",
    "⚠️ La data dell'ultimo contatto di {count} contatti ({ids}) è fuori dal periodo "
    "dei contatti stretti del caso.",
)
WARN_IDS_MORE = "{ids} e altri {more}"
WARN_IDS_SHOWN = 20  # ids listed in the warning: the rest counted, the message stays short
WARN_INCOMPLETE = (
    "⚠️ 1 contatto ha dati da completare: l'ATS lo riceverebbe con questi campi vuoti.",
    "⚠️ {count} contatti hanno dati da completare: l'ATS li riceverebbe con questi campi vuoti.",
)
WARN_INCOMPLETE_LINE = "• {surname} {name}: {missing}"
WARN_INCOMPLETE_MORE = ("• … e 1 altro", "• … e altri {count}")
WARN_INCOMPLETE_HINT = "Completali con <b>Modifica contatto</b>, oppure chiudi comunque."
WARN_NO_CLASSMATES = (
    "⚠️ Il caso è un alunno, ma tra i contatti non c'è nessun compagno della classe "
    "{class_name} {section}: i compagni di classe sono sempre contatti stretti."
)
WARNING = (
    "<b>ATTENZIONE!</b> Dopo aver inviato i dati all'ATS non sarà più possibile modificare "
    "i dati del caso e dei relativi contatti."
)
QUESTION = "Confermi la chiusura del caso e l'invio dei dati all'ATS?"

RECEIPT = (
    "✅ Il caso <b>{case_id}</b> è stato chiuso e inviato all'ATS.\n\n"
    "Chiuso il: <b>{closed_at}</b>\n"
    "Numero di contatti: <b>{contacts}</b>\n"
    "Codice ricevuta: <b>{receipt}</b>\n\n"
    "L'ATS può ritrovare il caso con questo codice. Il caso e i suoi contatti si possono "
    "ancora consultare ma non sono più modificabili."
)
ALREADY_CLOSED = (
    "Il caso {case_id} è già chiuso il {closed_at} (codice ricevuta {receipt}): "
    "non è stato inviato di nuovo."
)
DECLINED = "Il caso {case_id} non è stato chiuso: puoi continuare a modificarlo."

# --- the ATS notice ----------------------------------------------------------------------------

NOTICE = (
    "📥 <b>Nuovo caso chiuso e inviato all'ATS</b>\n\n"
    "Caso <b>{case_id}</b> · codice ricevuta <b>{receipt}</b>\n"
    "Plesso: {plesso} ({code}), {comune}\n"
    "Classe {class_name} {section} · {role}\n"
    "{surname} {name} · {cf}\n"
    "Ultimo giorno di frequenza: {last_attendance}\n"
    "Numero di contatti: {contacts}\n"
    "Chiuso il {closed_at}\n\n"
    "Il file allegato contiene il caso e i contatti. Per rivederlo: /caso {case_id}"
)
NOTICE_CAPTION = "Caso {case_id} · {receipt}"

# --- the admins' /casi and /caso ---------------------------------------------------------------

ADMIN_LIST_HEADER = "<b>Casi chiusi e inviati all'ATS</b> – {scope}"
ADMIN_FILTER_PLESSO = "plesso {code}"
ADMIN_FILTER_DAYS = "chiusi dal {since} al {until}"
ADMIN_LIST_PAGE = "Pagina {page} di {pages} · casi: {total}"
ADMIN_LIST_EMPTY = "Nessun caso chiuso con questi filtri."
ADMIN_LIST_LINE = (
    "<b>{case_id}</b> · {surname} {name} · {cf}\n"
    "    {code} · chiuso il {closed_at} · contatti {contacts} · {receipt}"
)
ADMIN_LIST_HINT = (
    "Filtri: /casi CODICE_PLESSO, /casi 01/11/2026 30/11/2026. "
    "Un caso: /caso NUMERO o /caso CODICE-RICEVUTA."
)
ADMIN_USAGE = (
    "Uso: /casi, /casi CODICE_PLESSO, /casi GG/MM/AAAA GG/MM/AAAA (anche insieme). "
    "Non ho capito: {typed}"
)
ADMIN_CASE_USAGE = (
    "Scrivi /caso seguito dal numero del caso o dal codice ricevuta, ad es. <b>/caso 12</b>."
)
BUTTON_LAST_7 = "Ultimi 7 giorni"
BUTTON_LAST_30 = "Ultimi 30 giorni"
BUTTON_ALL = "Tutti"
BUTTON_VIEW_CASE = "Vedi caso {case_id}"
BUTTON_CONTACTS = "Contatti del caso {case_id}"
BUTTON_FILE = "📎 File XLSX"
ADMIN_CASE_HEADER = (
    "<b>Caso {case_id}</b> – chiuso il {closed_at}\nCodice ricevuta: <b>{receipt}</b>"
)
ADMIN_CONTACTS_HEADER = "<b>Contatti del caso {case_id}</b> ({total})"
ADMIN_CONTACTS_PAGE = "Pagina {page} di {pages}"
ADMIN_CONTACT_LINE = (
    "<b>{contact_id}</b> · {surname} {name} · {cf} · {role} {class_name} {section}\n"
    "    ultimo contatto {last_contact} · tel. {phone}"
)
ADMIN_NO_CONTACTS = "Nessun contatto registrato."
