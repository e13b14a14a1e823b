"""One page of a list the referent leafs through (a plesso's cases, a case's contacts): the
rows are counted, the asked page clamped to the real ones (a stale «Avanti» after rows were
removed), and only that page's rows read."""

from __future__ import annotations

from collections.abc import Sequence

from domain.cases import clamp_page
from storage.db import Database, Row


async def fetch_page(
    db: Database,
    *,
    columns: str,
    source: str,
    params: Sequence[object],
    order: str,
    page: int,
    size: int,
) -> tuple[list[Row], int, int]:
    """The rows of `page` of `SELECT columns FROM source ORDER BY order` (`source`: the
    table and its WHERE, with `params`), the page they are (1-based, clamped) and the total.
    The SQL pieces are the callers' constants, never user input."""
    row = await db.fetchone(f"SELECT COUNT(*) AS n FROM {source}", tuple(params))
    total = int(row["n"]) if row else 0
    current = clamp_page(page, total, size)
    rows = await db.fetchall(
        f"SELECT {columns} FROM {source} ORDER BY {order} LIMIT ? OFFSET ?",
        (*params, size, (current - 1) * size),
    )
    return rows, current, total
