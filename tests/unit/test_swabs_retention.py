"""Issue 20's retention: the swab data go in the citizens' retention run, proved on the raw
file bytes after VACUUM (a referral that became a positive case, a used pass)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.swabs import Outcome, ReferralRow, SlotKind, SlotRow
from services import citizens
from services.unit_of_work import UnitOfWork
from tests.unit.test_citizens_services import ADMIN, NOW, _raw_bytes, _signed_in, uow

__all__ = ["uow"]  # the fixture, shared with the citizens' tests

ROME = ZoneInfo("Europe/Rome")
REFERRED = ReferralRow(
    line=2,
    codice_fiscale="VRDLGU70A01F205X",
    surname="VERDISSIMO",
    name="LUIGINO",
    birth_date=date(1970, 1, 1),
    phone="393471234567",
    doctor="DOTTORBIANCHI",
)
PASS_CF = "GLLPLA10A01F205Q"


async def _swab_data(uow: UnitOfWork, citizen_id: int) -> None:
    """A referral booked, positive, tied to the citizen; a pass issued and used."""
    row = SlotRow(
        line=2,
        point="NIG",
        name="Niguarda",
        address="Via X",
        comune="Milano",
        day=date(2026, 11, 18),
        opens=time(9, 0),
        closes=time(10, 0),
        minutes=20,
        places=2,
        kind=SlotKind.BOOKED,
    )
    await uow.swabs.load_slots("ATS-MILANO", [row], actor=100, now=NOW)
    slot = (await uow.swabs.open_slots("ATS-MILANO", NOW.replace(tzinfo=None)))[0]
    referral_id = await uow.swabs.add_referral(
        REFERRED,
        ats_code="ATS-MILANO",
        token_hash="h" * 64,
        expires_at=NOW + timedelta(hours=72),
        actor=100,
        now=NOW,
    )
    booking_id = await uow.swabs.add_booking(
        "AB12CD", None, slot.id, by=7, now=NOW, referral_id=referral_id
    )
    await uow.swabs.claim_reminder("evening", booking_id, NOW)
    await uow.swabs.set_result(booking_id, Outcome.POSITIVE, NOW.date(), by=100, now=NOW)
    await uow.swabs.set_referral_citizen(referral_id, citizen_id)
    issued = await uow.swabs.add_pass(
        "PQ34RS",
        ats_code="ATS-MILANO",
        plesso_code="MIEE00001",
        codice_fiscale=PASS_CF,
        now=NOW,
        expires_at=NOW + timedelta(hours=48),
    )
    assert await uow.swabs.use_pass(issued.id, by=8, now=NOW + timedelta(hours=47))


def _count(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def test_swab_data_leave_no_trace_after_the_retention_days(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    path = tmp_path / "citizens.sqlite3"
    citizen_id = await _signed_in(uow)
    await _swab_data(uow, citizen_id)
    secrets = [REFERRED.codice_fiscale, "VERDISSIMO", "DOTTORBIANCHI", "393471234567", PASS_CF]
    # The isolation closes when the pass is used: the referral goes with the person.
    closed = NOW + timedelta(hours=47)
    assert await citizens.close_isolation(uow, ADMIN, citizen_id, closed) is not None
    almost = closed + timedelta(days=90) - timedelta(minutes=1)
    assert await citizens.purge_closed_isolations(uow, almost, 90, ROME) == {}
    assert all(s.encode() in _raw_bytes(path) for s in secrets)
    assert _count(path, "swab_referrals") == 1 and _count(path, "swab_passes") == 1
    deleted = await citizens.purge_closed_isolations(uow, closed + timedelta(days=90), 90, ROME)
    assert deleted == {"ATS-MILANO": 1}
    for table in ("swab_referrals", "swab_bookings", "swab_passes", "swab_reminders"):
        assert _count(path, table) == 0, table
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE entity IN ('swab_booking', 'swab_referral')"
        ).fetchone() == (0,)
        recorded = conn.execute(
            "SELECT details FROM audit_log WHERE action = 'retention.swabs'"
        ).fetchall()
    # The booking went first (its result is older), the referral and the pass with the person.
    assert '"bookings": 1' in recorded[0][0]
    assert '"passes": 1, "referrals": 1' in recorded[1][0]
    data = _raw_bytes(path)
    assert [s for s in secrets if s.encode() in data] == []


async def test_a_pass_stays_until_the_retention_days_after_its_end(uow: UnitOfWork) -> None:
    issued = await uow.swabs.add_pass(
        "PQ34RS",
        ats_code="ATS-MILANO",
        plesso_code="MIEE00001",
        codice_fiscale=PASS_CF,
        now=NOW,
        expires_at=NOW + timedelta(hours=48),
    )
    # Never used: it ends when it expires.
    end = NOW + timedelta(hours=48)
    await citizens.purge_closed_isolations(uow, end + timedelta(days=90, minutes=-1), 90, ROME)
    assert await uow.swabs.pass_by_id(issued.id) is not None
    await citizens.purge_closed_isolations(uow, end + timedelta(days=90), 90, ROME)
    assert await uow.swabs.pass_by_id(issued.id) is None
