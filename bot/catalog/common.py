"""Texts shared by every flow: greetings, help, cancel, refusals, generic errors."""

from __future__ import annotations

# Command menus (set with set_my_commands). Referents see theirs; admins see both.
REFERENT_COMMANDS: list[tuple[str, str]] = [
    ("start", "Inizia o riprendi"),
    ("aiuto", "Cosa posso fare"),
    ("annulla", "Annulla l'operazione in corso"),
    ("nuovocaso", "Nuovo caso: segnala un positivo"),
    ("casi", "Casi segnalati: vedi e modifica"),
    ("caso", "Vedi un caso: /caso NUMERO"),
    ("iscritti", "Iscritti e classi del plesso"),
    ("assenze", "Registra le assenze (scuole sentinella)"),
]
ADMIN_COMMANDS: list[tuple[str, str]] = [
    ("scuole", "Carica o conta i plessi (file CSV)"),
    ("invita", "Invita un referente: /invita CODICE_PLESSO"),
    ("inviti", "Inviti in sospeso: vedi e annulla"),
    ("referenti", "Elenco dei referenti dell'ATS"),
    ("revoca", "Revoca l'accesso: /revoca [NOME o CODICE_PLESSO]"),
    ("chiusure", "Chiusure delle scuole (vacanze, ponti)"),
    ("promemoria", "Promemoria: chi manca, chi è stato avvisato"),
    ("report", "Allerta assenze: tassi, plessi segnalati, grafico"),
    ("registro", "Registro delle modifiche: caso, plesso o referente"),
    ("stato", "Indicatori: casi aperti, chiusi, rilevazioni mancanti"),
    ("esporta", "Esporta casi, assenze o referenti (Excel o CSV)"),
    ("avviso", "Avviso a tutti i referenti (o ai plessi sentinella)"),
    ("conservazione", "Conservazione: quando si eliminano i casi chiusi"),
    ("vaccini", "Obblighi vaccinali: elenchi, esiti, /vaccini CODICE"),
]

WELCOME_REFERENT = (
    "Ciao {name}! Sei referente COVID per:\n{plessi}\n\nScrivi /aiuto per vedere cosa puoi fare."
)
WELCOME_ADMIN = "Ciao! Sei operatore ATS ({scope}).\n\nScrivi /aiuto per l'elenco dei comandi."
SCOPE_REGIONAL = "tutte le ATS"
SCOPE_ATS = "{ats}"

HELP_HEADER_REFERENT = "<b>Comandi per i referenti</b>"
HELP_HEADER_ADMIN = "<b>Comandi per gli operatori ATS</b>"
HELP_FOOTER = (
    "\nIn ogni momento /annulla interrompe l'operazione in corso: "
    "i dati già salvati restano al sicuro."
)
HELP_LINE = "/{command} – {description}"

NOT_REGISTERED = (
    "Non sei registrato su Sentinella.\n"
    "Chiedi alla tua ATS un invito: riceverai un link o un codice. "
    "Se hai già il codice, scrivi /start e poi il codice."
)
ACCESS_REVOKED = (
    "Il tuo accesso a Sentinella è stato revocato. Se pensi sia un errore, contatta la tua ATS."
)
ADMIN_ONLY = "Questo comando è riservato agli operatori ATS."
REFERENT_ONLY = "Questo comando è per i referenti COVID delle scuole."

CANCELLED = "Operazione annullata. I dati già salvati restano al sicuro."
NOTHING_TO_CANCEL = "Non c'è nessuna operazione in corso."
NOT_UNDERSTOOD = "Non ho capito. Scrivi /aiuto per vedere cosa puoi fare."
STALE_BUTTON = "Questo pulsante non è più attivo."
TEXT_EXPECTED = "Mi serve una risposta scritta. Riprova:"
FILE_EXPECTED = "Mi serve un file. Riprova:"
UNEXPECTED_ERROR = (
    "Mi dispiace, qualcosa è andato storto. I dati già salvati sono al sicuro: "
    "riprova, oppure /annulla."
)
DATABASE_BUSY = "Non sono riuscito a salvare: riprova tra qualche secondo. Nulla è andato perso."
EDIT_NOT_READ = (
    "Ho visto che hai modificato un messaggio già inviato: le modifiche non vengono lette. "
    "Se una risposta era sbagliata, scrivila di nuovo o correggila dal riepilogo."
)

BUTTON_CONFIRM = "✅ Conferma"
BUTTON_CANCEL = "Annulla"
BUTTON_YES = "Sì"
BUTTON_NO = "No"
BUTTON_CHANGE = "✏️ Modifica"
BUTTON_NEXT = "Avanti ▶"
BUTTON_PREVIOUS = "◀ Indietro"
USE_BUTTONS = "Tocca uno dei pulsanti qui sotto."
