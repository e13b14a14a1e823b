"""The reminder log and its neighbours (storage.reminders) on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from domain.registry import Plesso, ReferentProfile
from domain.reminders import ReminderKey, ReminderKind, ReminderState
from storage.absences import AbsencesRepository, ClosuresRepository
from storage.audit import AuditRepository
from storage.db import Database
from storage.registry import InvitationsRepository, PlessiRepository, ReferentsRepository
from storage.reminders import ReminderLogRepository

NOW = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
TUESDAY = date(2026, 11, 17)
A, B, ELSEWHERE = "MIEE00001A", "MIEE00002B", "CREE00004D"


def plesso(code: str, *, ats: str = "ATS-MILANO", sentinel: bool = True) -> Plesso:
    return Plesso(
        code=code,
        name=f"SCUOLA {code}",
        comune_code="F205",
        comune_name="Milano",
        province="MI",
        address="",
        school_type="primaria",
        sentinel=sentinel,
        ats_code=ats,
    )


@dataclass
class Seeded:
    db: Database
    log: ReminderLogRepository
    ids: dict[int, int]  # Telegram user id -> referent id


async def seed(tmp_path: Path, holdings: dict[int, list[str]]) -> Seeded:
    """A database with plessi A, B (ATS-MILANO) and ELSEWHERE (ATS-VALPADANA), and a referent
    per Telegram user id holding the plessi given."""
    db = Database(tmp_path / "reminders.sqlite3")
    await db.connect()
    plessi = [plesso(A), plesso(B), plesso(ELSEWHERE, ats="ATS-VALPADANA")]
    await PlessiRepository(db).upsert_many(plessi, actor=0, now=NOW)
    invitations, referents = InvitationsRepository(db), ReferentsRepository(db)
    ids: dict[int, int] = {}
    for user_id, codes in holdings.items():
        for code in codes:
            code_hash = f"{user_id}-{code}"
            await invitations.create(
                code_hash=code_hash,
                plesso_code=code,
                created_by=0,
                now=NOW,
                expires_at=NOW + timedelta(days=7),
            )
            joined = await referents.join(
                telegram_user_id=user_id,
                profile=ReferentProfile(full_name=f"R{user_id}", phone="+39333", email="r@x.it"),
                invitation_hash=code_hash,
                now=NOW,
            )
            assert joined is not None
            ids[user_id] = joined[0].id
    return Seeded(db=db, log=ReminderLogRepository(db), ids=ids)


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Seeded]:
    s = await seed(tmp_path, {1: [A, B], 2: [B], 3: [ELSEWHERE]})
    yield s
    await s.db.close()


def key(s: Seeded, user: int, code: str, kind: ReminderKind = ReminderKind.ABSENCES) -> ReminderKey:
    return ReminderKey(s.ids[user], code, kind, TUESDAY)


async def test_links_are_the_current_holdings_by_ats(seeded: Seeded) -> None:
    links = await seeded.log.links()
    assert {(link.referent_id, link.plesso_code) for link in links} == {
        (seeded.ids[1], A),
        (seeded.ids[1], B),
        (seeded.ids[2], B),
        (seeded.ids[3], ELSEWHERE),
    }
    milano = await seeded.log.links("ATS-MILANO")
    assert {link.plesso_code for link in milano} == {A, B}
    assert all(link.user_id in (1, 2) and link.sentinel for link in milano)
    await ReferentsRepository(seeded.db).revoke(
        referent_id=seeded.ids[1], plesso_code=A, actor=0, now=NOW
    )
    assert A not in {link.plesso_code for link in await seeded.log.links("ATS-MILANO")}


async def test_a_key_is_claimed_once(seeded: Seeded) -> None:
    first = await seeded.log.claim([key(seeded, 1, A), key(seeded, 2, B)], NOW)
    assert len(first) == 2
    again = await seeded.log.claim([key(seeded, 1, A), key(seeded, 1, B)], NOW)
    assert list(again) == [key(seeded, 1, B)]
    other_kind = await seeded.log.claim([key(seeded, 1, A, ReminderKind.LAST_CALL)], NOW)
    assert len(other_kind) == 1
    logged = await seeded.log.logged_since(TUESDAY)
    assert key(seeded, 1, A) in logged and len(logged) == 4
    assert await seeded.log.logged_since(TUESDAY + timedelta(days=1)) == frozenset()


async def test_finish_release_and_stale_claims(seeded: Seeded) -> None:
    claimed = await seeded.log.claim([key(seeded, 1, A), key(seeded, 1, B), key(seeded, 2, B)], NOW)
    sent_id, released_id, stale_id = claimed.values()
    await seeded.log.finish([sent_id], ReminderState.SENT, NOW, message_id=42)
    await seeded.log.release([sent_id, released_id])  # a sent row is never released
    entries = await seeded.log.for_days([TUESDAY], "ATS-MILANO")
    assert [(e.key.plesso_code, e.state) for e in entries] == [
        (A, ReminderState.SENT),
        (B, ReminderState.CLAIMED),
    ]
    assert await seeded.log.release_stale_claims() == 1
    assert [e.state for e in await seeded.log.for_days([TUESDAY], None)] == [ReminderState.SENT]
    # `claimed` maps each key to its row id: the stale claim's key is gone from the log.
    stale_key = next(k for k, row_id in claimed.items() if row_id == stale_id)
    assert stale_key not in {e.key for e in await seeded.log.for_days([TUESDAY], None)}


async def test_unreachable_is_flagged_once_listed_by_ats_and_cleared_with_audit(
    seeded: Seeded,
) -> None:
    log, referent = seeded.log, seeded.ids[1]
    assert await log.mark_unreachable(referent, "blocked", NOW)
    assert not await log.mark_unreachable(referent, "blocked", NOW + timedelta(hours=1))
    assert await log.unreachable_ids() == {referent}
    listed = await log.unreachable("ATS-MILANO")
    assert [(u.referent_id, u.since, u.reason) for u in listed] == [(referent, NOW, "blocked")]
    assert await log.unreachable("ATS-VALPADANA") == []
    assert await log.clear_unreachable(referent, NOW)
    assert not await log.clear_unreachable(referent, NOW)
    actions = [
        e.action for e in await AuditRepository(seeded.db).for_entity("referent", str(referent))
    ]
    assert actions[:2] == ["referent.reachable", "referent.unreachable"]


async def test_a_push_counts_for_its_ats_and_a_regional_one_for_all(seeded: Seeded) -> None:
    log = seeded.log
    assert await log.last_push("ATS-MILANO") is None
    await log.record_push(ats_code="ATS-VALPADANA", day=TUESDAY, actor=7, now=NOW, count=1)
    assert await log.last_push("ATS-MILANO") is None
    assert await log.last_push(None) == NOW
    later = NOW + timedelta(minutes=5)
    await log.record_push(ats_code=None, day=TUESDAY, actor=8, now=later, count=3)
    assert await log.last_push("ATS-MILANO") == later
    entry = (await AuditRepository(seeded.db).for_entity("ats", "regione"))[0]
    assert entry.action == "reminders.push" and entry.details["referents"] == 3


async def test_recorded_figures_and_open_cases(seeded: Seeded) -> None:
    absences = AbsencesRepository(seeded.db, ClosuresRepository(seeded.db))
    await absences.record(plesso_code=A, day=TUESDAY, absent=3, ill=None, actor=1, now=NOW)
    assert await seeded.log.recorded([TUESDAY, TUESDAY - timedelta(days=2)]) == {(A, TUESDAY)}
    assert await seeded.log.recorded([]) == frozenset()
    assert await seeded.log.recorded_plessi(TUESDAY, "ATS-MILANO") == [(A, f"SCUOLA {A}")]
    assert await seeded.log.recorded_plessi(TUESDAY, "ATS-VALPADANA") == []
    assert await seeded.log.open_cases(NOW - timedelta(days=5), NOW) == []
