"""The streaming XLSX writer shared by /esporta and the hand-over: every file it makes is
opened with openpyxl, as Excel would read it."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from enum import StrEnum

import openpyxl  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formats.xlsx import Column, Row, Table, column_letter, write_xlsx


def xlsx(*tables: Table) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_xlsx(list(tables), buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_column_letters_run_like_excels() -> None:
    assert [column_letter(i) for i in (1, 2, 26, 27, 52, 53, 702, 703)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_a_sheet_per_table_bold_frozen_header_widths_and_typed_cells() -> None:
    columns = (
        Column("Numero", 9),
        Column("Giorno", 12),
        Column("Ora", 18),
        Column("Tasso", 10, percent=True),
        Column("Testo", 30),
    )
    rows = [
        (7, date(2026, 11, 17), datetime(2026, 11, 17, 9, 30), 0.041, "+393471234567"),
        (None, None, None, None, ""),
    ]
    workbook = xlsx(Table("Prima", columns, rows), Table("Vuota", (Column("Niente", 8),), []))
    assert workbook.sheetnames == ["Prima", "Vuota"]
    sheet = workbook["Prima"]
    assert [cell.value for cell in sheet[1]] == ["Numero", "Giorno", "Ora", "Tasso", "Testo"]
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2" and workbook["Vuota"].freeze_panes == "A2"
    assert [sheet.column_dimensions[column_letter(i)].width for i in range(1, 6)] == [
        9,
        12,
        18,
        10,
        30,
    ]
    assert [cell.value for cell in sheet[2]] == [
        7,
        datetime(2026, 11, 17),
        datetime(2026, 11, 17, 9, 30),
        pytest.approx(0.041),
        "+393471234567",
    ]
    assert sheet["B2"].is_date and sheet["B2"].number_format == "dd/mm/yyyy"
    assert sheet["C2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["D2"].number_format == "0.0%"
    assert sheet["E2"].data_type == "s"  # the phone stays text, as typed
    assert [cell.value for cell in sheet[3]] == [None] * 5  # empty cells stay empty
    assert workbook["Vuota"].max_row == 1


def test_the_package_holds_what_excel_needs() -> None:
    buffer = io.BytesIO()
    assert write_xlsx([Table("Uno", (Column("A", 8),), [(1,)])], buffer) == (1,)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        }


def test_awkward_text_goes_into_cells_as_it_is() -> None:
    awkward = [
        "=1+1",
        "<b>&amp;</b>",
        "  spazi  ",
        "riga 1\nriga 2",
        "Perù ☃ 日本",
        "a\x07b",
        "-3",
        "@SUM(A1)",
        "\r",
    ]
    table = Table("Prova", (Column("Testo", 20),), [(text,) for text in awkward])
    sheet = xlsx(table)["Prova"]
    read = [sheet.cell(row=i, column=1).value for i in range(2, 2 + len(awkward))]
    assert read == [*awkward[:5], "ab", "-3", "@SUM(A1)", "\r"]
    assert sheet["A2"].data_type == "s"  # "=1+1" is text, not a formula


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_any_text_survives_the_workbook_but_control_characters(texts_: list[str]) -> None:
    table = Table("T", (Column("Testo", 10),), [(text,) for text in texts_])
    sheet = xlsx(table)["T"]
    for index, text in enumerate(texts_, start=2):
        expected = "".join(
            ch for ch in text if ch in "\t\n\r" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff")
        )
        assert (sheet.cell(row=index, column=1).value or "") == expected


def test_rows_are_read_once_and_counted() -> None:
    produced: list[int] = []

    def stream():
        for number in range(2_500):
            produced.append(number)
            yield (number,)

    buffer = io.BytesIO()
    counts = write_xlsx([Table("Numeri", (Column("N", 8),), stream())], buffer)
    assert counts == (2_500,) and len(produced) == 2_500
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)["Numeri"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == produced


def test_a_row_of_the_wrong_width_or_a_bad_sheet_name_is_a_bug() -> None:
    with pytest.raises(ValueError):
        write_xlsx([Table("T", (Column("A", 8),), [(1, 2)])], io.BytesIO())
    with pytest.raises(ValueError):
        write_xlsx([Table("A/B", (Column("A", 8),), [])], io.BytesIO())
    with pytest.raises(TypeError):
        write_xlsx([Table("T", (Column("A", 8),), [(True,)])], io.BytesIO())


def test_a_cell_after_empty_ones_stays_in_its_column() -> None:
    """Cells leave out their reference (r="C2") but after an empty cell: the columns must
    still line up, whatever is left empty."""
    columns = tuple(Column(name, 10) for name in ("A", "B", "C", "D", "E"))
    rows: list[Row] = [
        (None, "due", None, None, 5),
        ("uno", "", 3, None, ""),
        (None, None, None, None, date(2026, 11, 17)),
        (1, 2, 3, 4, 5),
    ]
    buffer = io.BytesIO()
    write_xlsx([Table("Buchi", columns, rows)], buffer)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Buchi"]
    assert [[cell.value for cell in sheet[number]] for number in range(2, 6)] == [
        [None, "due", None, None, 5],
        ["uno", None, 3, None, None],
        [None, None, None, None, datetime(2026, 11, 17)],
        [1, 2, 3, 4, 5],
    ]
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    # Only the cells after a gap name their place (B2, E2, C3, E4); row 5 names none.
    assert re.findall(r'<c r="([A-Z]+[0-9]+)"', xml.split("</row>", 1)[1]) == [
        "B2",
        "E2",
        "C3",
        "E4",
    ]


class Label(StrEnum):
    RED = "rosso"


def test_types_outside_the_fast_path_are_written_all_the_same() -> None:
    """A str subclass (a StrEnum member), an int subclass other than bool: by isinstance."""

    class Count(int):
        pass

    table = Table("Altro", (Column("A", 8), Column("B", 8)), [(Label.RED, Count(4))])
    sheet = xlsx(table)["Altro"]
    assert [cell.value for cell in sheet[2]] == ["rosso", 4]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            *[
                st.one_of(
                    st.none(),
                    st.just(""),
                    st.text(alphabet="ab <&", min_size=1, max_size=4),
                    st.integers(-5, 5),
                    st.dates(date(2000, 1, 1), date(2030, 12, 31)),
                )
            ]
            * 4
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_row_of_cells_and_gaps_reads_back_as_written(
    rows: list[tuple[str | int | date | None, ...]],
) -> None:
    table = Table("T", tuple(Column(name, 8) for name in "ABCD"), rows)
    sheet = xlsx(table)["T"]
    for number, row in enumerate(rows, start=2):
        expected = [
            None
            if value == "" or value is None
            else datetime(value.year, value.month, value.day)
            if isinstance(value, date)
            else value
            for value in row
        ]
        assert [sheet.cell(row=number, column=c).value for c in range(1, 5)] == expected
