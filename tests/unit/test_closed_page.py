"""The admins' closed cases, page by page (storage/closing.py): every case exactly once,
newest closing first, whichever end a page is read from (past the middle of the list the
page's ids are taken oldest first, issue 9), with the contacts of each case counted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from benchmarks import _year_data
from domain.closing import ClosedFilter
from storage.closing import ClosingRepository
from storage.db import Database

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "year.sqlite3"
    await asyncio.to_thread(_year_data.generate, path, 0.002)  # 100 closed cases, 8 ATS
    database = Database(path)
    await database.connect()
    # Ten cases closed in the same second: the order falls back on the id.
    async with database.transaction() as conn:
        await conn.execute("INSERT INTO retention_guard (id) VALUES (1)")  # the only way in
        await conn.execute(
            "UPDATE cases SET closed_at = (SELECT MAX(closed_at) FROM cases)"
            " WHERE id IN (SELECT id FROM cases WHERE status = 'closed' ORDER BY id LIMIT 10)"
        )
        await conn.execute("DELETE FROM retention_guard")
    yield database
    await database.close()


async def expected(db: Database, ats: str | None) -> list[int]:
    rows = await db.fetchall(
        "SELECT c.id FROM cases c JOIN plessi p ON p.code = c.plesso_code"
        " WHERE c.status = 'closed' AND (? IS NULL OR p.ats_code = ?)"
        " ORDER BY c.closed_at DESC, c.id DESC",
        (ats, ats),
    )
    return [row[0] for row in rows]


@pytest.mark.parametrize("size", [3, 7, 10])
@pytest.mark.parametrize("ats", [None, "ATS-MILANO"])
async def test_pages_from_either_end_make_the_whole_list(
    db: Database, ats: str | None, size: int
) -> None:
    repository = ClosingRepository(db)
    everything = await expected(db, ats)
    first = await repository.closed_page(ats, ClosedFilter(), 1, ROME, size=size)
    assert first.total == len(everything) > 2 * size
    seen: list[int] = []
    for number in range(1, first.pages + 1):
        page = await repository.closed_page(ats, ClosedFilter(), number, ROME, size=size)
        assert (page.page, page.pages, page.total) == (number, first.pages, first.total)
        seen += [item.id for item in page.items]
    assert seen == everything
    beyond = await repository.closed_page(ats, ClosedFilter(), first.pages + 5, ROME, size=size)
    assert [item.id for item in beyond.items] == everything[(first.pages - 1) * size :]


async def test_each_row_counts_its_contacts(db: Database) -> None:
    repository = ClosingRepository(db)
    last = await repository.closed_page(None, ClosedFilter(), 10_000, ROME)
    for item in last.items:
        row = await db.fetchone("SELECT COUNT(*) FROM contacts WHERE case_id = ?", (item.id,))
        assert row is not None and item.contacts == row[0]
