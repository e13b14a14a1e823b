"""Use cases of the swab booking (issue 20).

The ATS loads its swab points and their capacity (a CSV) and closes a day when it must; a
person in isolation books the recovery swab from the day the rules allow it (read from the
isolation module's dated parameters and the diary), cancels or moves it up to two hours
before; the ATS posts the results, which close the isolation when negative. A school pass
gives a suspected pupil or staff member direct access, checked once at the swab point.
No telegram and no texts here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from domain.access import Actor
from domain.codice_fiscale import parse_codice_fiscale
from domain.diary import last_symptom_day
from domain.errors import ValidationFailed
from domain.isolation import Citizen, swab_eligible_from
from domain.schools import RowError
from domain.swabs import (
    BOOKING_CODE_LENGTH,
    PASS_CODE_LENGTH,
    PASS_VALIDITY,
    REPEAT_AFTER_POSITIVE_DAYS,
    Booking,
    Outcome,
    PassCheck,
    ResultRow,
    Slot,
    SlotsImport,
    SwabPass,
    bookable,
    can_change,
    check_pass,
    new_code,
    normalize_code,
    repeat_from,
)
from services.unit_of_work import UnitOfWork

# --- points and slots (ATS) ------------------------------------------------------------------


@dataclass(frozen=True)
class SlotsLoaded:
    points: int
    slots: int
    refused: list[RowError]


async def load_slots(
    uow: UnitOfWork, actor: Actor, ats_code: str, parsed: SlotsImport, now: datetime
) -> SlotsLoaded:
    points, slots = await uow.swabs.load_slots(ats_code, parsed.rows, actor=actor.user_id, now=now)
    return SlotsLoaded(points, slots, parsed.errors)


# --- the recovery swab (citizen) ---------------------------------------------------------------


@dataclass(frozen=True)
class RecoveryView:
    """What the 🧪 Tampone button shows: the date it opens, the booking, the free slots."""

    citizen: Citizen
    eligible_from: date
    booking: Booking | None
    slots: list[Slot] = field(default_factory=list)
    last_result: Booking | None = None

    @property
    def days(self) -> list[date]:
        return sorted({slot.starts_at.date() for slot in self.slots})


async def _active_person(uow: UnitOfWork, user_id: int) -> Citizen | None:
    people, active = await uow.citizens.linked(user_id)
    if not people:
        return None
    return next((c for c in people if c.id == active), people[0])


async def _eligible_from(uow: UnitOfWork, citizen: Citizen) -> date:
    entries = await uow.citizens.entries(citizen.id)
    eligible = swab_eligible_from(citizen.d0, citizen.onset, last_symptom_day(entries))
    last = await uow.swabs.last_result(citizen.id)
    if last is not None and last.result is Outcome.POSITIVE and last.result_day is not None:
        eligible = max(eligible, repeat_from(last.result_day, REPEAT_AFTER_POSITIVE_DAYS))
    return eligible


async def recovery_view(uow: UnitOfWork, user_id: int, local_now: datetime) -> RecoveryView | None:
    """None: the chat acts for nobody."""
    citizen = await _active_person(uow, user_id)
    if citizen is None:
        return None
    eligible = await _eligible_from(uow, citizen)
    booking = await uow.swabs.active_booking(citizen.id)
    slots = [
        slot
        for slot in await uow.swabs.open_slots(citizen.ats_code, local_now)
        if bookable(slot, eligible, local_now)
    ]
    last = await uow.swabs.last_result(citizen.id)
    return RecoveryView(citizen, eligible, booking, slots, last)


class BookRefusal(StrEnum):
    NOT_A_CITIZEN = "not_a_citizen"
    CLOSED = "closed"  # the isolation is over
    NOT_ELIGIBLE = "not_eligible"  # before the day the rules allow (or not a booking slot)
    ALREADY = "already"  # one active booking per person
    TOO_LATE = "too_late"  # the booking to move starts within two hours
    TAKEN = "taken"  # the last place went to someone else a moment ago


@dataclass(frozen=True)
class BookOutcome:
    booking: Booking | None = None
    refused: BookRefusal | None = None
    next_slot: Slot | None = None  # with TAKEN: the next free one, offered at once
    eligible_from: date | None = None


async def book(
    uow: UnitOfWork,
    user_id: int,
    slot_id: int,
    now: datetime,
    local_now: datetime,
    *,
    move: bool = False,
) -> BookOutcome:
    """Book a place of `slot_id` for the chat's active person (with `move`, in place of
    their active booking, in the same transaction: the old place is given back only if the
    new one is taken). The place is taken by a conditional UPDATE: of two people tapping
    the last place at once, one books and the other gets TAKEN with the next free slot."""
    citizen = await _active_person(uow, user_id)
    if citizen is None:
        return BookOutcome(refused=BookRefusal.NOT_A_CITIZEN)
    if not citizen.is_open:
        return BookOutcome(refused=BookRefusal.CLOSED)
    eligible = await _eligible_from(uow, citizen)
    slot = await uow.swabs.slot(slot_id)
    if slot is None or slot.point.ats_code != citizen.ats_code:
        return await _taken(uow, citizen, eligible, local_now)
    if not bookable(slot.model_copy(update={"booked": 0}), eligible, local_now):
        return BookOutcome(refused=BookRefusal.NOT_ELIGIBLE, eligible_from=eligible)
    current = await uow.swabs.active_booking(citizen.id)
    if current is not None and not move:
        return BookOutcome(refused=BookRefusal.ALREADY, booking=current)
    if current is not None and not can_change(current, local_now):
        return BookOutcome(refused=BookRefusal.TOO_LATE, booking=current)
    try:
        async with uow.transaction():
            if current is not None:
                await uow.swabs.cancel(current.id, "moved", by=user_id, now=now)
            if not await uow.swabs.take_place(slot_id):
                raise _Taken
            booking_id = await _insert_booking(uow, citizen.id, slot_id, user_id, now)
    except _Taken:
        return await _taken(uow, citizen, eligible, local_now)
    except sqlite3.IntegrityError:
        # The same person booked from another chat at the same moment: one booking stands.
        found = await uow.swabs.active_booking(citizen.id)
        return BookOutcome(refused=BookRefusal.ALREADY, booking=found)
    booked = await uow.swabs.active_booking(citizen.id)
    assert booked is not None and booked.id == booking_id
    return BookOutcome(booking=booked)


class _Taken(Exception):
    """The last place went a moment ago: roll the transaction back (a move keeps its place)."""


async def _insert_booking(
    uow: UnitOfWork, citizen_id: int, slot_id: int, user_id: int, now: datetime
) -> int:
    for _ in range(5):
        code = new_code(BOOKING_CODE_LENGTH)
        if await uow.swabs.booking_by_code(code) is None:
            return await uow.swabs.add_booking(code, citizen_id, slot_id, by=user_id, now=now)
    raise RuntimeError("no free booking code after 5 tries")  # 31^8: never in practice


async def _taken(
    uow: UnitOfWork, citizen: Citizen, eligible: date, local_now: datetime
) -> BookOutcome:
    slots = await uow.swabs.open_slots(citizen.ats_code, local_now)
    following = next((s for s in slots if bookable(s, eligible, local_now)), None)
    return BookOutcome(refused=BookRefusal.TAKEN, next_slot=following)


async def cancel_booking(
    uow: UnitOfWork, user_id: int, now: datetime, local_now: datetime
) -> BookOutcome:
    """Cancel the active person's booking, up to two hours before."""
    citizen = await _active_person(uow, user_id)
    if citizen is None:
        return BookOutcome(refused=BookRefusal.NOT_A_CITIZEN)
    current = await uow.swabs.active_booking(citizen.id)
    if current is None:
        return BookOutcome(refused=BookRefusal.NOT_ELIGIBLE)
    if not can_change(current, local_now):
        return BookOutcome(refused=BookRefusal.TOO_LATE, booking=current)
    await uow.swabs.cancel(current.id, "citizen", by=user_id, now=now)
    return BookOutcome(booking=current)


# --- results (ATS) ---------------------------------------------------------------------------


class ResultRefusal(StrEnum):
    UNKNOWN = "unknown"  # no active booking with that code or codice fiscale in the ATS


@dataclass(frozen=True)
class ResultPosted:
    """One result recorded: whom to tell and what."""

    citizen: Citizen
    outcome: Outcome
    day: date
    chats: list[int]
    repeat_from: date | None = None  # positive: the next swab from this day


async def _booking_for(uow: UnitOfWork, actor: Actor, key: str, today: date) -> Booking | None:
    code = normalize_code(key, BOOKING_CODE_LENGTH)
    if code is not None:
        found = await uow.swabs.booking_by_code(code)
        if found is not None and actor.manages_ats(found.slot.point.ats_code) and found.is_active:
            return found
    if actor.admin_ats is None:
        return None
    try:
        cf = parse_codice_fiscale(key, today).value
    except ValidationFailed:  # not a codice fiscale either: unknown
        return None
    return await uow.swabs.active_booking_by_cf(actor.admin_ats, cf)


async def post_result(
    uow: UnitOfWork, actor: Actor, key: str, outcome: Outcome, day: date, now: datetime
) -> ResultPosted | None:
    """Record a result for a booking (by its code, or the codice fiscale of the person).
    Negative: the isolation closes (as the ATS's close action does), in the same
    transaction. Positive: the person may book again from `day` + 7. None: no booking."""
    booking = await _booking_for(uow, actor, key, day)
    if booking is None:
        return None
    citizen = await uow.citizens.get(booking.citizen_id)
    if citizen is None:
        return None
    async with uow.transaction():
        if not await uow.swabs.set_result(booking.id, outcome, day, by=actor.user_id, now=now):
            return None
        if outcome is Outcome.NEGATIVE:
            await uow.citizens.close(citizen.id, actor=actor.user_id, now=now)
            await uow.citizens.handle_alerts(citizen.id, actor=actor.user_id, now=now)
    chats = await uow.citizens.chats_of(citizen.id)
    again = repeat_from(day) if outcome is Outcome.POSITIVE else None
    return ResultPosted(citizen, outcome, day, chats, again)


@dataclass(frozen=True)
class ResultsPosted:
    posted: list[ResultPosted]
    unknown: list[int]  # lines whose code matched no active booking
    refused: list[RowError]


async def post_results(
    uow: UnitOfWork, actor: Actor, rows: list[ResultRow], errors: list[RowError], now: datetime
) -> ResultsPosted:
    posted: list[ResultPosted] = []
    unknown: list[int] = []
    for row in rows:
        done = await post_result(uow, actor, row.key, row.outcome, row.day, now)
        if done is None:
            unknown.append(row.line)
        else:
            posted.append(done)
    return ResultsPosted(posted, unknown, errors)


# --- closing a day (ATS) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Displaced:
    """A booking cancelled because its day was closed: whom to tell, and the alternative."""

    booking: Booking
    chats: list[int]
    alternative: Slot | None


async def close_day(
    uow: UnitOfWork, actor: Actor, point_code: str, day: date, now: datetime, local_now: datetime
) -> list[Displaced] | None:
    """Close a point's day: its bookings are cancelled and each holder gets the first
    alternative they may book. None: a regional admin (points belong to one ATS)."""
    ats_code = actor.admin_ats
    if ats_code is None:
        return None
    async with uow.transaction():
        held = await uow.swabs.close_day(ats_code, point_code, day, by=actor.user_id, now=now)
        for booking in held:
            await uow.swabs.cancel(booking.id, "day_closed", by=actor.user_id, now=now)
    displaced: list[Displaced] = []
    slots = await uow.swabs.open_slots(ats_code, local_now)
    for booking in held:
        citizen = await uow.citizens.get(booking.citizen_id)
        if citizen is None:
            continue
        eligible = await _eligible_from(uow, citizen)
        alternative = next((s for s in slots if bookable(s, eligible, local_now)), None)
        displaced.append(Displaced(booking, await uow.citizens.chats_of(citizen.id), alternative))
    return displaced


# --- the school pass ---------------------------------------------------------------------------


async def issue_pass(
    uow: UnitOfWork, plesso_code: str, codice_fiscale: str, now: datetime
) -> SwabPass | None:
    """A pass for direct access for a suspected pupil or staff member of a plesso (the
    sent-home report of issue 17 calls this after asking who the swab is for, see
    domain.swabs.pass_allowed): 6 characters, single use, valid 48 hours, valid only at the
    plesso's ATS. None: unknown plesso."""
    plesso = await uow.plessi.get(plesso_code)
    if plesso is None:
        return None
    for _ in range(5):
        code = new_code(PASS_CODE_LENGTH)
        if await uow.swabs.pass_by_code(code) is None:
            return await uow.swabs.add_pass(
                code,
                ats_code=plesso.ats_code,
                plesso_code=plesso.code,
                codice_fiscale=codice_fiscale,
                now=now,
                expires_at=now + PASS_VALIDITY,
            )
    raise RuntimeError("no free pass code after 5 tries")


@dataclass(frozen=True)
class PassView:
    check: PassCheck
    swab_pass: SwabPass | None = None
    school: str = ""
    birth_year: int | None = None


async def verify_pass(uow: UnitOfWork, actor: Actor, typed: str, now: datetime) -> PassView:
    """What the swab point sees for a code: whether it is valid, and for whom (the masked
    codice fiscale, the birth year, the school)."""
    code = normalize_code(typed, PASS_CODE_LENGTH)
    found = await uow.swabs.pass_by_code(code) if code else None
    check = check_pass(found, actor.admin_ats, now)
    if found is None or check is PassCheck.OTHER_ATS:
        return PassView(check)
    plesso = await uow.plessi.get(found.plesso_code)
    try:
        born = parse_codice_fiscale(found.codice_fiscale, now.date()).birth_date.year
    except ValidationFailed:  # an odd code still shows the rest
        born = None
    return PassView(check, found, plesso.name if plesso else found.plesso_code, born)


async def register_access(uow: UnitOfWork, actor: Actor, pass_id: int, now: datetime) -> PassCheck:
    """«Registra accesso»: the pass is used (once)."""
    found = await uow.swabs.pass_by_id(pass_id)
    check = check_pass(found, actor.admin_ats, now)
    if check is not PassCheck.VALID or found is None:
        return check
    if not await uow.swabs.use_pass(found.id, by=actor.user_id, now=now):
        return PassCheck.USED
    return PassCheck.VALID
