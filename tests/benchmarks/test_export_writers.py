"""Issue 16's comparison of export writers is fair: XlsxWriter's variant
(benchmarks/_xlsxwriter.py) writes the workbook the bot's own writer writes, cell for cell
(values, number formats, bold header, frozen pane, widths), so the times compare the same work."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import IO

import openpyxl  # type: ignore[import-untyped]

from benchmarks import _xlsxwriter
from formats.exports import cases_table, contacts_table
from formats.xlsx import Table, write_xlsx
from tests.domain.test_exports import LABELS, a_case, a_contact

Writer = Callable[[Sequence[Table], IO[bytes]], tuple[int, ...]]


def workbook(write: Writer) -> tuple[tuple[int, ...], openpyxl.Workbook]:
    tables = [
        cases_table([a_case(number) for number in range(12)], LABELS),
        contacts_table(
            [a_contact(number, number // 3, address=None) for number in range(36)], LABELS
        ),
    ]
    buffer = io.BytesIO()
    counts = write(tables, buffer)
    return counts, openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_xlsxwriters_variant_writes_the_same_workbook_as_ours() -> None:
    ours_counts, ours = workbook(write_xlsx)
    theirs_counts, theirs = workbook(_xlsxwriter.write_xlsx)
    assert ours_counts == theirs_counts == (12, 36)
    assert ours.sheetnames == theirs.sheetnames == ["Casi", "Contatti"]
    for name in ours.sheetnames:
        mine, other = ours[name], theirs[name]
        assert other.freeze_panes == mine.freeze_panes == "A2"
        assert [
            [(cell.value, cell.number_format, cell.font.b) for cell in row]
            for row in other.iter_rows()
        ] == [
            [(cell.value, cell.number_format, cell.font.b) for cell in row]
            for row in mine.iter_rows()
        ]
        assert widths(other) == widths(mine)
        assert len(widths(mine)) == mine.max_column


def widths(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[int, float]:
    """Column index -> width; XlsxWriter gives neighbours of one width a single range."""
    found = {}
    for dimension in sheet.column_dimensions.values():
        for index in range(dimension.min, dimension.max + 1):
            found[index] = dimension.width
    return found
