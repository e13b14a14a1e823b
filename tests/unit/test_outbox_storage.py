"""The outboxes on a real SQLite file: the referents' notices written with the revocation,
and the mechanics both outboxes share (storage/outbox.py): a row claimed once, backed off,
given up after MAX_ATTEMPTS, marked unreachable or sent."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.cases import complete_case
from domain.invitations import hash_invitation_code
from domain.notices import NoticeKind
from domain.outbox import MAX_ATTEMPTS, OutboxStatus
from storage.audit import AuditRepository
from storage.cases import CasesRepository
from storage.closing import ClosingRepository
from storage.db import Database
from storage.notices import NoticesRepository
from storage.registry import InvitationsRepository, PlessiRepository, ReferentsRepository
from tests.unit.test_cases_rules import TODAY, full_draft
from tests.unit.test_storage import PROFILE, plesso

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
ADMIN = 100
REFERENT_USER = 200
PLESSO = "MIEE8AB01T"
HOLD = timedelta(minutes=5)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(tmp_path / "outbox.sqlite3")
    await database.connect()
    await PlessiRepository(database).upsert_many([plesso(PLESSO)], actor=ADMIN, now=NOW)
    yield database
    await database.close()


async def _referent(db: Database) -> int:
    await InvitationsRepository(db).create(
        code_hash=hash_invitation_code("ABCDEFGHJKMN"),
        plesso_code=PLESSO,
        created_by=ADMIN,
        now=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    joined = await ReferentsRepository(db).join(
        telegram_user_id=REFERENT_USER,
        profile=PROFILE,
        invitation_hash=hash_invitation_code("ABCDEFGHJKMN"),
        now=NOW,
    )
    assert joined is not None
    return joined[0].id


async def _revoke(db: Database, referent_id: int) -> bool:
    return await ReferentsRepository(db).revoke(
        referent_id=referent_id, plesso_code=PLESSO, actor=ADMIN, now=NOW
    )


# --- the revocation writes its notice ------------------------------------------------------


async def test_a_revocation_queues_one_notice_due_at_once(db: Database) -> None:
    referent_id = await _referent(db)
    notices = NoticesRepository(db)
    assert await notices.due(NOW) == []
    assert await _revoke(db, referent_id)
    assert not await _revoke(db, referent_id)  # nothing changed: nothing to tell
    (notice,) = await notices.due(NOW)
    assert (notice.referent_id, notice.user_id, notice.kind, notice.plesso_code) == (
        referent_id,
        REFERENT_USER,
        NoticeKind.REVOKED,
        PLESSO,
    )
    assert (notice.status, notice.attempts, notice.next_attempt_at) == (
        OutboxStatus.PENDING,
        0,
        NOW,
    )
    assert await notices.due(NOW - timedelta(seconds=1)) == []
    assert await notices.of_referent(referent_id) == [notice]


async def test_the_notice_and_the_revocation_are_one_transaction(db: Database) -> None:
    referent_id = await _referent(db)
    # The notice cannot be written (a failing disk, say): the revocation is undone with it.
    with closing(sqlite3.connect(db.path)) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_notices BEFORE INSERT ON referent_notices"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with pytest.raises(sqlite3.DatabaseError, match="refused"):
        await _revoke(db, referent_id)
    referent = await ReferentsRepository(db).by_user(REFERENT_USER)
    assert referent is not None and referent.plessi == (PLESSO,)
    audit = await AuditRepository(db).for_entity("referent", str(referent_id))
    assert "referent.revoke" not in [entry.action for entry in audit]
    assert await NoticesRepository(db).due(NOW) == []


# --- the mechanics, on both outboxes ------------------------------------------------------


@dataclass
class Box:
    """One outbox through its own repository: its due rows and the shared methods."""

    table: str
    path: Path
    due: Callable[[datetime], Awaitable[list[Any]]]
    repository: ClosingRepository | NoticesRepository

    def row(self) -> tuple[Any, ...]:
        """(status, attempts, last_error, sent_at) of the box's one row, as stored."""
        with closing(sqlite3.connect(self.path)) as conn:
            row = conn.execute(
                f"SELECT status, attempts, last_error, sent_at FROM {self.table}"
            ).fetchone()
        assert row is not None
        return tuple(row)


async def _notices_box(db: Database) -> Box:
    await _revoke(db, await _referent(db))
    repository = NoticesRepository(db)
    return Box("referent_notices", db.path, repository.due, repository)


async def _ats_box(db: Database) -> Box:
    case = await CasesRepository(db).create(
        complete_case(full_draft(), TODAY), actor=REFERENT_USER, now=NOW
    )
    repository = ClosingRepository(db)
    await repository.close(case.id, actor=REFERENT_USER, now=NOW, recipients=[ADMIN])
    return Box("ats_outbox", db.path, lambda now: repository.due(now), repository)


@pytest.fixture(params=["referent_notices", "ats_outbox"])
async def box(request: pytest.FixtureRequest, db: Database) -> Box:
    make = _notices_box if request.param == "referent_notices" else _ats_box
    return await make(db)


async def test_a_row_is_claimed_once(box: Box) -> None:
    (item,) = await box.due(NOW)
    assert await box.repository.claim(item, NOW, HOLD)
    assert not await box.repository.claim(item, NOW, HOLD)  # the same read, a second run


async def test_two_runs_at_once_claim_it_once(box: Box) -> None:
    (item,) = await box.due(NOW)
    taken = await asyncio.gather(*(box.repository.claim(item, NOW, HOLD) for _ in range(5)))
    assert taken.count(True) == 1


async def test_a_claimed_row_waits_out_the_hold_then_is_due_again(box: Box) -> None:
    """A crash mid-send: the row is tried again once the hold has passed, not before."""
    (item,) = await box.due(NOW)
    await box.repository.claim(item, NOW, HOLD)
    assert await box.due(NOW + HOLD - timedelta(seconds=1)) == []
    (again,) = await box.due(NOW + HOLD)
    assert again.id == item.id and again.attempts == 1
    assert await box.repository.claim(again, NOW + HOLD, HOLD)


async def test_a_failed_send_backs_off_doubling(box: Box) -> None:
    now = NOW
    expected = [1, 2, 4, 8]
    for minutes in expected:
        (item,) = await box.due(now)
        assert await box.repository.claim(item, now, HOLD)
        status = await box.repository.retry_later(item.id, now, "NetworkError")
        assert status is OutboxStatus.PENDING
        (pending,) = await box.due(now + timedelta(days=1))
        assert pending.next_attempt_at == now + timedelta(minutes=minutes)
        assert pending.last_error == "NetworkError"
        assert await box.due(now + timedelta(minutes=minutes) - timedelta(seconds=1)) == []
        now += timedelta(minutes=minutes)


async def test_it_gives_up_after_max_attempts(box: Box) -> None:
    now = NOW
    statuses = []
    for _ in range(MAX_ATTEMPTS):
        (item,) = await box.due(now)
        assert await box.repository.claim(item, now, HOLD)
        statuses.append(await box.repository.retry_later(item.id, now, "BadRequest"))
        now += timedelta(hours=1)
    assert statuses == [OutboxStatus.PENDING] * (MAX_ATTEMPTS - 1) + [OutboxStatus.FAILED]
    assert await box.due(now + timedelta(days=30)) == []
    assert box.row() == ("failed", MAX_ATTEMPTS, "BadRequest", None)


async def test_unreachable_is_not_tried_again(box: Box) -> None:
    (item,) = await box.due(NOW)
    await box.repository.claim(item, NOW, HOLD)
    await box.repository.unreachable(item.id, NOW, "blocked")
    assert await box.due(NOW + timedelta(days=30)) == []
    assert box.row() == ("unreachable", 1, "blocked", None)


async def test_sent_is_stamped_and_not_sent_again(box: Box) -> None:
    (item,) = await box.due(NOW)
    await box.repository.claim(item, NOW, HOLD)
    await box.repository.sent(item.id, NOW + timedelta(seconds=2))
    assert await box.due(NOW + timedelta(days=30)) == []
    status, attempts, error, sent_at = box.row()
    assert (status, attempts, error) == ("sent", 1, None)
    assert datetime.fromisoformat(sent_at) == NOW + timedelta(seconds=2)
