"""Regenerate `domain/data/comuni.tsv`, the active comuni domain/comuni.py searches:

    .venv/bin/python -m domain.data.build_comuni

The source is python-codicefiscale's copy of the official ISTAT / Agenzia delle Entrate
list (a dev dependency). The bot reads the compact file instead of the library's: its
municipalities.json holds every comune since 1861 (19,000 records, 6.6 MB) and parsing it
cost the running bot about 30 MB of memory for the 7,900 comuni of today.
tests/domain/test_comuni_data.py fails when the installed library's list differs from the
committed file: after upgrading python-codicefiscale, run this and commit the file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from codicefiscale import data as cf_data

COMUNI_TSV = Path(__file__).with_name("comuni.tsv")
COLUMNS = ("code", "name", "name_alt", "province")


def comuni_rows(municipalities: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The active comuni, by name then date of creation (the order of the list the bot
    searched before; homonyms keep it in its results)."""
    active = [record for record in municipalities if record["active"]]
    active.sort(key=lambda record: (record["name"], record["date_created"]))
    rows = [tuple(str(record[column]) for column in COLUMNS) for record in active]
    for row in rows:
        if any("\t" in value or "\n" in value for value in row):
            raise ValueError(f"a tab or a line break in the comune {row[0]}")
    return rows


def comuni_tsv() -> str:
    """The file's text, from the installed python-codicefiscale."""
    rows = comuni_rows(cf_data.get_municipalities_data())
    return "".join("\t".join(row) + "\n" for row in [COLUMNS, *rows])


def main() -> int:
    text = comuni_tsv()
    COMUNI_TSV.write_text(text, encoding="utf-8", newline="\n")
    print(f"{COMUNI_TSV}: {text.count(chr(10)) - 1} comuni, {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
