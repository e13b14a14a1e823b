"""The vaccination-duty check's use cases (issue 18, D.L. 73/2017 art. 3-bis).

The school (the "vaccini" role of a plesso): its status and next deadline, the list
uploaded and checked row by row, sent and locked with a receipt (later ones as
«Integrazione»), the ATS's answer as counts and a file of names, the follow-up per pupil not
in order and its transmission. The ATS (an admin of the plesso's ATS): where each school
stands, a school's list as XLSX, the answer file checked against that school's list, its
publication (the school is told through the outbox), the outcomes after 20 July. And the
reminders of the legal calendar, queued once per person, day and kind.

Every use case checks who asks: the role on that plesso, or the plesso's ATS; anyone else
gets None, as for a plesso that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.access import Actor
from domain.registry import Plesso
from domain.schools import RowError
from domain.vaccines import (
    Campaign,
    Deadlines,
    Document,
    FollowUpCounts,
    ListKind,
    Outcome,
    PupilList,
    Service,
    Stage,
    StoredPupil,
    VaccineCalendar,
    count_per_service,
    deadlines,
    follow_up_counts,
    invite_due,
    last_expired_year,
    not_in_order_per_class,
    read_answer,
    read_pupil_list,
    receipt_code,
)
from formats import vaccines as workbooks
from services.unit_of_work import UnitOfWork

IsHoliday = Callable[[date], bool]


@dataclass(frozen=True)
class Rules:
    """The calendar as the settings give it, and the holidays."""

    calendar: VaccineCalendar
    is_holiday: IsHoliday

    def deadlines(self, year: int) -> Deadlines:
        return deadlines(self.calendar, year, self.is_holiday)


# --- the school -----------------------------------------------------------------------------


async def school_plessi(uow: UnitOfWork, actor: Actor) -> list[Plesso]:
    """The plessi where the actor holds the vaccini role."""
    return await uow.plessi.many(actor.referent.vaccine_plessi) if actor.referent else []


async def _school_plesso(uow: UnitOfWork, actor: Actor, code: str) -> Plesso | None:
    return await uow.plessi.get(code) if actor.holds_vaccines(code) else None


@dataclass(frozen=True)
class SchoolStatus:
    plesso: Plesso
    campaign: Campaign
    deadlines: Deadlines
    follow_up: FollowUpCounts
    not_in_order_per_class: dict[str, int]
    invite_due: date | None


async def school_status(
    uow: UnitOfWork, actor: Actor, code: str, year: int, rules: Rules
) -> SchoolStatus | None:
    plesso = await _school_plesso(uow, actor, code)
    if plesso is None:
        return None
    campaign = await uow.vaccines.campaign(code, year)
    published = campaign.published_at is not None
    pupils = await uow.vaccines.pupils(code, year) if published else []
    return SchoolStatus(
        plesso=plesso,
        campaign=campaign,
        deadlines=rules.deadlines(year),
        follow_up=follow_up_counts(pupils),
        not_in_order_per_class=not_in_order_per_class(pupils),
        invite_due=(
            invite_due(rules.calendar, campaign.published_at.date(), rules.is_holiday)
            if campaign.published_at
            else None
        ),
    )


class Refusal(StrEnum):
    NOT_FOUND = "not_found"  # not theirs, or no such plesso / list
    LOCKED = "locked"  # sent, published or transmitted already: no more changes
    EMPTY = "empty"  # nothing to send
    NOT_YET = "not_yet"  # the step before has not happened


@dataclass(frozen=True)
class Uploaded:
    list_id: int
    kind: ListKind
    checked: PupilList


async def upload_list(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    year: int,
    file_name: str,
    content: bytes,
    now: datetime,
) -> Uploaded | Refusal:
    """The school's file as its draft list (replacing the previous draft); rows already in a
    list sent are duplicates. ValidationFailed when the whole file is refused."""
    if await _school_plesso(uow, actor, code) is None:
        return Refusal.NOT_FOUND
    campaign = await uow.vaccines.campaign(code, year)
    if campaign.transmitted_at is not None:
        return Refusal.LOCKED
    sent = [p.codice_fiscale for p in await uow.vaccines.pupils(code, year)]
    checked = read_pupil_list(file_name, content, year, already_sent=sent)
    kind = ListKind.LATE if campaign.first_sent is not None else ListKind.FIRST
    list_id = await uow.vaccines.save_draft(
        code, year, kind, checked.pupils, len(checked.errors), actor=actor.user_id, now=now
    )
    return Uploaded(list_id=list_id, kind=kind, checked=checked)


@dataclass(frozen=True)
class Review:
    list_id: int
    kind: ListKind
    per_service: dict[Service, int]
    rows_refused: int


async def review(uow: UnitOfWork, actor: Actor, code: str, year: int) -> Review | Refusal:
    """What «Invia all'ATS» would send: the draft, pupils per service type."""
    if await _school_plesso(uow, actor, code) is None:
        return Refusal.NOT_FOUND
    draft = (await uow.vaccines.campaign(code, year)).draft
    if draft is None:
        return Refusal.EMPTY
    pupils = await uow.vaccines.pupils(code, year, list_id=draft.id)
    if not pupils:
        return Refusal.EMPTY
    return Review(draft.id, draft.kind, count_per_service(pupils), draft.rows_refused)


@dataclass(frozen=True)
class Sent:
    receipt: str
    sent_at: datetime
    pupils: int
    kind: ListKind


async def send_list(
    uow: UnitOfWork, actor: Actor, code: str, year: int, list_id: int, now: datetime
) -> Sent | Refusal:
    """Send the draft and lock it, with its receipt (the proof of the deadline met)."""
    if await _school_plesso(uow, actor, code) is None:
        return Refusal.NOT_FOUND
    async with uow.transaction():
        campaign = await uow.vaccines.campaign(code, year)
        draft = campaign.draft
        if draft is None or draft.id != list_id:
            sent = next((i for i in campaign.lists if i.id == list_id), None)
            return Refusal.LOCKED if sent is not None else Refusal.NOT_FOUND
        if draft.pupils == 0:
            return Refusal.EMPTY
        receipt = receipt_code(code, list_id, now.date())
        if not await uow.vaccines.send(code, list_id, receipt, actor=actor.user_id, now=now):
            return Refusal.LOCKED
    return Sent(receipt=receipt, sent_at=now, pupils=draft.pupils, kind=draft.kind)


async def names_not_in_order(
    uow: UnitOfWork, actor: Actor, code: str, year: int
) -> list[StoredPupil] | None:
    """The pupils not in order of a published answer, by surname: for the protected file
    and the numbered follow-up buttons; None when not theirs or not published."""
    if await _school_plesso(uow, actor, code) is None:
        return None
    if (await uow.vaccines.campaign(code, year)).published_at is None:
        return None
    return [p for p in await uow.vaccines.pupils(code, year) if p.outcome is Outcome.NOT_IN_ORDER]


async def follow_up_file(uow: UnitOfWork, actor: Actor, code: str, year: int) -> bytes | None:
    pupils = await names_not_in_order(uow, actor, code, year)
    return workbooks.follow_up(pupils) if pupils is not None else None


async def _open_follow_up(uow: UnitOfWork, actor: Actor, code: str, year: int) -> Refusal | None:
    if await _school_plesso(uow, actor, code) is None:
        return Refusal.NOT_FOUND
    campaign = await uow.vaccines.campaign(code, year)
    if campaign.published_at is None:
        return Refusal.NOT_YET
    return Refusal.LOCKED if campaign.transmitted_at is not None else None


async def mark_all_invited(
    uow: UnitOfWork, actor: Actor, code: str, year: int, today: date
) -> int | Refusal:
    """«Segna tutti invitati»: every pupil not in order not invited yet, invited today."""
    refused = await _open_follow_up(uow, actor, code, year)
    if refused is not None:
        return refused
    return await uow.vaccines.mark_invited(code, year, None, today)


async def record_follow_up(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    year: int,
    pupil_id: int,
    document: Document | None,
    today: date,
) -> Refusal | None:
    """«Famiglia invitata» (document None), a document deposited, or «Nessun documento»,
    on one pupil not in order, dated today."""
    refused = await _open_follow_up(uow, actor, code, year)
    if refused is not None:
        return refused
    if document is None:
        done = await uow.vaccines.mark_invited(code, year, [pupil_id], today) > 0
        if not done:  # invited already, or not a pupil of theirs
            pupils = await names_not_in_order(uow, actor, code, year) or []
            done = any(p.id == pupil_id for p in pupils)
    else:
        done = await uow.vaccines.set_document(code, year, pupil_id, document, today)
    return None if done else Refusal.NOT_FOUND


async def transmit(
    uow: UnitOfWork, actor: Actor, code: str, year: int, now: datetime
) -> FollowUpCounts | Refusal:
    """«Trasmetti all'ATS»: the outcome sent and locked. Pupils with nothing recorded go as
    without a document."""
    refused = await _open_follow_up(uow, actor, code, year)
    if refused is not None:
        return refused
    async with uow.transaction():
        if not await uow.vaccines.transmit(code, year, actor=actor.user_id, now=now):
            return Refusal.LOCKED
    return follow_up_counts(await uow.vaccines.pupils(code, year))


# --- the ATS --------------------------------------------------------------------------------


async def _ats_plesso(uow: UnitOfWork, actor: Actor, code: str) -> Plesso | None:
    plesso = await uow.plessi.get(code)
    return plesso if plesso is not None and actor.manages_plesso(plesso) else None


@dataclass(frozen=True)
class Overview:
    """The admin's plessi and their campaigns (the ones with the role, or with a list)."""

    rows: list[tuple[Plesso, Campaign]]
    deadlines: Deadlines

    @property
    def missing(self) -> list[Plesso]:
        return [p for p, c in self.rows if c.first_sent is None]

    @property
    def arrived(self) -> list[tuple[Plesso, Campaign]]:
        return [(p, c) for p, c in self.rows if c.first_sent is not None]


async def overview(uow: UnitOfWork, actor: Actor, year: int, rules: Rules) -> Overview:
    """Per plesso of the admin's ATS with a vaccini role or a list: whether the list came."""
    codes = await uow.vaccines.plessi_in_campaign(actor.admin_ats, year)
    plessi = {p.code: p for p in await uow.plessi.many(codes)}
    campaigns = await uow.vaccines.campaigns(codes, year)
    rows = [(plessi[c.plesso_code], c) for c in campaigns if c.plesso_code in plessi]
    rows.sort(key=lambda row: (row[0].name, row[0].code))
    return Overview(rows=rows, deadlines=rules.deadlines(year))


@dataclass(frozen=True)
class AtsPlesso:
    plesso: Plesso
    campaign: Campaign
    outcomes: dict[Outcome, int]
    follow_up: FollowUpCounts


async def ats_plesso(uow: UnitOfWork, actor: Actor, code: str, year: int) -> AtsPlesso | None:
    plesso = await _ats_plesso(uow, actor, code)
    if plesso is None:
        return None
    pupils = await uow.vaccines.pupils(code, year)
    counts = dict.fromkeys(Outcome, 0)
    for pupil in pupils:
        if pupil.outcome is not None:
            counts[pupil.outcome] += 1
    return AtsPlesso(
        plesso=plesso,
        campaign=await uow.vaccines.campaign(code, year),
        outcomes=counts,
        follow_up=follow_up_counts(pupils),
    )


async def list_file(uow: UnitOfWork, actor: Actor, code: str, year: int) -> bytes | None:
    """The school's sent pupils as XLSX (None: not the admin's, or nothing sent)."""
    if await _ats_plesso(uow, actor, code) is None:
        return None
    pupils = await uow.vaccines.pupils(code, year)
    return workbooks.school_list(pupils) if pupils else None


async def holders(uow: UnitOfWork, actor: Actor, code: str) -> list[tuple[int, str]] | None:
    """Who holds the vaccini role of a plesso of the admin's ATS (None: not theirs)."""
    if await _ats_plesso(uow, actor, code) is None:
        return None
    return await uow.vaccines.holders(code)


async def revoke_holder(
    uow: UnitOfWork, actor: Actor, code: str, referent_id: int, now: datetime
) -> bool:
    """Revoke a person's vaccini role on a plesso of the admin's ATS; they are told."""
    if await _ats_plesso(uow, actor, code) is None:
        return False
    return await uow.vaccines.revoke(referent_id, code, actor=actor.user_id, now=now)


@dataclass(frozen=True)
class AnswerLoaded:
    recorded: int
    errors: list[RowError]
    outcomes: dict[Outcome, int]


async def load_answer(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    year: int,
    file_name: str,
    content: bytes,
    now: datetime,
) -> AnswerLoaded | Refusal:
    """The ATS's results file for one school: rows whose codice fiscale is not on that
    school's lists are refused with their line; the others are recorded (not yet shown to
    the school: «Pubblica» does). ValidationFailed when the whole file is refused."""
    if await _ats_plesso(uow, actor, code) is None:
        return Refusal.NOT_FOUND
    campaign = await uow.vaccines.campaign(code, year)
    if campaign.published_at is not None:
        return Refusal.LOCKED
    listed = {p.codice_fiscale for p in await uow.vaccines.pupils(code, year)}
    if not listed:
        return Refusal.NOT_YET
    answer = read_answer(file_name, content, listed)
    recorded = await uow.vaccines.record_answer(
        code, year, answer.rows, actor=actor.user_id, now=now
    )
    counts = dict.fromkeys(Outcome, 0)
    for row in answer.rows:
        counts[row.outcome] += 1
    return AnswerLoaded(recorded=recorded, errors=answer.errors, outcomes=counts)


async def publish(
    uow: UnitOfWork, actor: Actor, code: str, year: int, now: datetime
) -> int | Refusal:
    """«Pubblica»: the answer is shown to the school, whose vaccini holders are told
    (through the outbox, in this transaction). Returns how many are not in order."""
    if await _ats_plesso(uow, actor, code) is None:
        return Refusal.NOT_FOUND
    pupils = await uow.vaccines.pupils(code, year)
    if not pupils or any(p.outcome is None for p in pupils):
        return Refusal.NOT_YET  # every pupil needs an outcome first
    async with uow.transaction():
        if not await uow.vaccines.publish(code, year, actor=actor.user_id, now=now):
            return Refusal.LOCKED
        for user_id in await uow.vaccines.officers(code):
            await uow.vaccines.queue_notice(user_id, f"published:{now.date()}", code, year, now)
    return sum(1 for p in pupils if p.outcome is Outcome.NOT_IN_ORDER)


async def remind_missing_now(uow: UnitOfWork, actor: Actor, year: int, now: datetime) -> int:
    """«Ricorda ora» on /vaccini: the schools of the admin's ATS without a list, told now
    (once a day at most). Returns how many people were queued."""
    queued = 0
    for code in await uow.vaccines.plessi_in_campaign(actor.admin_ats, year):
        campaign = await uow.vaccines.campaign(code, year)
        if campaign.first_sent is not None:
            continue
        for user_id in await uow.vaccines.officers(code):
            kind = f"list_now:{now.date()}"
            queued += await uow.vaccines.queue_notice(user_id, kind, code, year, now)
    return queued


async def outcomes_file(uow: UnitOfWork, actor: Actor, year: int) -> bytes:
    """After 20 July: the pupils not in order of every school of the admin's ATS, with what
    was deposited (the 0–6 ones without a document marked: their enrolment lapses)."""
    rows: list[tuple[str, str, StoredPupil]] = []
    codes = await uow.vaccines.plessi_in_campaign(actor.admin_ats, year)
    for plesso in await uow.plessi.many(codes):
        campaign = await uow.vaccines.campaign(plesso.code, year)
        if campaign.published_at is None:
            continue
        rows.extend(
            (plesso.code, plesso.name, p)
            for p in await uow.vaccines.pupils(plesso.code, year)
            if p.outcome is Outcome.NOT_IN_ORDER
        )
    return workbooks.outcomes(rows)


async def purge_expired(uow: UnitOfWork, today: date, now: datetime, rules: Rules) -> int:
    """Retention: the school-side data of every campaign past its retention date deleted,
    then the file VACUUMed (no copy left in free pages or the WAL). Returns the pupils."""
    year = last_expired_year(rules.calendar, today)
    pupils = await uow.vaccines.purge_through(year, now=now)
    if pupils:
        await uow.db.vacuum()
    return pupils


def template_file() -> bytes:
    return workbooks.template()


# --- the reminders ---------------------------------------------------------------------------

LIST_REMINDER_DAYS = ((2, 20), (3, 1), (3, 8))  # and the deadline itself
OUTCOME_REMINDER_DAYS = ((7, 1), (7, 8), (7, 18))  # and the deadline itself
INVITE_REMINDER_DAY = 7  # of the days to invite the families


def reminder_kind(campaign: Campaign, due: Deadlines, rules: Rules, today: date) -> str | None:
    """The reminder a school's vaccini holders get today, or None: the list (20 Feb, 1, 8
    March and the deadline) while it is not sent; the invitations on day 7 of the days to
    invite while some family is not invited; the outcome (1, 8, 18 July and the deadline)
    until it is transmitted."""
    stage = campaign.stage
    list_days = {date(today.year, m, d) for m, d in LIST_REMINDER_DAYS} | {due.list_due}
    if stage in (Stage.NO_LIST, Stage.DRAFT) and today in list_days:
        return "list"
    if stage is not Stage.PUBLISHED:
        return None
    assert campaign.published_at is not None
    published = campaign.published_at.date()
    if today == published + timedelta(days=INVITE_REMINDER_DAY):
        return "invite"
    outcome_days = {date(today.year, m, d) for m, d in OUTCOME_REMINDER_DAYS} | {due.outcome_due}
    return "outcome" if today in outcome_days else None


@dataclass(frozen=True)
class Queued:
    schools: int
    people: int
    ats_summaries: int


async def queue_due_reminders(
    uow: UnitOfWork,
    today: date,
    now: datetime,
    rules: Rules,
    admins: Sequence[tuple[int, str | None]],
) -> Queued:
    """Queue today's reminders (once per person, day and kind, whatever the runs); on the
    day after the list deadline, each admin gets the count of their schools that missed it."""
    year = today.year
    due = rules.deadlines(year)
    schools = people = 0
    for code in await uow.vaccines.plessi_in_campaign(None, year):
        campaign = await uow.vaccines.campaign(code, year)
        kind = reminder_kind(campaign, due, rules, today)
        if kind == "invite":  # only while some family is not invited yet
            counts = follow_up_counts(await uow.vaccines.pupils(code, year))
            kind = kind if counts.invited < counts.not_in_order else None
        if kind is None:
            continue
        officers = await uow.vaccines.officers(code)
        schools += 1 if officers else 0
        for user_id in officers:
            people += await uow.vaccines.queue_notice(user_id, f"{kind}:{today}", code, year, now)
    summaries = 0
    if today == due.list_due + timedelta(days=1):
        for user_id, ats_code in admins:
            if not await missed_list(uow, ats_code, year):
                continue  # every school of theirs sent its list: nothing to tell
            summaries += await uow.vaccines.queue_notice(
                user_id, f"missed:{today}", ats_code or "", year, now
            )
    return Queued(schools=schools, people=people, ats_summaries=summaries)


async def missed_list(uow: UnitOfWork, ats_code: str | None, year: int) -> list[Plesso]:
    """The schools of the ATS (every ATS when None) whose first list was not sent."""
    codes = await uow.vaccines.plessi_in_campaign(ats_code, year)
    missing = [
        c.plesso_code for c in await uow.vaccines.campaigns(codes, year) if c.first_sent is None
    ]
    return await uow.plessi.many(missing)
