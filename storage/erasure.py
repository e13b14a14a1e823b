"""What the retention runs that delete for real share (storage.retention's proof pattern):
the freed pages zeroed while they delete, and one audit row per ATS with the counts of what
went (ids only, never a name)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime

from storage import audit
from storage.db import Connection


@asynccontextmanager
async def secure_delete(conn: Connection) -> AsyncIterator[None]:
    """`secure_delete` on for the block (what is deleted is overwritten with zeros, so a
    failed VACUUM leaves nothing readable), then put back as it was."""
    async with conn.execute("PRAGMA secure_delete") as cursor:
        previous = await cursor.fetchone()
    await conn.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        on = bool(previous[0]) if previous is not None else False
        await conn.execute(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")


async def record_counts(
    conn: Connection,
    counts: Mapping[str, Mapping[str, int]],
    *,
    action: str,
    cutoff: str,
    now: datetime,
) -> None:
    """One audit row per ATS (in code order): the counts of what went, and the cutoff."""
    for ats_code, figures in sorted(counts.items()):
        await audit.record(
            conn,
            now=now,
            actor=None,
            action=action,
            entity=audit.ATS_ENTITY,
            entity_id=ats_code,
            details={**figures, "cutoff": cutoff},
        )
