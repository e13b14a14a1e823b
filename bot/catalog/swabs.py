"""Texts of the swab booking (issue 20): points and slots, the recovery swab, results,
closing a day, the school pass at the swab point."""

from __future__ import annotations

from domain.swabs import PassFor

# --- /puntitampone (ATS) -----------------------------------------------------------------------
ASK_SLOTS = (
    "🧪 Invia il CSV dei <b>punti tampone</b> e della loro capienza, una riga per punto e "
    "giorno, colonne: <code>punto;nome;indirizzo;comune;note;data;dalle;alle;durata;posti;"
    "tipo</code> (durata in minuti, posti per fascia, tipo: prenotati o accesso diretto). "
    "/annulla per uscire."
)
SLOTS_RESULT = "✅ Punti tampone caricati: {points} punti, {slots} fasce aggiunte o aggiornate."
SLOTS_REFUSED_HEADER = "\n\n<b>Righe scartate</b> (correggi e ricarica solo quelle):"
REFUSED_LINE = "• riga {line}: "
REGIONAL_ONLY_ATS = (
    "I punti tampone appartengono a un'ATS: un amministratore regionale non li carica."
)

# --- /esito, /esiti, /chiudigiorno (ATS) -----------------------------------------------------
RESULT_USAGE = (
    "Uso: <code>/esito CODICE negativo</code> oppure <code>/esito CODICE positivo</code> "
    "(codice della prenotazione o codice fiscale; data di oggi, oppure aggiungi la data)."
)
RESULT_UNKNOWN = "Nessuna prenotazione attiva con quel codice nella tua ATS."
RESULT_DONE = "✅ Esito registrato ({outcome}); la persona è stata avvisata."
ASK_RESULTS = (
    "Invia il CSV degli esiti, colonne <code>codice;data;esito</code> (codice della "
    "prenotazione o codice fiscale; esito negativo o positivo). /annulla per uscire."
)
RESULTS_DONE = "✅ Esiti registrati: {posted}. Senza prenotazione attiva: {unknown}."
RESULTS_UNKNOWN_LINES = "\nRighe senza prenotazione attiva: {lines}."
CLOSE_DAY_USAGE = "Uso: <code>/chiudigiorno PUNTO GG/MM/AAAA</code>"
CLOSE_DAY_DONE = "Giornata chiusa: {count} prenotazioni annullate, le persone sono state avvisate."

# --- the citizen ---------------------------------------------------------------------------
NOT_YET = "🧪 Potrai prenotare il tampone di guarigione dal <b>{day}</b>."
CLOSED = "✅ L'isolamento è concluso: non serve il tampone di guarigione."
NO_SLOTS = (
    "🧪 Puoi prenotare il tampone di guarigione dal <b>{day}</b>, ma al momento non ci sono "
    "posti liberi. Riprova più tardi."
)
CHOOSE_DAY = "🧪 <b>Tampone di guarigione</b>: scegli il giorno (solo i giorni con posti liberi)."
CHOOSE_TIME = "🧪 {day}: scegli l'orario e il punto."
SLOT_BUTTON = "{time} – {point}"
CONFIRM = "Confermi il tampone di guarigione?\n\n📅 <b>{when}</b>\n📍 {point}, {address} ({comune})"
BUTTON_CONFIRM = "✅ Prenota"
BUTTON_OTHER_DAY = "📅 Altre date"
BUTTON_CANCEL_BOOKING = "❌ Annulla prenotazione"
BUTTON_MOVE = "🔁 Sposta"
BOOKED = (
    "✅ <b>Prenotato.</b>\n\nCodice: <b>{code}</b>\n📅 {when}\n📍 {point}, {address} ({comune})"
    "\n\nPorta il codice e un documento. Puoi annullare o spostare fino a 2 ore prima."
)
YOUR_BOOKING = (
    "🧪 Hai un tampone prenotato.\n\nCodice: <b>{code}</b>\n📅 {when}\n📍 {point}, {address} "
    "({comune})"
)
TAKEN = "😕 Quel posto è appena stato occupato; ecco il prossimo libero: <b>{when}</b> – {point}."
TAKEN_NONE = "😕 Quel posto è appena stato occupato e al momento non ci sono altri posti liberi."
ALREADY = "Hai già un tampone prenotato (codice {code}): una prenotazione per persona."
TOO_LATE = "Mancano meno di 2 ore al tampone: non si può più annullare o spostare."
NOT_ELIGIBLE = "Quel giorno non è ancora prenotabile: il tampone è prenotabile dal {day}."
CANCELLED = "Prenotazione {code} annullata."
NOTHING_TO_CANCEL = "Non hai prenotazioni attive."
RESULT_NEGATIVE = (
    "✅ <b>Esito del tampone del {day}: NEGATIVO.</b>\n\nL'isolamento di {initials} è "
    "concluso: puoi riprendere le tue attività. Non riceverai altri promemoria."
)
RESULT_POSITIVE = (
    "🔴 <b>Esito del tampone del {day}: POSITIVO.</b>\n\nL'isolamento di {initials} "
    "continua: ripeti il tampone dal <b>{again}</b> (lo puoi prenotare da 🧪 Tampone)."
)
DAY_CLOSED = "⚠️ Il punto tampone {point} è chiuso il {day}: la prenotazione {code} è annullata."
DAY_CLOSED_ALTERNATIVE = "\nPrimo posto libero: <b>{when}</b> – {point}. Prenota da 🧪 Tampone."

# --- /verifica (swab point) ------------------------------------------------------------------
VERIFY_USAGE = "Uso: <code>/verifica CODICE</code> (il codice di 6 caratteri del pass scuola)."
PASS_VALID = (
    "✅ <b>Pass valido</b>\nCodice fiscale: {cf}\nAnno di nascita: {year}\nScuola: {school}"
    "\nValido fino al {until}"
)
BUTTON_REGISTER = "Registra accesso"
PASS_REGISTERED = "✅ Accesso registrato."
PASS_REFUSED = {
    "unknown": "❌ Codice sconosciuto.",
    "used": "❌ Pass già usato: vale una sola volta.",
    "expired": "❌ Pass scaduto (vale 48 ore).",
    "other_ats": "❌ Pass di un'altra ATS.",
}

ERRORS = {
    "swab_time_invalid": "{field}: orario non valido «{text}» (es. 09:30).",
    "swab_number_invalid": "{field}: «{text}» non è un numero da {low} a {high}.",
    "swab_kind_invalid": "tipo «{text}» sconosciuto: prenotati oppure accesso diretto.",
    "swab_field_missing": "manca {field}.",
    "swab_hours_reversed": "l'orario di chiusura viene prima dell'apertura.",
    "swab_no_slot": "nessuna fascia intera tra apertura e chiusura.",
    "swab_too_many_slots": "più di {max} fasce in un giorno.",
    "swab_day_past": "il giorno {day} è già passato.",
    "swab_outcome_invalid": "esito «{text}» sconosciuto: negativo o positivo.",
    "swab_result_future": "la data dell'esito è nel futuro.",
}

# --- the diagnostic swab (referrals) -------------------------------------------------------------
ASK_REFERRALS = (
    "Invia il CSV delle <b>segnalazioni dei medici</b>, colonne <code>codice_fiscale;cognome;"
    "nome;data_nascita;telefono;medico</code>. Riceverai i link per l'SMS. /annulla per uscire."
)
REFERRALS_RESULT = "✅ Segnalazioni caricate: {added}."
REFERRALS_CAPTION = "Link di prenotazione del tampone (validi 72 ore), per il gateway SMS."
NO_REFERRAL = (
    "Serve la segnalazione del tuo medico. Senza medico: <b>116117</b>. Sintomi gravi: <b>112</b>."
)
REFERRAL_ASK_CONTACT = (
    "🧪 Prenotazione del tampone richiesto dal tuo medico. Per verificare chi sei, tocca "
    "«📱 Condividi il mio numero» qui sotto."
)
REFERRAL_ASK_CF = "Ora scrivi il <b>codice fiscale</b> della persona che deve fare il tampone."
REFERRAL_WRONG = "Numero e codice fiscale non corrispondono alla segnalazione. Riprova."
REFERRAL_LOCKED = "Troppi tentativi: riprova dopo le {until}."
RED_FLAGS_ASK = (
    "Prima di prenotare: hai uno di questi segni?\n• fiato corto a riposo\n• dolore al petto\n"
    "• confusione\n• labbra bluastre"
)
BUTTON_RED_YES = "Sì, almeno uno"
BUTTON_RED_NO = "No, nessuno"
RED_FLAG_112 = "🚨 <b>Chiama subito il 112.</b> Non andare al punto tampone."
FIRST_FREE = "Primo posto libero: <b>{when}</b> – {point}"
BUTTON_OTHER_SLOTS = "📅 Altre date"
BUTTON_FAMILY = "Per un familiare"
FAMILY = (
    "Il link vale solo per la persona segnalata e solo per questo tampone: un familiare "
    "ha bisogno della propria segnalazione del medico."
)
OTHER_SLOTS = "Scegli un altro posto:"
DIAGNOSTIC_BOOKED = (
    "✅ <b>Prenotato.</b>\n\nCodice: <b>{code}</b>\n📅 {when}\n📍 {point}, {address} ({comune})"
    "\n\n🏠 Resta a casa fino all'esito."
)
DIAGNOSTIC_NEGATIVE = (
    "✅ <b>Esito del tampone del {day}: NEGATIVO.</b>\n\nSegui le indicazioni del tuo medico."
)
DIAGNOSTIC_POSITIVE = (
    "🔴 <b>Esito del tampone del {day}: POSITIVO.</b>\n\nDa oggi sei in isolamento a casa e "
    "l'ATS ti segue qui: usa il menu qui sotto (istruzioni, diario, conviventi)."
)

# --- reminders -----------------------------------------------------------------------------
REMINDER_EVENING = (
    "🧪 Promemoria: domani alle <b>{time}</b> tampone a {point}, {address}. Codice {code}."
)
REMINDER_SOON = "🧪 Tra poco, alle <b>{time}</b>, il tampone a {point}, {address}. Codice {code}."
REMINDER_REFERRAL = (
    "🧪 Non hai ancora prenotato il tampone richiesto dal tuo medico. Apri di nuovo il link "
    "dell'SMS o rispondi a questo messaggio con /start."
)
TO_CALL_HEAD = "📞 <b>Segnalazioni da chiamare</b> (oltre 24 ore senza tampone): {count}"
TO_CALL_LINE = "• #{id} {surname} {name} – {phone} – medico {doctor} – dal {since}"
TO_CALL_NONE = "Nessuna segnalazione oltre 24 ore senza tampone."
TO_CALL_MORE = "… e altre {more}."

# --- swab-point staff ------------------------------------------------------------------------
STAFF_ONLY = "Questo comando è per il personale dei punti tampone."
STAFF_INVITED = (
    "Invito per il personale di un punto tampone (una persona, un solo uso, valido fino al "
    "{until}):\n{link}"
)
STAFF_LINK_INVALID = "Questo link di invito non è valido o è già stato usato."
STAFF_JOINED = (
    "✅ Sei registrato come personale dei punti tampone di {ats}. Usa /verifica CODICE per "
    "controllare un pass scuola."
)
STAFF_INVITE_USAGE = "Uso: <code>/invitapunto ATS</code> (es. /invitapunto ATS-MILANO)."
STAFF_INVITE_NOT_YOURS = "Puoi invitare solo il personale dei punti tampone della tua ATS."

# --- /tamponi (the desk) ---------------------------------------------------------------------
DESK_HEAD = "🧪 <b>Tamponi</b>"
DESK_DAY = (
    "• {day} {point}: {booked}/{capacity} prenotati, {direct} accesso diretto, {no_shows} assenti"
)
DESK_DAYS_MORE = "… e altri {more} giorni nel file."
DESK_REFERRALS = (
    "\n<b>Segnalazioni</b>: {to_call} da chiamare (oltre 24 ore senza tampone); {done} con "
    "esito; mediana segnalazione→tampone {to_swab} h, →esito {to_result} h; entro 24 ore: "
    "{within}/{done}."
)
DESK_PASSES = "\n<b>Pass scuola</b> (emessi/usati): {passes}"
DESK_NOTHING = "nessuno"
DESK_CAPTION = "Tamponi: punti e giorni, pass per scuola."
CHOOSE_POINT = "🧪 <b>Tampone di guarigione</b>: scegli il punto tampone."
POINT_BUTTON = "{comune} – {point}"

# --- the school pass, from a sent-home report (referent) ---------------------------------------
BUTTON_SCHOOL_PASS = "🎫 Pass tampone"
ASK_PASS_FOR = (
    "🎫 <b>Pass per il tampone ad accesso diretto</b> ({initials})\n\nPer chi è il tampone? "
    "L'accesso diretto è riservato agli alunni e al personale scolastico con sospetto COVID, "
    "perché la classe possa essere gestita subito."
)
PASS_FOR_LABELS = {
    PassFor.PUPIL: "Alunno allontanato",
    PassFor.STAFF: "Personale scolastico allontanato",
    PassFor.FAMILY: "Un familiare",
    PassFor.RECOVERY: "Tampone di guarigione",
    PassFor.OTHER: "Altro",
}
PASS_NOT_FOR = {
    PassFor.FAMILY: (
        "Niente pass: l'accesso diretto è solo per alunni e personale scolastico. Il "
        "familiare con sintomi chiama il proprio medico (MMG/PLS), che lo segnala per il "
        "tampone; senza medico: 116117. Sintomi gravi: 112."
    ),
    PassFor.RECOVERY: (
        "Niente pass: il tampone di guarigione si prenota dal portale del cittadino (🧪 "
        "Tampone), dal 10° giorno di isolamento."
    ),
    PassFor.OTHER: (
        "Niente pass: l'accesso diretto è solo per alunni e personale scolastico con "
        "sospetto COVID. Per gli altri tamponi serve la segnalazione del medico."
    ),
}
PASS_ISSUED = (
    "🎫 <b>Pass tampone {code}</b> per {initials} ({school})\n"
    "Vale una sola volta, fino al {until}, nei punti tampone ad accesso diretto di {ats}. "
    "Inoltra questo messaggio alla famiglia: al punto mostrano il QR o dicono il codice."
)
