"""The citizens' use cases on a real SQLite file: the register and its hashed single-use
tokens, the sign-in and its lock-out, whom a chat acts for, the diary's alert written with
the entry, the household list locked once taken in charge, the reminder log."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.access import Actor
from domain.diary import DiaryEntry, RedFlag
from domain.isolation import HouseholdMember, RegisterImport, RegisterRow
from services import citizens
from services.citizens import MemberRefusal, SignInRefusal
from services.unit_of_work import UnitOfWork
from storage.db import Database

NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
TODAY = date(2026, 11, 17)
LOCAL_NOW = NOW.astimezone(ZoneInfo("Europe/Rome"))
ADMIN = Actor(user_id=100, is_admin=True, admin_ats="ATS-MILANO")
OTHER_ADMIN = Actor(user_id=102, is_admin=True, admin_ats="ATS-VALPADANA")
MARIO = RegisterRow(
    line=2,
    codice_fiscale="RSSMRA85D10F205K",
    surname="ROSSI",
    name="MARIO",
    birth_date=date(1985, 4, 10),
    phone="+393331112222",
    d0=date(2026, 11, 12),
)
CHAT = 501


@pytest.fixture
async def uow(tmp_path: Path) -> AsyncIterator[UnitOfWork]:
    database = Database(tmp_path / "citizens.sqlite3")
    await database.connect()
    try:
        yield UnitOfWork(database, absence_start_date=None, timezone=ZoneInfo("Europe/Rome"))
    finally:
        await database.close()


async def _loaded(uow: UnitOfWork) -> str:
    loaded = await citizens.load_register(
        uow, ADMIN, "ATS-MILANO", RegisterImport(rows=[MARIO], errors=[]), NOW
    )
    return loaded.issued[0].token


async def test_tokens_are_stored_hashed_and_used_once(uow: UnitOfWork, tmp_path: Path) -> None:
    token = await _loaded(uow)
    with closing(sqlite3.connect(tmp_path / "citizens.sqlite3")) as conn:
        dump = "\n".join(conn.iterdump())
    assert token not in dump
    opened = await citizens.open_link(uow, CHAT, token, NOW)
    assert opened.refused is None
    done = await citizens.sign_in(
        uow, CHAT, opened.token_hash, "393331112222", MARIO.codice_fiscale, NOW
    )
    assert done.refused is None and done.citizen is not None
    again = await citizens.open_link(uow, 999, token, NOW)
    assert again.refused is SignInRefusal.INVALID
    # Re-issued: the new link works, the state of the chat's link is kept.
    issued = await citizens.reissue_token(uow, ADMIN, done.citizen.id, NOW)
    assert issued is not None
    assert (await citizens.open_link(uow, 999, issued.token, NOW)).refused is None
    assert await citizens.reissue_token(uow, OTHER_ADMIN, done.citizen.id, NOW) is None


async def test_an_expired_link_opens_nothing(uow: UnitOfWork) -> None:
    token = await _loaded(uow)
    later = NOW + timedelta(hours=72)
    assert (await citizens.open_link(uow, CHAT, token, later)).refused is SignInRefusal.INVALID


async def test_three_wrong_pairs_lock_the_chat(uow: UnitOfWork) -> None:
    token = await _loaded(uow)
    opened = await citizens.open_link(uow, CHAT, token, NOW)
    results = [
        await citizens.sign_in(uow, CHAT, opened.token_hash, phone, cf, NOW + timedelta(minutes=i))
        for i, (phone, cf) in enumerate(
            [
                ("393331112222", "BNCNNA80T52F205N"),  # right phone, wrong code
                ("393339999999", MARIO.codice_fiscale),  # wrong phone, right code
                ("393339999999", "x"),
            ]
        )
    ]
    assert [r.refused for r in results] == [
        SignInRefusal.WRONG,
        SignInRefusal.WRONG,
        SignInRefusal.LOCKED_OUT,
    ]
    right = await citizens.sign_in(
        uow,
        CHAT,
        opened.token_hash,
        "393331112222",
        MARIO.codice_fiscale,
        NOW + timedelta(minutes=5),
    )
    assert right.refused is SignInRefusal.LOCKED_OUT
    after = await citizens.sign_in(
        uow,
        CHAT,
        opened.token_hash,
        "393331112222",
        MARIO.codice_fiscale,
        NOW + timedelta(minutes=33),
    )
    assert after.refused is None


async def _signed_in(uow: UnitOfWork) -> int:
    token = await _loaded(uow)
    opened = await citizens.open_link(uow, CHAT, token, NOW)
    done = await citizens.sign_in(
        uow, CHAT, opened.token_hash, "393331112222", MARIO.codice_fiscale, NOW
    )
    assert done.citizen is not None
    return done.citizen.id


async def test_a_red_flag_raises_an_alert_with_the_entry(uow: UnitOfWork) -> None:
    citizen_id = await _signed_in(uow)
    entry = DiaryEntry(day=TODAY, red_flags=(RedFlag.BLUE_LIPS,))
    saved = await citizens.save_diary(uow, CHAT, citizen_id, entry, None, NOW, TODAY)
    assert saved is not None and saved.alert_id is not None
    lines = await citizens.desk(uow, ADMIN, NOW, LOCAL_NOW)
    assert [line.status.value for line in lines] == ["red_flag"]
    # Claimed once for its push; given back when the push reached nobody.
    claimed = await citizens.claim_pending_alerts(uow, NOW)
    assert [(a.citizen_id, a.ats_code, a.day) for a in claimed] == [
        (citizen_id, "ATS-MILANO", TODAY)
    ]
    assert await citizens.claim_pending_alerts(uow, NOW) == []
    await citizens.release_alert(uow, claimed[0].alert_id)
    assert len(await citizens.claim_pending_alerts(uow, NOW)) == 1
    assert await citizens.desk(uow, OTHER_ADMIN, NOW, LOCAL_NOW) == []
    # Another chat, or a day before yesterday: nothing saved.
    assert await citizens.save_diary(uow, 999, citizen_id, entry, None, NOW, TODAY) is None
    old = DiaryEntry(day=TODAY - timedelta(days=2))
    assert await citizens.save_diary(uow, CHAT, citizen_id, old, None, NOW, TODAY) is None


async def test_household_members_locked_once_taken_in_charge(uow: UnitOfWork) -> None:
    citizen_id = await _signed_in(uow)
    anna = HouseholdMember(surname="BIANCHI", name="ANNA", codice_fiscale="BNCNNA80T52F205N")
    added = await citizens.add_member(uow, CHAT, anna, NOW, TODAY)
    assert added is not None and added.member_id is not None
    twice = await citizens.add_member(uow, CHAT, anna, NOW, TODAY)
    assert twice is not None and twice.refused is MemberRefusal.DUPLICATE
    assert await citizens.add_member(uow, 999, anna, NOW, TODAY) is None  # not a citizen
    assert await citizens.take_household(uow, ADMIN, citizen_id, NOW)
    assert not await citizens.delete_member(uow, CHAT, added.member_id, NOW, TODAY)
    other = anna.model_copy(update={"codice_fiscale": "VRDPLA79A01F205Z"})
    locked = await citizens.add_member(uow, CHAT, other, NOW, TODAY)
    assert locked is not None and locked.refused is MemberRefusal.LOCKED


async def test_reminders_are_claimed_once_and_stop_when_closed(uow: UnitOfWork) -> None:
    citizen_id = await _signed_in(uow)
    rome = ZoneInfo("Europe/Rome")
    local = NOW.astimezone(rome)
    first = await citizens.due_reminders(uow, NOW, local)
    assert [(d.kind.value, d.chats) for d in first] == [("prompt", [CHAT])]
    assert await citizens.due_reminders(uow, NOW, local) == []
    later = NOW + timedelta(hours=4)
    assert [
        d.kind.value for d in await citizens.due_reminders(uow, later, later.astimezone(rome))
    ] == ["nudge"]
    assert await citizens.close_isolation(uow, ADMIN, citizen_id, NOW) is not None
    tomorrow = NOW + timedelta(days=1)
    assert await citizens.due_reminders(uow, tomorrow, tomorrow.astimezone(rome)) == []


def _raw_bytes(path: Path) -> bytes:
    found = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            found += side.read_bytes()
    return found


async def test_closed_isolations_leave_no_trace_after_the_retention_days(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    rome = ZoneInfo("Europe/Rome")
    path = tmp_path / "citizens.sqlite3"
    citizen_id = await _signed_in(uow)
    entry = DiaryEntry(day=TODAY, red_flags=(RedFlag.CHEST_PAIN,))
    await citizens.save_diary(uow, CHAT, citizen_id, entry, None, NOW, TODAY)
    anna = HouseholdMember(surname="BIANCHIFOGLIO", name="ANNA", codice_fiscale="BNCNNA80T52F205N")
    await citizens.add_member(uow, CHAT, anna, NOW, TODAY)
    await uow.conversations.load_steps()
    await uow.conversations.save(
        "citizen_diary", (CHAT, CHAT), 2, {"citizen_id": citizen_id, "x": "ROSSI"}, NOW
    )
    secrets = [MARIO.codice_fiscale, "BNCNNA80T52F205N", "BIANCHIFOGLIO"]
    assert await citizens.close_isolation(uow, ADMIN, citizen_id, NOW) is not None
    # Not yet: 90 days minus a minute.
    almost = NOW + timedelta(days=90) - timedelta(minutes=1)
    assert await citizens.purge_closed_isolations(uow, almost, 90, rome) == {}
    assert all(s.encode() in _raw_bytes(path) for s in secrets)
    deleted = await citizens.purge_closed_isolations(uow, NOW + timedelta(days=90), 90, rome)
    assert deleted == {"ATS-MILANO": 1}
    with closing(sqlite3.connect(path)) as conn:
        for table in (
            "citizens",
            "diary_entries",
            "household_members",
            "citizen_alerts",
            "citizen_links",
            "citizen_reminders",
            "conversations",
        ):
            assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
        assert conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'citizen'"
        ).fetchone() == (0,)
        assert conn.execute("PRAGMA freelist_count").fetchone() == (0,)
    assert uow.conversations.step("citizen_diary", (CHAT, CHAT)) is None
    data = _raw_bytes(path)
    assert [s for s in secrets if s.encode() in data] == []
    # The run is recorded for the ATS, with counts only.
    with closing(sqlite3.connect(path)) as conn:
        recorded = conn.execute(
            "SELECT entity_id, details FROM audit_log WHERE action = 'retention.citizens'"
        ).fetchall()
    assert recorded[0][0] == "ATS-MILANO" and '"people": 1' in recorded[0][1]
