"""Texts of /avviso: an admin's message to the referents of the ATS (issue 8).

HTML, sent with parse_mode HTML; values go through `bot.catalog.render`, which escapes them:
the admin's text is shown to the referents exactly as typed.
"""

from __future__ import annotations

import html
import re

from bot.catalog import render
from domain.broadcast import Audience, utf16_length

# --- The message the referents receive ----------------------------------------------------

MESSAGE_HEADER = "📢 <b>Avviso {sender}</b> {audience}"
MESSAGE = "{header}\n\n{text}"
SENDER_ATS = "di {ats}"
SENDER_REGION = "della Regione"
AUDIENCE_TO: dict[Audience, str] = {
    Audience.ALL: "ai referenti COVID",
    Audience.SENTINEL: "ai referenti delle scuole sentinella",
}


def sender(ats_code: str | None) -> str:
    """ "di ATS-…" or "della Regione" (plain text, a value for `render`)."""
    return SENDER_REGION if ats_code is None else SENDER_ATS.format(ats=ats_code)


def message_header(ats_code: str | None, audience: Audience) -> str:
    return render(MESSAGE_HEADER, sender=sender(ats_code), audience=AUDIENCE_TO[audience])


def message(ats_code: str | None, audience: Audience, text: str) -> str:
    """The broadcast as every referent receives it (and the admin previews it)."""
    return MESSAGE.format(header=message_header(ats_code, audience), text=html.escape(text))


def header_length(ats_code: str | None, audience: Audience) -> int:
    """What the header and the blank line take of Telegram's 4096 characters, as shown."""
    shown = html.unescape(
        re.sub(r"<[^>]*>", "", MESSAGE.format(header=message_header(ats_code, audience), text=""))
    )
    return utf16_length(shown)


# --- /avviso --------------------------------------------------------------------------------

SCOPE_ALL = "tutte le ATS"
ASK_AUDIENCE = "📢 <b>Nuovo avviso</b> – {scope}\nA chi vuoi scrivere?"
BUTTON_AUDIENCE: dict[Audience, str] = {
    Audience.ALL: "Tutti i referenti ({n})",
    Audience.SENTINEL: "Solo plessi sentinella ({n})",
}
AUDIENCE_LABEL: dict[Audience, str] = {
    Audience.ALL: "tutti i referenti",
    Audience.SENTINEL: "i referenti dei plessi sentinella",
}
RECENT_HEADER = "\n<b>Ultimi avvisi</b>"
RECENT_LINE = "• {when} – {audience}: {outcome}"
OUTCOME_RUNNING = "invio in corso ({ended} su {total})"
OUTCOME_DONE = "inviati {sent}, bloccati {blocked}, non riusciti {failed}"
UNKNOWN_ATS = "Non conosco l'ATS {ats}. Scrivi /avviso per tutte le ATS, o /avviso ATS-CODICE."

ASK_TEXT = (
    "Scrivi il messaggio per {audience} ({scope}). Lo riceveranno così come lo scrivi, "
    "sotto l'intestazione «Avviso {sender}». Al massimo {max_length} caratteri."
)
PREVIEW_QUESTION = (
    "👆 Anteprima: è esattamente il messaggio che arriverà a <b>{who}</b> "
    "({audience}, {scope}).\nLo invio?"
)
PREVIEW_NOBODY = (
    "👆 Anteprima. Al momento nessun referente la riceverebbe ({audience}, {scope}): "
    "invita prima i referenti con /invita."
)
BUTTON_SEND = "✅ Conferma e invia"
SENDING = "📤 Invio in corso a <b>{who}</b>. Ti scrivo qui il resoconto quando ho finito."
REFERENTS_ONE = "1 referente"
REFERENTS_MANY = "{n} referenti"


def referents(n: int) -> str:
    """ "1 referente", "3 referenti" (plain text, a value for `render`)."""
    return REFERENTS_ONE if n == 1 else REFERENTS_MANY.format(n=n)


ALREADY_SENT = "Questo avviso è già stato confermato il {when}: non lo invio una seconda volta."
NO_RECIPIENTS = "Nessun referente da avvisare ({audience}, {scope}): l'avviso non è stato inviato."
DISCARDED = "Avviso annullato: non è stato inviato nulla."

# --- The final count ------------------------------------------------------------------------

DONE = (
    "📬 <b>Avviso del {when} consegnato</b> ({audience}, {scope})\n"
    "• inviati: <b>{sent}</b>\n"
    "• bloccati (hanno bloccato il bot o non hanno più l'account): <b>{blocked}</b>\n"
    "• non riusciti: <b>{failed}</b>"
)
DONE_UNCERTAIN = (
    "\nDi cui {n} con esito incerto: il bot si è fermato durante l'invio e non li ho "
    "rimandati, per non mandare a nessuno l'avviso due volte."
)

# --- Refused input --------------------------------------------------------------------------

ERRORS: dict[str, str] = {
    "broadcast_empty": "Il messaggio è vuoto: scrivi il testo dell'avviso.",
    "broadcast_invalid_chars": (
        "Il messaggio contiene caratteri di controllo non validi: riscrivilo senza "
        "incollare caratteri speciali."
    ),
    "broadcast_too_long": (
        "Il messaggio è troppo lungo: {length} caratteri, al massimo {max_length}. "
        "Accorcialo e mandalo di nuovo."
    ),
}
