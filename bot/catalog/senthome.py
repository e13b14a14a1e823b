"""Texts of the sent-home reports ("allontanamenti"): the form, the receipt, the text for the
family, the outcome question, the lists, the ATS's notifications and cluster alert."""

from __future__ import annotations

from domain.senthome import HandedTo, Outcome, SentHomeField, SentHomeRole, State, Symptom

FIELD_LABELS: dict[SentHomeField, str] = {
    SentHomeField.PLESSO: "Plesso",
    SentHomeField.ROLE: "Ruolo",
    SentHomeField.CLASS_NAME: "Classe",
    SentHomeField.SECTION: "Sezione",
    SentHomeField.SURNAME: "Cognome",
    SentHomeField.NAME: "Nome",
    SentHomeField.CODICE_FISCALE: "Codice fiscale",
    SentHomeField.COMUNE: "Comune di domicilio",
    SentHomeField.PHONE1: "Telefono",
    SentHomeField.PHONE2: "Telefono 2",
    SentHomeField.DAY: "Giorno",
    SentHomeField.TIME: "Ora",
    SentHomeField.SYMPTOMS: "Sintomi",
    SentHomeField.TEMPERATURE: "Temperatura",
    SentHomeField.HANDED_TO: "Affidato a",
}

ROLE_LABELS: dict[SentHomeRole, str] = {
    SentHomeRole.PUPIL: "Alunno",
    SentHomeRole.TEACHER: "Docente",
    SentHomeRole.ATA: "Personale ATA",
    SentHomeRole.OTHER: "Altro",
}

SYMPTOM_LABELS: dict[Symptom, str] = {
    Symptom.FEVER: "Febbre ≥37,5 °C",
    Symptom.CHILLS: "Brividi",
    Symptom.COUGH: "Tosse",
    Symptom.BREATHING: "Difficoltà respiratorie",
    Symptom.SMELL_TASTE: "Perdita o alterazione di olfatto/gusto",
    Symptom.RUNNY_NOSE: "Naso che cola",
    Symptom.SORE_THROAT: "Mal di gola",
    Symptom.DIARRHOEA: "Diarrea",
    Symptom.HEADACHE: "Mal di testa",
    Symptom.NAUSEA: "Nausea/vomito",
    Symptom.MUSCLE_PAIN: "Dolori muscolari",
}

HANDED_TO_LABELS: dict[HandedTo, str] = {
    HandedTo.PARENT: "Genitore",
    HandedTo.DELEGATE: "Delegato",
    HandedTo.ADULT_ALONE: "Maggiorenne, uscito da solo",
}

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.BACK_CERTIFIED: "Rientrato con attestazione",
    Outcome.BACK_NOT_COVID: "Rientrato, non COVID",
    Outcome.POSITIVE: "Positivo → apri il caso",
    Outcome.STILL_ABSENT: "Ancora assente",
}

STATE_LABELS: dict[State, str] = {
    State.WAITING: "in attesa di esito",
    State.STILL_ABSENT: "ancora assente",
    State.BACK_CERTIFIED: "rientrato con attestazione",
    State.BACK_NOT_COVID: "rientrato, non COVID",
    State.POSITIVE: "positivo",
    State.NO_OUTCOME: "senza esito",
}

# /esporta: every value of a report as the sheet shows it.
EXPORT_LABELS: dict[str, str] = {
    **{role.value: label for role, label in ROLE_LABELS.items()},
    **{symptom.value: label for symptom, label in SYMPTOM_LABELS.items()},
    **{handed.value: label for handed, label in HANDED_TO_LABELS.items()},
    **{outcome.value: label for outcome, label in OUTCOME_LABELS.items()},
    Outcome.POSITIVE.value: "Positivo",
}

ERRORS: dict[str, str] = {
    "sent_home_too_old": (
        "Il {day} è troppo lontano: l'allontanamento si segnala in giornata o dopo l'ultimo "
        "giorno di scuola (al massimo {days} giorni fa)."
    ),
    "sent_home_time": "«{value}» non è un'ora: scrivila come <b>10:30</b>.",
    "sent_home_time_future": "Le {value} di oggi non sono ancora arrivate: scrivi un'ora passata.",
    "sent_home_temperature": (
        "«{value}» non è una temperatura valida: scrivi i gradi tra 34,0 e 42,5, ad es. "
        "<b>37,8</b>."
    ),
    "sent_home_no_symptom": "Scegli almeno un sintomo.",
}

# --- the form ----------------------------------------------------------------------------------

NO_PLESSO = "Non risulti referente di nessun plesso: chiedi un invito alla tua ATS."
ASK_PLESSO = "<b>Allontanamento</b>\n\nIn quale plesso è successo?"
PLESSO_BUTTON = "{name} ({comune})"
PLESSO_TAKEN = "<b>Allontanamento</b> dal plesso <b>{name}</b> ({code}), {comune}."
ASK_ROLE = "Chi è stato allontanato?"
ASK_CLASS = "Classe (obbligatoria), ad es. <b>3</b>:"
ASK_SECTION = "Sezione (obbligatoria), ad es. <b>B</b>:"
ASK_SURNAME = "Cognome:"
ASK_NAME = "Nome:"
ASK_CODICE_FISCALE = "Codice fiscale (16 caratteri, dalla tessera sanitaria):"
CF_READ = "Dal codice fiscale: nato/a il <b>{birth}</b>, sesso <b>{sex}</b>."
ASK_COMUNE = "Comune di domicilio: scrivi il nome (o le prime lettere)."
ASK_PHONE_FAMILY = "Telefono della famiglia (o dell'alunno maggiorenne):"
ASK_PHONE_PERSON = "Telefono della persona:"
ASK_PHONE2 = "Un secondo telefono (facoltativo):"
ASK_DAY = "Quando è stato allontanato? Scegli il giorno (mai nel futuro):"
ASK_TIME = "A che ora? Scrivila come <b>10:30</b>."
ASK_SYMPTOMS = "Sintomi (elenco ISS): tocca quelli presenti, poi <b>Avanti</b>.\n\nScelti: {chosen}"
NONE_CHOSEN = "nessuno"
BUTTON_DONE = "➡️ Avanti"
ASK_TEMPERATURE = "Temperatura misurata senza contatto, ad es. <b>37,8</b> (facoltativa):"
ASK_HANDED_TO = "A chi è stato affidato?"
BUTTON_SKIP = "Salta"
BUTTON_SEND = "📤 Invia all'ATS"
BUTTON_CORRECT = "✏️ Rettifica"
BUTTON_SAVE_CORRECTION = "💾 Salva la rettifica"
REVIEW_NEW = "<b>Allontanamento: controlla i dati</b>"
REVIEW_CORRECTION = "<b>Rettifica dell'allontanamento {report_id}</b>"
MISSING_FIELDS = "Mancano: {fields}."
SEND_REFUSED = "Non posso inviare:"
CANCELLED = "Segnalazione annullata: non è stato inviato nulla."
PLESSO_REVOKED = "Non sei più referente del plesso {code}: la segnalazione non è stata inviata."

FIELDS = (
    "Plesso: <b>{plesso}</b>\n"
    "Ruolo: <b>{role}</b>\n"
    "Classe e sezione: <b>{class_name} {section}</b>\n"
    "Cognome e nome: <b>{surname} {name}</b>\n"
    "Codice fiscale: <b>{cf}</b>\n"
    "Comune di domicilio: <b>{comune}</b>\n"
    "Telefono: <b>{phone1}</b>\n"
    "Telefono 2: <b>{phone2}</b>\n"
    "Allontanato: <b>{day} {time}</b>\n"
    "Sintomi: <b>{symptoms}</b>\n"
    "Temperatura: <b>{temperature}</b>\n"
    "Affidato a: <b>{handed_to}</b>"
)
NOT_GIVEN = "—"

SENT = (
    "✅ Allontanamento <b>{report_id}</b> inviato all'ATS.\n"
    "Codice ricevuta: <b>{receipt}</b>\n\n"
    "Puoi rettificarlo fino al {deadline}."
)
UPDATED = (
    "ℹ️ {initials} era già stato segnalato il {earlier}: ho <b>aggiornato</b> la segnalazione "
    "<b>{report_id}</b> invece di farne una seconda.\nCodice ricevuta: <b>{receipt}</b>\n\n"
    "Puoi rettificarla fino al {deadline}."
)
CORRECTED = "✅ Rettifica salvata: allontanamento <b>{report_id}</b>, versione {version}."
LOCKED = "L'allontanamento {report_id} è stato inviato più di 24 ore fa: non è più modificabile."
NOT_FOUND = "Allontanamento non trovato."
FAMILY_HEADER = "Testo da inoltrare alla famiglia:"
FAMILY_TEXT = (
    "Gentile famiglia, oggi {day} alle {time} {name} è stato/a allontanato/a da scuola per "
    "sintomi compatibili con COVID-19.\n"
    "• Contattate il pediatra (PLS) o il medico di famiglia (MMG), che valuterà il tampone.\n"
    "• Un alunno o un operatore scolastico con sospetto COVID può presentarsi a un punto "
    "tampone anche senza prenotazione.\n"
    "• Per rientrare a scuola serve l'attestazione del medico, come da regolamento della "
    "scuola.\n"
    "{plesso}"
)

# --- the outcome question -------------------------------------------------------------------------

QUESTION = (
    "<b>Allontanamenti: com'è andata?</b>\n\nTocca una persona per indicare l'esito.\n\n{lines}"
)
QUESTION_LINE = "• {initials}, classe {class_name} {section}: allontanato il {day}"
QUESTION_BUTTON = "{initials} {class_name} {section} ({day})"
ASK_OUTCOME = "Esito per {initials}, classe {class_name} {section} (allontanato il {day}):"
OUTCOME_SAVED = "Esito registrato: {initials}, <b>{outcome}</b>."
OUTCOME_POSITIVE = "Esito registrato: {initials}, <b>positivo</b>. Apro il nuovo caso."

# --- the lists -------------------------------------------------------------------------------------

LIST_HEADER = "<b>Allontanamenti degli ultimi 30 giorni</b> ({count})"
LIST_EMPTY = "Nessun allontanamento negli ultimi 30 giorni."
LIST_LINE = "{report_id}. {day} · {class_name} {section} · {surname} {name} · {state}"
ADMIN_LIST_HEADER = "<b>Allontanamenti degli ultimi 30 giorni</b> ({count}), pagina {page}/{pages}"
ADMIN_DAY = "\n<b>{day}</b>"
ADMIN_LINE = "{report_id}. {plesso} · {class_name} {section} · {initials} · {state}"
BUTTON_NEW = "➕ Nuovo allontanamento"
BUTTON_PREVIOUS = "◀️"
BUTTON_NEXT = "▶️"
BUTTON_VIEW = "{report_id}"
VIEW_HEADER = "<b>Allontanamento {report_id}</b> · {state}\nCodice ricevuta: {receipt}"
VIEW_VERSIONS = "Versioni precedenti: {count}"
VIEW_CASE = "Caso collegato: {case_id}"

# --- the ATS ------------------------------------------------------------------------------------------

NOTICE_NEW = (
    "🏠 <b>Nuovo allontanamento</b> ({report_id})\n"
    "Plesso: {plesso} ({code}), {comune}\n"
    "{initials}, {role}, classe {class_name} {section}, il {day}\n"
    "Allontanamenti del plesso negli ultimi 7 giorni: {week}\n\n"
    "/allontanamenti per l'elenco"
)
NOTICE_RESENT = (
    "🏠 <b>Allontanamento aggiornato</b> ({report_id}): la stessa persona è stata segnalata "
    "di nuovo.\nPlesso: {plesso} ({code}), {comune}\n"
    "{initials}, {role}, classe {class_name} {section}, il {day}"
)
CLUSTER_ALERT = (
    "⚠️ <b>Possibile focolaio</b>: {count} allontanamenti nella classe {class_name} {section} "
    "del plesso {plesso} ({code}) dal {first} al {last}.\n\n/allontanamenti per l'elenco"
)

# --- /report ---------------------------------------------------------------------------------------

REPORT_RATE = (
    "\n🏠 <b>Allontanamenti</b> di alunni nei plessi sentinella che hanno rilevato il {day}: "
    "{reports}, <b>{rate} ogni 1.000 iscritti</b> ({enrolled} iscritti)."
)
