"""The ATS's CSV imports read by one frame (domain.csv_import): the register of positive
people, the swab points and slots, the laboratory's results and the doctors' referrals. What
each whole file does (size, header, blank lines, line numbers, the cap on lines) is pinned here
for all four, so the four parsers keep one behaviour."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from domain.errors import ValidationFailed
from domain.isolation import parse_register_csv
from domain.schools import RowError
from domain.swabs import parse_referrals_csv, parse_results_csv, parse_slots_csv

TODAY = date(2026, 11, 17)

Parsed = tuple[list[int], list[tuple[int, str]]]
"""(the line numbers of the rows read, the (line, code) of each error)."""


def _register(data: bytes) -> Parsed:
    parsed = parse_register_csv(data, TODAY)
    return [r.line for r in parsed.rows], _codes(parsed.errors)


def _slots(data: bytes) -> Parsed:
    parsed = parse_slots_csv(data, TODAY)
    return [r.line for r in parsed.rows], _codes(parsed.errors)


def _results(data: bytes) -> Parsed:
    rows, errors = parse_results_csv(data, TODAY)
    return [r.line for r in rows], _codes(errors)


def _referrals(data: bytes) -> Parsed:
    rows, errors = parse_referrals_csv(data, TODAY)
    return [r.line for r in rows], _codes(errors)


def _codes(errors: list[RowError]) -> list[tuple[int, str]]:
    return [(e.line, e.code) for e in errors]


# Each parser: its header, a good line, a line with one problem (and its code).
CASES: dict[str, tuple[Callable[[bytes], Parsed], str, str, str, str]] = {
    "register": (
        _register,
        "codice_fiscale;cognome;nome;data_nascita;telefono;data_tampone;data_esordio;comune",
        "RSSMRA85D10F205K;Rossi;Mario;10/04/1985;333 111 2222;10/11/2026;;",
        "RSSMRA85D10F205K;Rossi;Mario;10/04/1985;123;10/11/2026;;",
        "phone_invalid",
    ),
    "slots": (
        _slots,
        "punto;nome;indirizzo;comune;note;data;dalle;alle;durata;posti;tipo",
        "NIG;Niguarda;Via X;Milano;;18/11/2026;09:00;10:00;20;2;prenotati",
        "NIG;Niguarda;Via X;Milano;;18/11/2026;09:00;10:00;20;2;boh",
        "swab_kind_invalid",
    ),
    "results": (
        _results,
        "codice;data;esito",
        "ABCDEFGH;16/11/2026;Negativo",
        "ABCDEFGH;16/11/2026;boh",
        "swab_outcome_invalid",
    ),
    "referrals": (
        _referrals,
        "codice_fiscale;cognome;nome;data_nascita;telefono;medico",
        "RSSMRA85D10F205K;Rossi;Mario;10/04/1985;333 111 2222;Dr. Verdi",
        "RSSMRA85D10F205K;Rossi;Mario;10/04/1985;123;Dr. Verdi",
        "phone_invalid",
    ),
}
EACH = pytest.mark.parametrize("kind", list(CASES))


def _file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@EACH
def test_good_and_bad_lines_with_their_numbers_blank_lines_skipped(kind: str) -> None:
    parse, header, good, bad, code = CASES[kind]
    blank = ";" * header.count(";")
    assert parse(_file(header, good, blank, "", bad)) == ([2], [(5, code)])


@EACH
def test_a_header_alone_reads_nothing(kind: str) -> None:
    parse, header, *_ = CASES[kind]
    assert parse(_file(header)) == ([], [])


@EACH
def test_an_empty_file_is_refused(kind: str) -> None:
    parse, *_ = CASES[kind]
    with pytest.raises(ValidationFailed) as refused:
        parse(b"\n \n")
    assert refused.value.code == "import_empty"


@EACH
def test_a_file_over_two_megabytes_is_refused(kind: str) -> None:
    parse, header, good, *_ = CASES[kind]
    data = _file(header, *[good] * (2 * 1024 * 1024 // len(good) + 1))
    with pytest.raises(ValidationFailed) as refused:
        parse(data)
    assert (refused.value.code, refused.value.params) == (
        "csv_too_large",
        {"max_rows": 5000, "max_mb": 2},
    )


@EACH
def test_a_missing_column_is_named_with_what_was_found(kind: str) -> None:
    parse, header, good, *_ = CASES[kind]
    first, *others = header.split(";")
    with pytest.raises(ValidationFailed) as refused:
        parse(_file(" ; ".join(others), good))
    assert refused.value.code == "csv_header"
    assert refused.value.params["missing"] == first
    assert refused.value.params["found"] == ", ".join(others)


@EACH
def test_columns_in_any_order_and_spelling(kind: str) -> None:
    parse, header, good, *_ = CASES[kind]
    columns = [c.upper().replace("_", " ") for c in header.split(";")]
    cells = good.split(";")
    reordered = _file(";".join(reversed(columns)) + ";extra", ";".join(reversed(cells)) + ";x")
    assert parse(reordered) == ([2], [])


@EACH
def test_a_column_named_twice_is_read_from_its_first_place(kind: str) -> None:
    parse, header, good, bad, code = CASES[kind]
    columns, good_cells, bad_cells = header.split(";"), good.split(";"), bad.split(";")
    differs = next(i for i, (g, b) in enumerate(zip(good_cells, bad_cells, strict=True)) if g != b)
    twice = _file(
        ";".join([*columns, columns[differs]]),
        ";".join([*good_cells, bad_cells[differs]]),
        ";".join([*bad_cells, good_cells[differs]]),
    )
    assert parse(twice) == ([2], [(3, code)])


@pytest.mark.parametrize("kind", ["register", "slots"])
def test_the_register_and_the_slots_take_five_thousand_lines_at_most(kind: str) -> None:
    parse, header, _, bad, _ = CASES[kind]
    assert len(parse(_file(header, *[bad] * 5000))[1]) == 5000
    with pytest.raises(ValidationFailed) as refused:
        parse(_file(header, *[bad] * 5001))
    assert refused.value.code == "csv_too_large"


@pytest.mark.parametrize("kind", ["results", "referrals"])
def test_the_results_and_the_referrals_have_no_cap_on_lines(kind: str) -> None:
    parse, header, _, bad, _ = CASES[kind]
    assert len(parse(_file(header, *[bad] * 5001))[1]) == 5001


def test_the_register_and_the_slots_report_every_problem_of_a_line() -> None:
    register = _file(CASES["register"][1], "RSSMRA85D10F205K;R0ssi;Mario;11/04/1985;123;x;;")
    assert _register(register) == (
        [],
        [
            (2, "name_invalid_chars"),
            (2, "phone_invalid"),
            (2, "date_invalid"),
            (2, "cf_birth_date_mismatch"),
        ],
    )
    slots = _file(CASES["slots"][1], "NIG;;Via X;Milano;;16/11/2026;09:00;10:00;20;2;boh")
    assert _slots(slots) == (
        [],
        [(2, "swab_field_missing"), (2, "swab_day_past"), (2, "swab_kind_invalid")],
    )


def test_the_results_and_the_referrals_report_the_first_problem_of_a_line() -> None:
    results = _file("codice;data;esito", ";x;boh")
    assert _results(results) == ([], [(2, "date_invalid")])
    referrals = _file(CASES["referrals"][1], "RSSMRA85D10F205K;R0ssi;Mario;10/04/1985;123;")
    assert _referrals(referrals) == ([], [(2, "name_invalid_chars")])


def test_the_register_refuses_a_codice_fiscale_twice() -> None:
    good = CASES["register"][2]
    assert _register(_file(CASES["register"][1], good, good)) == (
        [2],
        [(3, "register_duplicate_cf")],
    )


@EACH
def test_a_malformed_record_names_the_line_it_starts_on(kind: str) -> None:
    parse, header, good, *_ = CASES[kind]
    quoted = good.replace(";", ';"two\nlines";', 1)  # one record over lines 2-3
    with pytest.raises(ValidationFailed) as refused:
        parse(_file(header, quoted, good, '"unterminated' + "x" * 200_000))
    assert (refused.value.code, refused.value.params) == ("csv_malformed", {"line": 5})


def test_the_register_names_an_unknown_or_ambiguous_comune() -> None:
    header, good = CASES["register"][1], CASES["register"][2]
    unknown = good.removesuffix(";") + ";  Atlantide  "
    ambiguous = good.removesuffix(";") + ";Castro"
    parsed = parse_register_csv(_file(header, unknown, ambiguous), TODAY)
    assert [(e.line, e.code, e.params) for e in parsed.errors] == [
        (2, "csv_comune_unknown", {"comune": "Atlantide"}),
        (3, "csv_comune_ambiguous", {"comune": "Castro", "options": "Castro (BG), Castro (LE)"}),
    ]
