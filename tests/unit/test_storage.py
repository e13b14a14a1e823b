"""Repositories on a real SQLite file in a temp folder."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta

import pytest

from domain.invitations import hash_invitation_code
from domain.registry import Plesso, ReferentProfile
from storage.audit import AuditRepository
from storage.conversations import ConversationStore
from storage.db import Database
from storage.registry import InvitationsRepository, PlessiRepository, ReferentsRepository

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
ADMIN = 100


def plesso(code: str = "MIEE00001A", ats: str = "ATS-MILANO", **changes: object) -> Plesso:
    values: dict[str, object] = {
        "code": code,
        "name": "SCUOLA PRIMARIA VIA DEI TIGLI",
        "comune_code": "F205",
        "comune_name": "Milano",
        "province": "MI",
        "address": "Via dei Tigli 1",
        "school_type": "primaria",
        "sentinel": True,
        "ats_code": ats,
    }
    values.update(changes)
    return Plesso(**values)


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "nested" / "test.sqlite3")
    await database.connect()
    yield database
    await database.close()


async def test_database_file_is_private_and_in_wal_mode(db: Database) -> None:
    mode = stat.S_IMODE(db.path.stat().st_mode)
    assert mode == 0o600
    row = await db.fetchone("PRAGMA journal_mode")
    assert row is not None and row[0] == "wal"
    row = await db.fetchone("PRAGMA foreign_keys")
    assert row is not None and row[0] == 1


async def test_migrations_upgrade_and_never_wipe(tmp_path) -> None:
    path = tmp_path / "db.sqlite3"
    first = Database(path)
    await first.connect()
    await PlessiRepository(first).upsert_many([plesso()], actor=ADMIN, now=NOW)
    version = await first.schema_version()
    await first.close()

    again = Database(path)
    await again.connect()
    assert await again.schema_version() == version >= 1
    assert await PlessiRepository(again).get("MIEE00001A") is not None
    assert await again.integrity_check() == "ok"
    await again.close()


async def test_upsert_counts_added_updated_unchanged_and_audits(db: Database) -> None:
    repo = PlessiRepository(db)
    first = await repo.upsert_many([plesso(), plesso("MIEE00002B")], actor=ADMIN, now=NOW)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    second = await repo.upsert_many(
        [plesso(), plesso("MIEE00002B", sentinel=False)], actor=ADMIN, now=NOW
    )
    assert (second.added, second.updated, second.unchanged) == (0, 1, 1)
    counts = await repo.counts("ATS-MILANO")
    assert (counts.plessi, counts.sentinel) == (2, 1)
    history = await AuditRepository(db).for_entity("plesso", "MIEE00002B")
    assert [entry.action for entry in history] == ["plesso.update", "plesso.create"]
    assert all(entry.actor == f"tg:{ADMIN}" for entry in history)


async def test_counts_are_scoped_by_ats(db: Database) -> None:
    repo = PlessiRepository(db)
    await repo.upsert_many(
        [plesso(), plesso("CREE00001C", ats="ATS-VALPADANA")], actor=ADMIN, now=NOW
    )
    assert (await repo.counts("ATS-VALPADANA")).plessi == 1
    assert (await repo.counts(None)).plessi == 2


async def _invite(db: Database, code: str, *, expires: datetime | None = None) -> None:
    await InvitationsRepository(db).create(
        code_hash=hash_invitation_code(code),
        plesso_code="MIEE00001A",
        created_by=ADMIN,
        now=NOW,
        expires_at=expires or NOW + timedelta(days=7),
    )


PROFILE = ReferentProfile(full_name="MARIA ROSSI", phone="+393331234567", email="m@example.it")


async def test_invitation_is_single_use(db: Database) -> None:
    await PlessiRepository(db).upsert_many([plesso()], actor=ADMIN, now=NOW)
    await _invite(db, "ABCDEFGHJKMN")
    referents = ReferentsRepository(db)
    joined = await referents.join(
        telegram_user_id=200,
        profile=PROFILE,
        invitation_hash=hash_invitation_code("ABCDEFGHJKMN"),
        now=NOW,
    )
    assert joined is not None
    referent, code = joined
    assert code == "MIEE00001A" and referent.plessi == ("MIEE00001A",)
    again = await referents.join(
        telegram_user_id=201,
        profile=PROFILE,
        invitation_hash=hash_invitation_code("ABCDEFGHJKMN"),
        now=NOW,
    )
    assert again is None
    assert await referents.by_user(201) is None
    stored = await InvitationsRepository(db).by_hash(hash_invitation_code("ABCDEFGHJKMN"))
    assert stored is not None and stored.used_by == 200


async def test_expired_invitation_binds_nobody(db: Database) -> None:
    await PlessiRepository(db).upsert_many([plesso()], actor=ADMIN, now=NOW)
    await _invite(db, "ABCDEFGHJKMN", expires=NOW - timedelta(seconds=1))
    joined = await ReferentsRepository(db).join(
        telegram_user_id=200,
        profile=PROFILE,
        invitation_hash=hash_invitation_code("ABCDEFGHJKMN"),
        now=NOW,
    )
    assert joined is None


async def test_only_the_hash_of_a_code_is_stored(db: Database) -> None:
    await PlessiRepository(db).upsert_many([plesso()], actor=ADMIN, now=NOW)
    await _invite(db, "ABCDEFGHJKMN")
    await db.close()
    assert b"ABCDEFGHJKMN" not in db.path.read_bytes()
    await db.connect()


async def test_revoke_keeps_history_and_reinvite_restores(db: Database) -> None:
    await PlessiRepository(db).upsert_many([plesso()], actor=ADMIN, now=NOW)
    await _invite(db, "ABCDEFGHJKMN")
    referents = ReferentsRepository(db)
    joined = await referents.join(
        telegram_user_id=200,
        profile=PROFILE,
        invitation_hash=hash_invitation_code("ABCDEFGHJKMN"),
        now=NOW,
    )
    assert joined is not None
    referent_id = joined[0].id
    assert await referents.revoke(
        referent_id=referent_id, plesso_code="MIEE00001A", actor=ADMIN, now=NOW
    )
    assert not await referents.revoke(
        referent_id=referent_id, plesso_code="MIEE00001A", actor=ADMIN, now=NOW
    )
    revoked = await referents.by_user(200)
    assert revoked is not None
    assert revoked.plessi == () and revoked.revoked_plessi == ("MIEE00001A",)
    await _invite(db, "PQRSTUVWXYZ2")
    back = await referents.join(
        telegram_user_id=200,
        profile=None,
        invitation_hash=hash_invitation_code("PQRSTUVWXYZ2"),
        now=NOW,
    )
    assert back is not None and back[0].plessi == ("MIEE00001A",)
    actions = [e.action for e in await AuditRepository(db).for_entity("referent", str(referent_id))]
    assert actions == ["referent.join", "referent.revoke", "referent.join", "referent.create"]


async def test_referents_listed_by_ats(db: Database) -> None:
    await PlessiRepository(db).upsert_many(
        [plesso(), plesso("CREE00001C", ats="ATS-VALPADANA")], actor=ADMIN, now=NOW
    )
    await _invite(db, "ABCDEFGHJKMN")
    await ReferentsRepository(db).join(
        telegram_user_id=200,
        profile=PROFILE,
        invitation_hash=hash_invitation_code("ABCDEFGHJKMN"),
        now=NOW,
    )
    assert len(await ReferentsRepository(db).list_for_ats("ATS-MILANO")) == 1
    assert await ReferentsRepository(db).list_for_ats("ATS-VALPADANA") == []


async def test_conversation_store_keeps_step_and_answers(db: Database) -> None:
    store = ConversationStore(db)
    await store.save("flow", (5, 5), 3, {"surname": "ROSSI"}, NOW)
    assert await store.states("flow") == {(5, 5): 3}
    assert await store.load("flow", (5, 5)) == {"surname": "ROSSI"}
    await store.set_state("flow", (5, 5), 4, NOW)
    assert await store.load("flow", (5, 5)) == {"surname": "ROSSI"}
    await store.set_state("flow", (5, 5), None, NOW)
    assert await store.states("flow") == {}
    assert await store.load("flow", (5, 5)) == {}


async def test_conversation_store_keeps_the_steps_in_progress_in_memory(db: Database) -> None:
    """The flow engine reads the step of every update from memory: filled from the table at
    start-up, and kept equal to it by every write of the store."""
    await ConversationStore(db).save("flow", (5, 5), 3, {"a": 1}, NOW)
    store = ConversationStore(db)  # a restart
    with pytest.raises(RuntimeError):
        store.step("flow", (5, 5))  # an empty memory must not pass for "no flow in progress"
    await store.load_steps()
    assert store.step("flow", (5, 5)) == 3
    await store.save("other", (5, 5), 1, {}, NOW)
    await store.save("flow", (6, 6), 2, {}, NOW)
    assert store.flows_of((5, 5)) == {"flow", "other"}
    await store.set_state("flow", (5, 5), 4, NOW)
    assert store.step("flow", (5, 5)) == 4
    await store.end_all((5, 5))
    assert store.flows_of((5, 5)) == frozenset() and await store.states("other") == {}
    assert store.step("flow", (6, 6)) == 2
    store.forget("flow", (6, 6))  # the row was deleted elsewhere (the retention run)
    assert store.step("flow", (6, 6)) is None
    assert await store.reload((6, 6)) == {"flow": 2}  # after an error: the table is the truth
    assert store.step("flow", (6, 6)) == 2
    await store.discard_user(6)
    assert store.step("flow", (6, 6)) is None and await store.states("flow") == {}


async def test_failed_transaction_leaves_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO invitation_failures (telegram_user_id, failed_at) VALUES (1, 'x')"
            )
            raise RuntimeError("boom")
    row = await db.fetchone("SELECT COUNT(*) FROM invitation_failures")
    assert row is not None and row[0] == 0
