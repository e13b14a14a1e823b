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
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.access import Actor
from domain.codice_fiscale import parse_codice_fiscale
from domain.diary import last_symptom_day
from domain.errors import ValidationFailed
from domain.isolation import (
    SIGNIN_LOCKOUT_RULE,
    Citizen,
    RegisterRow,
    hash_token,
    new_token,
    same_codice_fiscale,
    same_phone,
    swab_eligible_from,
)
from domain.schools import RowError
from domain.swabs import (
    BOOKING_CODE_LENGTH,
    PASS_CODE_LENGTH,
    PASS_VALIDITY,
    REFERRAL_VALIDITY,
    REPEAT_AFTER_POSITIVE_DAYS,
    STAFF_INVITATION_VALIDITY,
    Booking,
    Outcome,
    PassCheck,
    PassFor,
    Referral,
    ReferralRow,
    ResultRow,
    Slot,
    SlotKind,
    SlotsImport,
    SwabPass,
    bookable,
    can_change,
    check_pass,
    is_referral_token,
    is_staff_code,
    new_code,
    new_referral_token,
    new_staff_code,
    normalize_code,
    pass_allowed,
    repeat_from,
)
from services.unit_of_work import UnitOfWork
from storage.db import parse_utc

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

    initials: str
    outcome: Outcome
    day: date
    chats: list[int]
    repeat_from: date | None = None  # positive recovery swab: the next one from this day
    diagnostic: bool = False  # a referral's swab (the doctor's patient)
    became_case: bool = False  # a positive diagnostic swab: now in isolation, same chat


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
    Recovery swab: negative closes the isolation (as the ATS's close action does), in the
    same transaction; positive: the next swab from `day` + 7. Diagnostic swab: positive
    makes the patient a case in isolation (the register, D0 the swab's day) linked to the
    chat that booked, with no second sign-in. None: no such active booking."""
    booking = await _booking_for(uow, actor, key, day)
    if booking is None:
        return None
    if booking.referral_id is not None:
        return await _post_diagnostic(uow, actor, booking, booking.referral_id, outcome, day, now)
    assert booking.citizen_id is not None
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
    return ResultPosted(citizen.initials, outcome, day, chats, again)


async def _post_diagnostic(
    uow: UnitOfWork,
    actor: Actor,
    booking: Booking,
    referral_id: int,
    outcome: Outcome,
    day: date,
    now: datetime,
) -> ResultPosted | None:
    referral = await uow.swabs.referral(referral_id)
    if referral is None or referral.telegram_user_id is None:
        return None
    chat = referral.telegram_user_id
    async with uow.transaction():
        if not await uow.swabs.set_result(booking.id, outcome, day, by=actor.user_id, now=now):
            return None
        if outcome is Outcome.POSITIVE:
            citizen_id = await uow.citizens.add(
                RegisterRow(
                    line=0,
                    codice_fiscale=referral.codice_fiscale,
                    surname=referral.surname,
                    name=referral.name,
                    birth_date=referral.birth_date,
                    phone=referral.phone,
                    d0=day,
                ),
                ats_code=referral.ats_code,
                token_hash=hash_token(new_token()),  # never sent: the chat is linked below
                expires_at=now,
                actor=actor.user_id,
                now=now,
            )
            if citizen_id is not None:
                await uow.citizens.link(chat, citizen_id, by=actor.user_id, now=now)
                await uow.swabs.set_referral_citizen(referral.id, citizen_id)
    return ResultPosted(
        referral.initials,
        outcome,
        day,
        [chat],
        diagnostic=True,
        became_case=outcome is Outcome.POSITIVE,
    )


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
        if booking.referral_id is not None:
            referral = await uow.swabs.referral(booking.referral_id)
            chats = [referral.telegram_user_id] if referral and referral.telegram_user_id else []
            alternative = next((s for s in slots if _diagnostic_slot(s, local_now)), None)
            displaced.append(Displaced(booking, chats, alternative))
            continue
        citizen = await uow.citizens.get(booking.citizen_id or 0)
        if citizen is None:
            continue
        eligible = await _eligible_from(uow, citizen)
        alternative = next((s for s in slots if bookable(s, eligible, local_now)), None)
        displaced.append(Displaced(booking, await uow.citizens.chats_of(citizen.id), alternative))
    return displaced


# --- the diagnostic swab (patients referred by their doctor) ------------------------------------


def _diagnostic_slot(slot: Slot, local_now: datetime) -> bool:
    return slot.kind is SlotKind.BOOKED and slot.free > 0 and slot.starts_at > local_now


@dataclass(frozen=True)
class IssuedReferral:
    """One sign-in link to send by SMS: shown once, only its hash is kept."""

    referral_id: int
    phone: str
    surname: str
    name: str
    token: str
    expires_at: datetime


async def load_referrals(
    uow: UnitOfWork, actor: Actor, ats_code: str, rows: list[ReferralRow], now: datetime
) -> list[IssuedReferral]:
    """The doctor's referrals, each with a single-use link valid REFERRAL_VALIDITY."""
    issued: list[IssuedReferral] = []
    async with uow.transaction():
        for row in rows:
            token = new_referral_token()
            expires = now + REFERRAL_VALIDITY
            referral_id = await uow.swabs.add_referral(
                row,
                ats_code=ats_code,
                token_hash=hash_token(token),
                expires_at=expires,
                actor=actor.user_id,
                now=now,
            )
            issued.append(
                IssuedReferral(referral_id, row.phone, row.surname, row.name, token, expires)
            )
    return issued


class ReferralRefusal(StrEnum):
    LOCKED_OUT = "locked_out"
    INVALID = "invalid"  # no referral for this link (used, expired, unknown)
    WRONG = "wrong"  # phone or codice fiscale does not match


@dataclass(frozen=True)
class ReferralStep:
    refused: ReferralRefusal | None = None
    locked_until: datetime | None = None
    token_hash: str = ""
    referral: Referral | None = None


async def _locked(uow: UnitOfWork, user_id: int, now: datetime) -> datetime | None:
    # The same lock-out as the positive cases' sign-in: the failures of a chat are one list.
    failures = await uow.citizens.failures_since(user_id, now - SIGNIN_LOCKOUT_RULE.lookback)
    return SIGNIN_LOCKOUT_RULE.until(failures, now)


async def open_referral(uow: UnitOfWork, user_id: int, token: str, now: datetime) -> ReferralStep:
    """A referral link opened: nothing is written (a stranger's try changes nothing)."""
    until = await _locked(uow, user_id, now)
    if until is not None:
        return ReferralStep(refused=ReferralRefusal.LOCKED_OUT, locked_until=until)
    if not is_referral_token(token):
        return ReferralStep(refused=ReferralRefusal.INVALID)
    found = await uow.swabs.referral_by_token(hash_token(token))
    if found is None or found.used or found.expires_at <= now:
        return ReferralStep(refused=ReferralRefusal.INVALID)
    return ReferralStep(token_hash=hash_token(token), referral=found)


async def referral_sign_in(
    uow: UnitOfWork, user_id: int, token_hash: str, phone: str, typed_cf: str, now: datetime
) -> ReferralStep:
    """Phone (shared by Telegram) and codice fiscale must match the referral; a wrong pair is
    recorded for the lock-out (never saying which half was wrong)."""
    until = await _locked(uow, user_id, now)
    if until is not None:
        return ReferralStep(refused=ReferralRefusal.LOCKED_OUT, locked_until=until)
    found = await uow.swabs.referral_by_token(token_hash)
    if found is None or found.used or found.expires_at <= now:
        return ReferralStep(refused=ReferralRefusal.INVALID)
    if not (same_phone(phone, found.phone) and same_codice_fiscale(typed_cf, found.codice_fiscale)):
        await uow.citizens.record_failure(user_id, now)
        until = await _locked(uow, user_id, now)
        if until is not None:
            return ReferralStep(refused=ReferralRefusal.LOCKED_OUT, locked_until=until)
        return ReferralStep(refused=ReferralRefusal.WRONG)
    if not await uow.swabs.use_referral_token(token_hash, user_id, now):
        return ReferralStep(refused=ReferralRefusal.INVALID)
    return ReferralStep(referral=await uow.swabs.referral(found.id))


@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    booking: Booking | None
    slots: list[Slot]


async def referral_view(
    uow: UnitOfWork, user_id: int, local_now: datetime, now: datetime
) -> ReferralView | None:
    """The chat's referral while it may still book (signed in, not yet a case, within its
    validity), its booking and the free slots from now, first first."""
    referral = await uow.swabs.referral_of_chat(user_id)
    if referral is None or referral.citizen_id is not None:
        return None
    booking = await uow.swabs.active_referral_booking(referral.id)
    slots = [
        s
        for s in await uow.swabs.open_slots(referral.ats_code, local_now)
        if _diagnostic_slot(s, local_now)
    ]
    if booking is None and referral.expires_at <= now:
        return None
    return ReferralView(referral, booking, slots)


async def book_referral(
    uow: UnitOfWork, user_id: int, slot_id: int, now: datetime, local_now: datetime
) -> BookOutcome:
    """Book the diagnostic swab of the chat's referral (this swab, this person only)."""
    view = await referral_view(uow, user_id, local_now, now)
    if view is None:
        return BookOutcome(refused=BookRefusal.NOT_A_CITIZEN)
    if view.booking is not None:
        return BookOutcome(refused=BookRefusal.ALREADY, booking=view.booking)
    slot = await uow.swabs.slot(slot_id)
    if slot is None or slot.point.ats_code != view.referral.ats_code:
        return BookOutcome(refused=BookRefusal.TAKEN, next_slot=next(iter(view.slots), None))
    if not _diagnostic_slot(slot.model_copy(update={"booked": 0}), local_now):
        return BookOutcome(refused=BookRefusal.NOT_ELIGIBLE)
    try:
        async with uow.transaction():
            if not await uow.swabs.take_place(slot_id):
                raise _Taken
            code = new_code(BOOKING_CODE_LENGTH)
            await uow.swabs.add_booking(
                code, None, slot_id, by=user_id, now=now, referral_id=view.referral.id
            )
    except _Taken:
        following = next((s for s in view.slots if s.id != slot_id), None)
        return BookOutcome(refused=BookRefusal.TAKEN, next_slot=following)
    except sqlite3.IntegrityError:
        return BookOutcome(refused=BookRefusal.ALREADY)
    return BookOutcome(booking=await uow.swabs.active_referral_booking(view.referral.id))


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


class PassRefusal(StrEnum):
    NOT_FOUND = "not_found"  # no such report among the referent's plessi
    NOT_ALLOWED = "not_allowed"  # the swab is not for a suspected pupil or staff member


@dataclass(frozen=True)
class ReportPass:
    swab_pass: SwabPass
    initials: str  # of the person sent home: the pass's message names nobody


async def issue_report_pass(
    uow: UnitOfWork, actor: Actor, report_id: int, who: PassFor, now: datetime
) -> ReportPass | PassRefusal:
    """The referent's «🎫 Pass tampone» under a sent-home report of one of their plessi: a
    pass for the person sent home, once the referent said the swab is for a suspected pupil
    or staff member (anyone else has their own path: domain.swabs.pass_allowed)."""
    report = await uow.sent_home.get(report_id)
    if report is None or not actor.holds_plesso(report.data.plesso_code):
        return PassRefusal.NOT_FOUND
    if not pass_allowed(who):
        return PassRefusal.NOT_ALLOWED
    issued = await issue_pass(uow, report.data.plesso_code, report.data.codice_fiscale, now)
    if issued is None:
        return PassRefusal.NOT_FOUND
    return ReportPass(issued, report.data.initials)


@dataclass(frozen=True)
class PassView:
    check: PassCheck
    swab_pass: SwabPass | None = None
    school: str = ""
    birth_year: int | None = None


@dataclass(frozen=True)
class StaffScope:
    """Who may check passes: swab-point staff of one ATS, or an admin (regional: any)."""

    ats_code: str | None


async def staff_scope(uow: UnitOfWork, actor: Actor) -> StaffScope | None:
    """None: neither swab-point staff nor an admin (a citizen, a referent, a stranger)."""
    if actor.is_admin:
        return StaffScope(actor.admin_ats)
    ats_code = await uow.swabs.staff_ats(actor.user_id)
    return StaffScope(ats_code) if ats_code is not None else None


async def invite_staff(
    uow: UnitOfWork, actor: Actor, ats_code: str, now: datetime
) -> tuple[str, datetime] | None:
    """A single-use invitation for a swab point's staff member of `ats_code` (its code and
    expiry); None when the admin does not manage that ATS."""
    ats_code = ats_code.strip().upper()
    if not actor.manages_ats(ats_code):
        return None
    code = new_staff_code()
    expires = now + STAFF_INVITATION_VALIDITY
    await uow.swabs.add_staff_invitation(
        hash_token(code), ats_code, by=actor.user_id, now=now, expires_at=expires
    )
    return code, expires


async def join_staff(uow: UnitOfWork, user_id: int, code: str, now: datetime) -> str | None:
    """The invited person opens the link: registered as staff of the ATS, or None."""
    if not is_staff_code(code):
        return None
    return await uow.swabs.redeem_staff_invitation(hash_token(code), user_id, now)


async def verify_pass(uow: UnitOfWork, scope: StaffScope, typed: str, now: datetime) -> PassView:
    """What the swab point sees for a code: whether it is valid, and for whom (the masked
    codice fiscale, the birth year, the school)."""
    code = normalize_code(typed, PASS_CODE_LENGTH)
    found = await uow.swabs.pass_by_code(code) if code else None
    check = check_pass(found, scope.ats_code, now)
    if found is None or check is PassCheck.OTHER_ATS:
        return PassView(check)
    plesso = await uow.plessi.get(found.plesso_code)
    try:
        born = parse_codice_fiscale(found.codice_fiscale, now.date()).birth_date.year
    except ValidationFailed:  # an odd code still shows the rest
        born = None
    return PassView(check, found, plesso.name if plesso else found.plesso_code, born)


async def register_access(
    uow: UnitOfWork, actor: Actor, scope: StaffScope, pass_id: int, now: datetime
) -> PassCheck:
    """«Registra accesso»: the pass is used (once)."""
    found = await uow.swabs.pass_by_id(pass_id)
    check = check_pass(found, scope.ats_code, now)
    if check is not PassCheck.VALID or found is None:
        return check
    if not await uow.swabs.use_pass(found.id, by=actor.user_id, now=now):
        return PassCheck.USED
    return PassCheck.VALID


# --- reminders ---------------------------------------------------------------------------------


class SwabReminder(StrEnum):
    EVENING = "evening"  # the evening before (from EVENING_HOUR local)
    SOON = "soon"  # two hours before
    REFERRAL_NUDGE = "referral_nudge"  # a referral not booked after six hours


EVENING_HOUR = 18
SOON_BEFORE = timedelta(hours=2)
REFERRAL_NUDGE_AFTER = timedelta(hours=6)
REFERRAL_TO_CALL_AFTER = timedelta(hours=24)
DESK_WINDOW = timedelta(days=14)  # the desk looks two weeks back (and the slots two ahead)


@dataclass(frozen=True)
class DueSwabReminder:
    kind: SwabReminder
    chats: list[int]
    booking: Booking | None = None


async def _chats_of(uow: UnitOfWork, booking: Booking) -> list[int]:
    if booking.citizen_id is not None:
        return await uow.citizens.chats_of(booking.citizen_id)
    referral = await uow.swabs.referral(booking.referral_id or 0)
    return [referral.telegram_user_id] if referral and referral.telegram_user_id else []


async def due_swab_reminders(
    uow: UnitOfWork, now: datetime, local_now: datetime
) -> list[DueSwabReminder]:
    """What to send now, each claimed in the log first (never twice): the evening before
    a booked swab (from EVENING_HOUR), two hours before it, and a nudge to a signed-in
    referral not booked REFERRAL_NUDGE_AFTER after the doctor's referral."""
    due: list[DueSwabReminder] = []
    today = local_now.date()
    if local_now.hour >= EVENING_HOUR:
        start = datetime.combine(today + timedelta(days=1), time(0, 0))
        for booking in await uow.swabs.bookings_starting(start, start + timedelta(days=1)):
            if await uow.swabs.claim_reminder(SwabReminder.EVENING, booking.id, now):
                due.append(
                    DueSwabReminder(SwabReminder.EVENING, await _chats_of(uow, booking), booking)
                )
    for booking in await uow.swabs.bookings_starting(local_now, local_now + SOON_BEFORE):
        if await uow.swabs.claim_reminder(SwabReminder.SOON, booking.id, now):
            due.append(DueSwabReminder(SwabReminder.SOON, await _chats_of(uow, booking), booking))
    # Only referrals still valid can be booked: older ones are the ATS's to call.
    since = now - REFERRAL_VALIDITY
    for referral in await uow.swabs.unbooked_referrals(since, now - REFERRAL_NUDGE_AFTER):
        if referral.telegram_user_id is None or referral.expires_at <= now:
            continue  # not signed in: only the SMS reached them; the ATS calls after 24 h
        if await uow.swabs.claim_reminder(SwabReminder.REFERRAL_NUDGE, referral.id, now):
            due.append(DueSwabReminder(SwabReminder.REFERRAL_NUDGE, [referral.telegram_user_id]))
    return due


async def referrals_to_call(uow: UnitOfWork, actor: Actor, now: datetime) -> list[Referral]:
    """The ATS's referrals REFERRAL_TO_CALL_AFTER old with no swab booked: to call."""
    return [
        r
        for r in await uow.swabs.unbooked_referrals(now - DESK_WINDOW, now - REFERRAL_TO_CALL_AFTER)
        if actor.manages_ats(r.ats_code)
    ]


# --- the ATS desk ------------------------------------------------------------------------------

TARGET = timedelta(hours=24)  # ATS Milano: a swab within 24 hours of the doctor's referral


@dataclass(frozen=True)
class PointDay:
    point: str
    day: date
    capacity: int
    booked: int
    direct: int  # direct-access places
    no_shows: int  # bookings of a past day left without a result


@dataclass(frozen=True)
class DeskFigures:
    days: list[PointDay]
    to_call: int  # referrals past 24 hours without a swab
    referrals_done: int
    median_to_swab_hours: float | None
    median_to_result_hours: float | None
    within_target: int  # referral → swab within 24 hours
    passes: list[tuple[str, int, int]]  # plesso, issued, used


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return round(ordered[middle], 1)
    return round((ordered[middle - 1] + ordered[middle]) / 2, 1)


async def desk_figures(
    uow: UnitOfWork, actor: Actor, now: datetime, today: date, tz: ZoneInfo
) -> DeskFigures:
    """The swab desk of the admin's ATS (every ATS for a regional admin)."""
    ats = actor.admin_ats
    days = [
        PointDay(
            str(r["point"]),
            date.fromisoformat(r["day"]),
            int(r["capacity"]),
            int(r["booked"]),
            int(r["direct"]),
            int(r["no_shows"]),
        )
        for r in await uow.swabs.day_figures(ats, today - DESK_WINDOW, today + DESK_WINDOW, today)
    ]
    to_swab: list[float] = []
    to_result: list[float] = []
    for row in await uow.swabs.referral_timings(ats, now - DESK_WINDOW):
        referred = parse_utc(row["referred_at"])
        swabbed = datetime.fromisoformat(row["starts_at"]).replace(tzinfo=tz)
        to_swab.append((swabbed - referred).total_seconds() / 3600)
        to_result.append((parse_utc(row["result_at"]) - referred).total_seconds() / 3600)
    passes = [
        (str(r["plesso_code"]), int(r["issued"]), int(r["used"]))
        for r in await uow.swabs.pass_figures(ats, now - DESK_WINDOW)
    ]
    return DeskFigures(
        days,
        len(await referrals_to_call(uow, actor, now)),
        len(to_swab),
        _median(to_swab),
        _median(to_result),
        sum(1 for hours in to_swab if hours <= TARGET.total_seconds() / 3600),
        passes,
    )
