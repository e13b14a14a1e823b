"""Bytes out for the swab booking: the referrals' sign-in links as a CSV for the ATS's SMS
gateway (no QR image: segno is not installed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

REFERRAL_SMS = "ATS: il tuo medico ha richiesto un tampone. Prenota qui entro il {until}: {link}"


def referral_links_csv(rows: Sequence[tuple[int, str, str, str, datetime]]) -> bytes:
    """(id, phone, full name, link, local expiry) → UTF-8 CSV with BOM, ";" (Italian Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["id", "telefono", "nominativo", "link", "scadenza", "testo_sms"])
    for referral_id, phone, full_name, link, until in rows:
        local = until.strftime("%d/%m/%Y %H:%M")
        sms = REFERRAL_SMS.format(link=link, until=local)
        writer.writerow([referral_id, phone, full_name, link, local, sms])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def desk_csv(
    days: Sequence[tuple[str, str, int, int, int, int]],
    passes: Sequence[tuple[str, int, int]],
) -> bytes:
    """The swab desk: per point and day, then the school passes per plesso."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["punto", "giorno", "posti", "prenotati", "accesso_diretto", "assenti"])
    writer.writerows(days)
    writer.writerow([])
    writer.writerow(["plesso", "pass_emessi", "pass_usati"])
    writer.writerows(passes)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
