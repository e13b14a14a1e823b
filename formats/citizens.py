"""The sign-in links of the register as a CSV for the ATS's SMS gateway (Sentinella sends
no SMS itself): one row per person, the phone and the message to send."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

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
