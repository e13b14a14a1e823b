"""The sent-home reports' use cases ("allontanamenti", issue 17).

What a referent does (send a report, correct it within 24 hours, answer the outcome
question, list the plesso's reports) and what an ATS admin reads (the ATS's reports, one in
full), plus what the daily job asks (who gets the outcome question today). Each use case
owns its transaction; the rules are `domain.senthome`'s:

- a referent sees and changes only the reports of their plessi; an admin reads only their
  ATS's (a regional admin every ATS's); anything else is NOT_FOUND, like an unknown id;
- a report and the messages it owes the ATS (its notification, a cluster alert) are written
  in one transaction: delivered after the commit by reminders/senthome.py;
- the same codice fiscale reported by the plesso again within 48 hours updates the earlier
  report (its earlier version kept) instead of making a second one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.access import Actor
from domain.calendar import SchoolCalendar
from domain.cases import CaseDraft
from domain.closing import new_receipt_code, recipients
from domain.registry import Plesso
from domain.schools import SchoolType
from domain.senthome import (
    LIST_DAYS,
    NoticeKind,
    Outcome,
    SentHomeData,
    SentHomeReport,
    SentHomeRow,
    State,
    case_draft_of,
    cluster_start,
    duplicate_since,
    follow_up_due,
    forms_cluster,
    may_correct,
    state_of,
)
from services.unit_of_work import UnitOfWork
from storage.senthome import ReportLocked

Admins = list[tuple[int, str | None]]


class Refusal(StrEnum):
    NOT_FOUND = "not_found"
    """No such report, or one the actor may not see (the same answer)."""
    LOCKED = "locked"
    """More than 24 hours since it was sent: it can no longer change."""
    PLESSO_REVOKED = "plesso_revoked"


@dataclass(frozen=True)
class ClusterRule:
    """The settings of the cluster alert."""

    size: int
    school_days: int


@dataclass(frozen=True)
class Sent:
    """What «Invia all'ATS» did: a new report, or the earlier one of the person updated."""

    report: SentHomeReport
    updated: bool
    cluster_id: int | None


@dataclass(frozen=True)
class FullReport:
    report: SentHomeReport
    plesso: Plesso | None
    versions: int


async def _calendar(uow: UnitOfWork, plesso_code: str) -> SchoolCalendar:
    ats = await uow.sent_home.ats_of(plesso_code)
    return await uow.closures.calendar(ats) if ats is not None else SchoolCalendar()


async def send_report(
    uow: UnitOfWork,
    actor: Actor,
    data: SentHomeData,
    now: datetime,
    *,
    admins: Admins,
    rule: ClusterRule,
) -> Sent | Refusal:
    """Send the report to the ATS (or update the person's report of the last 48 hours)."""
    if not actor.holds_plesso(data.plesso_code):
        return Refusal.PLESSO_REVOKED
    ats = await uow.sent_home.ats_of(data.plesso_code)
    calendar = await _calendar(uow, data.plesso_code)
    told = recipients(admins, ats) if ats is not None else []
    repo = uow.sent_home
    async with uow.transaction():
        earlier = await repo.recent_of_person(
            data.plesso_code, data.codice_fiscale, duplicate_since(now)
        )
        if earlier is not None:
            replaced = await repo.replace(
                earlier.id, data, resent=True, actor=actor.user_id, now=now
            )
            assert replaced is not None  # read in this transaction
            report = replaced
            await repo.queue(NoticeKind.RESENT, told, now, report_id=report.id)
        else:
            report = await repo.create(data, new_receipt_code(), actor=actor.user_id, now=now)
            await repo.queue(NoticeKind.NEW, told, now, report_id=report.id)
        cluster_id = await _cluster(uow, data, calendar, rule, now)
        if cluster_id is not None:
            await repo.queue(NoticeKind.CLUSTER, told, now, cluster_id=cluster_id)
        if actor.referent is not None:
            await uow.referents.touch_plesso(actor.referent.id, data.plesso_code, now)
    return Sent(report=report, updated=earlier is not None, cluster_id=cluster_id)


async def _cluster(
    uow: UnitOfWork, data: SentHomeData, calendar: SchoolCalendar, rule: ClusterRule, now: datetime
) -> int | None:
    """A new cluster this report completes (None: none, or one already alerted)."""
    since = cluster_start(calendar, data.day, rule.school_days, data.plesso_code)
    days = await uow.sent_home.class_days(data.plesso_code, data.class_key, since, data.day)
    if not forms_cluster(days, rule.size):
        return None
    return await uow.sent_home.open_cluster(data.plesso_code, data.class_key, since, data.day, now)


async def own_report(
    uow: UnitOfWork, actor: Actor, report_id: int | None
) -> SentHomeReport | Refusal:
    """One of the actor's plessi's reports (a referent's view: symptoms included)."""
    report = await uow.sent_home.get(report_id) if report_id is not None else None
    if report is None or not actor.holds_plesso(report.data.plesso_code):
        return Refusal.NOT_FOUND
    return report


async def report_to_correct(
    uow: UnitOfWork, actor: Actor, report_id: int | None, now: datetime
) -> SentHomeReport | Refusal:
    report = await own_report(uow, actor, report_id)
    if isinstance(report, Refusal):
        return report
    return report if may_correct(report, now) else Refusal.LOCKED


async def correct_report(
    uow: UnitOfWork, actor: Actor, report_id: int, data: SentHomeData, now: datetime
) -> SentHomeReport | Refusal:
    """«Rettifica»: a new version, within 24 hours (the database refuses it later too)."""
    report = await report_to_correct(uow, actor, report_id, now)
    if isinstance(report, Refusal):
        return report
    if not actor.holds_plesso(data.plesso_code) or data.plesso_code != report.data.plesso_code:
        return Refusal.PLESSO_REVOKED
    try:
        replaced = await uow.sent_home.replace(
            report.id, data, resent=False, actor=actor.user_id, now=now
        )
    except ReportLocked:
        return Refusal.LOCKED
    return replaced if replaced is not None else Refusal.NOT_FOUND


async def record_outcome(
    uow: UnitOfWork, actor: Actor, report_id: int | None, outcome: Outcome, now: datetime
) -> SentHomeReport | Refusal:
    """The referent's answer to the daily question."""
    report = await own_report(uow, actor, report_id)
    if isinstance(report, Refusal):
        return report
    await uow.sent_home.set_outcome(report.id, outcome, actor=actor.user_id, now=now)
    return await own_report(uow, actor, report.id)


@dataclass(frozen=True)
class Listed:
    """A line of a list: the report's row and its state today."""

    row: SentHomeRow
    state: State


async def with_states(uow: UnitOfWork, rows: list[SentHomeRow], today: date) -> list[Listed]:
    """Each row's state (waiting, an outcome, "senza esito" after 10 school days)."""
    calendars: dict[str, SchoolCalendar] = {}
    listed: list[Listed] = []
    for row in rows:
        if row.plesso_code not in calendars:
            calendars[row.plesso_code] = await _calendar(uow, row.plesso_code)
        calendar = calendars[row.plesso_code]
        listed.append(Listed(row, state_of(row.outcome, row.day, row.plesso_code, calendar, today)))
    return listed


async def referent_list(uow: UnitOfWork, actor: Actor, today: date) -> list[SentHomeRow]:
    """The actor's plessi's reports of the last LIST_DAYS days, newest first."""
    plessi = list(actor.referent.plessi) if actor.referent is not None else []
    return await uow.sent_home.of_plessi(plessi, today - timedelta(days=LIST_DAYS))


async def ats_list(uow: UnitOfWork, actor: Actor, today: date) -> list[SentHomeRow]:
    """The reports of the admin's ATS (a regional admin: every ATS), last LIST_DAYS days."""
    if not actor.is_admin:
        return []
    return await uow.sent_home.of_ats(actor.admin_ats, today - timedelta(days=LIST_DAYS))


async def report_state(uow: UnitOfWork, report: SentHomeReport, today: date) -> State:
    data = report.data
    calendar = await _calendar(uow, data.plesso_code)
    return state_of(report.outcome, data.day, data.plesso_code, calendar, today)


async def case_draft(uow: UnitOfWork, report: SentHomeReport, today: date) -> CaseDraft:
    """«Positivo → apri il caso»: the case form's answers the report already gives."""
    plesso = await uow.plessi.get(report.data.plesso_code)
    kinds = {kind.value: kind for kind in SchoolType}
    school_type = kinds.get(plesso.school_type) if plesso is not None else None
    return case_draft_of(report.data, today, school_type)


async def ats_report(uow: UnitOfWork, actor: Actor, report_id: int | None) -> FullReport | None:
    """One report in full, if it is of the admin's ATS."""
    report = await uow.sent_home.get(report_id) if report_id is not None else None
    if report is None:
        return None
    plesso = await uow.plessi.get(report.data.plesso_code)
    if plesso is None or not actor.manages_plesso(plesso):
        return None
    versions = len(await uow.sent_home.versions(report.id))
    return FullReport(report=report, plesso=plesso, versions=versions)


@dataclass(frozen=True)
class SentHomeRate:
    """/report: pupils sent home on the recording day per 1,000 enrolled pupils of the
    sentinel plessi that recorded it (a symptom-specific signal beside the absence rate)."""

    day: date
    reports: int
    enrolled: int

    @property
    def per_thousand(self) -> float:
        return 1000 * self.reports / self.enrolled


async def sent_home_rate(uow: UnitOfWork, ats_code: str | None, day: date) -> SentHomeRate | None:
    """The rate of `day` (None: no sentinel plesso with an enrolment recorded it)."""
    observations = [o for o in await uow.ats.observations(ats_code, day, day) if o.enrolled]
    enrolled = sum(o.enrolled or 0 for o in observations)
    if not enrolled:
        return None
    reports = await uow.sent_home.pupils_on([o.plesso_code for o in observations], day)
    return SentHomeRate(day=day, reports=reports, enrolled=enrolled)


async def calendar_of(uow: UnitOfWork, plesso_code: str) -> SchoolCalendar:
    """The school calendar of the plesso's ATS (its closures)."""
    return await _calendar(uow, plesso_code)


# --- the daily outcome question ------------------------------------------------------------------


async def questions_due(uow: UnitOfWork, today: date) -> dict[int, list[SentHomeReport]]:
    """Who is asked today, and about which reports: every referent of the plesso, for each
    report asked today (a school day, from the next one on, for 10 school days)."""
    open_reports = await uow.sent_home.open_reports(today - timedelta(days=60))
    calendars: dict[str, SchoolCalendar] = {}
    due: list[SentHomeReport] = []
    for report in open_reports:
        code = report.data.plesso_code
        if code not in calendars:
            calendars[code] = await _calendar(uow, code)
        if follow_up_due(report, calendars[code], today):
            due.append(report)
    referents = await uow.sent_home.referents_of(sorted({r.data.plesso_code for r in due}))
    asked: dict[int, list[SentHomeReport]] = defaultdict(list)
    for report in due:
        for user_id in referents.get(report.data.plesso_code, []):
            asked[user_id].append(report)
    return dict(asked)
