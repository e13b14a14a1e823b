"""Retention (issue 8): closed cases and everything about them deleted for real.

A closed case is locked by migration 007's triggers; `retention_guard` is the one way
through, and only this module writes it. `delete_due` is ONE write transaction: insert the
guard row, delete what belongs to the cases closed up to the cut-off, delete the guard row,
commit. A failure anywhere rolls it all back, guard row included, so the lock is never left
open. What goes, per due case:

- its contacts and the case row (the referent's name, phone and e-mail are in it too);
- its hand-over rows in `ats_outbox` and its case reminders in `reminder_log` (ids only, but
  they point at a case that is gone, and SQLite may give its id to a new case);
- its audit rows and those of its contacts, also of contacts deleted while the case was
  open (found through `details.case`): the whole rows, not only their details, so that a new
  case that reuses the id inherits no history. One row per ATS records the run, with counts
  and case ids only;
- any conversation draft that names it (`case_id` at any depth of the draft: an edit of the
  case, a contact being added), since a draft holds the case's codice fiscale and the
  contact's answers. The caller ends those conversations in memory too.

Besides, in the same transaction, every draft idle for more than DRAFT_RETENTION_DAYS days
(issue 15: a form left half-way holds a pupil's name and codice fiscale, a registration
left half-way a name, phone and e-mail), whatever it names; ended in memory the same way.

`run` then VACUUMs and empties the WAL (`Database.vacuum`), which also purges what ordinary
deletions of the day (finished drafts, contacts deleted by a referent) left in free pages.
While deleting, `secure_delete` zeroes the freed space, so even a failed VACUUM leaves no
readable copy in the database file itself.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from domain.retention import ClosedCaseAge, LastRun, cutoff
from storage import audit
from storage.db import Connection, Database, DatabaseUnavailable, parse_utc, utc_now_text
from storage.erasure import secure_delete

log = logging.getLogger(__name__)

ACTION = "retention.run"
ENTITY = audit.ATS_ENTITY  # entity_id: the ATS code (as reminder pushes and exports)

# The closed cases due at the cut-off (:cutoff, UTC text: it sorts like the stored stamps).
_DUE = "SELECT id FROM cases WHERE status = 'closed' AND closed_at <= :cutoff"
_DUE_TEXT = "SELECT CAST(id AS TEXT) FROM cases WHERE status = 'closed' AND closed_at <= :cutoff"

# Run in this order inside the transaction: the audit rows of contacts are found through the
# contacts, so they go before the contacts; the contacts before their case (foreign key).
_PURGE = (
    "DELETE FROM audit_log WHERE (entity = 'case' AND entity_id IN (" + _DUE_TEXT + "))"
    " OR (entity = 'contact' AND (entity_id IN (SELECT CAST(id AS TEXT) FROM contacts"
    "      WHERE case_id IN (" + _DUE + "))"
    "   OR (json_valid(details) AND json_extract(details, '$.case') IN (" + _DUE + "))))",
    "DELETE FROM reminder_log WHERE kind IN ('case_24h', 'case_72h')"
    " AND ref IN (" + _DUE_TEXT + ")",
    "DELETE FROM ats_outbox WHERE case_id IN (" + _DUE + ")",
    "DELETE FROM contacts WHERE case_id IN (" + _DUE + ")",
    "DELETE FROM cases WHERE status = 'closed' AND closed_at <= :cutoff",
)

# Sent-home reports (issue 17, migration 013) due at the cut-off: RETENTION_DAYS after their
# outcome; one that never got a final outcome, after its (last) sending. With them go their
# versions, their outbox rows, their audit rows and any draft of a «Rettifica» of them.
_SENT_HOME_DUE = "SELECT id FROM sent_home WHERE kept_from <= :cutoff"
_SENT_HOME_PURGE = (
    "DELETE FROM audit_log WHERE entity = 'sent_home'"
    " AND entity_id IN (SELECT CAST(id AS TEXT) FROM (" + _SENT_HOME_DUE + "))",
    "DELETE FROM conversations WHERE flow = 'senthome' AND json_valid(data)"
    " AND json_extract(data, '$.report_id') IN (" + _SENT_HOME_DUE + ")",
    "DELETE FROM sent_home_outbox WHERE report_id IN (" + _SENT_HOME_DUE + ")",
    "DELETE FROM sent_home_versions WHERE report_id IN (" + _SENT_HOME_DUE + ")",
    "DELETE FROM sent_home WHERE id IN (" + _SENT_HOME_DUE + ")",
)

# Drafts that name a due case, wherever the flow keeps its `case_id`.
_DRAFTS = (
    "DELETE FROM conversations WHERE json_valid(data) AND EXISTS ("
    " SELECT 1 FROM json_tree(conversations.data) AS t"
    " WHERE t.key = 'case_id' AND t.type = 'integer' AND t.atom IN (" + _DUE + "))"
    " RETURNING flow, chat_id, user_id"
)

# Drafts nobody touched since :idle (a form left half-way: a pupil's codice fiscale, a
# registration's phone and e-mail), whatever they name.
_IDLE_DRAFTS = "DELETE FROM conversations WHERE updated_at < :idle RETURNING flow, chat_id, user_id"

# Tables that point at `cases` or `contacts` and are handled above; a new one makes the
# DELETE of the case fail (foreign keys are on), and the storage test names it.
# `sent_home` points at the case a positive report opened: ON DELETE SET NULL, the report
# stays (its own retention is above).
HANDLED_REFERENCES = frozenset({"contacts", "ats_outbox", "sent_home"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class AtsCount(_Frozen):
    cases: int
    contacts: int
    sent_home: int = 0


class Draft(_Frozen):
    """A conversation whose draft was deleted: its flow and its key (chat, user)."""

    flow: str
    chat_id: int
    user_id: int


class Purge(_Frozen):
    """What a run deleted: counts, per ATS and in all, the case ids, the drafts ended."""

    at: datetime
    cutoff: datetime
    by_ats: dict[str, AtsCount] = {}
    case_ids: tuple[int, ...] = ()
    drafts: tuple[Draft, ...] = ()
    vacuumed: bool = False

    @property
    def cases(self) -> int:
        return sum(count.cases for count in self.by_ats.values())

    @property
    def contacts(self) -> int:
        return sum(count.contacts for count in self.by_ats.values())


def _in_ats(ats_code: str | None) -> tuple[str, tuple[str, ...]]:
    return (" AND p.ats_code = ?", (ats_code,)) if ats_code else ("", ())


class RetentionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # --- what is coming ------------------------------------------------------------------

    async def closed_before(self, ats_code: str | None, moment: datetime) -> list[ClosedCaseAge]:
        """Closed cases of the ATS (every ATS: None) closed at or before `moment`, oldest
        first, with their number of contacts: numbers only."""
        where, params = _in_ats(ats_code)
        rows = await self._db.fetchall(
            "SELECT c.closed_at,"
            " (SELECT COUNT(*) FROM contacts k WHERE k.case_id = c.id) AS contacts"
            " FROM cases c JOIN plessi p ON p.code = c.plesso_code"
            f" WHERE c.status = 'closed' AND c.closed_at <= ?{where}"
            " ORDER BY c.closed_at, c.id",
            (utc_now_text(moment), *params),
        )
        return [
            ClosedCaseAge(closed_at=parse_utc(row["closed_at"]), contacts=int(row["contacts"]))
            for row in rows
        ]

    async def last_run(self, ats_code: str | None) -> LastRun | None:
        """The latest run that deleted something of the ATS; for every ATS (None), the
        latest run's rows summed."""
        if ats_code is not None:
            rows = await self._db.fetchall(
                "SELECT at, details FROM audit_log WHERE entity = ? AND entity_id = ?"
                " AND action = ? ORDER BY id DESC LIMIT 1",
                (ENTITY, ats_code, ACTION),
            )
        else:
            rows = await self._db.fetchall(
                "SELECT at, details FROM audit_log WHERE entity = ? AND action = ? AND at = ("
                " SELECT MAX(at) FROM audit_log WHERE entity = ? AND action = ?)",
                (ENTITY, ACTION, ENTITY, ACTION),
            )
        if not rows:
            return None
        details = [json.loads(row["details"]) for row in rows]
        return LastRun(
            at=parse_utc(rows[0]["at"]),
            cases=sum(int(d.get("cases", 0)) for d in details),
            contacts=sum(int(d.get("contacts", 0)) for d in details),
        )

    # --- the run -------------------------------------------------------------------------

    async def run(
        self, now: datetime, days: int, tz: ZoneInfo, draft_days: int | None = None
    ) -> Purge:
        """Delete what is due at `now` (`days` calendar days in `tz`; drafts idle for more
        than `draft_days` days), then VACUUM and empty the WAL."""
        purge = await self.delete_due(now, days, tz, draft_days)
        try:
            vacuumed = await self._db.vacuum()
        except DatabaseUnavailable as error:
            # The deletion is committed; the next night's VACUUM purges the free pages.
            log.warning("retention: VACUUM failed (%s); retried at the next run", error)
            vacuumed = False
        else:
            if not vacuumed:
                log.warning("retention: the WAL could not be emptied (a reader held it)")
        return purge.model_copy(update={"vacuumed": vacuumed})

    async def delete_due(
        self, now: datetime, days: int, tz: ZoneInfo, draft_days: int | None = None
    ) -> Purge:
        """The deletion alone, in one transaction (no VACUUM: see `run`)."""
        limit = cutoff(now, days, tz)
        params = {"cutoff": utc_now_text(limit)}
        by_ats: dict[str, AtsCount] = {}
        # Thousands of rows on a year of data: on a thread (Database.transaction).
        async with self._db.transaction(offload=True) as conn:
            due = await _due(conn, params)
            sent_home = await _sent_home_due(conn, params)
            async with secure_delete(conn):
                drafts = await _delete_idle_drafts(conn, now, draft_days)
                if due or sent_home:
                    # The lock of migration 007 opens for this transaction only.
                    await conn.execute("INSERT OR IGNORE INTO retention_guard (id) VALUES (1)")
                    drafts += await _delete_drafts(conn, params)
                    for statement in _PURGE:
                        await conn.execute(statement, params)
                    for statement in _SENT_HOME_PURGE:
                        await conn.execute(statement, params)
                    by_ats = _count(due, sent_home)
                    await _record(conn, now, days, limit, by_ats, due)
                    await conn.execute("DELETE FROM retention_guard")
        return Purge(
            at=now,
            cutoff=limit,
            by_ats=by_ats,
            case_ids=tuple(sorted(row[0] for row in due)),
            drafts=drafts,
        )


Due = list[tuple[int, str, int]]  # (case id, ATS, contacts)


async def _due(conn: Connection, params: dict[str, str]) -> Due:
    async with conn.execute(
        "SELECT c.id, p.ats_code,"
        " (SELECT COUNT(*) FROM contacts k WHERE k.case_id = c.id) AS contacts"
        " FROM cases c JOIN plessi p ON p.code = c.plesso_code"
        " WHERE c.status = 'closed' AND c.closed_at <= :cutoff",
        params,
    ) as cursor:
        rows = await cursor.fetchall()
    # Sorted here: an ORDER BY c.id made SQLite walk every case by its id instead of the
    # index of the closed ones (cases_closed).
    return sorted((int(r[0]), str(r[1]), int(r[2])) for r in rows)


async def _delete_drafts(conn: Connection, params: dict[str, str]) -> tuple[Draft, ...]:
    async with conn.execute(_DRAFTS, params) as cursor:
        rows = await cursor.fetchall()
    return tuple(Draft(flow=r[0], chat_id=int(r[1]), user_id=int(r[2])) for r in rows)


async def _delete_idle_drafts(
    conn: Connection, now: datetime, draft_days: int | None
) -> tuple[Draft, ...]:
    if draft_days is None:
        return ()
    idle = {"idle": utc_now_text(now - timedelta(days=draft_days))}
    async with conn.execute(_IDLE_DRAFTS, idle) as cursor:
        rows = await cursor.fetchall()
    return tuple(Draft(flow=r[0], chat_id=int(r[1]), user_id=int(r[2])) for r in rows)


def _count(due: Due, sent_home: dict[str, int] | None = None) -> dict[str, AtsCount]:
    counts: dict[str, AtsCount] = {}
    for _, ats_code, contacts in due:
        old = counts.get(ats_code, AtsCount(cases=0, contacts=0))
        counts[ats_code] = AtsCount(cases=old.cases + 1, contacts=old.contacts + contacts)
    for ats_code, reports in (sent_home or {}).items():
        old = counts.get(ats_code, AtsCount(cases=0, contacts=0))
        counts[ats_code] = old.model_copy(update={"sent_home": reports})
    return dict(sorted(counts.items()))


async def _sent_home_due(conn: Connection, params: dict[str, str]) -> dict[str, int]:
    """The sent-home reports due, counted per ATS."""
    async with conn.execute(
        "SELECT p.ats_code, COUNT(*) FROM sent_home s JOIN plessi p ON p.code = s.plesso_code"
        " WHERE s.id IN (" + _SENT_HOME_DUE + ") GROUP BY p.ats_code",
        params,
    ) as cursor:
        rows = await cursor.fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


async def _record(
    conn: Connection,
    now: datetime,
    days: int,
    limit: datetime,
    by_ats: dict[str, AtsCount],
    due: Due,
) -> None:
    """One audit row per ATS: that its cases N, M… were deleted by retention, with counts."""
    for ats_code, count in by_ats.items():
        await audit.record(
            conn,
            now=now,
            actor=None,
            action=ACTION,
            entity=ENTITY,
            entity_id=ats_code,
            details={
                "days": days,
                "cutoff": utc_now_text(limit),
                "cases": count.cases,
                "contacts": count.contacts,
                "case_ids": [case_id for case_id, ats, _ in due if ats == ats_code],
                # Issue 17: named only when the run deleted sent-home reports.
                **({"sent_home": count.sent_home} if count.sent_home else {}),
            },
        )
