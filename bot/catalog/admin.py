"""Texts of the ATS admins' registry commands: schools, invitations, referents."""

from __future__ import annotations

SCHOOLS_COUNT = "Plessi caricati ({scope}): <b>{total}</b>, di cui sentinella: <b>{sentinel}</b>."
SCHOOLS_ASK_FILE = (
    "Per caricare o aggiornare i plessi inviami ora un file <b>CSV</b> con l'intestazione:\n"
    "<code>codice_meccanografico,denominazione,comune,indirizzo,tipo_scuola,sentinella,ats</code>\n"
    "(separatore <code>,</code> oppure <code>;</code>; sentinella = si/no). Oppure /annulla."
)
SCHOOLS_FILE_TOO_BIG = "Il file è troppo grande (massimo {max_mb} MB). Dividilo e riprova."
SCHOOLS_NOT_CSV = "Mi serve un file CSV (testo separato da virgole o punti e virgola)."
SCHOOLS_REFUSED_WHOLE = "File rifiutato, nessun plesso caricato.\n{reason}"
SCHOOLS_RESULT = (
    "Caricamento completato.\n"
    "Aggiunti: <b>{added}</b> · aggiornati: <b>{updated}</b> · invariati: <b>{unchanged}</b>"
    " · righe rifiutate: <b>{refused}</b>"
)
SCHOOLS_REFUSED_HEADER = "\n\n<b>Righe rifiutate</b>:"
SCHOOLS_REFUSED_LINE = "riga {line}: {reason}"
SCHOOLS_REFUSED_MORE = "… e altre {more} righe rifiutate."
SCHOOLS_OTHER_ATS = "il plesso è dell'ATS {ats}: puoi caricare solo plessi della tua ATS ({own})"

INVITE_USAGE = (
    "Scrivi il codice meccanografico del plesso, ad esempio: <code>/invita MIEE00001A</code>"
)
INVITE_UNKNOWN_PLESSO = "Non trovo il plesso {code} tra quelli della tua ATS. Controlla il codice."
INVITE_CREATED = (
    "Invito per <b>{plesso}</b> ({code}).\n\n"
    "Inoltra al referente questo link:\n{link}\n\n"
    "oppure il codice: <code>{invitation}</code>\n"
    "(da scrivere dopo /start).\n\n"
    "Vale una sola volta, fino al {expires}."
)

REFERENTS_NONE = "Nessun referente registrato ({scope})."
REFERENTS_HEADER = "<b>Referenti</b> ({scope}): {count}"
REFERENTS_LINE = "• <b>{name}</b> – {phone} – {email}\n   {plessi}"
REFERENTS_PLESSO = "{code} {name}"
REFERENTS_PAGE = "Pagina {page} di {pages}"

REVOKE_PICK = "Di chi vuoi revocare l'accesso? Tocca referente e plesso:"
REVOKE_PAGE = "Accessi: {total} · pagina {page} di {pages}"
REVOKE_SEARCHED = "Ricerca: <b>{search}</b>"
REVOKE_SEARCH_HINT = "Per cercare: <code>/revoca NOME</code> o <code>/revoca CODICE_PLESSO</code>."
REVOKE_NO_MATCH = (
    "Nessun accesso corrisponde a «{search}» ({scope}).\n"
    "Scrivi /revoca senza altro per l'elenco completo."
)
REVOKE_SEARCH_TOO_LONG = (
    "Ricerca troppo lunga: scrivi una parte del nome o il codice del plesso, ad esempio "
    "<code>/revoca rossi</code> o <code>/revoca MIEE00001A</code>."
)
REVOKE_CONFIRM = (
    "Revocare a <b>{name}</b> l'accesso al plesso <b>{plesso}</b> ({code})?\n"
    "Potrà rientrare solo con un nuovo invito."
)
REVOKE_DONE = "Accesso revocato: {name} non può più operare per {code}."
REVOKE_NOTHING = "Nessuna modifica: l'accesso era già revocato."
REVOKE_KEPT = "Nessuna modifica."
REVOKE_NOTICE = "L'ATS ha revocato il tuo accesso al plesso {code} su Sentinella."

BUTTON_NEXT = "Avanti ▶"
BUTTON_PREVIOUS = "◀ Indietro"

INVITES_NONE = "Nessun invito in sospeso ({scope})."
INVITES_HEADER = (
    "<b>Inviti in sospeso</b> ({scope}): {total} · pagina {page} di {pages}\n"
    "Non ancora usati né scaduti. «Annulla» rende subito inutilizzabile il codice."
)
INVITES_LINE = "• n. {id} · <b>{code}</b> {plesso}\n   creato il {created}, vale fino al {expires}"
INVITE_CANCEL_BUTTON = "Annulla n. {id} ({code})"
INVITE_CANCELLED = "Invito n. {id} per {code} annullato: il codice non vale più."
INVITE_CANCEL_NOTHING = "Invito n. {id}: già usato o scaduto, niente da annullare."

ERRORS = {
    "plesso_other_ats": SCHOOLS_OTHER_ATS,
}
