"""The case form as a script, played in parts by the fault tests (a referent of one plesso),
and what a restart would read of a user's flow."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from domain.codice_fiscale import name_mismatches
from emulator.driver import ChatUser

CF = "NREPLA14E07F205O"  # Paolo Neri, born 07/05/2014 in Milano: no case has it yet
BIRTH = "07/05/2014"
SURNAME = "{surname}"  # filled in by `case_form`

# (what the referent does, with what); an "expect" step also marks where a part may stop.
CASE_FORM = (
    ("send", "/nuovocaso"),
    ("expect", "Classe (obbligatoria)"),
    ("send", "3"),
    ("expect", "Sezione (obbligatoria)"),
    ("send", "B"),
    ("expect", "Ruolo del caso"),
    ("tap", "Studente"),
    ("expect", "Cognome del caso"),
    ("send", SURNAME),
    ("expect", "Nome del caso"),
    ("send", "Paolo"),
    ("expect", "Codice fiscale del caso"),
    ("send", CF),
    ("confirm_cf", ""),  # Paolo Neri's code for another surname: confirmed when asked
    ("expect", "Comune di domicilio: scrivi"),
    ("send", "Milano"),
    ("expect", "Telefono 1 del caso"),
    ("send", "347 1234567"),
    ("expect", "Ultimo giorno di frequenza"),
    ("tap", "Ieri"),
    ("tap", "Non nota"),
    ("tap", "Non nota"),
    ("expect", "controlla i dati"),
)


async def case_form(
    referent: ChatUser,
    *,
    after: str | None = None,
    until: str = "controlla i dati",
    surname: str = "Quattrocchi",
) -> None:
    """Play the form from the question `after` (the start when None) to the one `until`."""
    steps = list(CASE_FORM)
    if after is not None:
        steps = steps[steps.index(("expect", after)) + 1 :]
    steps = steps[: steps.index(("expect", until)) + 1]
    for action, value in steps:
        value = value.format(surname=surname)
        if action == "send":
            await referent.send(value)
        elif action == "tap":
            await referent.tap(value)
        elif action == "confirm_cf" and name_mismatches(CF, surname, "Paolo"):
            await referent.expect("non corrisponde")
            await referent.tap("Il codice è giusto")
        else:
            await referent.expect(value)


async def case_until_surname(referent: ChatUser) -> None:
    await case_form(referent, until="Cognome del caso")


async def case_to_review(referent: ChatUser, surname: str = "Quattrocchi") -> None:
    await case_form(referent, surname=surname)


def stored_step(database: Path, user_id: int, flow: str = "case") -> tuple[int | None, Any]:
    """(state, draft) of a user's flow, read from the file as a restart would."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        row = conn.execute(
            "SELECT state, data FROM conversations WHERE flow = ? AND user_id = ?",
            (flow, user_id),
        ).fetchone()
    return (None, {}) if row is None else (row[0], json.loads(row[1]))


def count(database: Path, sql: str, *params: object) -> int:
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return int(conn.execute(sql, params).fetchone()[0])
