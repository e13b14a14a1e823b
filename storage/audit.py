"""The audit trail: every change, who made it, in the same transaction as the change."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from domain.audit import SYSTEM, AuditEntry
from storage.db import Connection, Database, Row, parse_utc, utc_now_text

LOG_LIMIT = 50  # /registro shows at most the last 50 changes
# Rows about a whole ATS (reminder pushes, exports, broadcasts, retention runs): entity "ats",
# entity id the ATS code, or REGION for what a regional admin did for every ATS.
ATS_ENTITY = "ats"
REGION = "regione"


# A row belongs to an ATS (every `?` is the ATS code) when what it is about does: a plesso, a case
# or a contact of one of its plessi (the case's own plesso also from the row, for a case since
# deleted by retention), one of its closures, the ATS itself; a referent's row when it names a
# plesso of the ATS, or none (their registration: the referent is the admin's to see).
_ATS_PLESSI = "(SELECT code FROM plessi WHERE ats_code = ?)"
_ATS_CASES = f"(SELECT id FROM cases WHERE plesso_code IN {_ATS_PLESSI})"
_IN_ATS = (
    f"((entity = 'plesso' AND entity_id IN {_ATS_PLESSI})"
    f" OR (entity = 'case' AND (CAST(entity_id AS INTEGER) IN {_ATS_CASES}"
    f"     OR json_extract(details, '$.plesso') IN {_ATS_PLESSI}))"
    f" OR (entity = 'contact' AND json_extract(details, '$.case') IN {_ATS_CASES})"
    " OR (entity = 'closure' AND CAST(entity_id AS INTEGER) IN"
    "     (SELECT id FROM closures WHERE ats_code = ?))"
    f" OR (entity = 'referent' AND (json_extract(details, '$.plesso') IS NULL"
    f"     OR json_extract(details, '$.plesso') IN {_ATS_PLESSI}))"
    " OR (entity = 'ats' AND entity_id = ?))"
)


def actor_label(user_id: int | None) -> str:
    return SYSTEM if user_id is None else f"tg:{user_id}"


async def record(
    conn: Connection,
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


async def change_recorded(
    conn: Connection,
    sql: str,
    params: Sequence[object],
    *,
    now: datetime,
    actor: int | None,
    action: str,
    entity: str,
    entity_id: str,
    details: dict[str, object] | None = None,
) -> bool:
    """Run the conditional write `sql` on `conn` (an UPDATE or DELETE with a guard in its
    WHERE, an INSERT … ON CONFLICT DO NOTHING) and, when it changed a row, write its audit
    row in the same transaction (`record`). Whether it changed anything: a second attempt
    (already closed, already used…) changes nothing and leaves no audit row."""
    cursor = await conn.execute(sql, params)
    changed = cursor.rowcount > 0
    await cursor.close()
    if changed:
        await record(
            conn,
            now=now,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            details=details,
        )
    return changed


class AuditRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def for_entity(self, entity: str, entity_id: str, limit: int = 50) -> list[AuditEntry]:
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT ?",
            (entity, entity_id, limit),
        )
        return [_entry(row) for row in rows]

    async def for_case(self, case_id: int, limit: int = LOG_LIMIT) -> list[AuditEntry]:
        """The case's rows and those of its contacts, newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE (entity = 'case' AND entity_id = ?)"
            " OR (entity = 'contact' AND entity_id IN"
            "     (SELECT CAST(id AS TEXT) FROM contacts WHERE case_id = ?))"
            " ORDER BY id DESC LIMIT ?",
            (str(case_id), case_id, limit),
        )
        return [_entry(row) for row in rows]

    async def for_plesso(self, plesso_code: str, limit: int = LOG_LIMIT) -> list[AuditEntry]:
        """The plesso's rows (registry, invitations, enrolments, absences), those of its cases
        and their contacts, of its closures and of its referents' links, newest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE (entity = 'plesso' AND entity_id = ?)"
            " OR (entity = 'case' AND entity_id IN"
            "     (SELECT CAST(id AS TEXT) FROM cases WHERE plesso_code = ?))"
            " OR (entity = 'contact' AND entity_id IN"
            "     (SELECT CAST(c.id AS TEXT) FROM contacts c JOIN cases k ON k.id = c.case_id"
            "      WHERE k.plesso_code = ?))"
            " OR (entity = 'closure' AND entity_id IN"
            "     (SELECT CAST(id AS TEXT) FROM closures WHERE plesso_code = ?))"
            " OR (entity = 'referent' AND json_extract(details, '$.plesso') = ?)"
            " ORDER BY id DESC LIMIT ?",
            (*[plesso_code] * 5, limit),
        )
        return [_entry(row) for row in rows]

    async def for_referent(
        self,
        referent_id: int,
        telegram_user_id: int,
        ats_code: str | None,
        limit: int = LOG_LIMIT,
    ) -> list[AuditEntry]:
        """What the referent did, and the rows about them, newest first: only the rows of
        `ats_code` (every row when None, for a regional admin)."""
        scope, params = (
            ("", ()) if ats_code is None else (f" AND {_IN_ATS}", (ats_code,) * _IN_ATS.count("?"))
        )
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE (actor = ?"
            " OR (entity = 'referent' AND entity_id = ?))"
            f"{scope} ORDER BY id DESC LIMIT ?",
            (actor_label(telegram_user_id), str(referent_id), *params, limit),
        )
        return [_entry(row) for row in rows]

    async def for_ats(self, ats_code: str | None, limit: int = LOG_LIMIT) -> list[AuditEntry]:
        """What was done for a whole ATS (reminder pushes, exports), newest first; for every
        ATS (and the regional admins' own) when None."""
        if ats_code is not None:
            return await self.for_entity(ATS_ENTITY, ats_code, limit)
        rows = await self._db.fetchall(
            "SELECT * FROM audit_log WHERE entity = ? ORDER BY id DESC LIMIT ?",
            (ATS_ENTITY, limit),
        )
        return [_entry(row) for row in rows]


def _entry(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=parse_utc(row["at"]),
        actor=row["actor"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        details=json.loads(row["details"]),
    )
