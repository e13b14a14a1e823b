from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.validation import SCHOOL_TYPE_LABELS
from domain.errors import ValidationFailed
from domain.schools import (
    CSV_COLUMNS,
    SchoolType,
    is_zero_six,
    parse_school_type,
    parse_schools_csv,
    parse_yes_no,
    validate_ats_code,
    validate_codice_meccanografico,
)
from tests.domain.helpers import refused

DEMO = Path(__file__).parents[2] / "emulator" / "demo" / "plessi_demo.csv"
HEADER = ",".join(CSV_COLUMNS)
GOOD = "MIEE8AB01T,Primaria Via dei Tigli,Milano,Via dei Tigli 12,primaria,sì,ATS-MILANO"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nido", SchoolType.NIDO),
        ("Asilo nido", SchoolType.NIDO),
        ("0-3", SchoolType.NIDO),
        ("materna", SchoolType.INFANZIA),
        ("Scuola dell'infanzia", SchoolType.INFANZIA),
        ("0-6", SchoolType.INFANZIA),
        ("scuola primaria", SchoolType.PRIMARIA),
        ("Elementare", SchoolType.PRIMARIA),
        ("media", SchoolType.SECONDARIA_1),
        ("Secondaria di I grado", SchoolType.SECONDARIA_1),
        ("secondaria di primo grado", SchoolType.SECONDARIA_1),
        ("secondaria 1° grado", SchoolType.SECONDARIA_1),
        ("superiore", SchoolType.SECONDARIA_2),
        ("Secondaria di II grado", SchoolType.SECONDARIA_2),
        ("liceo", SchoolType.SECONDARIA_2),
        ("Liceo scientifico Volta", SchoolType.SECONDARIA_2),
        ("istituto tecnico commerciale", SchoolType.SECONDARIA_2),
        ("CFP", SchoolType.CFP),
        ("formazione professionale", SchoolType.CFP),
    ],
)
def test_parse_school_type_aliases(text: str, expected: SchoolType) -> None:
    assert parse_school_type(text) == expected


@pytest.mark.parametrize("kind", list(SchoolType))
def test_school_type_values_and_labels_parse_back(kind: SchoolType) -> None:
    assert parse_school_type(kind.value) == kind
    assert parse_school_type(SCHOOL_TYPE_LABELS[kind]) == kind


def test_school_type_wrong_then_right() -> None:
    error = refused("school_type_unknown", parse_school_type, " università ")
    assert error.params == {"text": "università"}
    assert parse_school_type("primaria") is SchoolType.PRIMARIA


def test_is_zero_six() -> None:
    assert {kind for kind in SchoolType if is_zero_six(kind)} == {
        SchoolType.NIDO,
        SchoolType.INFANZIA,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MIIC8AB00X", "MIIC8AB00X"),
        ("loee80101t", "LOEE80101T"),
        (" MI1A 123000 ", "MI1A123000"),
    ],
)
def test_codice_meccanografico_valid(text: str, expected: str) -> None:
    assert validate_codice_meccanografico(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("MIIC8AB00", "school_code_length"),
        ("", "school_code_length"),
        ("M1IC8AB00X", "school_code_invalid"),
        ("MIIC8AB0-X", "school_code_invalid"),
        ("MIÌC8AB00X", "school_code_invalid"),
    ],
)
def test_codice_meccanografico_refusals(text: str, code: str) -> None:
    refused(code, validate_codice_meccanografico, text)


def test_ats_code() -> None:
    assert validate_ats_code(" ats-milano ") == "ATS-MILANO"
    assert validate_ats_code("ATS-VALPADANA") == "ATS-VALPADANA"
    for wrong in ("MILANO", "ATS-", "ATS-M", "ATS MILANO", "ATS-" + "X" * 31):
        refused("ats_code_invalid", validate_ats_code, wrong)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sì", True),
        ("SI", True),
        ("yes", True),
        ("1", True),
        ("True", True),
        ("x", True),
        ("no", False),
        ("NO", False),
        ("0", False),
        ("false", False),
    ],
)
def test_yes_no(text: str, expected: bool) -> None:
    assert parse_yes_no(text) is expected


def test_yes_no_refused() -> None:
    refused("yes_no_invalid", parse_yes_no, "forse")
    refused("yes_no_invalid", parse_yes_no, "")


# ---- the CSV -------------------------------------------------------------------------


def csv_bytes(*lines: str) -> bytes:
    return "\n".join(lines).encode("utf-8")


def test_demo_file_parses_without_errors() -> None:
    result = parse_schools_csv(DEMO.read_bytes())
    assert result.errors == []
    assert 12 <= len(result.rows) <= 16
    provinces = {row.comune.province for row in result.rows}
    assert provinces == {"MI", "LO", "CR"}
    by_ats = {row.ats_code for row in result.rows if row.comune.province == "CR"}
    assert by_ats == {"ATS-VALPADANA"}
    assert {row.ats_code for row in result.rows if row.comune.province != "CR"} == {"ATS-MILANO"}
    assert len({row.school_type for row in result.rows}) >= 5
    sentinels = sum(row.sentinel for row in result.rows)
    assert abs(sentinels - len(result.rows) / 2) <= 2


def test_a_good_row() -> None:
    result = parse_schools_csv(csv_bytes(HEADER, GOOD))
    assert result.errors == []
    (row,) = result.rows
    assert (row.line, row.code, row.name, row.comune.code) == (
        2,
        "MIEE8AB01T",
        "Primaria Via dei Tigli",
        "F205",
    )
    assert (row.address, row.school_type, row.sentinel, row.ats_code) == (
        "Via dei Tigli 12",
        SchoolType.PRIMARIA,
        True,
        "ATS-MILANO",
    )


def test_excel_italian_file_bom_semicolons_crlf_trailing_separators() -> None:
    text = (
        "\ufeffCODICE_MECCANOGRAFICO ; Denominazione;COMUNE;indirizzo;"
        "Tipo_Scuola;sentinella;ATS;;\r\n"
        'MIEE8AB01T;Primaria;Milano (MI);"Via Roma; 1";primaria;no;ATS-MILANO;;\r\n'
        ";;;;;;;;\r\n"
    )
    result = parse_schools_csv(text.encode("utf-8"))
    assert result.errors == []
    assert result.rows[0].address == "Via Roma; 1"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_utf16_with_bom_and_tabs(codec: str) -> None:
    # Excel's «Testo Unicode»: UTF-16 with its byte-order mark, cells separated by tabs.
    text = "\ufeff" + "\t".join(CSV_COLUMNS) + "\r\n" + GOOD.replace(",", "\t") + "\r\n"
    result = parse_schools_csv(text.encode(codec))
    assert result.errors == []
    (row,) = result.rows
    assert (row.code, row.name, row.sentinel) == ("MIEE8AB01T", "Primaria Via dei Tigli", True)


@pytest.mark.parametrize("cell", ["Milano", "Milano (MI)", "Milano MI", "milano, mi"])
def test_comune_cell_forms(cell: str) -> None:
    line = f'MIEE8AB01T,Primaria,"{cell}",,primaria,no,ATS-MILANO'
    result = parse_schools_csv(csv_bytes(HEADER, line))
    assert result.rows[0].comune.name == "Milano"
    assert result.rows[0].address == ""


def test_row_errors_carry_line_numbers_and_codes() -> None:
    result = parse_schools_csv(
        csv_bytes(
            HEADER,
            GOOD,
            "",
            "MIEE8AB0,,Atlantide,,università,forse,MILANO",
            "LOEE80101T,Primaria,Castro,,primaria,no,ATS-MILANO",
            "LOEE80101T,Primaria,Lodi",
            GOOD.replace("Tigli,", "Tigli bis,"),
        )
    )
    assert [row.line for row in result.rows] == [2]
    found = [(error.line, error.code) for error in result.errors]
    assert found == [
        (4, "school_code_length"),
        (4, "text_empty"),
        (4, "csv_comune_unknown"),
        (4, "school_type_unknown"),
        (4, "yes_no_invalid"),
        (4, "ats_code_invalid"),
        (5, "csv_comune_ambiguous"),
        (6, "csv_row_columns"),
        (7, "csv_duplicate_code"),
    ]
    assert result.errors[-1].params == {"school_code": "MIEE8AB01T", "first_line": "2"}
    assert result.errors[6].params["options"] == "Castro (BG), Castro (LE)"


def test_every_row_error_renders() -> None:
    from bot.catalog import ERRORS, render

    result = parse_schools_csv(
        csv_bytes(HEADER, "MIEE8AB0,,Atlantide,,università,forse,MILANO", "X,Y")
    )
    for error in result.errors:
        assert render(ERRORS[error.code], **error.params)


def test_quoted_field_over_two_lines_keeps_line_numbers() -> None:
    result = parse_schools_csv(
        csv_bytes(
            HEADER,
            'MIEE8AB01T,"Primaria\nVia dei Tigli",Milano,,primaria,no,ATS-MILANO',
            "MIEE8AB02T,Primaria,Milano,,primaria,no,ATS",
        )
    )
    assert result.rows[0].name == "Primaria Via dei Tigli"
    assert [(error.line, error.code) for error in result.errors] == [(4, "ats_code_invalid")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "csv_empty"),
        (b"\xef\xbb\xbf \r\n\r\n", "csv_empty"),
        ("Città".encode("latin-1"), "csv_encoding"),
        ("\ufeffCittà".encode("utf-16-le") + b"x", "csv_encoding"),  # cut mid-character
        (csv_bytes("codice,nome", GOOD), "csv_header"),
        (csv_bytes(GOOD), "csv_header"),
        (csv_bytes(HEADER + ",note", GOOD + ",x"), "csv_header_unexpected"),
        (csv_bytes(HEADER + ",ats", GOOD), "csv_header_unexpected"),
        (csv_bytes(HEADER, '"unterminated' + "x" * 200_000), "csv_malformed"),
        (b"x" * (2 * 1024 * 1024 + 1), "csv_too_large"),
        (csv_bytes(HEADER, *[GOOD] * 5001), "csv_too_large"),
    ],
)
def test_whole_file_refusals(data: bytes, code: str) -> None:
    refused(code, parse_schools_csv, data)


def test_header_refusal_lists_missing_and_found() -> None:
    error = refused("csv_header", parse_schools_csv, csv_bytes("codice_meccanografico;comune"))
    assert error.params["missing"] == "denominazione, indirizzo, tipo_scuola, sentinella, ats"
    assert error.params["found"] == "codice_meccanografico, comune"


def test_wrong_file_then_right_file() -> None:
    refused("csv_encoding", parse_schools_csv, GOOD.replace("sì", "s\xec").encode("cp1252"))
    assert parse_schools_csv(csv_bytes(HEADER, GOOD)).errors == []


def test_five_thousand_rows_are_fine() -> None:
    lines = [
        f"MIEE{number:06d},Primaria {number},Milano,,primaria,no,ATS-MILANO"
        for number in range(5000)
    ]
    result = parse_schools_csv(csv_bytes(HEADER, *lines))
    assert (len(result.rows), result.errors) == (5000, [])


ROWS = [
    [
        "MIEE8AB01T",
        "Primaria Via dei Tigli",
        "Milano",
        "Via dei Tigli, 12",
        "primaria",
        "sì",
        "ATS-MILANO",
    ],
    ["LOEE80101T", 'Scuola "Salici"', "Lodi (LO)", "", "elementare", "no", "ATS-MILANO"],
    [
        "CREE81001A",
        "Primaria; Violini",
        "Cremona",
        "Via dei Violini 11",
        "primaria",
        "1",
        "ATS-VALPADANA",
    ],
    [
        "MIMM8CD02Q",
        "Media Quercia",
        "San Donato Milanese",
        "Via Querce 9",
        "media",
        "0",
        "ATS-MILANO",
    ],
    ["BAD", "", "Atlantide", "", "?", "?", "?"],
]


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.sampled_from(ROWS), max_size=6),
    separator=st.sampled_from([",", ";"]),
    bom=st.booleans(),
    upper=st.lists(st.booleans(), min_size=7, max_size=7),
    order=st.permutations(range(7)),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_csv_layout_does_not_change_the_result(
    rows: list[list[str]],
    separator: str,
    bom: bool,
    upper: list[bool],
    order: list[int],
    newline: str,
) -> None:
    header = [
        f" {name.upper()} " if up else name for name, up in zip(CSV_COLUMNS, upper, strict=True)
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator=newline)
    writer.writerow([header[i] for i in order])
    writer.writerows([[row[i] for i in order] for row in rows])
    data = ("\ufeff" if bom else "") + buffer.getvalue()

    plain = io.StringIO()
    csv.writer(plain, lineterminator="\n").writerows([list(CSV_COLUMNS), *rows])
    assert parse_schools_csv(data.encode("utf-8")) == parse_schools_csv(
        plain.getvalue().encode("utf-8")
    )


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: (HEADER + "\n" + t).encode()))
def test_parse_schools_csv_raises_only_validation_failed(data: bytes) -> None:
    with contextlib.suppress(ValidationFailed):
        parse_schools_csv(data)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_school_rules_raise_only_validation_failed(text: str) -> None:
    for rule in (
        parse_school_type,
        validate_codice_meccanografico,
        validate_ats_code,
        parse_yes_no,
    ):
        with contextlib.suppress(ValidationFailed):
            rule(text)


def test_a_malformed_record_names_the_line_it_starts_on() -> None:
    # A quoted field over two lines (line 2-3), then an unterminated one from line 4.
    data = csv_bytes(
        HEADER,
        'MIEE8AB01T,"Primaria\nVia dei Tigli",Milano,,primaria,no,ATS-MILANO',
        '"unterminated' + "x" * 200_000,
    )
    error = refused("csv_malformed", parse_schools_csv, data)
    assert error.params == {"line": 4}
