"""Use cases of the citizens in isolation ("Milano COR", issue 19).

The ATS loads its register of positive people and gets one single-use sign-in link per
person (for its SMS gateway); a person signs in with their own phone (shared by Telegram)
and the codice fiscale of the positive person; then keeps a daily diary, reports the
people they live with, and reads where they stand. A chat may act for several people (a
parent of two children): every use case acts on the chat's ACTIVE person, found again from
the chat's links each time (a citizen never reaches someone not linked to their chat).
The ATS desk lists the people by urgency and acts on one (close, take the household in
charge, link a chat by hand). No telegram and no texts here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.access import Actor
from domain.codice_fiscale import parse_codice_fiscale
from domain.diary import DiaryEntry, last_symptom_day
from domain.exports import Period, overlaps, within
from domain.isolation import (
    NOT_ANSWERING_AFTER,
    NUDGE_AFTER,
    SIGNIN_FAILURES,
    SIGNIN_LOCKOUT,
    SIGNIN_LOCKOUT_RULE,
    TOKEN_VALIDITY,
    Citizen,
    HouseholdMember,
    RegisterImport,
    Status,
    day_number,
    hash_token,
    is_token,
    new_token,
    same_codice_fiscale,
    same_phone,
    swab_eligible_from,
)
from domain.retention import cutoff
from domain.schools import RowError
from formats.xlsx import Row
from services.unit_of_work import UnitOfWork

# --- the register (ATS) ----------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """One sign-in link to send by SMS: shown once, only its hash is kept."""

    citizen_id: int
    phone: str
    surname: str
    name: str
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class RegisterLoaded:
    issued: list[IssuedToken]
    refused: list[RowError]
    already_open: list[int]  # lines of people already in an open isolation


async def load_register(
    uow: UnitOfWork, actor: Actor, ats_code: str, parsed: RegisterImport, now: datetime
) -> RegisterLoaded:
    """Add the good rows of the register, each with a fresh token valid TOKEN_VALIDITY."""
    issued: list[IssuedToken] = []
    already: list[int] = []
    async with uow.transaction():
        for row in parsed.rows:
            token = new_token()
            expires = now + TOKEN_VALIDITY
            citizen_id = await uow.citizens.add(
                row,
                ats_code=ats_code,
                token_hash=hash_token(token),
                expires_at=expires,
                actor=actor.user_id,
                now=now,
            )
            if citizen_id is None:
                already.append(row.line)
                continue
            issued.append(IssuedToken(citizen_id, row.phone, row.surname, row.name, token, expires))
    return RegisterLoaded(issued=issued, refused=parsed.errors, already_open=already)


async def reissue_token(
    uow: UnitOfWork, actor: Actor, citizen_id: int, now: datetime
) -> IssuedToken | None:
    """A new link for one person (the old one stops working); None if not the ATS's."""
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None or not citizen.is_open:
        return None
    token = new_token()
    expires = now + TOKEN_VALIDITY
    await uow.citizens.reissue_token(
        citizen_id, token_hash=hash_token(token), expires_at=expires, actor=actor.user_id, now=now
    )
    return IssuedToken(citizen_id, citizen.phone, citizen.surname, citizen.name, token, expires)


# --- the sign-in (citizen) -------------------------------------------------------------------


class SignInRefusal(StrEnum):
    LOCKED_OUT = "locked_out"
    INVALID = "invalid"  # unknown, used, expired or closed: a found link gives nothing away
    WRONG = "wrong"  # phone or codice fiscale does not match (never saying which)


@dataclass(frozen=True)
class SignInStep:
    refused: SignInRefusal | None = None
    locked_until: datetime | None = None
    attempts_left: int = 0
    token_hash: str = ""
    citizen: Citizen | None = None


async def _locked_until(uow: UnitOfWork, user_id: int, now: datetime) -> datetime | None:
    failures = await uow.citizens.failures_since(user_id, now - SIGNIN_LOCKOUT_RULE.lookback)
    return SIGNIN_LOCKOUT_RULE.until(failures, now)


async def open_link(uow: UnitOfWork, user_id: int, token: str, now: datetime) -> SignInStep:
    """A deep link opened: the token must be valid, unused, unexpired, and the chat not
    locked out. Nothing is written here (a stranger's tries change nothing)."""
    until = await _locked_until(uow, user_id, now)
    if until is not None:
        return SignInStep(refused=SignInRefusal.LOCKED_OUT, locked_until=until)
    if not is_token(token):
        return SignInStep(refused=SignInRefusal.INVALID)
    found = await uow.citizens.by_token(hash_token(token))
    if found is None:
        return SignInStep(refused=SignInRefusal.INVALID)
    citizen, expires_at, used = found
    if used or expires_at <= now:
        return SignInStep(refused=SignInRefusal.INVALID)
    return SignInStep(token_hash=hash_token(token), citizen=citizen)


async def sign_in(
    uow: UnitOfWork, user_id: int, token_hash: str, phone: str, typed_cf: str, now: datetime
) -> SignInStep:
    """Check the shared phone and the typed codice fiscale against the token's row. A wrong
    pair is recorded; SIGNIN_FAILURES within SIGNIN_LOCKOUT lock the chat out. On success the
    token is used and the chat linked to the person, in one transaction.

    Not one transaction on the failure path on purpose: the failure must stay recorded."""
    until = await _locked_until(uow, user_id, now)
    if until is not None:
        return SignInStep(refused=SignInRefusal.LOCKED_OUT, locked_until=until)
    found = await uow.citizens.by_token(token_hash)
    if found is None or found[2] or found[1] <= now:
        return SignInStep(refused=SignInRefusal.INVALID)
    citizen = found[0]
    if not (
        same_phone(phone, citizen.phone) and same_codice_fiscale(typed_cf, citizen.codice_fiscale)
    ):
        await uow.citizens.record_failure(user_id, now)
        until = await _locked_until(uow, user_id, now)
        if until is not None:
            return SignInStep(refused=SignInRefusal.LOCKED_OUT, locked_until=until)
        recent = await uow.citizens.failures_since(user_id, now - SIGNIN_LOCKOUT)
        return SignInStep(
            refused=SignInRefusal.WRONG, attempts_left=max(SIGNIN_FAILURES - len(recent), 1)
        )
    citizen_id = await uow.citizens.use_token(token_hash, user_id, now)
    if citizen_id is None:
        return SignInStep(refused=SignInRefusal.INVALID)
    return SignInStep(citizen=await uow.citizens.get(citizen_id))


# --- where the citizen stands ----------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """The active person of a chat, where they stand, and whom else the chat acts for."""

    citizen: Citizen
    day: int
    swab_from: date
    others: list[Citizen] = field(default_factory=list)
    entries: list[DiaryEntry] = field(default_factory=list)


async def standing(uow: UnitOfWork, user_id: int, today: date) -> Standing | None:
    """None: the chat acts for nobody (a referent, a stranger)."""
    people, active = await uow.citizens.linked(user_id)
    if not people:
        return None
    current = next((c for c in people if c.id == active), people[0])
    entries = await uow.citizens.entries(current.id)
    swab = swab_eligible_from(current.d0, current.onset, last_symptom_day(entries))
    others = [c for c in people if c.id != current.id]
    return Standing(current, day_number(current.d0, today), swab, others, entries)


async def is_citizen(uow: UnitOfWork, user_id: int) -> bool:
    people, _ = await uow.citizens.linked(user_id)
    return bool(people)


async def switch_to(uow: UnitOfWork, user_id: int, citizen_id: int) -> bool:
    """Act for another person linked to this chat; False for anyone else."""
    return await uow.citizens.set_active(user_id, citizen_id)


async def choose_reminder_hour(uow: UnitOfWork, user_id: int, hour: int, today: date) -> bool:
    found = await standing(uow, user_id, today)
    if found is None or not found.citizen.is_open:
        return False
    await uow.citizens.set_reminder(found.citizen.id, hour=hour)
    return True


async def pause_reminders(uow: UnitOfWork, user_id: int, today: date) -> date | None:
    """/pausa: no reminder for the rest of today and tomorrow's; the day they resume after."""
    found = await standing(uow, user_id, today)
    if found is None or not found.citizen.is_open:
        return None
    until = today + timedelta(days=1)
    await uow.citizens.set_reminder(found.citizen.id, paused_until=until)
    return until


# --- the diary ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiarySaved:
    entry: DiaryEntry
    alert_id: int | None
    citizen: Citizen


async def save_diary(
    uow: UnitOfWork,
    user_id: int,
    citizen_id: int,
    entry: DiaryEntry,
    onset: date | None,
    now: datetime,
    today: date,
) -> DiarySaved | None:
    """Save a day of the diary for a person linked to the chat (today or yesterday only);
    the first onset given is kept. None: not theirs, closed, or the day is closed."""
    people, _ = await uow.citizens.linked(user_id)
    citizen = next((c for c in people if c.id == citizen_id and c.is_open), None)
    if citizen is None or entry.day not in (today, today - timedelta(days=1)):
        return None
    async with uow.transaction():
        alert = await uow.citizens.save_entry(citizen_id, entry, by=user_id, now=now)
        if onset is not None and citizen.onset is None:
            await uow.citizens.set_onset(citizen_id, onset)
    return DiarySaved(entry, alert, citizen)


# --- household members -------------------------------------------------------------------------


class MemberRefusal(StrEnum):
    DUPLICATE = "duplicate"
    LOCKED = "locked"  # taken in charge by the ATS: read-only


@dataclass(frozen=True)
class MemberAdded:
    refused: MemberRefusal | None = None
    member_id: int | None = None
    in_register: bool = False  # already positive in the register: "riceverà un messaggio"


async def members(
    uow: UnitOfWork, user_id: int, today: date
) -> tuple[Standing, list[HouseholdMember]] | None:
    found = await standing(uow, user_id, today)
    if found is None:
        return None
    return found, await uow.citizens.members(found.citizen.id)


async def member_cf_refusal(
    uow: UnitOfWork, user_id: int, codice_fiscale: str, today: date, member_id: int = 0
) -> MemberRefusal | None:
    """Asked at the codice fiscale step already: one on the list (or the person's own) is
    refused there, not only at the end."""
    found = await members(uow, user_id, today)
    if found is None:
        return None
    standing_, listed = found
    if codice_fiscale == standing_.citizen.codice_fiscale or any(
        m.codice_fiscale == codice_fiscale and m.id != member_id for m in listed
    ):
        return MemberRefusal.DUPLICATE
    return None


async def add_member(
    uow: UnitOfWork, user_id: int, member: HouseholdMember, now: datetime, today: date
) -> MemberAdded | None:
    found = await standing(uow, user_id, today)
    if found is None:
        return None
    citizen = found.citizen
    if citizen.household_taken_at is not None or not citizen.is_open:
        return MemberAdded(refused=MemberRefusal.LOCKED)
    listed = await uow.citizens.members(citizen.id)
    if any(m.codice_fiscale == member.codice_fiscale for m in listed) or (
        member.codice_fiscale == citizen.codice_fiscale
    ):
        return MemberAdded(refused=MemberRefusal.DUPLICATE)
    in_register = await uow.citizens.open_with_cf(member.codice_fiscale)
    member = member.model_copy(update={"citizen_id": citizen.id})
    member_id = await uow.citizens.add_member(member, by=user_id, now=now)
    if member_id is None:
        return MemberAdded(refused=MemberRefusal.LOCKED)
    return MemberAdded(member_id=member_id, in_register=in_register)


async def member_to_edit(
    uow: UnitOfWork, user_id: int, member_id: int, today: date
) -> HouseholdMember | None:
    """A member of the chat's active person, while still editable; None otherwise."""
    found = await members(uow, user_id, today)
    if found is None:
        return None
    standing_, listed = found
    if standing_.citizen.household_taken_at is not None or not standing_.citizen.is_open:
        return None
    return next((m for m in listed if m.id == member_id), None)


async def save_member(
    uow: UnitOfWork,
    user_id: int,
    member_id: int,
    member: HouseholdMember,
    now: datetime,
    today: date,
) -> MemberAdded | None:
    """A new member (`member_id` 0), or the correction of one still editable."""
    if not member_id:
        return await add_member(uow, user_id, member, now, today)
    if await member_to_edit(uow, user_id, member_id, today) is None:
        return MemberAdded(refused=MemberRefusal.LOCKED)
    if await member_cf_refusal(uow, user_id, member.codice_fiscale, today, member_id):
        return MemberAdded(refused=MemberRefusal.DUPLICATE)
    found = await standing(uow, user_id, today)
    assert found is not None
    updated = await uow.citizens.update_member(
        found.citizen.id, member_id, member, by=user_id, now=now
    )
    if not updated:
        return MemberAdded(refused=MemberRefusal.LOCKED)
    in_register = await uow.citizens.open_with_cf(member.codice_fiscale)
    return MemberAdded(member_id=member_id, in_register=in_register)


async def delete_member(
    uow: UnitOfWork, user_id: int, member_id: int, now: datetime, today: date
) -> bool:
    found = await standing(uow, user_id, today)
    if found is None:
        return False
    return await uow.citizens.delete_member(found.citizen.id, member_id, by=user_id, now=now)


def check_member_cf(text: str, today: date) -> tuple[str, date, str]:
    """The codice fiscale of a household member, with the birth date and sex it encodes."""
    cf = parse_codice_fiscale(text, today)
    return cf.value, cf.birth_date, cf.sex


# --- the ATS desk --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskLine:
    citizen: Citizen
    status: Status
    day: int
    swab_from: date


async def desk_citizen(uow: UnitOfWork, actor: Actor, citizen_id: int) -> Citizen | None:
    """A person of the admin's ATS (any ATS for a regional admin), or None."""
    citizen = await uow.citizens.get(citizen_id)
    if citizen is None or not actor.manages_ats(citizen.ats_code):
        return None
    return citizen


async def status_of(
    uow: UnitOfWork, citizen: Citizen, now: datetime, local_now: datetime
) -> DeskLine:
    """Where the person stands (`local_now` in the ATS's zone: the diary's days and the swab
    slots are local)."""
    today = local_now.date()
    entries = await uow.citizens.entries(citizen.id)
    swab = swab_eligible_from(citizen.d0, citizen.onset, last_symptom_day(entries))
    day = day_number(citizen.d0, today)
    if not citizen.is_open:
        status = Status.CLOSED
    elif await uow.citizens.open_alerts(citizen.id):
        status = Status.RED_FLAG
    elif not citizen.signed_in:
        status = Status.NOT_SIGNED_IN
    elif any(e.has_symptoms for e in entries if e.day >= today - timedelta(days=1)):
        status = Status.SYMPTOMS
    elif _not_answering(await uow.citizens.last_saved(citizen.id), now):
        status = Status.NOT_ANSWERING
    elif booking := await uow.swabs.active_booking(citizen.id):
        status = Status.RESULT_PENDING if booking.awaits_result(local_now) else Status.BOOKED
    elif today >= swab:
        status = Status.ELIGIBLE
    else:
        status = Status.FOLLOWED
    return DeskLine(citizen, status, day, swab)


def _not_answering(last_saved: datetime | None, now: datetime) -> bool:
    return last_saved is None or now - last_saved > NOT_ANSWERING_AFTER


async def desk(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    local_now: datetime,
    *,
    include_closed: bool = False,
    comune_code: str | None = None,
) -> list[DeskLine]:
    """The ATS's people (of one comune, when given), the most urgent group first (Status
    order), by name inside."""
    people = await uow.citizens.list_for_ats(actor.admin_ats, include_closed=include_closed)
    if comune_code is not None:
        people = [c for c in people if c.comune_code == comune_code]
    lines = [await status_of(uow, c, now, local_now) for c in people]
    order = list(Status)
    return sorted(lines, key=lambda line: order.index(line.status))


@dataclass(frozen=True)
class DeskDetail:
    line: DeskLine
    entries: list[DiaryEntry]
    members: list[HouseholdMember]
    chats: int


async def desk_detail(
    uow: UnitOfWork, actor: Actor, citizen_id: int, now: datetime, local_now: datetime
) -> DeskDetail | None:
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None:
        return None
    return DeskDetail(
        await status_of(uow, citizen, now, local_now),
        await uow.citizens.entries(citizen.id),
        await uow.citizens.members(citizen.id),
        len(await uow.citizens.chats_of(citizen.id)),
    )


async def close_isolation(
    uow: UnitOfWork, actor: Actor, citizen_id: int, now: datetime
) -> tuple[Citizen, list[int]] | None:
    """Close the isolation (reminders stop); the person and the chats to tell, or None if
    not closable."""
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None:
        return None
    async with uow.transaction():
        if not await uow.citizens.close(citizen_id, actor=actor.user_id, now=now):
            return None
        await uow.citizens.handle_alerts(citizen_id, actor=actor.user_id, now=now)
    return citizen, await uow.citizens.chats_of(citizen_id)


async def take_household(uow: UnitOfWork, actor: Actor, citizen_id: int, now: datetime) -> bool:
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None:
        return False
    return await uow.citizens.take_household(citizen_id, actor=actor.user_id, now=now)


async def handle_alerts(uow: UnitOfWork, actor: Actor, citizen_id: int, now: datetime) -> bool:
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None:
        return False
    await uow.citizens.handle_alerts(citizen_id, actor=actor.user_id, now=now)
    return True


async def link_by_hand(
    uow: UnitOfWork, actor: Actor, citizen_id: int, chat_id: int, now: datetime
) -> bool:
    """The phone differs from the laboratory's: the ATS links the chat after checking."""
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None or not citizen.is_open:
        return False
    await uow.citizens.link(chat_id, citizen_id, by=actor.user_id, now=now)
    return True


async def correct_dates(
    uow: UnitOfWork, actor: Actor, citizen_id: int, d0: date, onset: date | None, now: datetime
) -> bool:
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None:
        return False
    return await uow.citizens.set_dates(
        citizen_id, d0=d0, onset=onset, actor=actor.user_id, now=now
    )


@dataclass(frozen=True)
class PendingAlert:
    alert_id: int
    citizen_id: int
    ats_code: str
    day: date


async def claim_pending_alerts(uow: UnitOfWork, now: datetime) -> list[PendingAlert]:
    """The red-flag alerts not pushed yet, each claimed (never pushed twice at once)."""
    claimed = []
    for alert_id, citizen_id, ats_code, day in await uow.citizens.unpushed_alerts():
        if await uow.citizens.claim_alert(alert_id, now):
            claimed.append(PendingAlert(alert_id, citizen_id, ats_code, day))
    return claimed


async def release_alert(uow: UnitOfWork, alert_id: int) -> None:
    """The push reached no admin: the next run tries again."""
    await uow.citizens.claim_alert(alert_id, None)


def admins_to_alert(admins: list[tuple[int, str | None]], ats_code: str) -> list[int]:
    """The admins of the person's ATS, and the regional ones."""
    return [user_id for user_id, ats in admins if ats is None or ats == ats_code]


# --- the reminders -------------------------------------------------------------------------


class ReminderKind(StrEnum):
    PROMPT = "prompt"
    NUDGE = "nudge"


@dataclass(frozen=True)
class DueReminder:
    citizen: Citizen
    kind: ReminderKind
    chats: list[int]


async def due_reminders(uow: UnitOfWork, now: datetime, local_now: datetime) -> list[DueReminder]:
    """What to send now, each claimed in the log (so never twice): the diary prompt from the
    person's hour (08, 12 or 16, local), one nudge NUDGE_AFTER later, only while the
    isolation is open, the day's diary unwritten and no /pausa covers today."""
    today = local_now.date()
    due: list[DueReminder] = []
    for citizen in await uow.citizens.list_for_ats(None, include_closed=False):
        if not citizen.signed_in or (citizen.paused_until and citizen.paused_until >= today):
            continue
        if local_now.hour < citizen.reminder_hour:
            continue
        if any(entry.day == today for entry in await uow.citizens.entries(citizen.id)):
            continue
        kind = await _kind_due(uow, citizen.id, today, now)
        if kind is not None and await uow.citizens.claim_reminder(citizen.id, today, kind, now):
            due.append(DueReminder(citizen, kind, await uow.citizens.chats_of(citizen.id)))
    return due


async def _kind_due(
    uow: UnitOfWork, citizen_id: int, today: date, now: datetime
) -> ReminderKind | None:
    prompted = await uow.citizens.reminder_sent(citizen_id, today, ReminderKind.PROMPT)
    if prompted is None:
        return ReminderKind.PROMPT
    nudged = await uow.citizens.reminder_sent(citizen_id, today, ReminderKind.NUDGE)
    if nudged is None and now - prompted >= NUDGE_AFTER:
        return ReminderKind.NUDGE
    return None


# --- retention -------------------------------------------------------------------------------


async def purge_closed_isolations(
    uow: UnitOfWork, now: datetime, days: int, tz: ZoneInfo
) -> dict[str, int]:
    """Closed isolations follow the retention setting (RETENTION_DAYS after the closing, as
    closed cases do): deleted with all their data, then VACUUM, so no trace stays in the
    file. The swab data that ended as long ago go in the same run (referrals, passes,
    bookings, staff invitations). Returns ATS → people deleted."""
    limit = cutoff(now, days, tz)
    # ONE transaction with the swab data (issue 20): a referral that became a case keeps its
    # own copy of the name and codice fiscale, deleted right after the person it names.
    async with uow.transaction():
        swabs = await uow.swabs.purge_ended(limit, limit.astimezone(tz), now)  # first: see there
        deleted, drafts = await uow.citizens.purge_closed(limit, now)
    for flow, chat_id, user_id in drafts:
        uow.conversations.forget(flow, (chat_id, user_id))  # the rows went with the person
    if deleted or swabs:
        await uow.db.vacuum()
    return deleted


# --- the export (the tables are formats.exports', the file and the audit services.exports') ---


@dataclass(frozen=True)
class IsolationRows:
    """The follow-up's rows: people, their diary entries, their household members."""

    people: list[Row]
    diary: list[Row]
    household: list[Row]


async def isolation_rows(
    uow: UnitOfWork,
    actor: Actor,
    now: datetime,
    period: Period | None,
    *,
    yes: str,
    no: str,
    timezone: ZoneInfo,
) -> IsolationRows:
    """The follow-up of the admin's ATS (every ATS for a regional admin), closed isolations
    included: the people whose isolation (D0 to its closing) touches the period, and their
    diary entries of the period; every person and entry when there is no period."""
    rows = IsolationRows([], [], [])
    for line in await desk(uow, actor, now, now.astimezone(timezone), include_closed=True):
        c = line.citizen
        closed_on = c.closed_at.astimezone(timezone).date() if c.closed_at else None
        if not overlaps(period, c.d0, closed_on):
            continue
        rows.people.append(
            (
                c.id,
                c.ats_code,
                c.codice_fiscale,
                c.surname,
                c.name,
                c.birth_date,
                c.phone,
                c.d0,
                c.onset,
                line.status.value,
                line.swab_from,
                c.household_taken_at.date() if c.household_taken_at else None,
                c.closed_at,
            )
        )
        rows.diary.extend(
            (c.id, e.day, ", ".join(e.symptoms), e.temperature, ", ".join(e.red_flags))
            for e in await uow.citizens.entries(c.id)
            if within(period, e.day)
        )
        rows.household.extend(
            (
                c.id,
                m.surname,
                m.name,
                m.codice_fiscale,
                m.phone,
                m.last_contact,
                yes if m.already_positive else no,
                m.school,
            )
            for m in await uow.citizens.members(c.id)
        )
    return rows


async def chats_to_write(
    uow: UnitOfWork, actor: Actor, citizen_id: int, now: datetime
) -> list[int] | None:
    """The chats of one person the admin writes to (audited: who, whom, never the text);
    None when not the admin's, closed or not signed in."""
    citizen = await desk_citizen(uow, actor, citizen_id)
    if citizen is None or not citizen.is_open:
        return None
    chats = await uow.citizens.chats_of(citizen_id)
    if chats:
        await uow.citizens.record_message(citizen_id, actor.user_id, now)
    return chats or None
