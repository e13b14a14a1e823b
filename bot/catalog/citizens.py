"""Texts of the citizens in isolation (issue 19, "Milano COR") and of the ATS desk
/isolamenti. The instruction cards are versioned with the date the rules changed: a new
circular adds a new version, the old one stays for the record."""

from __future__ import annotations

from datetime import date

from domain.diary import Mark, RedFlag, Symptom
from domain.isolation import Status

CITIZEN_COMMANDS: list[tuple[str, str]] = [
    ("start", "Il mio isolamento"),
    ("diario", "Diario dei sintomi di oggi"),
    ("conviventi", "Le persone che vivono con me"),
    ("istruzioni", "Come fare l'isolamento"),
    ("orario", "A che ora ricevere il promemoria"),
    ("pausa", "Niente promemoria fino a domani"),
    ("aiuto", "Chi chiamare"),
]
ADMIN_CITIZEN_COMMANDS: list[tuple[str, str]] = [
    ("isolamenti", "Persone in isolamento (cittadini); /isolamenti COMUNE"),
    ("positivi", "Carica il registro dei positivi (CSV)"),
    ("isolamento", "Una persona in isolamento: /isolamento N"),
    ("collega", "Collega una chat a una persona: /collega N CODICE"),
    ("scrivi", "Scrivi a una persona: /scrivi N testo"),
    ("d0", "Correggi D0 ed esordio: /d0 N GG/MM/AAAA [GG/MM/AAAA]"),
]

# --- the menu (a reply keyboard) ---------------------------------------------------------------
MENU_INSTRUCTIONS = "📘 Istruzioni"
MENU_DIARY = "📝 Diario"
MENU_HOUSEHOLD = "🏠 Conviventi"
MENU_SWAB = "🧪 Tampone"
MENU_HELP = "☎️ Aiuto"
MENU = [[MENU_INSTRUCTIONS, MENU_DIARY], [MENU_HOUSEHOLD, MENU_SWAB], [MENU_HELP]]

HEADER = (
    "🏠 <b>Isolamento dal {d0} – giorno {day}.</b>\nTampone di guarigione prenotabile dal {swab}."
)
HEADER_CLOSED = "✅ <b>L'isolamento di {who} è concluso</b> (chiuso dall'ATS)."
ACTING_FOR = "Stai operando per: <b>{initials}, {age} anni</b>"
BUTTON_SWITCH = "🔁 Passa a {initials}, {age} anni"
SWITCH_ASK = "Questo numero segue anche altre persone:"
SWITCHED = "Ora stai operando per <b>{initials}, {age} anni</b>."
NOT_A_CITIZEN = (
    "Questa funzione è per chi è in isolamento e ha ricevuto il link via SMS dall'ATS. "
    "Apri il link del messaggio per entrare."
)

# --- the sign-in --------------------------------------------------------------------------------
LINK_INVALID = (
    "Questo link non è valido o è già stato usato. Se sei in isolamento e non riesci a "
    "entrare, chiama l'ATS: può mandarti un nuovo link."
)
ASK_CONTACT = (
    "👋 Benvenuto nel servizio dell'ATS per chi è in isolamento.\n"
    "Per prima cosa tocca <b>«Condividi il mio numero»</b> qui sotto: deve essere il numero "
    "a cui è arrivato l'SMS."
)
BUTTON_SHARE_CONTACT = "📱 Condividi il mio numero"
CONTACT_NOT_YOURS = (
    "Questo non è il tuo numero: usa il pulsante «Condividi il mio numero» qui sotto, "
    "non inoltrare il contatto di un'altra persona."
)
ASK_CF = (
    "Grazie. Ora scrivi il <b>codice fiscale della persona positiva</b> (16 caratteri). "
    "Il messaggio verrà cancellato dalla chat appena verificato."
)
SIGNIN_WRONG = (
    "I dati non corrispondono a quelli comunicati dal laboratorio. "
    "Puoi riprovare ancora {left} volte, poi l'accesso si blocca per 30 minuti.\n"
    "Scrivi di nuovo il codice fiscale."
)
SIGNIN_LOCKED = (
    "Troppi tentativi non riusciti: riprova dopo le {until}.\n"
    "Se il tuo numero non è quello lasciato al laboratorio, chiama l'ATS e comunica "
    "questo codice: <code>{chat}</code>."
)
SIGNED_IN = "✅ Accesso riuscito. Da qui segui l'isolamento di <b>{initials}</b>."

# --- instructions, versioned ---------------------------------------------------------------------
INSTRUCTIONS: dict[date, list[str]] = {
    date(2020, 10, 12): [
        "🏠 <b>Resta a casa</b> per tutto l'isolamento: non uscire, non ricevere visite.",
        "🚪 <b>Una stanza e un bagno solo per te</b>, se possibile; dormi da solo.",
        "😷 <b>Mascherina</b> quando sei con altri in casa; <b>arieggia</b> spesso le stanze.",
        "🗑 <b>Rifiuti</b>: non fare la differenziata; due o tre sacchetti uno dentro l'altro, "
        "chiusi bene, nell'indifferenziato.",
        "☎️ <b>Chi chiamare</b>: il tuo medico o pediatra; la continuità assistenziale "
        "<b>116117</b> di notte e nei festivi; il <b>112</b> per sintomi gravi.",
    ],
}
INSTRUCTIONS_HEAD = "📘 <b>Istruzioni per l'isolamento</b> (in vigore dal {since})"
HELP = (
    "☎️ <b>Chi chiamare</b>\n"
    "• Il tuo medico di famiglia o pediatra.\n"
    "• Continuità assistenziale (guardia medica): <b>116117</b>.\n"
    "• Sintomi gravi (fiato corto, dolore al petto, confusione, labbra bluastre): <b>112</b>."
)
HELP_COMMAND = "/{command} – {description}"
SWAB = "🧪 Potrai prenotare il tampone di guarigione dal <b>{swab}</b>."

# --- the diary ----------------------------------------------------------------------------------
SYMPTOM_LABELS: dict[Symptom, str] = {
    Symptom.FEVER: "Febbre ≥37,5 °C",
    Symptom.CHILLS: "Brividi",
    Symptom.COUGH: "Tosse",
    Symptom.BREATHING: "Difficoltà respiratorie",
    Symptom.SMELL_TASTE: "Olfatto/gusto alterati",
    Symptom.RUNNY_NOSE: "Naso che cola",
    Symptom.SORE_THROAT: "Mal di gola",
    Symptom.DIARRHOEA: "Diarrea",
    Symptom.HEADACHE: "Mal di testa",
    Symptom.NAUSEA: "Nausea/vomito",
    Symptom.MUSCLE_PAIN: "Dolori muscolari",
}
RED_FLAG_LABELS: dict[RedFlag, str] = {
    RedFlag.SHORT_OF_BREATH: "Fiato corto a riposo",
    RedFlag.CHEST_PAIN: "Dolore al petto",
    RedFlag.CONFUSION: "Confusione",
    RedFlag.BLUE_LIPS: "Labbra bluastre",
}
ASK_FEEL = "📝 <b>Diario di {day}</b> (giorno {number})\nCome stai oggi?"
ASK_FEEL_YESTERDAY = "📝 <b>Diario di ieri, {day}</b> (giorno {number})\nCome stavi ieri?"
BUTTON_NO_SYMPTOMS = "🙂 Nessun sintomo"
BUTTON_SYMPTOMS = "🤒 Ho sintomi"
BUTTON_YESTERDAY = "↩️ Scrivi o correggi ieri"
ASK_SYMPTOMS = "Tocca i sintomi che hai (di nuovo per toglierli), poi «Avanti»."
BUTTON_NEXT = "Avanti ➡️"
ASK_ONSET = (
    "Da quando hai i sintomi? Scrivi la data (es. <b>{example}</b>, oppure <b>oggi</b>, "
    "<b>ieri</b>)."
)
ASK_TEMPERATURE = "Quanto hai di febbre? Scrivi la temperatura (es. <b>37,8</b>) o salta."
BUTTON_SKIP = "Salta"
ASK_RED_FLAGS = (
    "Hai uno di questi segni? Toccali se sì, poi «Avanti». Se non ne hai, tocca «Avanti»."
)
CALL_112_NOW = "🚨 <b>Chiama subito il 112.</b>"
CALL_112_TAP = "🚨 Chiama subito il 112"
CALL_112 = "🚨 <b>Chiama subito il 112.</b> L'ATS è stata avvisata."
REVIEW = "Controlla il diario di {day}:\n"
REVIEW_NONE = "nessun sintomo"
REVIEW_TEMPERATURE = "temperatura {value} °C"
BUTTON_SAVE = "💾 Salva"
SAVED = "✅ Diario di {day} salvato. Grazie!"
DIARY_CLOSED = "Il diario di quel giorno non si può più scrivere: solo oggi e ieri."
ISOLATION_CLOSED = "L'isolamento è concluso: il diario non si scrive più."

URGENT_ADMIN = (
    "🚨 <b>Segnale di allarme</b> nel diario di una persona in isolamento "
    "(n. {id}, giorno {day}). Apri /isolamento {id}."
)

# --- reminders ---------------------------------------------------------------------------------------
ASK_HOUR = "⏰ A che ora vuoi il promemoria del diario? Ora: <b>{hour}:00</b>."
HOUR_SET = "Promemoria alle <b>{hour}:00</b>."
PAUSED = "Va bene: niente promemoria fino a {until} compreso."
PROMPT = "📝 È l'ora del diario di oggi per {initials}: come stai? Tocca «📝 Diario»."
NUDGE = "⏰ Non hai ancora scritto il diario di oggi per {initials}. Bastano pochi secondi."
ISOLATION_ENDED = "✅ L'ATS ha chiuso l'isolamento di {initials}. Non riceverai altri promemoria."

# --- household members --------------------------------------------------------------------------
HOUSEHOLD_HEAD = "🏠 <b>Conviventi di {initials}</b>"
HOUSEHOLD_EMPTY = "Nessun convivente segnalato."
HOUSEHOLD_LINE = "• {surname} {name}, CF {cf}, {contact}"
HOUSEHOLD_LIVES_WITH = "vive ancora con me"
HOUSEHOLD_LAST_CONTACT = "ultimo contatto {day}"
HOUSEHOLD_POSITIVE = ", già positivo"
HOUSEHOLD_SCHOOL = ", scuola {school}"
HOUSEHOLD_QUARANTINE = ", quarantena fino al {day}"
HOUSEHOLD_TAKEN = "🔒 L'ATS ha preso in carico i conviventi: l'elenco non si modifica più."
BUTTON_ADD_MEMBER = "➕ Aggiungi un convivente"
BUTTON_DELETE_MEMBER = "🗑 Elimina {surname}"
BUTTON_EDIT_MEMBER = "✏️ Modifica {surname}"
FIX_SURNAME = "Cambia cognome"
FIX_NAME = "Cambia nome"
FIX_CF = "Cambia codice fiscale"
FIX_PHONE = "Cambia cellulare"
FIX_CONTACT = "Cambia ultimo contatto"
FIX_POSITIVE = "Cambia «già positivo»"
FIX_SCHOOL = "Cambia scuola"
MEMBER_UPDATED = "✅ Convivente aggiornato."
MEMBER_DELETED = "Convivente eliminato."
MEMBER_GONE = "Questo convivente non si può più eliminare né modificare."
ASK_MEMBER_SURNAME = "Cognome del convivente?"
ASK_MEMBER_NAME = "Nome?"
ASK_MEMBER_CF = "Codice fiscale? (il messaggio verrà cancellato dopo il salvataggio)"
MEMBER_CF_READ = "Nato/a il <b>{birth}</b>, sesso <b>{sex}</b>."
ASK_MEMBER_PHONE = "Cellulare (facoltativo)?"
ASK_MEMBER_CONTACT = (
    "Vive ancora con la persona positiva? Se no, scrivi la data dell'ultimo contatto."
)
BUTTON_LIVES_WITH = "🏠 Vive ancora con me"
ASK_MEMBER_POSITIVE = "È già risultato positivo?"
BUTTON_YES = "Sì"
BUTTON_NO = "No"
ASK_MEMBER_SCHOOL = (
    "Frequenta una scuola? Scrivi il codice del plesso e la classe (es. <b>MIEE8AB01T 3A</b>) "
    "o tocca «No»."
)
MEMBER_REVIEW = "Controlla:\n"
MEMBER_SAVED = "✅ Convivente aggiunto."
MEMBER_IN_REGISTER = "Risulta già positivo nel registro dell'ATS: riceverà un proprio messaggio."
MEMBER_DUPLICATE = "Questo codice fiscale è già nell'elenco dei conviventi."
MEMBER_LOCKED = HOUSEHOLD_TAKEN

# --- the ATS desk ------------------------------------------------------------------------------
STATUS_LABELS: dict[Status, str] = {
    Status.RED_FLAG: "🚨 Segnali di allarme",
    Status.SYMPTOMS: "🤒 Con sintomi",
    Status.NOT_ANSWERING: "🔕 Non rispondono (24 h)",
    Status.ELIGIBLE: "🧪 Tampone di guarigione prenotabile",
    Status.BOOKED: "📅 Tampone prenotato",
    Status.RESULT_PENDING: "⏳ Esito del tampone in attesa",
    Status.FOLLOWED: "🙂 In isolamento",
    Status.NOT_SIGNED_IN: "✉️ Non ancora entrati",
    Status.CLOSED: "✅ Chiusi",
}
DESK_HEAD = "🏠 <b>Isolamenti</b> ({scope}) – {total} persone, pagina {page}/{pages}"
DESK_EMPTY_COMUNE = "Nessuna persona in isolamento in questo comune."
DESK_EMPTY = "Nessuna persona in isolamento. Carica il registro dei positivi con /positivi."
GRID_CAPTION = "🗓 Giorni dell'isolamento #{id}, dal D0 (G0) a oggi."
GRID_LEGEND: dict[Mark, str] = {
    Mark.WELL: "nessun sintomo",
    Mark.ILL: "sintomi",
    Mark.MISSING: "non compilato",
}
DESK_LINE = "#{id} {surname} {name} – G{day}, tampone dal {swab}"
BUTTON_PREVIOUS = "⬅️"
BUTTON_FOLLOWING = "➡️"
DETAIL = (
    "👤 <b>#{id} {surname} {name}</b>, CF {cf}, {age} anni, comune {comune}\n"
    "Stato: {status}\n"
    "D0 {d0} (giorno {day}){onset}; tampone dal {swab}\n"
    "Chat collegate: {chats}\n\n"
    "<b>Diario</b> (🟢 senza sintomi, 🔴 sintomi, ⚪ mancante):\n<code>{grid}</code>\n\n"
    "<b>Conviventi</b> ({members}){taken}:\n"
)
DETAIL_ONSET = ", esordio {onset}"
DETAIL_TAKEN = " – presi in carico"
CITIZEN_NOT_FOUND = "Non trovo questa persona tra gli isolamenti della tua ATS."
BUTTON_CLOSE = "✅ Chiudi l'isolamento"
BUTTON_TAKE = "🏠 Prendi in carico i conviventi"
BUTTON_HANDLED = "🚨 Allarme gestito"
BUTTON_REISSUE = "✉️ Nuovo link"
CLOSED_DONE = "Isolamento #{id} chiuso; la persona è stata avvisata."
TAKEN_DONE = "Conviventi di #{id} presi in carico: ora sono in sola lettura per il cittadino."
HANDLED_DONE = "Allarme di #{id} segnato come gestito."
REISSUED = "Nuovo link per #{id} (valido 72 ore, il precedente non vale più):\n{link}"
LINK_USAGE = "Scrivi <code>/collega NUMERO CODICE</code> (il codice che il cittadino ti legge)."
LINKED = "Chat collegata all'isolamento #{id}."
BUTTON_EXPORT = "📦 Esporta (Excel)"
EXPORT_CAPTION = (
    "Isolamenti: {people} persone, {entries} giorni di diario, {members} conviventi. "
    "Dati sanitari: conservali in modo sicuro."
)
EXPORT_TOO_BIG = (
    "Il file supera il limite di Telegram (50 MB): usa /esporta con un periodo più breve."
)
WRITE_USAGE = "Scrivi <code>/scrivi NUMERO testo del messaggio</code>."
WRITE_MAX = 1000
FROM_ATS = "✉️ <b>Messaggio dall'ATS</b>\n{text}"
WRITTEN = "Messaggio inviato alla persona #{id}."
CORRECT_USAGE = (
    "Scrivi <code>/d0 NUMERO GG/MM/AAAA</code> e, se serve, la data di esordio dopo: "
    "<code>/d0 12 20/10/2020 18/10/2020</code>."
)
CORRECTED = "Date dell'isolamento #{id} corrette."
ASK_REGISTER = (
    "📄 Invia il <b>registro dei positivi</b> (CSV, separatore «;» o «,») con le colonne: "
    "codice_fiscale, cognome, nome, data_nascita, telefono, data_tampone; facoltative "
    "data_esordio e comune (di domicilio: <code>/isolamenti COMUNE</code> filtra per comune)."
)
REGISTER_RESULT = "Registro caricato: {added}, {already} già in isolamento, {refused}."
REGISTER_ADDED = ("1 persona aggiunta", "{count} persone aggiunte")
REGISTER_REFUSED_ROWS = ("1 riga rifiutata", "{count} righe rifiutate")
REGISTER_REFUSED_HEADER = "\n\n<b>Righe rifiutate</b>:"
REGISTER_REFUSED_LINE = "riga {line}: "
REGISTER_ALREADY_LINE = "\nGià in isolamento: righe {lines}."
REGISTER_REGIONAL = "Il registro è di una ATS: lo carica un amministratore di quella ATS."
REGISTER_CAPTION = "Link di accesso per il gateway SMS (validi 72 ore, da non inoltrare)."

ERRORS = {
    "temperature_invalid": (
        "«{text}» non è una temperatura: scrivi i gradi tra 34 e 42,5 (es. <b>37,8</b>)."
    ),
    "diary_day_closed": "Il diario del {date} non si può più scrivere: solo oggi e ieri.",
    "register_duplicate_cf": "stesso codice fiscale della riga {first_line}.",
}
