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
    ("allontanamento", "Segnala un allontanamento per sintomi"),
    ("allontanamenti", "Allontanamenti: elenco ed esiti"),
    ("profilo", "Il tuo nome, telefono ed e-mail"),
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
    ("allontanamenti", "Allontanamenti dell'ATS: elenco e dettaglio"),
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

# Drafts set aside by another command (issue 22): offered back, dropped when too old.
DRAFT_TITLES: dict[str, str] = {
    "case": "Nuovo caso",
    "contact": "Contatti",
    "onboarding": "Registrazione",
    "absences": "Assenze",
    "enrolment": "Iscritti",
    "closures": "Chiusure",
    "schools": "Plessi",
    "broadcast": "Avviso",
    "export": "Esportazione",
}
DRAFT_OFFER = "Hai una bozza in sospeso di «{title}».\n{progress}\nVuoi riprenderla?"
DRAFT_PROGRESS = "Bozza del {day} alle {time}: {answered} {answers} su {total}."
DRAFT_PROGRESS_OPEN = "Bozza del {day} alle {time}: {answered} {answers}."
ANSWER_ONE = "risposta"
ANSWER_MANY = "risposte"
DRAFT_EXPIRED = "La bozza di «{title}» del {day} era ferma da più di {days} giorni: l'ho eliminata."
DRAFT_DROPPED = "Bozza eliminata."
DRAFT_KEPT_HINT = (
    "Non ho capito. Hai una bozza in sospeso: scrivi /start per riprenderla, "
    "oppure /aiuto per vedere cosa puoi fare."
)
BUTTON_RESUME = "▶ Riprendi"
BUTTON_RESTART = "🔄 Ricomincia"
BUTTON_DROP = "🗑 Elimina la bozza"
CANCEL_CONFIRM = "Vuoi davvero annullare? Quanto hai scritto finora andrà perso."

MY_ID = (
    "Il tuo id Telegram è <code>{user_id}</code>.\n"
    "Per diventare operatore ATS, chi gestisce Sentinella lo aggiunge ad ADMIN_IDS."
)
# The tapped question, once answered, becomes the record of the answer (bot.replies).
ANSWER_RECORD = "✓ {label}: <b>{value}</b>"
ANSWER_NONE = "non indicato"
