"""The registry's and the onboarding's use cases (services/registry.py, services/onboarding.py)
on a real SQLite file: the admin's scope, the one transaction, the lock-out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.access import Actor
from domain.comuni import Comune
from domain.registry import LOCKOUT_DURATION, LOCKOUT_FAILURES, Plesso, ReferentProfile
from domain.schools import PlessoRow, SchoolsImport, SchoolType
from services import onboarding, registry
from services.onboarding import CodeRefusal
from services.registry import Revocation
from services.unit_of_work import UnitOfWork
from storage.db import Database
from tests.unit.test_storage import NOW, plesso

MILANO = Actor(user_id=100, is_admin=True, admin_ats="ATS-MILANO")
VALPADANA = Actor(user_id=102, is_admin=True, admin_ats="ATS-VALPADANA")
REGIONAL = Actor(user_id=101, is_admin=True)
REFERENT_USER = 200
STRANGER = 300
PROFILE = ReferentProfile(full_name="Maria Rossi", phone="+393331234567", email="m@scuola.it")
WEEK = timedelta(days=7)


@pytest.fixture
async def uow(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    db = Database(tmp_path / "registry.sqlite3")
    await db.connect()
    work = UnitOfWork(db, absence_start_date=None, timezone=ZoneInfo("Europe/Rome"))
    await work.plessi.upsert_many(
        [plesso("MIEE00001A"), plesso("BGEE00001A", ats="ATS-VALPADANA")], actor=0, now=NOW
    )
    yield work
    await db.close()


async def _joined(uow: UnitOfWork) -> int:
    invited = await registry.invite(uow, MILANO, "MIEE00001A", NOW, WEEK)
    assert invited is not None
    checked = await onboarding.check_code(uow, REFERENT_USER, invited.code, NOW)
    assert checked.refused is None and checked.plesso is not None
    assert await onboarding.join(uow, REFERENT_USER, checked.invitation_hash, PROFILE, NOW)
    referent = await uow.referents.by_user(REFERENT_USER)
    assert referent is not None and referent.plessi == ("MIEE00001A",)
    return referent.id


async def test_an_ats_admin_imports_only_their_own_plessi(uow: UnitOfWork) -> None:
    own = plesso("MIEE00001A", name="NUOVO NOME")
    foreign = plesso("BGEE00001A", ats="ATS-VALPADANA", name="ALTRO")
    parsed = SchoolsImport(rows=[_row(own, 2), _row(foreign, 3)], errors=[])
    imported = await registry.import_schools(uow, MILANO, parsed, NOW)
    assert (imported.counts.added, imported.counts.updated, imported.counts.unchanged) == (0, 1, 0)
    assert [(error.line, error.code) for error in imported.refused] == [(3, "plesso_other_ats")]
    stored = await uow.plessi.get("BGEE00001A")
    assert stored is not None and stored.name != "ALTRO"
    regional = await registry.import_schools(uow, REGIONAL, parsed, NOW)
    assert (regional.counts.updated, regional.counts.unchanged, regional.refused) == (1, 1, [])


def _row(item: Plesso, line: int) -> PlessoRow:
    """The CSV row that loads `item`."""
    return PlessoRow(
        line=line,
        code=item.code,
        name=item.name,
        comune=Comune(code=item.comune_code, name=item.comune_name, province=item.province),
        address=item.address,
        school_type=SchoolType(item.school_type),
        sentinel=item.sentinel,
        ats_code=item.ats_code,
    )


async def test_an_invitation_only_to_a_plesso_the_admin_manages(uow: UnitOfWork) -> None:
    assert await registry.invite(uow, MILANO, "BGEE00001A", NOW, WEEK) is None
    assert await registry.invite(uow, MILANO, "MIEE99999Z", NOW, WEEK) is None
    invited = await registry.invite(uow, REGIONAL, "BGEE00001A", NOW, WEEK)
    assert invited is not None and invited.invitation.expires_at == NOW + WEEK
    assert invited.plesso.code == "BGEE00001A" and len(invited.code) == 12


async def test_used_and_expired_codes_are_refused(uow: UnitOfWork) -> None:
    await _joined(uow)
    invited = await registry.invite(uow, MILANO, "MIEE00001A", NOW, WEEK)
    assert invited is not None
    expired = await onboarding.check_code(uow, STRANGER, invited.code, NOW + WEEK)
    assert expired.refused is CodeRefusal.EXPIRED
    checked = await onboarding.check_code(uow, STRANGER, invited.code, NOW)
    assert await onboarding.join(uow, STRANGER, checked.invitation_hash, PROFILE, NOW)
    used = await onboarding.check_code(uow, STRANGER + 1, invited.code, NOW)
    assert used.refused is CodeRefusal.USED
    # Used meanwhile (two phones, one code): the second join changes nothing.
    assert not await onboarding.join(uow, STRANGER + 1, checked.invitation_hash, PROFILE, NOW)


async def test_wrong_codes_count_down_then_lock_out(uow: UnitOfWork) -> None:
    lefts = []
    for minute in range(LOCKOUT_FAILURES - 1):
        checked = await onboarding.check_code(
            uow, STRANGER, "ZZZZ-ZZZZ-ZZZZ", NOW + timedelta(minutes=minute)
        )
        assert checked.refused is CodeRefusal.WRONG
        lefts.append(checked.attempts_left)
    assert lefts == [4, 3, 2, 1]
    last = NOW + timedelta(minutes=LOCKOUT_FAILURES)
    locked = await onboarding.check_code(uow, STRANGER, "not a code", last)
    assert locked.refused is CodeRefusal.LOCKED_OUT
    assert locked.locked_until == last + LOCKOUT_DURATION
    # Locked out, even a good code is not looked at (nor counted).
    invited = await registry.invite(uow, MILANO, "MIEE00001A", NOW, WEEK)
    assert invited is not None
    still = await onboarding.check_code(uow, STRANGER, invited.code, last)
    assert still.refused is CodeRefusal.LOCKED_OUT
    assert await onboarding.locked_until(uow, STRANGER, last + LOCKOUT_DURATION) is None


async def test_only_the_plessi_of_the_admins_ats_can_be_revoked(uow: UnitOfWork) -> None:
    referent_id = await _joined(uow)
    assert await registry.revocable(uow, VALPADANA) == []
    (target,) = await registry.revocable(uow, MILANO)
    assert (target.referent_id, target.plesso_code) == (referent_id, "MIEE00001A")
    assert await registry.revoke_target(uow, VALPADANA, referent_id, "MIEE00001A") is None
    refused = await registry.revoke(uow, VALPADANA, referent_id, "MIEE00001A", NOW)
    assert refused is Revocation.REFUSED
    assert await uow.notices.of_referent(referent_id) == []
    assert await registry.revoke(uow, MILANO, referent_id, "MIEE00001A", NOW) is Revocation.DONE
    assert await registry.revoke(uow, MILANO, referent_id, "MIEE00001A", NOW) is (
        Revocation.NOTHING
    )
    (notice,) = await uow.notices.of_referent(referent_id)
    assert notice.plesso_code == "MIEE00001A"
    assert await registry.referents_of(uow, MILANO) == []


# --- /inviti and /revoca's search (issue 15, item 2) --------------------------------------------


async def test_outstanding_invitations_are_scoped_and_cancelled_once(uow: UnitOfWork) -> None:
    own = await registry.invite(uow, MILANO, "MIEE00001A", NOW, WEEK)
    foreign = await registry.invite(uow, VALPADANA, "BGEE00001A", NOW, WEEK)
    assert own is not None and foreign is not None
    listed = await registry.outstanding_invitations(uow, MILANO, NOW)
    assert [item.invitation.id for item in listed] == [own.invitation.id]
    assert len(await registry.outstanding_invitations(uow, REGIONAL, NOW)) == 2
    # Not another ATS's, not an unknown one: refused, nothing changed.
    refused = await registry.cancel_invitation(uow, MILANO, foreign.invitation.id, NOW)
    assert refused == (registry.Cancellation.REFUSED, None)
    assert (await registry.cancel_invitation(uow, MILANO, 999, NOW))[0] is (
        registry.Cancellation.REFUSED
    )
    outcome, plesso_of = await registry.cancel_invitation(uow, MILANO, own.invitation.id, NOW)
    assert outcome is registry.Cancellation.DONE and plesso_of is not None
    again, _ = await registry.cancel_invitation(uow, MILANO, own.invitation.id, NOW)
    assert again is registry.Cancellation.NOTHING
    assert await registry.outstanding_invitations(uow, MILANO, NOW) == []
    checked = await onboarding.check_code(uow, REFERENT_USER, own.code, NOW)
    assert checked.refused is CodeRefusal.EXPIRED
    rows = await uow.db.fetchall(
        "SELECT actor, entity_id, details FROM audit_log WHERE action = 'invitation.cancel'"
    )
    assert [tuple(row) for row in rows] == [
        ("tg:100", "MIEE00001A", f'{{"invitation": {own.invitation.id}}}')
    ]
    assert await registry.outstanding_invitations(uow, VALPADANA, NOW) != []


async def test_used_and_expired_invitations_are_not_outstanding(uow: UnitOfWork) -> None:
    await _joined(uow)  # its invitation is used
    await registry.invite(uow, MILANO, "MIEE00001A", NOW - WEEK * 2, WEEK)  # expired
    assert await registry.outstanding_invitations(uow, MILANO, NOW) == []


@pytest.mark.parametrize(
    ("search", "found"),
    [("", 1), ("rossi", 1), ("ROSSÌ", 1), ("maria r", 1), ("miee0", 1), ("bianchi", 0)],
)
async def test_revocable_narrows_by_name_part_or_plesso_code(
    uow: UnitOfWork, search: str, found: int
) -> None:
    await _joined(uow)
    assert len(await registry.revocable(uow, MILANO, search)) == found
    assert await registry.revocable(uow, VALPADANA, search) == []
