"""Bad files: empty, binary, a renamed image, a CSV with a million columns, an XLSX zip bomb,
one over the size limit. Each gets a clear refusal, in bounded time and memory, and nothing
is loaded.
"""

from __future__ import annotations

import contextlib
import io
import time
import tracemalloc
import zipfile

import pytest

from domain.errors import ValidationFailed
from domain.schools import parse_schools_csv
from tests.harness import Harness
from tests.reliability.figures import FIGURES
from tests.reliability.world import BOOKKEEPING, ErrorLog, World, table_rows

REFUSED = "File rifiutato, nessun plesso caricato"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
MILLION_COLUMNS = ",".join(["colonna"] * 1_000_000).encode()[: 2 * 1024 * 1024 - 1]
HEADER = b"codice_meccanografico,denominazione,comune,indirizzo,tipo_scuola,sentinella,ats\n"


def zip_bomb(megabytes: int = 50) -> bytes:
    """An .xlsx-looking zip whose one member inflates a thousandfold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (megabytes * 1024 * 1024))
    return buffer.getvalue()


FILES = {
    "empty": ("plessi.csv", b"", "Il file è vuoto"),
    "binary": ("plessi.csv", bytes(range(256)) * 40, REFUSED),
    "renamed image": ("plessi.csv", PNG, REFUSED),
    "a million columns": ("plessi.csv", MILLION_COLUMNS, REFUSED),
    "a million columns in a row": ("plessi.csv", HEADER + b"x," * 1_000_000, "colonne"),
    "xlsx zip bomb": ("plessi.xlsx", zip_bomb(), REFUSED),
    # UTF-16 with its mark is read (Excel's "Testo Unicode"); one cut mid-character is not.
    "broken utf-16": ("plessi.csv", HEADER.decode().encode("utf-16") + b"x", REFUSED),
    "too big": ("plessi.csv", b"a" * (2 * 1024 * 1024 + 1), "troppo grande"),
}


@pytest.mark.parametrize("kind", list(FILES))
async def test_a_bad_file_is_refused_clearly_and_quickly(
    world: World, errors: ErrorLog, kind: str
) -> None:
    harness: Harness = world.harness
    admin = harness.user(100, "Anna")
    name, content, refusal = FILES[kind]
    before = table_rows(harness.settings.database_path, skip=BOOKKEEPING)
    await admin.send("/scuole")
    await admin.expect("Plessi caricati")
    started = time.monotonic()
    await admin.send_file(name, content)
    answer = await admin.expect(refusal, timeout=15)
    assert time.monotonic() - started < 10
    assert "caricati: 0" not in answer.content  # no partial load hidden in the refusal
    after = table_rows(harness.settings.database_path, skip=BOOKKEEPING)
    assert after == before
    # The bot is still there, and the admin can try again with a good file.
    await admin.send("/aiuto")
    await admin.expect("Comandi per gli operatori ATS")
    assert errors.unhandled == []
    FIGURES.faults += 1
    FIGURES.records += sum(len(rows) for rows in before.values())


@pytest.mark.parametrize("kind", ["a million columns", "a million columns in a row", "binary"])
def test_parsing_a_hostile_file_takes_bounded_memory_and_time(kind: str) -> None:
    _, content, _ = FILES[kind]
    tracemalloc.start()
    started = time.monotonic()
    with contextlib.suppress(ValidationFailed):
        parse_schools_csv(content)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.monotonic() - started < 10
    assert peak < 200 * 1024 * 1024, f"{peak / 2**20:.0f} MiB for a {len(content)} byte file"
