"""Texts of /conservazione (issue 8): how long closed cases are kept, and what goes next."""

from __future__ import annotations

SCOPE_ALL = "tutte le ATS"

HEADER = "🗄 <b>Conservazione dei dati</b> ({scope})"
POLICY = (
    "I casi chiusi e i loro contatti vengono eliminati definitivamente <b>{days} giorni</b> "
    "dopo la chiusura, ogni giorno alle {time}. Restano iscritti e assenze, che non "
    "contengono dati personali; il registro delle modifiche conserva solo i conteggi."
)

NEXT_RUN = "\n<b>Prossima eliminazione:</b> {day} alle {time}"
NEXT_DUE = "Casi chiusi fino al {cutoff}: <b>{cases}</b> e <b>{contacts}</b>"
NEXT_OLDEST = "Chiusura più vecchia: {oldest}"
NEXT_NONE = "Nessun caso da eliminare."

FOLLOWING_HEADER = "\n<b>Nei giorni seguenti</b>"
FOLLOWING_LINE = "• {day}: {cases} e {contacts}"
FOLLOWING_NONE = "• nessun caso fino a {day}"

LAST_RUN = "\nUltima eliminazione: {when} – {cases} e {contacts}"
LAST_RUN_NONE = "\nNessuna eliminazione finora."

CASE_ONE = "1 caso"
CASE_MANY = "{n} casi"
CONTACT_ONE = "1 contatto"
CONTACT_MANY = "{n} contatti"


def cases_label(n: int) -> str:
    return CASE_ONE if n == 1 else CASE_MANY.format(n=n)


def contacts_label(n: int) -> str:
    return CONTACT_ONE if n == 1 else CONTACT_MANY.format(n=n)
