"""The audit trail: every change, who made it, in the same transaction as the change."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite
from pydantic import BaseModel, ConfigDict

from storage.db import Database, parse_utc, utc_now_text

SYSTEM = "system"


def actor_label(user_id: int | None) -> str:
    return SYSTEM if user_id is None else f"tg:{user_id}"


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    details: dict[str, object]


async def record(
    conn: aiosqlite.Connection,
    *,
    now: datetime,
    actor: int | None,
    action: str,
    entity: str,
    entity_id: str,
    details: dict[str, object] | None = None,
) -> None:
    """Write one audit row on `conn`, inside the caller's transaction.

    `details` must hold ids, codes and counts only: never names, codici fiscali or phones.
    """
    await conn.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, details)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            utc_now_text(now),
            actor_label(actor),
            action,
            entity,
            entity_id,
            json.dumps(details or {}, sort_keys=True, default=str),
        ),
    )


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_entity(self, entity: str, entity_id: str, limit: int = 50) -> list[AuditEntry]:
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT ?",
            (entity, entity_id, limit),
        )
        return [
            AuditEntry(
                id=row["id"],
                at=parse_utc(row["at"]),
                actor=row["actor"],
                action=row["action"],
                entity=row["entity"],
                entity_id=row["entity_id"],
                details=json.loads(row["details"]),
            )
            for row in rows
        ]
