"""Swab booking: the pure rules (slots CSV, the booking window, codes, passes) and the
storage on a real SQLite file, with the last place taken by two connections at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.isolation import swab_eligible_from
from domain.swabs import (
    PASS_CODE_LENGTH,
    Booking,
    Outcome,
    PassCheck,
    PassFor,
    Slot,
    SlotKind,
    SlotRow,
    SwabPass,
    SwabPoint,
    bookable,
    check_pass,
    new_code,
    normalize_code,
    parse_results_csv,
    parse_slots_csv,
    pass_allowed,
)
from services.unit_of_work import UnitOfWork
from storage.db import Database

TODAY = date(2026, 11, 17)
NOW = datetime(2026, 11, 17, 8, 30, tzinfo=UTC)
POINT = SwabPoint(id=1, ats_code="ATS-MILANO", code="NIG", name="N", address="A", comune="M")


def _slot(starts: datetime, *, booked: int = 0, kind: SlotKind = SlotKind.BOOKED) -> Slot:
    return Slot(id=1, point=POINT, starts_at=starts, minutes=20, places=1, booked=booked, kind=kind)


def test_slots_csv_rows_are_checked_with_line_numbers() -> None:
    data = (
        b"punto;nome;indirizzo;comune;data;dalle;alle;durata;posti;tipo\n"
        b"NIG;Niguarda;Via X;Milano;18/11/2026;09:00;10:00;20;2;prenotati\n"
        b"NIG;Niguarda;Via X;Milano;16/11/2026;09:00;10:00;20;2;prenotati\n"
        b"NIG;Niguarda;Via X;Milano;18/11/2026;9.00;9:10;20;2;prenotati\n"
        b"NIG;Niguarda;Via X;Milano;18/11/2026;25:00;10:00;20;2;Accesso diretto\n"
    )
    parsed = parse_slots_csv(data, TODAY)
    assert [row.line for row in parsed.rows] == [2]
    assert [len(row.starts()) for row in parsed.rows] == [3]
    assert {(e.line, e.code) for e in parsed.errors} == {
        (3, "swab_day_past"),
        (4, "swab_no_slot"),
        (5, "swab_time_invalid"),
    }


def test_the_window_opens_on_the_eligible_day_only() -> None:
    eligible = swab_eligible_from(date(2026, 11, 12), None, None)
    assert eligible == date(2026, 11, 22)
    slot = _slot(datetime(2026, 11, 23, 9, 0))
    assert not bookable(slot, eligible, datetime(2026, 11, 21, 9, 0))  # day 9: not yet
    assert bookable(slot, eligible, datetime(2026, 11, 22, 9, 0))
    assert not bookable(_slot(datetime(2026, 11, 22, 8, 0)), eligible, datetime(2026, 11, 22, 9))
    assert not bookable(
        _slot(datetime(2026, 11, 23, 9), booked=1), eligible, datetime(2026, 11, 22)
    )
    direct = _slot(datetime(2026, 11, 23, 9), kind=SlotKind.DIRECT)
    assert not bookable(direct, eligible, datetime(2026, 11, 22))
    # Symptomatic: onset + 10, and 3 days without symptoms after the last one.
    assert swab_eligible_from(date(2026, 11, 12), date(2026, 11, 15), date(2026, 11, 24)) == date(
        2026, 11, 28
    )


@given(st.text(max_size=12))
def test_a_typed_code_is_either_canonical_or_refused(text: str) -> None:
    code = normalize_code(text, PASS_CODE_LENGTH)
    assert code is None or (len(code) == PASS_CODE_LENGTH and code == code.upper())


def test_codes_read_back() -> None:
    code = new_code(PASS_CODE_LENGTH)
    assert normalize_code(" " + code.lower()[:3] + " " + code[3:], PASS_CODE_LENGTH) == code
    assert normalize_code("O0I1L5", PASS_CODE_LENGTH) is None


def test_a_pass_is_single_use_48_hours_and_its_ats_only() -> None:
    issued = SwabPass(
        id=1,
        code="ABCDEF",
        ats_code="ATS-MILANO",
        plesso_code="MIEE8AB01T",
        codice_fiscale="RSSGLI14C43F205V",
        issued_at=NOW,
        expires_at=NOW + timedelta(hours=48),
    )
    assert check_pass(issued, "ATS-MILANO", NOW) is PassCheck.VALID
    assert check_pass(issued, None, NOW) is PassCheck.VALID  # a regional admin
    assert check_pass(issued, "ATS-VALPADANA", NOW) is PassCheck.OTHER_ATS
    assert check_pass(issued, "ATS-MILANO", NOW + timedelta(hours=48)) is PassCheck.EXPIRED
    used = issued.model_copy(update={"used_at": NOW})
    assert check_pass(used, "ATS-MILANO", NOW) is PassCheck.USED
    assert check_pass(None, "ATS-MILANO", NOW) is PassCheck.UNKNOWN
    assert [who for who in PassFor if pass_allowed(who)] == [PassFor.PUPIL, PassFor.STAFF]


def test_results_csv() -> None:
    data = b"codice;data;esito\nABCDEFGH;16/11/2026;Negativo\nX;18/11/2026;negativo\nY;;boh\n"
    rows, errors = parse_results_csv(data, TODAY)
    assert [(r.key, r.outcome) for r in rows] == [("ABCDEFGH", Outcome.NEGATIVE)]
    assert [e.line for e in errors] == [3, 4]


# --- storage: the last place --------------------------------------------------------------------


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    path = tmp_path / "swabs.sqlite3"
    first, second = Database(path), Database(path)
    await first.connect()
    await second.connect()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_two_connections_take_the_last_place_at_once(
    databases: tuple[Database, Database],
) -> None:
    """Two processes (two connections to the file) race for the one place left, many
    times: each time exactly one gets it, and `booked` never exceeds `places`."""
    one, two = (
        UnitOfWork(db, absence_start_date=None, timezone=ZoneInfo("Europe/Rome"))
        for db in databases
    )
    row = SlotRow(
        line=2,
        point="NIG",
        name="Niguarda",
        address="Via X",
        comune="Milano",
        day=date(2026, 11, 22),
        opens=time(9, 0),
        closes=time(19, 0),
        minutes=20,
        places=1,
        kind=SlotKind.BOOKED,
    )
    await one.swabs.load_slots("ATS-MILANO", [row], actor=100, now=NOW)
    slots = await one.swabs.open_slots("ATS-MILANO", datetime(2026, 11, 22, 0, 0))
    assert len(slots) == 30
    for slot in slots:
        won = await asyncio.gather(one.swabs.take_place(slot.id), two.swabs.take_place(slot.id))
        assert sorted(won) == [False, True]
    after = await two.swabs.open_slots("ATS-MILANO", datetime(2026, 11, 22, 0, 0))
    assert {(s.booked, s.places) for s in after} == {(1, 1)}


async def test_the_check_constraint_is_the_last_guard(databases: tuple[Database, Database]) -> None:
    import sqlite3

    db = databases[0]
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO swab_points (ats_code, code, name, address, comune)"
            " VALUES ('A', 'P', 'n', 'a', 'c')"
        )
        await conn.execute(
            "INSERT INTO swab_slots (point_id, starts_at, minutes, places, booked, kind)"
            " VALUES (1, '2026-11-22T09:00', 20, 1, 1, 'prenotati')"
        )
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("UPDATE swab_slots SET booked = booked + 1")


def test_a_booking_awaits_its_result_once_its_slot_is_over() -> None:
    rome = ZoneInfo("Europe/Rome")
    slot = _slot(datetime(2026, 11, 22, 10, 0))  # 10:00–10:20, local
    booking = Booking(id=1, code="ABC", citizen_id=1, slot=slot)
    assert not booking.awaits_result(datetime(2026, 11, 22, 10, 19, tzinfo=rome))
    assert booking.awaits_result(datetime(2026, 11, 22, 10, 20, tzinfo=rome))
    # The zone is the slots': 09:20 UTC is 10:20 in Rome, and the naive local clock agrees.
    assert booking.awaits_result(datetime(2026, 11, 22, 9, 20, tzinfo=UTC).astimezone(rome))
    done = booking.model_copy(update={"result": Outcome.NEGATIVE})
    assert not done.awaits_result(datetime(2026, 11, 23, 9, 0, tzinfo=rome))
