"""The workbooks of the vaccination-duty check (issue 18), through the one XLSX writer:
the school's template, a school's list for the ATS, the names not in order for the school,
and the ATS's outcomes. Files with names are sent with `protect_content` by the handlers."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from domain.vaccines import TEMPLATE_HEADERS, Document, Outcome, StoredPupil
from formats.xlsx import Column, Table, write_xlsx

_OUTCOME_LABELS = {
    Outcome.IN_ORDER: "in regola",
    Outcome.NOT_IN_ORDER: "non in regola",
    Outcome.NOT_FOUND: "non trovato",
}
DOCUMENT_LABELS = {
    Document.VACCINATION: "Certificato vaccinale",
    Document.EXEMPTION: "Esonero",
    Document.DEFERRAL: "Differimento",
    Document.REQUEST: "Richiesta di vaccinazione all'ATS",
    Document.NONE: "Nessun documento",
}


def _workbook(tables: Sequence[Table]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    return buffer.getvalue()


def template() -> bytes:
    """The empty list, with its headers, for the school to fill."""
    columns = tuple(Column(header, 18) for header in TEMPLATE_HEADERS)
    return _workbook([Table("Elenco", columns, [])])


def school_list(pupils: Iterable[StoredPupil]) -> bytes:
    """A school's sent pupils, for the ATS to match against the regional register; the
    «Esito» column is the one the ATS fills and sends back."""
    columns = (
        *(Column(header, 18) for header in TEMPLATE_HEADERS),
        Column("Esito", 16),
    )
    rows = (
        (
            p.codice_fiscale,
            p.surname,
            p.name,
            p.birth_date,
            p.class_name,
            p.service.value,
            "sì" if p.unaccompanied else "",
            _OUTCOME_LABELS[p.outcome] if p.outcome else "",
        )
        for p in pupils
    )
    return _workbook([Table("Elenco", columns, rows)])


def follow_up(pupils: Iterable[StoredPupil]) -> bytes:
    """The pupils not in order, numbered as the chat's buttons name them (n° 1, 2 …)."""
    columns = (
        Column("N°", 6),
        Column("Cognome", 18),
        Column("Nome", 18),
        Column("Data di nascita", 14),
        Column("Classe", 10),
        Column("Servizio", 12),
        Column("Famiglia invitata il", 16),
        Column("Documento", 26),
        Column("Consegnato il", 14),
    )
    rows = (
        (
            number,
            p.surname,
            p.name,
            p.birth_date,
            p.class_name,
            p.service.value,
            p.invited_on,
            DOCUMENT_LABELS[p.document] if p.document else "",
            p.document_on if p.document not in (None, Document.NONE) else None,
        )
        for number, p in enumerate(pupils, start=1)
    )
    return _workbook([Table("Non in regola", columns, rows)])


def outcomes(rows: Iterable[tuple[str, str, StoredPupil]]) -> bytes:
    """The ATS's outcomes after 20 July: each pupil not in order, per school, with what was
    deposited and whether (0–6 services without a document) the enrolment lapses."""
    columns = (
        Column("Plesso", 14),
        Column("Scuola", 30),
        Column("Codice fiscale", 18),
        Column("Cognome", 18),
        Column("Nome", 18),
        Column("Servizio", 12),
        Column("Documento", 26),
        Column("Iscrizione decaduta", 12),
    )
    lines = (
        (
            code,
            name,
            p.codice_fiscale,
            p.surname,
            p.name,
            p.service.value,
            DOCUMENT_LABELS[p.document] if p.document else "Nessuna risposta",
            "sì" if p.service.enrolment_lapses and p.document in (None, Document.NONE) else "",
        )
        for code, name, p in rows
    )
    return _workbook([Table("Esiti", columns, lines)])
