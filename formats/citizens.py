"""The sign-in links of the register as a CSV for the ATS's SMS gateway (Sentinella sends
no SMS itself): one row per person, the phone and the message to send."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from formats.xlsx import Column, Row, Table, write_xlsx

SMS_TEXT = (
    "ATS: per seguire il tuo isolamento apri {link} (valido fino al {until}). "
    "Ti chiederemo questo numero e il codice fiscale della persona positiva."
)


def tokens_csv(rows: Sequence[tuple[int, str, str, str, datetime]]) -> bytes:
    """(id, phone, full name, link, expiry) → UTF-8 CSV with BOM, ";" (Italian Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["id", "telefono", "nominativo", "link", "scadenza", "testo_sms"])
    for citizen_id, phone, full_name, link, until in rows:
        local = until.strftime("%d/%m/%Y %H:%M")
        writer.writerow(
            [citizen_id, phone, full_name, link, local, SMS_TEXT.format(link=link, until=local)]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- the isolation follow-up as a workbook -------------------------------------------------


def isolation_workbook(
    people: Sequence[Row], diary: Sequence[Row], household: Sequence[Row]
) -> tuple[bytes, tuple[int, ...]]:
    """Three sheets: the people, their diary entries, their household members (rows as the
    service gives them, in the column order below). Returns the bytes and the row counts."""
    tables = [
        Table(
            "Persone",
            tuple(
                Column(h, w)
                for h, w in (
                    ("id", 6),
                    ("ATS", 12),
                    ("codice fiscale", 18),
                    ("cognome", 18),
                    ("nome", 16),
                    ("data di nascita", 12),
                    ("telefono", 15),
                    ("D0", 12),
                    ("esordio", 12),
                    ("stato", 14),
                    ("tampone dal", 12),
                    ("conviventi presi in carico", 14),
                    ("chiuso il", 16),
                )
            ),
            people,
        ),
        Table(
            "Diario",
            tuple(
                Column(h, w)
                for h, w in (
                    ("id persona", 8),
                    ("giorno", 12),
                    ("sintomi", 40),
                    ("temperatura", 10),
                    ("segnali di allarme", 30),
                )
            ),
            diary,
        ),
        Table(
            "Conviventi",
            tuple(
                Column(h, w)
                for h, w in (
                    ("id persona", 8),
                    ("cognome", 18),
                    ("nome", 16),
                    ("codice fiscale", 18),
                    ("cellulare", 15),
                    ("ultimo contatto", 12),
                    ("già positivo", 8),
                    ("scuola", 20),
                )
            ),
            household,
        ),
    ]
    buffer = io.BytesIO()
    counts = write_xlsx(tables, buffer)
    return buffer.getvalue(), counts
