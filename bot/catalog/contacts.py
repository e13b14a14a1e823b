"""Texts of the contacts of a case: Aggiungi contatti, the contact form, lists and files,
Vedi contatti, Modifica contatto, Elimina contatto, and the ATS rules on close contacts.

The portal's own words are kept ("Aggiungi contatto", "Vedi contatti", "Modifica contatto",
"Elimina contatto", "Salva", "Annulla", "Conferma").
"""

from __future__ import annotations

from domain.close_contact import MaskUse, Question, Rule, Verdict
from domain.contacts import ContactField

# --- field labels (the portal's contact form) ----------------------------------------------------

FIELD_LABELS: dict[ContactField, str] = {
    ContactField.ROLE: "Ruolo",
    ContactField.CLASS_NAME: "Classe",
    ContactField.SECTION: "Sezione",
    ContactField.SURNAME: "Cognome",
    ContactField.NAME: "Nome",
    ContactField.CODICE_FISCALE: "Codice fiscale",
    ContactField.BIRTH_DATE: "Data di nascita",
    ContactField.COMUNE: "Comune di domicilio",
    ContactField.ADDRESS: "Indirizzo",
    ContactField.PHONE: "Telefono cellulare",
    ContactField.LAST_CONTACT: "Data ultimo contatto con il caso",
}
FIX_LABELS: dict[ContactField, str] = {
    **FIELD_LABELS,
    ContactField.LAST_CONTACT: "Data ultimo contatto",
}

# --- Aggiungi contatti: a list, a file, or one at a time -----------------------------------------

ASK_CHOOSE = (
    "<b>Aggiungi contatti</b> al caso {case_id} ({surname} {name})\n\n"
    "• <b>Incolla un elenco</b>: una persona per riga, con cognome, nome e codice fiscale, "
    "poi se vuoi telefono, comune e indirizzo, separati da <b>;</b> (o virgola, o tab). "
    "Ad es.:\n<code>ROSSI;MARIO;RSSMRA15A01F205J;3331234567</code>\n"
    "• <b>Invia un file</b> CSV o Excel (.xlsx), ad es. l'elenco della classe esportato dal "
    "registro elettronico, con le colonne Cognome, Nome e Codice fiscale.\n"
    "• Oppure tocca <b>Aggiungi contatto</b> per inserirne uno alla volta."
)
BUTTON_ONE = "➕ Aggiungi contatto (uno alla volta)"

SUMMARY_HEADER = "📋 <b>Elenco letto</b>: {new} da aggiungere · {refused} · {known}."
SUMMARY_REFUSED_COUNT = ("1 riga scartata", "{count} righe scartate")
SUMMARY_KNOWN_COUNT = ("1 già tra i contatti del caso", "{count} già tra i contatti del caso")
SUMMARY_REFUSED = "<b>Righe scartate</b> (correggile e rimandale, se vuoi):"
SUMMARY_REFUSED_LINE = "riga {line}: {reasons}"
SUMMARY_KNOWN = "<b>Già tra i contatti</b> (non li aggiungo di nuovo):"
SUMMARY_KNOWN_LINE = "riga {line}: {surname} {name}"
SUMMARY_MORE = "… e altre {more} righe."
NOTHING_NEW = (
    "Nessun contatto nuovo: le {known} persone dell'elenco sono già tutte tra i contatti "
    "del caso {case_id}. Non ho aggiunto nulla."
)
NOTHING_VALID = "Nessuna riga valida: non ho aggiunto nulla. Correggi l'elenco e rimandalo."
FILE_REFUSED = "File non accettato: non ho aggiunto nulla."

IMPORT_REVIEW = (
    "<b>Aggiungo 1 contatto</b> al caso {case_id}, con questi dati "
    "(proposti dal caso: correggi con ✏️ se serve):",
    "<b>Aggiungo {count} contatti</b> al caso {case_id}, tutti con questi dati "
    "(proposti dal caso: correggi con ✏️ se serve):",
)
IMPORT_TO_COMPLETE = (
    "Comune e telefono mancanti restano <i>da completare</i>: potrai aggiungerli con "
    "<b>Modifica contatto</b>."
)
BUTTON_CONFIRM_IMPORT = (
    "✅ Conferma: aggiungi 1 contatto",
    "✅ Conferma: aggiungi {count} contatti",
)
BUTTON_CONFIRM_AND_CLOSE = "📤 Conferma e chiudi il caso"
IMPORT_DONE = (
    "✅ Aggiunto <b>1</b> contatto al caso {case_id}.",
    "✅ Aggiunti <b>{count}</b> contatti al caso {case_id}.",
)
IMPORT_SKIPPED = (
    "1 era già tra i contatti del caso: non l'ho aggiunto di nuovo.",
    "{count} erano già tra i contatti del caso: non li ho aggiunti di nuovo.",
)
IMPORT_LEFT_OUT = "<b>Non aggiunti</b>, con il ruolo scelto:"
IMPORT_CANCELLED = "Nessun contatto aggiunto."

# --- the contact form ----------------------------------------------------------------------------

ASK_ROLE = "<b>Aggiungi contatto</b> al caso {case_id}\n\nRuolo del contatto:"
ASK_ROLE_IMPORT = "Ruolo del contatto, per tutte le persone dell'elenco:"
ASK_CLASS = "Classe del contatto: tocca per confermare quella del caso, o scrivila."
ASK_CLASS_ZERO_SIX = (
    "Sezione o «bolla» del contatto (va sia in classe sia in sezione): tocca per confermare "
    "quella del caso, o scrivila."
)
ASK_SECTION = "Sezione del contatto: tocca per confermare quella del caso, o scrivila."
BUTTON_KEEP = "✅ {value}"
ASK_SURNAME = "Cognome del contatto:"
ASK_NAME = "Nome del contatto:"
ASK_CODICE_FISCALE = "Codice fiscale del contatto (16 caratteri, dalla tessera sanitaria):"
ASK_COMUNE = (
    "Comune di domicilio del contatto: scrivi il nome, anche solo una parte (ad es. <b>sesto</b>)."
)
ASK_ADDRESS = "Indirizzo (facoltativo), ad es. <b>Via Roma 12</b>:"
ASK_PHONE = "Telefono cellulare del contatto (o di un genitore, per i minori):"
ASK_LAST_CONTACT = (
    "<b>Data dell'ultimo contatto con il caso</b> (obbligatoria): {window}. "
    "Tocca un giorno o scrivi la data."
)
WINDOW_BOTH = "dal {earliest} al {latest}"
WINDOW_UPPER = "entro il {latest}, ultimo giorno di frequenza del caso"
WINDOW_EMPTY = (
    "il caso non risulta a scuola nei giorni in cui era contagioso (dal {earliest}; ultimo "
    "giorno di frequenza {latest}): correggi le date del caso con <b>Modifica caso</b>"
)

REVIEW_NEW = "<b>Aggiungi contatto</b> al caso {case_id}: controlla i dati, correggi con ✏️, poi tocca <b>💾 Salva</b>."
REVIEW_SAVED = "✅ <b>Contatto {contact_id} del caso {case_id} salvato</b> (codice fiscale nascosto in questa chat)."
REVIEW_EDIT = "<b>Modifica contatto {contact_id}</b> del caso {case_id}: correggi con ✏️, poi tocca <b>💾 Salva</b>."
FIELD_LINE = "{label}: <b>{value}</b>"
FIELD_EMPTY = "{label}: <i>non indicato</i>"
FIELD_TO_COMPLETE = "{label}: <i>da completare</i>"
RULES_LINE = "Regole ATS: {verdict}"
MISSING_FIELDS = "Non posso salvare: mancano {fields}."
SAVE_REFUSED = "Non posso salvare:"
SAVED_NEW = "✅ Contatto {contact_id} aggiunto al caso {case_id}: <b>{surname} {name}</b>."
BUTTON_ANOTHER = "➕ Aggiungi un altro contatto"
BUTTON_DONE = "Fine"
SAVED_EDIT = "✅ Contatto {contact_id} aggiornato."
NOTHING_CHANGED = "Nessuna modifica da salvare: il contatto {contact_id} è rimasto com'era."
EDIT_CONFLICT = (
    "⚠️ Le tue modifiche <b>non sono state salvate</b>: un altro referente ha modificato il "
    "contatto {contact_id} mentre lo correggevi. Questi sono i dati attuali."
)
CONTACT_CANCELLED = "Contatto non salvato."
EDIT_CANCELLED = "Modifica annullata: il contatto {contact_id} è rimasto com'era."

# --- the ATS rules -------------------------------------------------------------------------------

ASK_RULES = (
    "Per questo ruolo le definizioni ATS dicono quando è un <b>contatto stretto</b> del caso. "
    "Vuoi verificarlo con {count} domande?"
)
BUTTON_RULES_YES = "❓ Verifica con le regole ATS"
BUTTON_RULES_NO = "Continua senza verifica"
QUESTIONS: dict[Question, str] = {
    Question.MASK: "Ha sempre indossato la mascherina (anche durante le lezioni e le riunioni)?",
    Question.DISTANCE: (
        "Ha rispettato la distanza di almeno 2 metri dai banchi, senza colloqui faccia a "
        "faccia a meno di 2 metri per più di 15 minuti?"
    ),
    Question.PHYSICAL: (
        "C'è stato contatto fisico (ad es. prendere per mano, prendere in braccio)?"
    ),
}
QUESTION_OF_TEACHER = "<i>Domanda sull'insegnante positivo.</i>"
MASK_LABELS: dict[MaskUse, str] = {
    MaskUse.ALWAYS: "Sì, sempre",
    MaskUse.MEALS_ONLY: "Tolta solo al pasto, ad almeno 1 m",
    MaskUse.NOT_ALWAYS: "No, non sempre",
}
BUTTON_YES = "Sì"
BUTTON_NO = "No"
VERDICTS: dict[Verdict, str] = {
    Verdict.CLOSE: "è un contatto stretto",
    Verdict.NOT_CLOSE: "NON è un contatto stretto",
    Verdict.CASE_BY_CASE: "da valutare caso per caso",
}
VERDICT_HEADER = "Secondo le definizioni ATS: <b>{verdict}</b>."
VERDICT_CLOSE_NOTE = (
    "In attesa delle disposizioni di ATS i contatti individuati vanno allontanati "
    "(se sono a scuola, al termine della giornata)."
)
VERDICT_DECIDE = "La decisione è tua: puoi aggiungerlo comunque."
BUTTON_GO_ON = "Continua"
BUTTON_ADD_ANYWAY = "Aggiungi comunque"
RULE_QUOTES: dict[Rule, str] = {
    Rule.CLASSMATES: "«Nel caso di un alunno positivo, i compagni di classe sono sempre considerati contatti stretti.»",
    Rule.TEACHERS_OF_PUPIL: (
        "«Gli insegnanti di scuola primaria e secondaria NON sono da considerare contatti "
        "stretti se hanno sempre utilizzato la mascherina (anche durante le lezioni) e hanno "
        "rispettato il distanziamento di almeno 2 metri dai banchi senza avere avuto colloqui "
        "faccia a faccia a distanza inferiore ai 2 metri per più di 15 minuti o contatti fisici "
        "con gli alunni. In caso contrario sono considerati contatti stretti.»"
    ),
    Rule.MEALS: (
        "«Gli insegnanti non sono da considerare contatti stretti se è stato garantito il "
        "distanziamento fisico di 1 metro anche durante il consumo del pasto.»"
    ),
    Rule.ZERO_SIX: (
        "«Gli insegnanti/educatori nido e materna sono sempre considerati contatti stretti "
        "vista l'impossibilità di mantenere il distanziamento dai bambini.»"
    ),
    Rule.SUPPORT: (
        "«Nel caso dei docenti di sostegno, la situazione va considerata caso per caso; se "
        "c'è contatto fisico il docente va considerato contatto stretto.»"
    ),
    Rule.PUPILS_OF_TEACHER: (
        "«Nel caso di un insegnante positivo, gli studenti NON sono da considerarsi contatti "
        "stretti se l'insegnante ha sempre utilizzato la mascherina durante le lezioni e ha "
        "rispettato il distanziamento di almeno 2 metri dai banchi senza colloqui faccia a "
        "faccia a meno di 2 metri per più di 15 minuti o contatti fisici con gli alunni. In "
        "caso contrario sono considerati contatti stretti.»"
    ),
    Rule.COLLEAGUES: (
        "«Gli insegnanti NON sono da considerarsi contatti stretti dei colleghi se hanno "
        "sempre utilizzato la mascherina, anche durante le lezioni e/o le riunioni, e hanno "
        "rispettato il distanziamento. In caso contrario sono considerati contatti stretti.»"
    ),
    Rule.STAFF_AS_TEACHERS: (
        "(Le definizioni ATS non nominano il personale non docente: la regola degli "
        "insegnanti è applicata per analogia.)"
    ),
}

# --- the contact list, one contact, delete -------------------------------------------------------

LIST_HEADER = "<b>Contatti del caso {case_id}</b> – {surname} {name} · {status}"
LIST_PAGE = "Pagina {page} di {pages} · contatti: {total}"
LIST_EMPTY = "Nessun contatto con il caso è stato registrato."
LIST_LINE = (
    "<b>{contact_id}</b> · {surname} {name} · {cf}\n    ult. contatto {last_contact} · {role}"
)
LIST_TO_COMPLETE = " · ⚠️ da completare"
BUTTON_CONTACT = "Contatto {contact_id}"
VIEW_HEADER = "<b>Contatto {contact_id}</b> del caso {case_id}"
VIEW_TO_COMPLETE = "⚠️ Da completare: {fields} (tocca <b>Modifica contatto</b>)."
CONTACT_NOT_FOUND = "Contatto non trovato (forse è stato eliminato)."
ASK_DELETE = "Confermi l'eliminazione del contatto {contact_id}: <b>{surname} {name}</b>?"
DELETED = "🗑 Contatto {contact_id} ({surname} {name}) eliminato."
DELETE_KEPT = "Eliminazione annullata: il contatto {contact_id} ({surname} {name}) resta."

BUTTON_ADD = "➕ Aggiungi contatti"
BUTTON_ADD_FOR = "Aggiungi contatti {case_id}"
BUTTON_LIST = "👥 Vedi contatti"
BUTTON_LIST_FOR = "Vedi contatti {case_id}"
BUTTON_EDIT = "✏️ Modifica contatto"
BUTTON_DELETE = "🗑 Elimina contatto"
BUTTON_DELETE_YES = "Sì, elimina"
BUTTON_DELETE_NO = "No"
BUTTON_CASE = "Vedi caso {case_id}"
BUTTON_CANCEL = "Annulla"
BUTTON_SKIP = "Salta"

# --- refused input -------------------------------------------------------------------------------

ERRORS: dict[str, str] = {
    "contact_outside_window": (
        "La data dell'ultimo contatto deve essere tra il {earliest} (2 giorni prima del "
        "tampone o dell'inizio dei sintomi) e il {latest} (ultimo giorno di frequenza del "
        "caso): hai scritto {date}."
    ),
    "contact_after_attendance": (
        "La data dell'ultimo contatto non può essere dopo il {latest}, ultimo giorno di "
        "frequenza del caso: hai scritto {date}."
    ),
    "contact_window_empty": (
        "Nessuna data è possibile: i contatti contano dal {earliest} (2 giorni prima del "
        "tampone o dell'inizio dei sintomi), ma l'ultimo giorno di frequenza del caso è il "
        "{latest}. Se le date del caso sono sbagliate, correggile con <b>Modifica caso</b>."
    ),
    "contact_is_case": (
        "Questo è il codice fiscale del caso stesso: il caso non può essere un proprio contatto."
    ),
    "contact_duplicate": (
        "Questo codice fiscale è già tra i contatti del caso: <b>contatto {contact_id}</b>, "
        "{surname} {name}."
    ),
    "import_list_columns": (
        "La riga ha {found} colonne: ne servono da {least} a {most} (cognome, nome, codice "
        "fiscale, poi telefono, comune, indirizzo), separate da ; o virgola o tab."
    ),
    "import_repeated": "Il codice fiscale compare già alla riga {first_line}.",
    "import_no_header": (
        "Non trovo le colonne di <b>{missing}</b>. Il file deve avere una riga di intestazione "
        "con almeno Cognome, Nome e Codice fiscale. Colonne trovate: {found}."
    ),
    "import_too_big": (
        "Il file è troppo grande: al massimo {max_mb} MB e {max_rows} righe. Dividilo in più file."
    ),
    "import_unreadable": (
        "Il file non è un foglio Excel (.xlsx) leggibile. Aprilo in Excel e salvalo di nuovo "
        "come .xlsx, oppure come CSV."
    ),
    "import_format": (
        "«{name}» non è un file CSV o Excel (.xlsx). Dal registro elettronico esporta l'elenco "
        "della classe in uno di questi formati (per i vecchi .xls: salvalo come .xlsx)."
    ),
    "import_empty": "Il file è vuoto.",
    "import_encoding": (
        "Il file è danneggiato: il suo contenuto non corrisponde alla codifica dichiarata "
        "(UTF-8 o UTF-16). Salvalo di nuovo da Excel come CSV UTF-8 o come .xlsx."
    ),
}
