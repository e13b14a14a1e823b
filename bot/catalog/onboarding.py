"""Texts of the invitation flow: a referent joins Sentinella."""

from __future__ import annotations

ASK_CODE = (
    "Benvenuto in <b>Sentinella</b>, il canale delle scuole con l'ATS.\n\n"
    "Per registrarti scrivi il <b>codice di invito</b> che ti ha dato la tua ATS."
)
CODE_WRONG = "Il codice non è valido. Controllalo e riscrivilo (tentativi rimasti: {left})."
CODE_EXPIRED = "Questo invito è scaduto o è stato annullato. Chiedi alla tua ATS un nuovo invito."
CODE_USED = "Questo invito è già stato usato. Chiedi alla tua ATS un nuovo invito."
LOCKED_OUT = "Troppi codici errati. Per sicurezza puoi riprovare dopo le {until}."
INVITED_TO = "Invito valido per il plesso <b>{plesso}</b> ({code}), {comune}."
ASK_FULL_NAME = "Come ti chiami? Scrivi <b>nome e cognome</b>."
ASK_PHONE = "Il tuo <b>numero di telefono</b> (lo vedrà solo l'ATS):"
ASK_EMAIL = "La tua <b>e-mail</b>:"
SUMMARY = (
    "Controlla i tuoi dati:\n\n"
    "Plesso: <b>{plesso}</b> ({code})\n"
    "Nome e cognome: <b>{full_name}</b>\n"
    "Telefono: <b>{phone}</b>\n"
    "E-mail: <b>{email}</b>\n\n"
    "Sono corretti?"
)
BUTTON_REDO = "✏️ Correggi"
JOINED = (
    "Fatto! Ora sei referente COVID per <b>{plesso}</b> ({code}).\n\n"
    "Scrivi /aiuto per vedere cosa puoi fare."
)
JOINED_ANOTHER = "Fatto! Ora sei referente COVID anche per <b>{plesso}</b> ({code})."
INVITATION_GONE = (
    "L'invito non è più valido (è stato usato o è scaduto nel frattempo). "
    "Chiedi alla tua ATS un nuovo invito."
)


# --- /profilo: the referent's own data, taken by every new case ---------------------------------

PROFILE = (
    "<b>Il tuo profilo</b> (lo uso come referente in ogni nuovo caso):\n\n"
    "Nome: <b>{full_name}</b>\nTelefono: <b>{phone}</b>\nE-mail: <b>{email}</b>"
)
PROFILE_SAVED = "✅ Profilo aggiornato."
BUTTON_PROFILE_NAME = "✏️ Nome e cognome"
BUTTON_PROFILE_PHONE = "✏️ Telefono"
BUTTON_PROFILE_EMAIL = "✏️ E-mail"
