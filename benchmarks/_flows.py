"""The conversations the load benchmark plays, as data: what the referent does at each step,
the fragment of the bot's answer that ends the step, and the shape of that answer (messages
sent, keyboards removed, messages deleted) so the baseline bot can answer with the same Bot
API calls. The shapes are those of the real bot (checked by the smoke test: both bots make
the same calls).

The mix per simulated referent (issue 9): 70% record absences (the whole /assenze flow), 25%
open a case and add 3 contacts one by one, 5% add a class of 25 contacts from an XLSX file to
an open case. Every referent types values of their own (figures, class, phones), so the
database check after the run can tell an answer applied to the wrong step.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Literal

import openpyxl  # type: ignore[import-untyped]

Action = Literal["send", "tap", "file"]

ROOT = Path(__file__).resolve().parents[1]
DEMO_CLASS = ROOT / "emulator" / "demo" / "classe_3B.csv"

TUESDAY = date(2026, 11, 17)  # the recording day of the run (the bot's clock: bot_process)
YESTERDAY = date(2026, 11, 16)

# The case: Luca Bianchi, born 02/03/2015 in Milano (a valid codice fiscale).
CASE_SURNAME, CASE_NAME, CASE_CF, CASE_BIRTH = "BIANCHI", "LUCA", "BNCLCU15C02F205O", "02/03/2015"
# Classmates added one by one: (surname, name, codice fiscale).
CLASSMATES = (
    ("ROSSI", "MARIO", "RSSMRA15A01F205J"),
    ("VERDI", "ANNA", "VRDNNA15E52E648D"),
    ("NERI", "PAOLO", "NREPLA15B20F205S"),
)
# The open case the class file is added to (seeded): Paolo Neri, born 07/05/2014.
FILE_CASE_CF = "NREPLA14E07F205O"


class Kind(StrEnum):
    ABSENCES = "absences"
    CASE = "case"
    CLASS_FILE = "class_file"


# One slot in 20 per kind share (14 absences, 5 cases, 1 class file); the first three slots
# hold one of each, so even a handful of users plays every flow.
PATTERN = "CFAAACAAAACAAACAAACA"
_KIND_OF = {"A": Kind.ABSENCES, "C": Kind.CASE, "F": Kind.CLASS_FILE}


def kind_of(index: int) -> Kind:
    return _KIND_OF[PATTERN[index % len(PATTERN)]]


@dataclass(frozen=True)
class Step:
    action: Action
    value: str  # the text typed, the label of the button tapped, or the file name
    expect: str  # a fragment of the bot message that answers this step
    sent: int = 1  # messages the bot sends in answer
    edits: int = 0  # keyboards it removes (editMessageReplyMarkup)
    deletes: int = 0  # messages of the user it deletes (personal data, once saved: one call)
    masks: int = 0  # reviews rewritten once saved, the codice fiscale masked (editMessageText)
    in_place: bool = False  # a tap answered by editing the tapped message (answer + next)
    content: bytes = field(default=b"", repr=False)  # file steps


def _text(value: str, expect: str, sent: int = 1) -> Step:
    return Step("send", value, expect, sent=sent)


def _tap(
    label: str, expect: str, *, edit: bool = True, deletes: int = 0, sent: int = 1, masks: int = 0
) -> Step:
    return Step("tap", label, expect, sent=sent, edits=int(edit), deletes=deletes, masks=masks)


def _pick(label: str, expect: str) -> Step:
    """A form's answer tapped: the tapped question becomes the answer and the next question
    (one editMessageText, no new message)."""
    return Step("tap", label, expect, sent=0, in_place=True)


@dataclass(frozen=True)
class Expected:
    """What the database must hold once the conversation is over."""

    absent: int = 0
    ill: int = 0
    class_name: str = ""
    section: str = ""
    phone: str = ""  # E.164, the case's phone 1
    contact_phones: tuple[str, ...] = ()  # E.164, in the order the contacts were added
    case_id: int = 0  # class file: the seeded case
    contacts: int = 0  # class file: contacts the case must have


@dataclass(frozen=True)
class Conversation:
    index: int
    kind: Kind
    user_id: int
    plesso: str
    steps: tuple[Step, ...]
    expected: Expected

    @property
    def final(self) -> Step:
        return self.steps[-1]


def user_id_of(index: int) -> int:
    return 10_000 + index


def plesso_of(index: int) -> str:
    return f"MIBE{index:06d}"  # a well-formed codice meccanografico of ATS-MILANO


def absent_of(index: int) -> tuple[int, int]:
    absent = 3 + (index * 7) % 40
    return absent, absent // 3


def absences(index: int) -> Conversation:
    absent, ill = absent_of(index)
    steps = (
        _text("/assenze", "Quanti alunni"),  # the plesso's history above the question
        _text(str(absent), "per malattia"),
        _text(str(ill), "Salvato per"),
    )
    return Conversation(
        index,
        Kind.ABSENCES,
        user_id_of(index),
        plesso_of(index),
        steps,
        Expected(absent=absent, ill=ill),
    )


def _mobile(prefix: str, index: int, extra: int = 0) -> tuple[str, str]:
    """A mobile number as typed ("347 1000042") and as stored (E.164)."""
    digits = f"{1_000_000 + index * 4 + extra:07d}"
    return f"{prefix} {digits}", f"+39{prefix}{digits}"


def _contact(index: int, number: int, class_name: str, section: str) -> tuple[list[Step], str]:
    surname, name, codice_fiscale = CLASSMATES[number]
    typed, stored = _mobile("333", index, number)
    opening = (
        # After Salva the class list is asked at once: its prompt offers one at a time.
        [_tap("Aggiungi contatto", "Ruolo del contatto", edit=False)]
        if number == 0
        else [_tap("Aggiungi un altro contatto", "Ruolo del contatto", edit=False)]
    )
    steps = [
        *opening,
        _pick("Studente", "Classe del contatto"),
        _pick(f"✅ {class_name}", "Sezione del contatto"),
        _pick(f"✅ {section}", "Cognome del contatto"),
        _text(surname.capitalize(), "Nome del contatto"),
        _text(name.capitalize(), "Codice fiscale del contatto"),
        _text(codice_fiscale, "dal codice fiscale risulta"),
        _pick("✅", "Comune di domicilio del contatto"),
        _text("Milano", "Indirizzo"),  # the one comune called so: taken
        _pick("Salta", "Telefono cellulare"),
        _text(typed, "ultimo contatto con il caso"),
        _pick("Ieri", "controlla i dati"),
        _tap("Salva", "aggiunto al caso", deletes=5, masks=1),
    ]
    return steps, stored


def case(index: int) -> Conversation:
    class_name = str(1 + index % 5)
    section = "ABCDEF"[index % 6]
    typed, stored = _mobile("347", index)
    steps = [
        # The plesso (and its school type, the registry's) above the first question.
        _text("/nuovocaso", "Classe (obbligatoria)"),
        _text(class_name, "Sezione (obbligatoria)"),
        _text(section, "Ruolo del caso"),  # the referent's data are the profile's
        _pick("Studente", "Cognome del caso"),
        _text(CASE_SURNAME.capitalize(), "Nome del caso"),
        _text(CASE_NAME.capitalize(), "Codice fiscale del caso"),
        _text(CASE_CF, "Comune di domicilio: scrivi"),  # the birth date is the code's
        _text("Milano", "Telefono 1 del caso"),
        _text(typed, "Ultimo giorno di frequenza"),
        _pick("Ieri", "Data del tampone positivo"),
        _pick("Non nota", "inizio dei sintomi"),
        _pick("Non nota", "controlla i dati"),
        # The receipt, then the class list asked at once.
        _tap("Salva", "Incolla un elenco", deletes=7, sent=2, masks=1),
    ]
    phones = []
    for number in range(len(CLASSMATES)):
        contact_steps, phone = _contact(index, number, class_name, section)
        steps += contact_steps
        phones.append(phone)
    return Conversation(
        index,
        Kind.CASE,
        user_id_of(index),
        plesso_of(index),
        tuple(steps),
        Expected(
            class_name=class_name, section=section, phone=stored, contact_phones=tuple(phones)
        ),
    )


def class_file(index: int, case_id: int, content: bytes) -> Conversation:
    steps = (
        _text(f"/caso {case_id}", f"Caso {case_id}"),
        _tap("Aggiungi contatti", "Incolla un elenco", edit=False),
        Step("file", "Classe 3B.xlsx", "Aggiungo 25 contatti", content=content),
        _tap("Conferma", "Aggiunti 25 contatti", deletes=1),
    )
    return Conversation(
        index,
        Kind.CLASS_FILE,
        user_id_of(index),
        plesso_of(index),
        steps,
        Expected(case_id=case_id, contacts=class_size()),
    )


def class_rows() -> list[list[str]]:
    with DEMO_CLASS.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle, delimiter=";") if row]


def class_size() -> int:
    return len(class_rows()) - 1  # the header


def class_xlsx() -> bytes:
    """The demo class of 25 pupils as an electronic register exports it to Excel."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Elenco alunni - Classe 3B"])
    sheet.append([])
    for row in class_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def conversations(users: int, file_cases: dict[int, int]) -> list[Conversation]:
    """One conversation per simulated referent; `file_cases` maps the index of each class
    file referent to the id of their seeded open case."""
    content = class_xlsx() if file_cases else b""
    result: list[Conversation] = []
    for index in range(users):
        kind = kind_of(index)
        if kind is Kind.ABSENCES:
            result.append(absences(index))
        elif kind is Kind.CASE:
            result.append(case(index))
        else:
            result.append(class_file(index, file_cases[index], content))
    return result
