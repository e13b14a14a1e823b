"""Reading many contacts at once: pasted lists, CSV and XLSX class lists, the case's plan."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.contact_import import (
    HEADER_SCAN_ROWS,
    MAX_PEOPLE,
    ContactList,
    ImportedPerson,
    cell_text,
    check_size,
    contacts_from,
    csv_separator,
    header_key,
    plan_import,
    proposed_batch,
    read_contacts_file,
    read_pasted_list,
    split_line,
)
from domain.contacts import ContactDraft, ContactWindow
from domain.errors import ValidationFailed
from domain.people import Role
from tests.domain.helpers import refused
from tests.unit.test_contacts_rules import LAST_DAY, facts

TODAY = date(2026, 11, 17)
# (surname, name, codice fiscale, birth date), all valid.
POOL = [
    ("ROSSI", "MARIO", "RSSMRA15A01F205J", date(2015, 1, 1)),
    ("VERDI", "ANNA", "VRDNNA15E52E648D", date(2015, 5, 12)),
    ("NERI", "PAOLO", "NREPLA15B20F205S", date(2015, 2, 20)),
    ("GIALLI", "SARA", "GLLSRA15C43F205W", date(2015, 3, 3)),
    ("RUSSO", "LUCA", "RSSLCU15L14F704U", date(2015, 7, 14)),
    ("FERRARI", "GIULIA", "FRRGLI14P70F205Q", date(2014, 9, 30)),
]
PHONES = [None, "333 1234567", "+39 347 765 4321"]


def errors_of(found: ContactList) -> list[tuple[int, str]]:
    return [(error.line, error.code) for error in found.errors]


# --- pasted lists -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(st.sampled_from(POOL), min_size=1, max_size=6, unique=True),
    separator=st.sampled_from([";", ",", "\t"]),
    phones=st.lists(st.sampled_from(PHONES), min_size=6, max_size=6),
    padding=st.sampled_from(["", " ", "  "]),
    trailing=st.sampled_from(["", ";;", "\t"]),
    blank_lines=st.booleans(),
)
def test_any_separator_reads_the_same_people(
    people: list[tuple[str, str, str, date]],
    separator: str,
    phones: list[str | None],
    padding: str,
    trailing: str,
    blank_lines: bool,
) -> None:
    lines = []
    for (surname, name, code, _), phone in zip(people, phones, strict=False):
        cells = [surname.lower(), name.title(), code.lower()] + ([phone] if phone else [])
        line = separator.join(f"{padding}{cell}{padding}" for cell in cells)
        lines.append(line + (trailing if separator in trailing or not trailing else ""))
        if blank_lines:
            lines.append("   ")
    found = read_pasted_list("\n".join(lines), TODAY)
    assert found.errors == []
    assert [(p.surname, p.name, p.codice_fiscale, p.birth_date) for p in found.people] == people
    for person, phone in zip(found.people, phones, strict=False):
        assert (person.phone is None) == (phone is None)
    step = 2 if blank_lines else 1
    assert [p.line for p in found.people] == list(range(1, step * len(people) + 1, step))


def test_a_pasted_line_may_have_phone_comune_and_address() -> None:
    found = read_pasted_list("ROSSI;MARIO;RSSMRA15A01F205J;3331234567;Lodi;Via Roma, 1", TODAY)
    (person,) = found.people
    assert person.phone == "+393331234567"
    assert person.comune is not None and person.comune.name == "Lodi"
    assert person.address == "Via Roma, 1"
    assert split_line('"DE LUCA, ANNA";X') == ["DE LUCA, ANNA", "X"]


def test_bad_pasted_lines_are_refused_with_their_number_and_reasons() -> None:
    text = "\n".join(
        [
            "ROSSI;MARIO;RSSMRA15A01F205J",
            "",
            "VERDI;ANNA",
            "R0SSI;M@RIO;RSSMRA15A01F205X",
            "ROSSI;MARIO;RSSMRA15A01F205J",
            "A;B;RSSMRA15A01F205J;1;2;3;4",
            "NERI;PAOLO;NREPLA15B20F205S;;Atlantide",
            "NERI;PAOLO;NREPLA15B20F205S;;Samone",
        ]
    )
    found = read_pasted_list(text, TODAY)
    assert [p.line for p in found.people] == [1]
    assert errors_of(found) == [
        (3, "import_list_columns"),
        (4, "name_invalid_chars"),
        (4, "name_invalid_chars"),
        (4, "cf_checksum"),
        (5, "import_repeated"),
        (6, "import_list_columns"),
        (7, "csv_comune_unknown"),
        (8, "csv_comune_ambiguous"),
    ]
    assert found.refused_lines == [3, 4, 5, 6, 7, 8]
    assert [e.params for e in found.errors[-2:]] == [
        {"comune": "Atlantide"},
        {"comune": "Samone", "options": "Samone (TO), Samone (TN)"},
    ]


def test_a_pasted_list_may_start_with_a_header() -> None:
    found = read_pasted_list("Nome;Cognome;CF\nMario;Rossi;RSSMRA15A01F205J", TODAY)
    (person,) = found.people
    assert (person.surname, person.name, person.line) == ("ROSSI", "MARIO", 2)


# --- headers and files ------------------------------------------------------------------------

HEADER_VARIANTS = {
    "surname": ["Cognome", "COGNOME", "cognome", "Cognome alunno", "COGNOME STUDENTE"],
    "name": ["Nome", "NOME", "nome", "Nome Alunno"],
    "codice_fiscale": [
        "Codice Fiscale",
        "CF",
        "C.F.",
        "codfisc",
        "Cod. Fisc.",
        "COD_FISCALE",
        "codice_fiscale",
    ],
    "birth_date": ["Data di nascita", "DATA NASCITA", "Nato il", "data_nascita"],
    "phone": ["Telefono", "Cellulare", "CELL.", "Tel", "Recapito telefonico"],
}
EXTRA_HEADERS = ["N.", "Classe", "Sesso", "Note", ""]


# How Excel and the registers save a CSV: UTF-8 with or without its byte-order mark, UTF-16
# with one ("Testo Unicode"; big-endian from other tools), Windows-1252 (plain "CSV").
ENCODINGS = ["utf-8", "utf-8 bom", "utf-16-le bom", "utf-16-be bom", "cp1252"]


def encoded(text: str, encoding: str) -> bytes:
    codec, _, bom = encoding.partition(" ")
    return (("\ufeff" if bom else "") + text).encode(codec)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_class_list_in_every_encoding_excel_writes(encoding: str) -> None:
    text = "Cognome\tNome\tCodice fiscale\r\nD'Alò\tNiccolò\tRSSMRA80A01F205X\r\n"
    found = read_contacts_file("classe.csv", encoded(text, encoding), TODAY)
    assert found.errors == []
    ((person),) = found.people
    assert (person.surname, person.name) == ("D'ALÒ", "NICCOLÒ")


def test_a_utf16_file_cut_in_the_middle_of_a_character_is_refused() -> None:
    content = encoded("Cognome;Nome;Codice fiscale\r\n", "utf-16-le bom") + b"R"
    refused("import_encoding", read_contacts_file, "classe.csv", content, TODAY)


@settings(max_examples=60, deadline=None)
@given(
    headers=st.fixed_dictionaries({k: st.sampled_from(v) for k, v in HEADER_VARIANTS.items()}),
    extra=st.lists(st.sampled_from(EXTRA_HEADERS), max_size=3),
    order=st.randoms(use_true_random=False),
    separator=st.sampled_from([";", ",", "\t"]),
    titles=st.integers(0, 3),
    people=st.lists(st.sampled_from(POOL), min_size=1, max_size=6, unique=True),
    encoding=st.sampled_from(ENCODINGS),
)
def test_header_names_are_matched_loosely_in_any_order(
    headers: dict[str, str],
    extra: list[str],
    order: object,
    separator: str,
    titles: int,
    people: list[tuple[str, str, str, date]],
    encoding: str,
) -> None:
    columns = [*headers.items(), *((f"extra{i}", name) for i, name in enumerate(extra))]
    order.shuffle(columns)  # type: ignore[attr-defined]
    values = {
        "surname": lambda p: p[0].title(),
        "name": lambda p: p[1].lower(),
        "codice_fiscale": lambda p: p[2],
        "birth_date": lambda p: p[3].strftime("%d/%m/%Y"),
        "phone": lambda p: "3331234567",
    }
    lines = [f"Elenco classe 3B{separator}" for _ in range(titles)]
    lines.append(separator.join(name for _, name in columns))
    for person in people:
        lines.append(
            separator.join(values[key](person) if key in values else "x" for key, _ in columns)
        )
    found = read_contacts_file("classe.csv", encoded("\r\n".join(lines), encoding), TODAY)
    assert found.errors == []
    assert [p.codice_fiscale for p in found.people] == [p[2] for p in people]
    assert all(p.phone == "+393331234567" for p in found.people)
    assert [p.line for p in found.people] == list(range(titles + 2, titles + 2 + len(people)))


def test_header_keys_ignore_case_accents_spaces_and_dots() -> None:
    assert header_key("Cod. Fisc.") == header_key("codfisc") == "codfisc"
    assert header_key(" Località ") == "localita"
    assert csv_separator("a;b;c\n1;2;3") == ";"
    assert csv_separator("a,b\n1,2") == ","
    assert csv_separator("a\tb;c\n1\t2") == "\t"


def test_a_file_without_the_three_columns_is_refused_with_what_it_has() -> None:
    error = refused(
        "import_no_header",
        read_contacts_file,
        "x.csv",
        b"Alunno;Classe;CF\nRossi Mario;3B;RSSMRA15A01F205J",
        TODAY,
    )
    assert error.params == {"missing": "cognome, nome", "found": "Alunno, Classe, CF"}
    late = "\n".join(["titolo"] * HEADER_SCAN_ROWS + ["Cognome;Nome;CF"]).encode()
    refused("import_no_header", read_contacts_file, "x.csv", late, TODAY)
    refused("import_empty", read_contacts_file, "x.csv", b"  \n ", TODAY)


def test_a_csv_in_windows_1252_with_quotes_and_a_birth_date_column() -> None:
    content = (
        "Cognome;Nome;Codice fiscale;Data di nascita;Indirizzo\r\n"
        'D\'Amato;Niccolò;RSSMRA15A01F205J;01/01/2015;"Via Roma; 1"\r\n'
        "Verdi;Anna;VRDNNA15E52E648D;12/05/14;\r\n"
    ).encode("cp1252")
    found = read_contacts_file("classe.CSV", content, TODAY)
    (person,) = found.people
    assert (person.surname, person.name, person.address) == ("D'AMATO", "NICCOLÒ", "Via Roma; 1")
    assert errors_of(found) == [(3, "cf_birth_date_mismatch")]


def test_size_and_row_limits() -> None:
    check_size(1024 * 1024)
    refused("import_too_big", check_size, 1024 * 1024 + 1)
    refused("import_too_big", read_contacts_file, "x.csv", b"x" * (1024 * 1024 + 1), TODAY)
    header = "Cognome;Nome;CF\n"
    full = header + "ROSSI;MARIO;RSSMRA15A01F205X\n" * MAX_PEOPLE  # refused lines count too
    assert len(read_contacts_file("x.csv", full.encode(), TODAY).errors) == MAX_PEOPLE
    refused(
        "import_too_big",
        read_contacts_file,
        "x.csv",
        (full + "ROSSI;MARIO;RSSMRA15A01F205X\n").encode(),
        TODAY,
    )


def test_only_csv_and_xlsx_are_read() -> None:
    refused("import_format", read_contacts_file, "classe.pdf", b"%PDF-1.4", TODAY)
    refused("import_format", read_contacts_file, "classe.xls", b"\xd0\xcf\x11\xe0", TODAY)


# --- XLSX ---------------------------------------------------------------------------------------


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_with_typed_cells_and_gaps() -> None:
    content = xlsx(
        [
            ["Registro elettronico - classe 3B"],
            [],
            ["COGNOME", "NOME", "CODICE FISCALE", "DATA DI NASCITA", "CELLULARE", "COMUNE"],
            ["Rossi", "Mario", "RSSMRA15A01F205J", datetime(2015, 1, 1), 3331234567, "Milano"],
            [],
            ["Verdi", "Anna", "VRDNNA15E52E648D", date(2015, 5, 13), 3331234567.0, None],
            ["Neri", "Paolo", "NREPLA15B20F205S", None, None, None],
        ]
    )
    found = read_contacts_file("Classe.xlsx", content, TODAY)
    assert [(p.line, p.surname) for p in found.people] == [(4, "ROSSI"), (7, "NERI")]
    assert found.people[0].phone == "+393331234567"
    assert errors_of(found) == [(6, "cf_birth_date_mismatch")]
    # The extension may be missing: a zip is read as a workbook.
    assert len(read_contacts_file("export", content, TODAY).people) == 2


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_what_is_not_a_workbook_is_refused_without_a_traceback() -> None:
    refused("import_unreadable", read_contacts_file, "x.xlsx", b"plain text", TODAY)
    refused("import_unreadable", read_contacts_file, "x.xlsx", zipped({"a.txt": b"a"}), TODAY)
    broken = zipped({"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"<broken"})
    refused("import_unreadable", read_contacts_file, "x.xlsx", broken, TODAY)
    bomb = zipped({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b" " * 50_000_000})
    assert len(bomb) < 1024 * 1024
    refused("import_too_big", read_contacts_file, "x.xlsx", bomb, TODAY)
    truncated = xlsx([["Cognome", "Nome", "CF"]])[:-200]
    refused("import_unreadable", read_contacts_file, "x.xlsx", truncated, TODAY)


def test_cells_read_as_people_type_them() -> None:
    assert cell_text(3331234567.0) == "3331234567"
    assert cell_text(datetime(2015, 1, 1, 0, 0)) == "01/01/2015"
    assert cell_text("  Via   Roma ") == "Via Roma"
    assert cell_text(None) == "" and cell_text(2.5) == "2.5"


# --- against the case, and on Conferma -------------------------------------------------------


def person(line: int, index: int) -> ImportedPerson:
    surname, name, code, birth = POOL[index]
    return ImportedPerson(
        line=line, surname=surname, name=name, codice_fiscale=code, birth_date=birth
    )


def test_the_plan_sets_apart_known_people_and_refuses_the_case() -> None:
    found = ContactList(people=[person(1, 0), person(2, 1), person(3, 2)], errors=[])
    plan = plan_import(found, existing={POOL[1][2]}, case_codice_fiscale=POOL[2][2])
    assert [p.line for p in plan.new] == [1]
    assert [p.line for p in plan.known] == [2]
    assert [(e.line, e.code) for e in plan.errors] == [(3, "contact_is_case")]


def test_the_batch_is_proposed_from_the_case() -> None:
    """Pupils of the case's class and section, last seen on its last day at school."""
    assert proposed_batch(facts(), TODAY) == ContactDraft(
        role=Role.STUDENT, class_name="3", section="B", last_contact=LAST_DAY
    )
    # A window with no day in it (swab after the last day at school): the date is asked.
    empty = ContactWindow(earliest=LAST_DAY + timedelta(days=2), latest=LAST_DAY)
    case = facts().model_copy(update={"window": empty})
    assert proposed_batch(case, TODAY).last_contact is None


def test_on_conferma_everyone_gets_the_batch_and_ages_fit_the_role() -> None:
    batch = ContactDraft(
        role=Role.STUDENT, class_name="3", section="B", last_contact=date(2026, 11, 16)
    )
    contacts, left_out = contacts_from([person(1, 0), person(2, 1)], batch, TODAY)
    assert left_out == []
    assert [(c.surname, c.role, c.section, c.last_contact) for c in contacts] == [
        ("ROSSI", Role.STUDENT, "B", date(2026, 11, 16)),
        ("VERDI", Role.STUDENT, "B", date(2026, 11, 16)),
    ]
    assert contacts[0].to_complete()  # comune and phone left to complete
    teachers = batch.model_copy(update={"role": Role.TEACHER})
    contacts, left_out = contacts_from([person(1, 0)], teachers, TODAY)
    assert contacts == [] and [(e.line, e.code) for e in left_out] == [
        (1, "birth_implausible_for_role")
    ]


def test_refusals_have_catalog_texts() -> None:
    from bot.catalog import error_text

    for code in (
        "import_list_columns",
        "import_repeated",
        "import_no_header",
        "import_too_big",
        "import_unreadable",
        "import_format",
        "import_empty",
    ):
        params = {
            "found": 1,
            "least": 3,
            "most": 6,
            "first_line": 2,
            "missing": "nome",
            "max_rows": 1000,
            "max_mb": 1,
            "name": "x",
        }
        assert error_text(ValidationFailed(code, **params))
    with pytest.raises(KeyError):
        error_text(ValidationFailed("no_such_code"))
