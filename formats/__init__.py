"""Bytes out: the XLSX writer, the exports' files, the hand-over workbook, the report chart."""
