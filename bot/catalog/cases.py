"""Texts of case reporting: Nuovo caso, the case list, Vedi caso, Modifica caso.

The portal's own words are kept ("Nuovo caso", "Modifica caso", "Vedi caso", "Caso chiuso",
"Salva", "Annulla") so a referent who knows the portal finds the same things here.
"""

from __future__ import annotations

from domain.cases import CaseField

# --- field labels (the portal's form) ----------------------------------------------------------

FIELD_LABELS: dict[CaseField, str] = {
    CaseField.PLESSO: "Plesso",
    CaseField.SCHOOL_TYPE: "Tipo scuola",
    CaseField.CLASS_NAME: "Classe",
    CaseField.SECTION: "Sezione",
    CaseField.REFERENT_NAME: "Referente",
    CaseField.REFERENT_PHONE: "Telefono referente",
    CaseField.REFERENT_EMAIL: "E-mail referente",
    CaseField.ROLE: "Ruolo",
    CaseField.SURNAME: "Cognome",
    CaseField.NAME: "Nome",
    CaseField.CODICE_FISCALE: "Codice fiscale",
    CaseField.BIRTH_DATE: "Data di nascita",
    CaseField.COMUNE: "Comune di domicilio",
    CaseField.PHONE1: "Telefono 1",
    CaseField.PHONE2: "Telefono 2",
    CaseField.LAST_ATTENDANCE: "Ultimo giorno di frequenza",
    CaseField.SWAB_DATE: "Data del tampone positivo",
    CaseField.ONSET_DATE: "Data inizio sintomi",
}

# --- /nuovocaso: the questions -----------------------------------------------------------------

NO_PLESSO = "Non risulti referente di nessun plesso: chiedi un invito alla tua ATS."
ASK_PLESSO = "<b>Nuovo caso</b>\n\nQuale plesso frequenta il caso?"
PLESSO_BUTTON = "{name} ({comune})"
PLESSO_TAKEN = "<b>Nuovo caso</b> per il plesso <b>{name}</b> ({code}), {comune}."
CF_MISMATCH = (
    "⚠️ Il codice fiscale <b>{cf}</b> non corrisponde {parts}.\n\n"
    "Se il codice è giusto (ad es. un nome straniero scritto in un altro modo), confermalo: "
    "lo segnalo all'ATS insieme al caso. Altrimenti correggi."
)
CF_MISMATCH_PART = {
    "surname": "al <b>cognome</b> («{typed}» darebbe {expected}, il codice ha {actual})",
    "name": "al <b>nome</b> («{typed}» darebbe {expected}, il codice ha {actual})",
}
CF_MISMATCH_JOIN = " né "
BUTTON_CF_CONFIRM = "✅ Il codice è giusto"
CF_MISMATCH_FLAG = (
    "⚠️ Codice fiscale non corrispondente a cognome/nome: confermato, segnalato all'ATS."
)
ODDITIES_HEADER = "⚠️ <b>Prima di salvare, controlla</b>: qualcosa sembra insolito."
ODDITIES = {
    "swab_long_before": (
        "il tampone positivo ({swab}) è di più di 30 giorni prima dell'ultimo giorno di "
        "frequenza ({last})"
    ),
    "last_day_sunday": "l'ultimo giorno di frequenza ({last}) è una domenica",
    "last_day_holiday": "l'ultimo giorno di frequenza ({last}) è un giorno festivo",
    "age_for_school": (
        "nato il {birth}, ha {age} anni: un'età insolita per il tipo di scuola ({school})"
    ),
}
ODDITIES_QUESTION = "Se è tutto giusto tocca <b>Sì, salva così</b>; altrimenti correggi."
BUTTON_SAVE_AS_IS = "✅ Sì, salva così"
SCHOOL_TYPE_TAKEN = "Tipo scuola: <b>{school_type}</b> (dall'anagrafe dei plessi)."
PLESSO_NOT_YOURS = "Questo plesso non è tra i tuoi: scegline uno dai pulsanti."

ASK_SCHOOL_TYPE = "<b>Dati scuola</b>\n\nTipo scuola:"
ASK_CLASS = "Classe (obbligatoria) e sezione, ad es. <b>3B</b> (o solo la classe, <b>3</b>):"
ASK_CLASS_ZERO_SIX = (
    "Per i servizi 0-6 anni il nome della <b>sezione</b> o della «<b>bolla</b>» va sia nel "
    "campo classe sia nel campo sezione.\n\nScrivi il nome della sezione o della bolla:"
)
ASK_SECTION = "Sezione (obbligatoria), ad es. <b>B</b>:"
ASK_REFERENT = (
    "Referente della scuola per questa segnalazione:\n\n"
    "<b>{name}</b>\nTelefono: <b>{phone}</b>\nE-mail: <b>{email}</b>\n\nSono corretti?"
)
ASK_REFERENT_NAME = "Cognome e nome del referente della scuola:"
ASK_REFERENT_PHONE = "Telefono del referente:"
ASK_REFERENT_EMAIL = "E-mail del referente:"

ASK_ROLE = "<b>Dati caso COVID-19</b>\n\nRuolo del caso:"
ASK_SURNAME = "Cognome del caso:"
ASK_NAME = "Nome del caso:"
ASK_CODICE_FISCALE = "Codice fiscale del caso (16 caratteri, dalla tessera sanitaria):"
DUPLICATE_WARNING = (
    "⚠️ Questo codice fiscale è già stato segnalato da questo plesso negli ultimi 30 giorni: "
    "<b>caso {case_id}</b> (lo trovi con /casi).\n\nVuoi continuare comunque?"
)
DUPLICATE_CANCELLED = (
    "Segnalazione annullata. Il caso {case_id} è in /casi: da lì puoi vederlo o modificarlo."
)
DUPLICATE_KEPT = "Il codice fiscale non è stato cambiato."
ASK_BIRTH_DATE = (
    "Data di nascita: dal codice fiscale risulta il <b>{cf_date}</b>. "
    "Tocca il pulsante per confermarla, o scrivila."
)
ASK_BIRTH_DATE_PLAIN = "Data di nascita, ad es. <b>25/10/2015</b>:"
BIRTH_FROM_CF_IMPLAUSIBLE = "Dal codice fiscale risulta la data di nascita <b>{cf_date}</b>."
BIRTH_FIX_HINT = "Correggi il codice fiscale o il ruolo con i pulsanti qui sotto."
ASK_COMUNE = "Comune di domicilio: scrivi il nome, anche solo una parte (ad es. <b>sesto</b>)."
COMUNE_MATCHES = "Scegli il comune (o scrivi un altro nome per cercare ancora):"
ASK_PHONE1 = (
    "Telefono 1 del caso (o di un genitore, per i minori). Se c'è un secondo numero, "
    "scrivili entrambi separati da una virgola:"
)
ASK_PHONE2 = "Telefono 2 (facoltativo):"
ASK_LAST_ATTENDANCE = (
    "Ultimo giorno di frequenza (non può essere nel futuro): tocca un giorno o scrivi la data, "
    "ad es. <b>16/11/2026</b>."
)
ASK_SWAB_DATE = "Data del tampone positivo (se nota): tocca un giorno o scrivi la data."
ASK_ONSET_DATE = (
    "Data di inizio dei sintomi (se nota): da questa data, o da quella del tampone, "
    "si contano i contatti stretti. Tocca un giorno o scrivi la data."
)

# --- review and save ---------------------------------------------------------------------------

REVIEW_NEW = "<b>Nuovo caso</b>: controlla i dati, correggi con ✏️, poi tocca <b>💾 Salva</b>."
REVIEW_EDIT = "<b>Modifica caso {case_id}</b>: correggi con ✏️, poi tocca <b>💾 Salva</b>."
REVIEW_SAVED = "✅ <b>Caso {case_id} salvato</b> (codice fiscale nascosto in questa chat)."
SECTION_SCHOOL = "<b>Dati scuola</b>"
SECTION_CASE = "<b>Dati caso COVID-19</b>"
FIELD_LINE = "{label}: <b>{value}</b>"
FIELD_EMPTY = "{label}: <i>non indicato</i>"
DATE_EMPTY = "{label}: <i>non nota</i>"
PLESSO_VALUE = "{name} ({code})"
MISSING_FIELDS = "Non posso salvare: mancano {fields}."
SAVE_REFUSED = "Non posso salvare:"
SAVED_NEW = (
    "✅ Il nuovo caso è stato inserito correttamente: <b>caso {case_id}</b>.\n"
    "Lo trovi in cima all'elenco dei casi segnalati (/casi)."
)
SAVED_EDIT = "✅ Caso {case_id} aggiornato."
NOTHING_CHANGED = "Nessuna modifica da salvare: il caso {case_id} è rimasto com'era."
EDIT_CONFLICT = (
    "⚠️ Le tue modifiche <b>non sono state salvate</b>: un altro referente ha modificato il "
    "caso {case_id} mentre lo correggevi. Questi sono i dati attuali; tocca "
    "<b>Modifica caso</b> per correggerli di nuovo."
)
EDIT_CLOSED = (
    "Il caso {case_id} è stato chiuso e inviato all'ATS: non è più modificabile. "
    "Le tue modifiche non sono state salvate."
)
CASE_CANCELLED = "Segnalazione annullata: nessun caso è stato salvato."
EDIT_CANCELLED = "Modifica annullata: il caso {case_id} è rimasto com'era."

# --- buttons -----------------------------------------------------------------------------------
# Button labels are plain text, not HTML: filled with str.format, never escaped.

BUTTON_FIX = "✏️ {label}"
BUTTON_SAVE = "💾 Salva"
BUTTON_CANCEL = "Annulla"
BUTTON_CONFIRM = "✅ Conferma"
BUTTON_CHANGE = "✏️ Cambia"
BUTTON_CONTINUE = "Continua comunque"
BUTTON_SKIP = "Salta"
BUTTON_UNKNOWN = "Non nota"
BUTTON_BIRTH_FROM_CF = "✅ {date}"
BUTTON_TODAY = "Oggi {date}"
BUTTON_YESTERDAY = "Ieri {date}"
BUTTON_DAY = "{weekday} {date}"
WEEKDAYS = ("lun", "mar", "mer", "gio", "ven", "sab", "dom")
BUTTON_COMUNE = "{name} ({province})"

BUTTON_NEW_CASE = "➕ Nuovo caso"
BUTTON_VIEW = "Vedi caso {case_id}"
BUTTON_EDIT = "Modifica caso {case_id}"
BUTTON_EDIT_THIS = "✏️ Modifica caso"
BUTTON_LIST = "Elenco dei casi"

# --- /casi and Vedi caso -----------------------------------------------------------------------

ASK_LIST_PLESSO = "Di quale plesso vuoi vedere i casi segnalati?"
LIST_HEADER = "<b>Casi segnalati</b> – {plesso} ({code})"
LIST_PAGE = "Pagina {page} di {pages} · casi segnalati: {total}"
LIST_EMPTY = (
    "<b>Casi segnalati</b> – {plesso} ({code})\n\nNessun caso segnalato. "
    "Per segnalarne uno usa /nuovocaso."
)
LIST_LINE = (
    "<b>{case_id}</b> · {surname} {name} · {cf}\n"
    "    ult. giorno freq. {last_attendance} · nr. contatti {contacts} · {status}"
)
STATUS_OPEN = "aperto"
STATUS_CLOSED = "Caso chiuso"

VIEW_HEADER = "<b>Caso {case_id}</b> – {status}"
VIEW_CONTACTS = "Numero di contatti collegati al caso: {contacts}"
VIEW_CLOSED = "Caso chiuso: i dati possono essere consultati ma non sono più modificabili."
CASE_NOT_FOUND = "Caso non trovato."
CASE_USAGE = "Scrivi /caso seguito dal numero del caso, ad es. <b>/caso 12</b>."
CASE_READ_ONLY = "Il caso {case_id} è chiuso: non è più modificabile."
PLESSO_REVOKED = "Non sei più referente del plesso {code}: il caso non è stato salvato."
