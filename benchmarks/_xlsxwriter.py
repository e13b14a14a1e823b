"""The /esporta workbook written by XlsxWriter in `constant_memory` mode, for comparison only
(issue 16): `benchmarks/_export_probe.py --writer xlsxwriter` times it against the bot's own
writer (`formats.xlsx`) on the same tables.

The same workbook as `formats.xlsx.write_xlsx` makes: one sheet per table, bold frozen
header, the same column widths, dates and date-times with Italian formats, rates as 0.0%,
text as inline strings (what `constant_memory` writes), control characters dropped. It uses
XlsxWriter's public typed calls (`write_string`, `write_number`, `write_datetime`) rather than
the generic `write`, which would also guess at every string (formulas, URLs, numbers):
XlsxWriter's fastest documented path. XlsxWriter is a benchmark dependency, not the bot's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import IO

import xlsxwriter  # type: ignore[import-untyped]  # no type hints shipped

from formats.xlsx import Table

# The characters XML 1.0 cannot carry, dropped as formats.xlsx drops them (XlsxWriter would
# write them as _xHHHH_ escapes instead).
_DROPPED = {code: None for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
_PIXELS_PER_CHARACTER = 7  # Calibri 11's widest digit: set_column_pixels(7 w) stores width w


def write_xlsx(tables: Sequence[Table], target: IO[bytes]) -> tuple[int, ...]:
    """The tables as one workbook, a sheet each; returns the data rows of each."""
    workbook = xlsxwriter.Workbook(
        target,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    header = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    moment = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    percent = workbook.add_format({"num_format": "0.0%"})
    counts = []
    for table in tables:
        sheet = workbook.add_worksheet(table.name)
        for column, spec in enumerate(table.columns):
            sheet.set_column_pixels(column, column, spec.width * _PIXELS_PER_CHARACTER)
            sheet.write_string(0, column, spec.header, header)
        sheet.freeze_panes(1, 0)
        rates = [spec.percent for spec in table.columns]
        number = 0
        for row in table.rows:
            number += 1
            for column, value in enumerate(row):
                if isinstance(value, str):
                    if value:
                        sheet.write_string(number, column, value.translate(_DROPPED))
                elif isinstance(value, bool):
                    raise TypeError("cannot export a bool: give its label")
                elif isinstance(value, int):
                    sheet.write_number(number, column, value)
                elif isinstance(value, float):
                    sheet.write_number(number, column, value, percent if rates[column] else None)
                elif isinstance(value, datetime):
                    sheet.write_datetime(number, column, value, moment)
                elif isinstance(value, date):
                    sheet.write_datetime(number, column, value, day)
                elif value is not None:
                    raise TypeError(f"cannot export a {type(value).__name__}")
        counts.append(number)
    workbook.close()
    return tuple(counts)
