"""Steps a person takes, shared by the end-to-end tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.driver import ChatUser
from tests.harness import Harness

PLESSO_MILANO = "MIEE8AB01T"
PLESSO_MILANO_2 = "MIMM8AB01V"


async def invite(admin: ChatUser, plesso_code: str = PLESSO_MILANO) -> str:
    """The admin invites a referent; returns the invitation code from the deep link."""
    await admin.send(f"/invita {plesso_code}")
    message = await admin.expect("start=")
    match = re.search(r"\?start=([A-Z0-9]+)", message.text or "")
    assert match, message.text
    return match.group(1)


async def join(
    referent: ChatUser,
    code: str,
    *,
    name: str = "Maria Rossi",
    phone: str = "333 123 4567",
    email: str = "maria.rossi@scuola.example.it",
) -> None:
    """The referent opens the deep link and registers."""
    await referent.send(f"/start {code}")
    await referent.expect("nome e cognome")
    await referent.send(name)
    await referent.expect("telefono")
    await referent.send(phone)
    await referent.expect("e-mail")
    await referent.send(email)
    await referent.expect("Controlla i tuoi dati")
    await referent.tap("Conferma")
    await referent.expect("Ora sei referente")


@dataclass(frozen=True)
class Tap:
    """An answer given by tapping the button with this label (a plain string is typed)."""

    label: str


async def answers(user: ChatUser, *exchanges: tuple[str | Tap, str]) -> None:
    """A run of a form: for each `(answer, reply)` the user types or taps the answer and expects
    the bot's next message to contain `reply` (the next question, or a refusal of the answer)."""
    for answer, reply in exchanges:
        if isinstance(answer, Tap):
            await user.tap(answer.label)
        else:
            await user.send(answer)
        await user.expect(reply)


# --- Absence surveillance -------------------------------------------------------------------

SENTINEL = PLESSO_MILANO  # MIEE8AB01T, sentinel
SENTINEL_2 = "MIAA8AB01P"  # sentinel too, same ATS
NOT_SENTINEL = PLESSO_MILANO_2  # MIMM8AB01V


async def add_plesso(admin: ChatUser, referent: ChatUser, plesso_code: str) -> None:
    """A referent already registered gets one more plesso."""
    code = await invite(admin, plesso_code)
    await referent.send(f"/start {code}")
    await referent.expect("anche per")


async def referent_of(
    admin: ChatUser, referent: ChatUser, *plessi: str, name: str = "Maria Rossi"
) -> ChatUser:
    """A referent who joined for `plessi` (the first one by the deep link)."""
    first, *others = plessi or (SENTINEL,)
    await join(referent, await invite(admin, first), name=name)
    for plesso_code in others:
        await add_plesso(admin, referent, plesso_code)
    return referent


async def joined_referent(
    harness: Harness,
    admin: ChatUser,
    user_id: int,
    *plessi: str,
    first_name: str = "Maria",
    name: str = "Maria Rossi",
) -> ChatUser:
    """A registered referent of `plessi` (by default PLESSO_MILANO), ready to use the bot."""
    codes = plessi or (PLESSO_MILANO,)
    referent = harness.user(user_id, first_name)
    await join(referent, await invite(admin, codes[0]), name=name)
    for code in codes[1:]:
        await referent.send(f"/start {await invite(admin, code)}")
        await referent.expect("anche per")
    return referent


# A pupil's codice fiscale (Luca Bianchi, born 02/03/2015 in Milano).
STUDENT_CF = "BNCLCU15C02F205O"


async def start_case_data(referent: ChatUser) -> None:
    """From /nuovocaso to the first question about the case (one plesso, primaria: the
    school type and the referent's data are taken from the registry and the profile)."""
    await referent.send("/nuovocaso")
    await referent.expect("Classe (obbligatoria)")
    await referent.send("3")
    await referent.expect("Sezione (obbligatoria)")
    await referent.send("B")
    await referent.expect("Ruolo del caso")


async def report_case(
    referent: ChatUser,
    *,
    surname: str = "Bianchi",
    name: str = "Luca",
    codice_fiscale: str = STUDENT_CF,
) -> int:
    """A referent of one plesso reports a pupil with no optional field; returns the case id.
    The birth date is the codice fiscale's, Milano is the one comune called so."""
    await start_case_data(referent)
    await referent.tap("Studente")
    await referent.expect("Cognome del caso")
    await referent.send(surname)
    await referent.expect("Nome del caso")
    await referent.send(name)
    await referent.expect("Codice fiscale del caso")
    await referent.send(codice_fiscale)
    await referent.expect("Comune di domicilio: scrivi")
    await referent.send("Milano")
    await referent.expect("Telefono 1 del caso")
    await referent.send("347 1234567")
    await referent.expect("Ultimo giorno di frequenza")
    await referent.tap("Ieri")
    await referent.expect("Data del tampone positivo (se nota)")
    await referent.tap("Non nota")
    await referent.expect("inizio dei sintomi")
    await referent.tap("Non nota")
    await referent.expect("controlla i dati")
    await referent.tap("Salva")
    saved = await referent.expect("inserito correttamente")
    match = re.search(r"caso (\d+)", saved.text or "")
    assert match, saved.text
    return int(match.group(1))


# --- Contacts of a case -----------------------------------------------------------------------

# Classmates of the case, born in 2015 (codici fiscali with a valid check character).
CLASSMATES = {
    "RSSMRA15A01F205J": ("ROSSI", "MARIO", "01/01/2015"),
    "VRDNNA15E52E648D": ("VERDI", "ANNA", "12/05/2015"),
    "NREPLA15B20F205S": ("NERI", "PAOLO", "20/02/2015"),
    "GLLSRA15C43F205W": ("GIALLI", "SARA", "03/03/2015"),
    "RSSLCU15L14F704U": ("RUSSO", "LUCA", "14/07/2015"),
}
TEACHER_CONTACT_CF = "CLMLNE82D62F205B"  # Elena Colombo, born 22/04/1982 in Milano


async def open_add_contacts(referent: ChatUser, case_id: int) -> None:
    """From /caso to the "Aggiungi contatti" screen (a list, a file, or one at a time)."""
    await referent.send(f"/caso {case_id}")
    await referent.expect(f"Caso {case_id}")
    await referent.tap("Aggiungi contatti")
    await referent.expect("Incolla un elenco")


async def start_contact(referent: ChatUser, case_id: int, role: str = "Studente") -> None:
    """ "Aggiungi contatto", up to the surname; class and section as the case's (3 B)."""
    await open_add_contacts(referent, case_id)
    await referent.tap("Aggiungi contatto")
    await referent.expect("Ruolo del contatto")
    await referent.tap(role)
    if role != "Studente":
        await referent.expect("Vuoi verificarlo")
        await referent.tap("Continua senza verifica")
    await referent.expect("Classe del contatto")
    await referent.tap("✅ 3")
    await referent.expect("Sezione del contatto")
    await referent.tap("✅ B")
    await referent.expect("Cognome del contatto")


async def contact_details(
    referent: ChatUser, codice_fiscale: str, surname: str = "Rossi", name: str = "Mario"
) -> None:
    """From the surname to the question of the date of last contact (Milano, no address)."""
    await referent.send(surname)
    await referent.expect("Nome del contatto")
    await referent.send(name)
    await referent.expect("Codice fiscale del contatto")
    await referent.send(codice_fiscale)
    await referent.expect("dal codice fiscale risulta")
    await referent.tap("✅")
    await referent.expect("Comune di domicilio del contatto")
    await referent.send("Milano")
    await referent.expect("Indirizzo")
    await referent.tap("Salta")
    await referent.expect("Telefono cellulare")
    await referent.send("333 111 2222")
    await referent.expect("ultimo contatto con il caso")


async def add_classmate(
    referent: ChatUser, case_id: int, codice_fiscale: str = "RSSMRA15A01F205J"
) -> None:
    """The referent adds one classmate, last seen on the case's last day at school."""
    surname, name, _ = CLASSMATES[codice_fiscale]
    await start_contact(referent, case_id)
    await contact_details(referent, codice_fiscale, surname, name)
    await referent.tap("Ieri")
    await referent.expect("controlla i dati")
    await referent.tap("Salva")
    await referent.expect("aggiunto al caso")
