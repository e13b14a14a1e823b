"""Italian messages for refused input, and the labels of roles and school types.

`ERRORS` is keyed by the codes `domain` rules raise with `ValidationFailed`; the
placeholders are the names of the error's params. Templates are HTML: the values are
escaped by `bot.catalog.render`, the templates themselves may use <b>.
"""

from __future__ import annotations

from domain.people import Role
from domain.schools import SchoolType

ROLE_LABELS: dict[Role, str] = {
    Role.STUDENT: "Studente",
    Role.TEACHER: "Docente",
    Role.SUPPORT_TEACHER: "Docente di sostegno",
    Role.EDUCATOR: "Educatore",
    Role.STAFF: "Altro personale scolastico",
}

SCHOOL_TYPE_LABELS: dict[SchoolType, str] = {
    SchoolType.NIDO: "Nido (servizi 0-3)",
    SchoolType.INFANZIA: "Scuola dell'infanzia",
    SchoolType.PRIMARIA: "Scuola primaria",
    SchoolType.SECONDARIA_1: "Secondaria di I grado",
    SchoolType.SECONDARIA_2: "Secondaria di II grado",
    SchoolType.CFP: "Formazione professionale (CFP)",
}

_TOO_LONG = (
    "Il campo <b>{field}</b> può avere al massimo {max_length} caratteri (ne hai scritti {length})."
)
_EMPTY = "Il campo <b>{field}</b> non può essere vuoto."

ERRORS: dict[str, str] = {
    # names and free text (domain/text.py, domain/people.py)
    "name_empty": _EMPTY,
    "name_invalid_chars": (
        "Il campo <b>{field}</b> può contenere solo lettere, spazi, apostrofi e trattini: "
        "togli <b>{chars}</b>."
    ),
    "name_no_letters": "Il campo <b>{field}</b> deve contenere almeno una lettera.",
    "name_too_long": _TOO_LONG,
    "full_name_one_word": (
        "Scrivi nome <b>e</b> cognome, ad es. <b>Maria Rossi</b> (hai scritto solo «{text}»)."
    ),
    "text_empty": _EMPTY,
    "text_invalid_chars": (
        "Il campo <b>{field}</b> contiene caratteri invisibili o di controllo: "
        "riscrivilo a mano invece di incollarlo."
    ),
    "text_too_long": _TOO_LONG,
    # class and section (domain/cases.py)
    "class_out_of_range": (
        "«{text}» non è una classe di questa scuola: scrivi un numero da 1 a {years} "
        "(ad es. <b>3</b>, oppure <b>3B</b> con la sezione)."
    ),
    "section_invalid": "«{text}» non è una sezione: scrivi solo lettere, ad es. <b>B</b>.",
    "group_name_invalid": (
        "«{text}» non è un nome valido per il campo <b>{field}</b>: usa lettere e numeri, "
        "ad es. <b>Coccinelle</b> o <b>Bolla 2</b>."
    ),
    # dates (domain/dates.py)
    "date_invalid": (
        "«{text}» non è una data valida. Scrivila come <b>25/10/2020</b>, <b>25/10/20</b> "
        "o <b>25/10</b> (anno in corso), oppure <b>oggi</b>, <b>ieri</b>, <b>l'altro ieri</b>."
    ),
    "date_in_future": (
        "Il campo <b>{field}</b> non può essere nel futuro: hai scritto {date}, oggi è {today}."
    ),
    "date_too_early": (
        "Il campo <b>{field}</b> non può essere prima del {earliest}: hai scritto {date}."
    ),
    # people (domain/people.py)
    "birth_in_future": "La data di nascita {date} è nel futuro: controlla l'anno.",
    "birth_implausible_for_role": (
        "Con la data di nascita {date} avrebbe {age} anni, ma per il ruolo <b>{role}</b> "
        "ci aspettiamo un'età tra {min_age} e {max_age} anni. Controlla la data e il ruolo."
    ),
    "phone_empty": "Scrivi un numero di telefono.",
    "phone_invalid": (
        "«{text}» non è un numero di telefono valido. Scrivi il numero con il prefisso, "
        "ad es. <b>333 1234567</b> o <b>02 1234567</b>; per l'estero inizia con + "
        "(ad es. <b>+41 79 123 45 67</b>)."
    ),
    "email_empty": "Scrivi un indirizzo e-mail.",
    "email_invalid": (
        "«{text}» non è un indirizzo e-mail valido. Scrivilo come <b>nome@dominio.it</b>, "
        "senza spazi."
    ),
    # codice fiscale (domain/codice_fiscale.py)
    "cf_length": "Il codice fiscale deve avere 16 caratteri (ne hai scritti {length}).",
    "cf_invalid_chars": (
        "Il codice fiscale contiene solo lettere e numeri: togli simboli e lettere accentate."
    ),
    "cf_pattern": (
        "Il codice fiscale non ha la forma giusta: 6 lettere, 2 cifre, 1 lettera, 2 cifre, "
        "1 lettera, 3 cifre, 1 lettera (ad es. <b>RSSMRA85T10A562S</b>). "
        "Controlla di non aver scambiato O con 0 o I con 1."
    ),
    "cf_checksum": (
        "Il codice fiscale non è corretto: l'ultimo carattere, di controllo, non torna. "
        "Ricontrollalo lettera per lettera sulla tessera sanitaria."
    ),
    "cf_date_invalid": (
        "Il codice fiscale non è corretto: la data di nascita che contiene non esiste. "
        "Ricontrollalo sulla tessera sanitaria."
    ),
    "cf_birth_date_mismatch": (
        "La data di nascita {typed_date} non corrisponde a quella del codice fiscale "
        "({cf_date}): correggi la data o il codice fiscale."
    ),
    # comuni (domain/comuni.py)
    "comune_query_too_short": "Scrivi almeno {min_length} lettere del nome del comune.",
    "comune_not_found": (
        "Nessun comune trovato per «{query}». Controlla come è scritto, "
        "oppure scrivi solo l'inizio del nome."
    ),
    # schools (domain/schools.py)
    "school_type_unknown": (
        "«{text}» non è un tipo di scuola previsto. Scegli tra: nido, infanzia, primaria, "
        "secondaria di I grado, secondaria di II grado, formazione professionale (CFP)."
    ),
    "school_code_length": (
        "Il codice meccanografico deve avere 10 caratteri (ne hai scritti {length}), "
        "ad es. <b>MIIC8AB00X</b>."
    ),
    "school_code_invalid": (
        "Il codice meccanografico «{school_code}» non è valido: 2 lettere della provincia seguite "
        "da 8 lettere o cifre, ad es. <b>MIIC8AB00X</b>."
    ),
    "ats_code_invalid": (
        "Il codice ATS «{ats_code}» non è valido: deve essere come <b>ATS-MILANO</b> "
        "(ATS- seguito da lettere, cifre o trattini)."
    ),
    "yes_no_invalid": "«{text}» non è una risposta valida: scrivi <b>sì</b> o <b>no</b>.",
    # the plessi CSV, whole file (domain/schools.py)
    "csv_encoding": (
        "Il file non è in UTF-8. In Excel usa «Salva con nome» e scegli "
        "<b>CSV UTF-8 (delimitato da virgole)</b>, poi rimandalo."
    ),
    "csv_empty": "Il file è vuoto.",
    "csv_header": (
        "La prima riga del file deve contenere i nomi delle colonne. "
        "Mancano: <b>{missing}</b>. Trovate: {found}."
    ),
    "csv_header_unexpected": (
        "La prima riga del file ha colonne in più o ripetute: <b>{unexpected}</b>. "
        "Le colonne devono essere: codice_meccanografico, denominazione, comune, indirizzo, "
        "tipo_scuola, sentinella, ats. Trovate: {found}."
    ),
    "csv_too_large": (
        "Il file è troppo grande: al massimo {max_rows} righe e {max_mb} MB. Dividilo in più file."
    ),
    "csv_malformed": (
        "Il file non è un CSV leggibile: c'è un problema alla riga {line} "
        "(controlla le virgolette)."
    ),
    # the plessi CSV, one line (the caller says which line)
    "csv_row_columns": (
        "La riga ha {found} colonne invece di {expected}: controlla separatori e virgolette."
    ),
    "csv_duplicate_code": (
        "Il codice meccanografico {school_code} compare già alla riga {first_line}."
    ),
    "csv_comune_unknown": (
        "Il comune «{comune}» non risulta tra i comuni italiani attuali: "
        "scrivilo come <b>Milano</b> o <b>Milano (MI)</b>."
    ),
    "csv_comune_ambiguous": (
        "Ci sono più comuni chiamati «{comune}»: aggiungi la provincia. Possibili: {options}."
    ),
}
