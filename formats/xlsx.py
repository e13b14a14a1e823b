"""A streaming XLSX writer: tables in, one SpreadSheetML workbook out.

Pure: rows in, bytes out; no clock, no database, no Telegram. Both Excel files of the bot
are written here: /esporta's (`formats.exports`) and the hand-over of a closed case
(`domain.case_export`), so the two read alike.

- **One sheet per `Table`.** Italian headers in bold, the header row frozen, column widths
  set by the caller, dates and date-times as real Excel dates (dd/mm/yyyy, dd/mm/yyyy
  hh:mm), floats of a `percent` column as percentages (0.0%).
- **Streamed.** Each sheet is written as SpreadSheetML text straight into the ZIP, a
  thousand rows at a time, not cell by cell through a library: for the 10,000 cases and
  205,000 contacts of the year-of-data export openpyxl's write-only mode took 24 s (19 s
  with lxml), XlsxWriter's `constant_memory` mode 28 s of CPU to this writer's 2.5 s
  (issue 16: `benchmarks/_export_probe.py --writer xlsxwriter`, README *Performance*); this
  one works in constant memory, and `rows` may be a one-pass stream. The tests open every
  file it makes with openpyxl.
- **Lean.** A cell names its place (`r="C7"`) only after an empty one, and the ZIP uses
  zlib's fast level: see `_row` and `_DEFLATE_LEVEL` for what each saves.
- **Text as inline strings.** Excel never evaluates an inline string, so text that starts
  like a formula ("=", "+", "-", "@") needs no escaping: it reads exactly as given. Control
  characters XML cannot carry are dropped, and text is cut at Excel's 32,767 characters.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO

Cell = str | int | float | date | datetime | None
Row = Sequence[Cell]


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    """In characters, as Excel measures them."""
    percent: bool = False
    """A rate (a fraction): shown as 4,1%."""


@dataclass(frozen=True)
class Table:
    """One sheet of the workbook (or, for /esporta, one CSV file). `rows` may be a
    one-pass stream."""

    name: str
    """The sheet name and, in lower case, the CSV file name."""
    columns: tuple[Column, ...]
    rows: Iterable[Row] = field(compare=False)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

# Cell styles (indexes into cellXfs below): header, date, date and time, percentage.
_STYLE_HEADER, _STYLE_DATE, _STYLE_DATETIME, _STYLE_PERCENT = 1, 2, 3, 4
# Italian day-first dates (Excel's own lower-case codes) and percentages to one decimal.
_STYLES = (
    _DECLARATION + f'<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/>'
    '<numFmt numFmtId="166" formatCode="0.0%"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

_EPOCH_DAY = date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system
_MAX_CELL_TEXT = 32_767  # Excel's limit on the characters of a cell
_FLUSH_ROWS = 1_000  # rows joined into one write
# zlib's fast deflate: half the time of the default level 6 on an export's sheets, for a file
# 14% larger (the 10,000-case export: 0.7 s instead of 1.5 s, 13.4 MB instead of 11.8 MB).
_DEFLATE_LEVEL = 3
# Excel's rule for sheet names (at most 31 characters, none of []:*?/\), kept simple here.
_SHEET_NAME = re.compile(r"[A-Za-z0-9 àèéìòù]{1,31}")
# XML 1.0 refuses most control characters: drop them. Markup characters are escaped.
_XML_TEXT = {
    **{code: None for code in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))},
    0xFFFE: None,
    0xFFFF: None,
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    # A bare CR would reach the reader as LF (XML normalises line ends): keep it as itself.
    ord("\r"): "&#13;",
}
# Text with none of these (nor spaces at either end, nor over the limit) goes into a cell as it
# is: most cells of an export. The search is a tenth of what `translate` costs per string.
_NOT_PLAIN = re.compile("[\x00-\x1f&<>\ufffe\uffff]").search


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _text(value: str) -> str:
    """`<is>…</is>` of any text: cut, control characters dropped, markup escaped, spaces
    kept. `_row` writes the common plain text itself and calls this for the rest."""
    cleaned = value[:_MAX_CELL_TEXT].translate(_XML_TEXT)
    if cleaned != cleaned.strip() or "\n" in cleaned:
        return f'<is><t xml:space="preserve">{cleaned}</t></is>'
    return f"<is><t>{cleaned}</t></is>"


def _serial(value: date) -> str:
    """An Excel date serial: days since the epoch, the time of day as a fraction."""
    days = value.toordinal() - _EPOCH_DAY
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return repr(days + seconds / 86_400)
    return str(days)


def _cell(ref: str, value: Cell, percent: bool) -> str:
    """Any cell, by `isinstance`: the rows' fast path (`_row`) falls back to it for the types
    it does not know by name (a `str` subclass such as a StrEnum member, a bool)."""
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr">{_text(value)}</c>' if value else ""
    if isinstance(value, bool):
        raise TypeError("cannot export a bool: give its label")
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, float):
        style = f' s="{_STYLE_PERCENT}"' if percent else ""
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{_STYLE_DATETIME}"><v>{_serial(value)}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_STYLE_DATE}"><v>{_serial(value)}</v></c>'
    if value is None:
        return ""
    raise TypeError(f"cannot export a {type(value).__name__}")


def _row(number: int, row: Row, letters: Sequence[str], percent: Sequence[bool]) -> str:
    """One `<row>`. The inner loop of a 200,000-row export, so:
    - the common types are matched by their exact class here, in one function (a call and an
      isinstance chain per cell cost twice as much); anything else goes through `_cell`;
    - a cell names its place (`r="C7"`) only after an empty one: without it a cell is the one
      after the previous (the attribute is optional in SpreadSheetML, and Excel, LibreOffice
      and openpyxl read it so; some old third-party readers did not). The references were a
      third of the writing time and, numbers that never repeat, 40% of the compressed file
      (the 10,000-case export: 19.6 MB with them, 11.8 MB without, at zlib's level 6)."""
    cells: list[str] = []
    append = cells.append
    gap = False  # an empty cell was left out: the next one says where it is
    for letter, value, pct in zip(letters, row, percent, strict=True):
        if value is None or value == "":
            gap = True
            continue
        at = f'<c r="{letter}{number}"' if gap else "<c"
        gap = False
        kind = value.__class__
        if kind is str:
            text: str = value  # type: ignore[assignment]  # mypy does not narrow on `kind`
            if len(text) <= _MAX_CELL_TEXT and not _NOT_PLAIN(text) and text.strip() == text:
                append(f'{at} t="inlineStr"><is><t>{text}</t></is></c>')
            else:
                append(f'{at} t="inlineStr">{_text(text)}</c>')
        elif kind is int:
            append(f"{at}><v>{value}</v></c>")
        elif kind is datetime:
            append(f'{at} s="{_STYLE_DATETIME}"><v>{_serial(value)}</v></c>')  # type: ignore[arg-type]
        elif kind is date:
            append(f'{at} s="{_STYLE_DATE}"><v>{_serial(value)}</v></c>')  # type: ignore[arg-type]
        else:
            append(_cell(f"{letter}{number}", value, pct))
    return f'<row r="{number}">{"".join(cells)}</row>'


def _sheet_head(table: Table) -> str:
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{column.width}" customWidth="1"/>'
        for i, column in enumerate(table.columns, start=1)
    )
    header = "".join(
        f'<c r="{column_letter(i)}1" t="inlineStr" s="{_STYLE_HEADER}">{_text(column.header)}</c>'
        for i, column in enumerate(table.columns, start=1)
    )
    # The pane below row 1 is frozen: the header stays in view while scrolling.
    return (
        _DECLARATION + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
        f'<sheetData><row r="1">{header}</row>'
    )


def _sheet_rows(table: Table, write: Callable[[bytes], object]) -> int:
    """Stream the data rows of `table`, `_FLUSH_ROWS` at a time; returns how many."""
    letters = [column_letter(i) for i in range(1, len(table.columns) + 1)]
    percent = [column.percent for column in table.columns]
    width = len(letters)
    pending: list[str] = []
    number = 1
    for row in table.rows:
        if len(row) != width:
            raise ValueError(f"a row of {table.name} has {len(row)} cells, not {width}")
        number += 1
        pending.append(_row(number, row, letters, percent))
        if len(pending) >= _FLUSH_ROWS:
            write("".join(pending).encode())
            pending.clear()
    if pending:
        write("".join(pending).encode())
    return number - 1


def _workbook_parts(names: Sequence[str]) -> dict[str, str]:
    sheets = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    relations = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    styles_id = len(names) + 1
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>'
        for i in range(1, len(names) + 1)
    )
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return {
        "[Content_Types].xml": (
            _DECLARATION
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            _DECLARATION + f'<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            _DECLARATION + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
            "</workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            _DECLARATION + f'<Relationships xmlns="{_PKG_REL}">{relations}'
            f'<Relationship Id="rId{styles_id}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _STYLES,
    }


def write_xlsx(tables: Sequence[Table], target: IO[bytes]) -> tuple[int, ...]:
    """The tables as one workbook, a sheet each; returns the data rows of each."""
    names = [table.name for table in tables]
    if len(set(names)) != len(names) or any(not _SHEET_NAME.fullmatch(n) for n in names):
        raise ValueError(f"bad sheet names {names!r}")
    counts = []
    with zipfile.ZipFile(
        target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_DEFLATE_LEVEL
    ) as archive:
        for path, content in _workbook_parts(names).items():
            archive.writestr(path, content)
        for index, table in enumerate(tables, start=1):
            with archive.open(f"xl/worksheets/sheet{index}.xml", "w") as sheet:
                sheet.write(_sheet_head(table).encode())
                counts.append(_sheet_rows(table, sheet.write))
                sheet.write(b"</sheetData></worksheet>")
    return tuple(counts)
