"""Repositories of the school registry: plessi, referents and their invitations."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.access import Role
from domain.notices import NoticeKind
from domain.registry import (
    ImportCounts,
    Invitation,
    Plesso,
    Referent,
    ReferentProfile,
    ReferentWithPlessi,
    RegistryCounts,
)
from storage import audit, notices
from storage.db import Connection, Database, Row, parse_utc, utc_now_text
from storage.failures import FailureLog

VACCINES_ROLE = Role.VACCINES.value

_PLESSO_COLUMNS = (
    "code",
    "name",
    "comune_code",
    "comune_name",
    "province",
    "address",
    "school_type",
    "sentinel",
    "ats_code",
)


def _plesso(row: Row) -> Plesso:
    return Plesso(**{name: row[name] for name in _PLESSO_COLUMNS})


class PlessiRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, code: str) -> Plesso | None:
        row = await self._db.fetchone("SELECT * FROM plessi WHERE code = ?", (code,))
        return _plesso(row) if row else None

    async def many(self, codes: tuple[str, ...] | list[str]) -> list[Plesso]:
        if not codes:
            return []
        marks = ",".join("?" * len(codes))
        rows = await self._db.fetchall(
            f"SELECT * FROM plessi WHERE code IN ({marks}) ORDER BY name", tuple(codes)
        )
        return [_plesso(row) for row in rows]

    async def counts(self, ats_code: str | None) -> RegistryCounts:
        where, params = ("WHERE ats_code = ?", (ats_code,)) if ats_code else ("", ())
        row = await self._db.fetchone(
            f"SELECT COUNT(*) AS n, COALESCE(SUM(sentinel), 0) AS s FROM plessi {where}", params
        )
        assert row is not None
        return RegistryCounts(plessi=row["n"], sentinel=row["s"])

    async def upsert_many(self, plessi: list[Plesso], *, actor: int, now: datetime) -> ImportCounts:
        """Add new plessi and update changed ones, all in one transaction."""
        added = updated = unchanged = 0
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            for plesso in plessi:
                async with conn.execute(
                    "SELECT * FROM plessi WHERE code = ?", (plesso.code,)
                ) as cursor:
                    existing = await cursor.fetchone()
                if existing is None:
                    await self._insert(conn, plesso, stamp)
                    added += 1
                    action = "plesso.create"
                elif _plesso(existing) != plesso:
                    await self._update(conn, plesso, stamp)
                    updated += 1
                    action = "plesso.update"
                else:
                    unchanged += 1
                    continue
                await audit.record(
                    conn,
                    now=now,
                    actor=actor,
                    action=action,
                    entity="plesso",
                    entity_id=plesso.code,
                    details={"ats": plesso.ats_code},
                )
        return ImportCounts(added=added, updated=updated, unchanged=unchanged)

    @staticmethod
    async def _insert(conn: Connection, plesso: Plesso, stamp: str) -> None:
        values = plesso.model_dump()
        await conn.execute(
            f"INSERT INTO plessi ({', '.join(_PLESSO_COLUMNS)}, created_at, updated_at)"
            f" VALUES ({', '.join('?' * len(_PLESSO_COLUMNS))}, ?, ?)",
            (*(values[name] for name in _PLESSO_COLUMNS), stamp, stamp),
        )

    @staticmethod
    async def _update(conn: Connection, plesso: Plesso, stamp: str) -> None:
        values = plesso.model_dump()
        columns = [name for name in _PLESSO_COLUMNS if name != "code"]
        await conn.execute(
            f"UPDATE plessi SET {', '.join(f'{name} = ?' for name in columns)}, updated_at = ?"
            " WHERE code = ?",
            (*(values[name] for name in columns), stamp, plesso.code),
        )


class ReferentsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_user(self, telegram_user_id: int) -> Referent | None:
        # One statement, not three: it runs on every update (who is asking).
        row = await self._db.fetchone(
            "SELECT r.*,"
            " (SELECT json_group_array(json_array(plesso_code, revoked_at,"
            "  COALESCE(last_used_at, granted_at)))"
            "  FROM referent_plessi WHERE referent_id = r.id) AS links_json,"
            " (SELECT json_group_array(plesso_code) FROM vaccine_officers"
            "  WHERE referent_id = r.id AND revoked_at IS NULL) AS vaccines_json"
            " FROM referents r WHERE r.telegram_user_id = ?",
            (telegram_user_id,),
        )
        if row is None:
            return None
        # The plessi used last come first (the pickers offer them first).
        triples = sorted(
            json.loads(row["links_json"]), key=lambda link: link[2] or "", reverse=True
        )
        links = [{"plesso_code": code, "revoked_at": revoked} for code, revoked, _ in triples]
        referent = _referent(row, links)
        return referent.model_copy(
            update={"vaccine_plessi": tuple(sorted(json.loads(row["vaccines_json"])))}
        )

    async def list_for_ats(self, ats_code: str | None) -> list[ReferentWithPlessi]:
        """Referents holding at least one plesso of the ATS (every ATS when None)."""
        where, params = ("AND p.ats_code = ?", (ats_code,)) if ats_code else ("", ())
        rows = await self._db.fetchall(
            "SELECT r.*, p.code AS p_code FROM referents r"
            " JOIN referent_plessi rp ON rp.referent_id = r.id AND rp.revoked_at IS NULL"
            f" JOIN plessi p ON p.code = rp.plesso_code {where}"
            " ORDER BY r.full_name, p.code",
            params,
        )
        by_referent: dict[int, list[str]] = defaultdict(list)
        first_row: dict[int, Row] = {}
        for row in rows:
            by_referent[row["id"]].append(row["p_code"])
            first_row.setdefault(row["id"], row)
        result: list[ReferentWithPlessi] = []
        plessi_repo = PlessiRepository(self._db)
        for referent_id, codes in by_referent.items():
            row = first_row[referent_id]
            referent = Referent(
                id=row["id"],
                telegram_user_id=row["telegram_user_id"],
                full_name=row["full_name"],
                phone=row["phone"],
                email=row["email"],
                plessi=tuple(codes),
            )
            result.append(
                ReferentWithPlessi(referent=referent, plessi=await plessi_repo.many(codes))
            )
        return result

    async def join(
        self,
        *,
        telegram_user_id: int,
        profile: ReferentProfile | None,
        invitation_hash: str,
        now: datetime,
    ) -> tuple[Referent, str] | None:
        """Use the invitation and bind the user to its plesso, in one transaction.

        `profile` is required for a new referent and ignored for one already registered.
        Returns the referent and the plesso code, or None when the invitation was used or
        expired in the meantime (nothing is changed then).
        """
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE invitations SET used_at = ?, used_by = ?"
                " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?"
                " RETURNING id, plesso_code, role",
                (stamp, telegram_user_id, invitation_hash, stamp),
            )
            used = await cursor.fetchone()
            await cursor.close()
            if used is None:
                return None
            referent_id = await self._ensure_referent(conn, telegram_user_id, profile, now)
            if used["role"] == VACCINES_ROLE:
                # The vaccini role (issue 18): its own grant, a COVID referent's access untouched.
                await conn.execute(
                    "INSERT INTO vaccine_officers (referent_id, plesso_code, granted_at)"
                    " VALUES (?, ?, ?) ON CONFLICT (referent_id, plesso_code)"
                    " DO UPDATE SET revoked_at = NULL, granted_at = excluded.granted_at",
                    (referent_id, used["plesso_code"], stamp),
                )
            else:
                await conn.execute(
                    "INSERT INTO referent_plessi (referent_id, plesso_code, granted_at,"
                    " last_used_at) VALUES (?, ?, ?, ?) ON CONFLICT (referent_id, plesso_code)"
                    " DO UPDATE SET revoked_at = NULL, granted_at = excluded.granted_at",
                    (referent_id, used["plesso_code"], stamp, stamp),
                )
            await audit.record(
                conn,
                now=now,
                actor=telegram_user_id,
                action="referent.join",
                entity="referent",
                entity_id=str(referent_id),
                details={
                    "plesso": used["plesso_code"],
                    "invitation": used["id"],
                    "role": used["role"],
                },
            )
        referent = await self.by_user(telegram_user_id)
        assert referent is not None
        return referent, str(used["plesso_code"])

    @staticmethod
    async def _ensure_referent(
        conn: Connection,
        telegram_user_id: int,
        profile: ReferentProfile | None,
        now: datetime,
    ) -> int:
        async with conn.execute(
            "SELECT id FROM referents WHERE telegram_user_id = ?", (telegram_user_id,)
        ) as cursor:
            existing = await cursor.fetchone()
        if existing is not None:
            return int(existing["id"])
        if profile is None:
            raise ValueError("a new referent needs a profile")
        stamp = utc_now_text(now)
        cursor = await conn.execute(
            "INSERT INTO referents (telegram_user_id, full_name, phone, email, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (telegram_user_id, profile.full_name, profile.phone, profile.email, stamp, stamp),
        )
        referent_id = cursor.lastrowid
        await cursor.close()
        assert referent_id is not None
        await audit.record(
            conn,
            now=now,
            actor=telegram_user_id,
            action="referent.create",
            entity="referent",
            entity_id=str(referent_id),
        )
        return referent_id

    async def revoke(
        self, *, referent_id: int, plesso_code: str, actor: int, now: datetime
    ) -> bool:
        async with self._db.transaction() as conn:
            changed = await audit.change_recorded(
                conn,
                "UPDATE referent_plessi SET revoked_at = ?"
                " WHERE referent_id = ? AND plesso_code = ? AND revoked_at IS NULL",
                (utc_now_text(now), referent_id, plesso_code),
                now=now,
                actor=actor,
                action="referent.revoke",
                entity="referent",
                entity_id=str(referent_id),
                details={"plesso": plesso_code},
            )
            if changed:
                # Told through the outbox, in this transaction: no revocation goes untold.
                await notices.queue(
                    conn,
                    referent_id=referent_id,
                    kind=NoticeKind.REVOKED,
                    plesso_code=plesso_code,
                    now=now,
                )
        return changed

    async def change_profile(
        self, referent_id: int, profile: ReferentProfile, *, actor: int, now: datetime
    ) -> None:
        """The referent's own name, phone and e-mail (/profilo), proposed on each new case."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE referents SET full_name = ?, phone = ?, email = ?, updated_at = ?"
                " WHERE id = ?",
                (profile.full_name, profile.phone, profile.email, utc_now_text(now), referent_id),
            )
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="referent.profile",
                entity="referent",
                entity_id=str(referent_id),
            )

    async def by_id(self, referent_id: int) -> Referent | None:
        row = await self._db.fetchone(
            "SELECT telegram_user_id FROM referents WHERE id = ?", (referent_id,)
        )
        return await self.by_user(row["telegram_user_id"]) if row else None

    async def touch_plesso(self, referent_id: int, plesso_code: str, now: datetime) -> None:
        """Remember the plesso used last, offered first next time."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE referent_plessi SET last_used_at = ?"
                " WHERE referent_id = ? AND plesso_code = ?",
                (utc_now_text(now), referent_id, plesso_code),
            )


def _referent(row: Row, links: Sequence[Mapping[str, Any]]) -> Referent:
    return Referent(
        id=row["id"],
        telegram_user_id=row["telegram_user_id"],
        full_name=row["full_name"],
        phone=row["phone"],
        email=row["email"],
        plessi=tuple(link["plesso_code"] for link in links if link["revoked_at"] is None),
        revoked_plessi=tuple(
            link["plesso_code"] for link in links if link["revoked_at"] is not None
        ),
    )


class InvitationsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._failures = FailureLog(db, "invitation_failures")

    async def create(
        self,
        *,
        code_hash: str,
        plesso_code: str,
        created_by: int,
        now: datetime,
        expires_at: datetime,
        role: str = "referent",
    ) -> Invitation:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO invitations (code_hash, plesso_code, created_by, created_at,"
                " expires_at, role) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    code_hash,
                    plesso_code,
                    created_by,
                    utc_now_text(now),
                    utc_now_text(expires_at),
                    role,
                ),
            )
            invitation_id = cursor.lastrowid
            await cursor.close()
            assert invitation_id is not None
            await audit.record(
                conn,
                now=now,
                actor=created_by,
                action="invitation.create",
                entity="plesso",
                entity_id=plesso_code,
                details={"invitation": invitation_id, "role": role},
            )
        return Invitation(
            id=invitation_id,
            plesso_code=plesso_code,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
            role=role,
        )

    async def by_hash(self, code_hash: str) -> Invitation | None:
        row = await self._db.fetchone("SELECT * FROM invitations WHERE code_hash = ?", (code_hash,))
        return _invitation(row) if row else None

    async def by_id(self, invitation_id: int) -> Invitation | None:
        row = await self._db.fetchone("SELECT * FROM invitations WHERE id = ?", (invitation_id,))
        return _invitation(row) if row else None

    async def outstanding(
        self, ats_code: str | None, now: datetime
    ) -> list[tuple[Invitation, Plesso]]:
        """The invitations not used and not expired at `now`, of the plessi of `ats_code`
        (of every ATS when None), newest first, each with its plesso."""
        where, params = ("AND p.ats_code = ?", (ats_code,)) if ats_code else ("", ())
        rows = await self._db.fetchall(
            "SELECT i.*, p.code AS p_code FROM invitations i"
            " JOIN plessi p ON p.code = i.plesso_code"
            f" WHERE i.used_at IS NULL AND i.expires_at > ? {where}"
            " ORDER BY i.created_at DESC, i.id DESC",
            (utc_now_text(now), *params),
        )
        plessi = {
            plesso.code: plesso
            for plesso in await PlessiRepository(self._db).many(
                list({row["p_code"] for row in rows})
            )
        }
        return [(_invitation(row), plessi[row["p_code"]]) for row in rows]

    async def cancel(self, invitation_id: int, *, actor: int, now: datetime) -> bool:
        """Make an invitation unusable: it expires now (the code alone is never stored, so
        nothing else is left of it). False when it was used or expired already."""
        stamp = utc_now_text(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE invitations SET expires_at = ?"
                " WHERE id = ? AND used_at IS NULL AND expires_at > ? RETURNING plesso_code",
                (stamp, invitation_id, stamp),
            )
            cancelled = await cursor.fetchone()
            await cursor.close()
            if cancelled is None:
                return False
            await audit.record(
                conn,
                now=now,
                actor=actor,
                action="invitation.cancel",
                entity="plesso",
                entity_id=cancelled["plesso_code"],
                details={"invitation": invitation_id},
            )
        return True

    async def record_failure(self, telegram_user_id: int, now: datetime) -> None:
        await self._failures.record(telegram_user_id, now)

    async def failures_since(self, telegram_user_id: int, since: datetime) -> list[datetime]:
        return await self._failures.since(telegram_user_id, since)


def _invitation(row: Row) -> Invitation:
    return Invitation(
        id=row["id"],
        plesso_code=row["plesso_code"],
        created_by=row["created_by"],
        created_at=parse_utc(row["created_at"]),
        expires_at=parse_utc(row["expires_at"]),
        used_at=parse_utc(row["used_at"]) if row["used_at"] else None,
        used_by=row["used_by"],
        role=row["role"],
    )
