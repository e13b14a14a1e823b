"""After a load run: does the database hold what every referent sent, step by step?"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from benchmarks._flows import (
    CASE_CF,
    CASE_NAME,
    CASE_SURNAME,
    CLASSMATES,
    TUESDAY,
    Conversation,
    Kind,
)


def check(conn: sqlite3.Connection, conversation: Conversation) -> str | None:
    """None when the database holds the conversation's answers, else what is wrong."""
    if conversation.kind is Kind.ABSENCES:
        return _absences(conn, conversation)
    if conversation.kind is Kind.CASE:
        return _case(conn, conversation)
    return _class_file(conn, conversation)


def _absences(conn: sqlite3.Connection, conversation: Conversation) -> str | None:
    row = conn.execute(
        "SELECT absent, ill FROM absences WHERE plesso_code = ? AND day = ?",
        (conversation.plesso, TUESDAY.isoformat()),
    ).fetchone()
    wanted = (conversation.expected.absent, conversation.expected.ill)
    if row is None:
        return "no absences saved"
    return None if tuple(row) == wanted else f"absences saved {tuple(row)}, sent {wanted}"


def _case(conn: sqlite3.Connection, conversation: Conversation) -> str | None:
    expected = conversation.expected
    rows = conn.execute(
        "SELECT id, surname, name, codice_fiscale, class_name, section, phone1, phone2,"
        " last_attendance FROM cases WHERE plesso_code = ?",
        (conversation.plesso,),
    ).fetchall()
    if len(rows) != 1:
        return f"{len(rows)} cases saved, 1 sent"
    case_id, *values = rows[0]
    wanted = [
        CASE_SURNAME,
        CASE_NAME,
        CASE_CF,
        expected.class_name,
        expected.section,
        expected.phone,
        None,
        "2026-11-16",
    ]
    if values != wanted:
        return f"case saved as {values}, sent {wanted}"
    contacts = conn.execute(
        "SELECT surname, name, codice_fiscale, class_name, section, phone, last_contact"
        " FROM contacts WHERE case_id = ? ORDER BY id",
        (case_id,),
    ).fetchall()
    sent = [
        (surname, name, codice_fiscale, expected.class_name, expected.section, phone, "2026-11-16")
        for (surname, name, codice_fiscale), phone in zip(
            CLASSMATES, expected.contact_phones, strict=True
        )
    ]
    saved = [tuple(row) for row in contacts]
    return None if saved == sent else f"contacts saved {saved}, sent {sent}"


def _class_file(conn: sqlite3.Connection, conversation: Conversation) -> str | None:
    expected = conversation.expected
    count = conn.execute(
        "SELECT COUNT(*) FROM contacts WHERE case_id = ? AND source = 'file'",
        (expected.case_id,),
    ).fetchone()[0]
    if count != expected.contacts:
        return f"{count} contacts from the file saved, {expected.contacts} sent"
    return None


def check_all(database: Path, conversations: list[Conversation]) -> dict[int, str]:
    """user id -> what is wrong, for every conversation whose records are not as sent."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        problems = {c.user_id: check(conn, c) for c in conversations}
    return {user_id: problem for user_id, problem in problems.items() if problem is not None}


def updates_recorded(database: Path) -> int:
    """Updates the bot recorded as handled (bot.processor: after the flow state was saved)."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM processed_updates").fetchone()[0])


def size_mb(database: Path) -> float:
    files = [database, *(database.with_name(database.name + end) for end in ("-wal", "-shm"))]
    return sum(path.stat().st_size for path in files if path.exists()) / 1_000_000
