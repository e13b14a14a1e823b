"""The «Ricorda ora» use case (services/reminders.py): who may push to which scope, and the
refusals (too soon, window closed, nobody to remind) before anything is recorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.access import Actor
from domain.calendar import SchoolCalendar
from domain.reminders import ReminderKey, ReminderKind, ReminderState
from services import onboarding, registry
from services import reminders as reminders_service
from services.reminders import PushRefusal
from services.unit_of_work import UnitOfWork
from storage.db import Database
from tests.unit.test_registry_services import MILANO, PROFILE, REFERENT_USER, REGIONAL, VALPADANA
from tests.unit.test_storage import plesso

ROME = ZoneInfo("Europe/Rome")
TUESDAY = date(2026, 11, 17)
TUESDAY_10 = datetime(2026, 11, 17, 10, 0, tzinfo=ROME)
THURSDAY_10 = datetime(2026, 11, 19, 10, 0, tzinfo=ROME)
CALENDAR = SchoolCalendar(start_date=None, timezone=ROME)


@pytest.fixture
async def uow(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    db = Database(tmp_path / "push.sqlite3")
    await db.connect()
    work = UnitOfWork(db, absence_start_date=None, timezone=ROME)
    await work.plessi.upsert_many([plesso("MIEE00001A")], actor=0, now=TUESDAY_10)
    yield work
    await db.close()


async def _referent(uow: UnitOfWork) -> None:
    invited = await registry.invite(uow, MILANO, "MIEE00001A", TUESDAY_10, timedelta(days=7))
    assert invited is not None
    checked = await onboarding.check_code(uow, REFERENT_USER, invited.code, TUESDAY_10)
    assert await onboarding.join(uow, REFERENT_USER, checked.invitation_hash, PROFILE, TUESDAY_10)


def test_only_a_regional_admin_pushes_to_every_ats() -> None:
    assert reminders_service.may_push(REGIONAL, None)
    assert reminders_service.may_push(REGIONAL, "ATS-MILANO")
    assert reminders_service.may_push(MILANO, "ATS-MILANO")
    assert not reminders_service.may_push(MILANO, None)
    assert not reminders_service.may_push(VALPADANA, "ATS-MILANO")
    assert not reminders_service.may_push(Actor(user_id=REFERENT_USER), "ATS-MILANO")


async def test_a_push_is_recorded_then_refused_for_an_hour(uow: UnitOfWork) -> None:
    nobody = await reminders_service.plan_push(
        uow, MILANO, "ATS-MILANO", TUESDAY, CALENDAR, TUESDAY_10
    )
    assert nobody.refused is PushRefusal.NOBODY and await uow.reminders.last_push(None) is None
    await _referent(uow)
    plan = await reminders_service.plan_push(
        uow, MILANO, "ATS-MILANO", TUESDAY, CALENDAR, TUESDAY_10
    )
    assert plan.refused is None and plan.push_id > 0
    assert [link.user_id for link in plan.recipients] == [REFERENT_USER]
    later = TUESDAY_10 + timedelta(minutes=59)
    again = await reminders_service.plan_push(uow, MILANO, "ATS-MILANO", TUESDAY, CALENDAR, later)
    assert again.refused is PushRefusal.TOO_SOON
    assert (again.last_push, again.retry_from) == (TUESDAY_10, TUESDAY_10 + timedelta(hours=1))
    hour = TUESDAY_10 + timedelta(hours=1)
    after = await reminders_service.plan_push(uow, MILANO, "ATS-MILANO", TUESDAY, CALENDAR, hour)
    assert after.refused is None and after.push_id > plan.push_id


async def test_no_push_once_the_day_cannot_be_recorded(uow: UnitOfWork) -> None:
    await _referent(uow)
    closed = await reminders_service.plan_push(
        uow, MILANO, "ATS-MILANO", TUESDAY, CALENDAR, THURSDAY_10
    )
    assert closed.refused is PushRefusal.WINDOW_CLOSED
    assert await uow.reminders.last_push("ATS-MILANO") is None


async def test_a_person_reminded_in_the_last_hour_is_not_pushed_again(uow: UnitOfWork) -> None:
    # Issue 22: the automatic reminder went at 10:00; «Ricorda ora» at 10:30 skips them.
    await _referent(uow)
    (link,) = await uow.reminders.links("ATS-MILANO")
    automatic = ReminderKey(link.referent_id, link.plesso_code, ReminderKind.ABSENCES, TUESDAY)
    claimed = await uow.reminders.claim([automatic], TUESDAY_10)
    await uow.reminders.finish(claimed.values(), ReminderState.SENT, TUESDAY_10, message_id=1)
    half_past = TUESDAY_10 + timedelta(minutes=30)
    plan = await reminders_service.plan_push(
        uow, MILANO, "ATS-MILANO", TUESDAY, CALENDAR, half_past
    )
    assert plan.refused is PushRefusal.NOBODY
    hour = TUESDAY_10 + timedelta(hours=1)
    later = await reminders_service.plan_push(uow, MILANO, "ATS-MILANO", TUESDAY, CALENDAR, hour)
    assert [r.user_id for r in later.recipients] == [REFERENT_USER]
