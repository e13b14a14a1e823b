"""Closing a case and handing it to the ATS: the review before the question, the closing.

"Chiudi e invia il caso all'ATS" is two actions: the review (the case, how many contacts it
has, the first page of them, and what the referent may have missed) and the closing. The
closing decides who is told (the admins of the plesso's ATS, else the regional ones:
`domain.closing.recipients`) and writes the closed state, its audit row and one outbox row per
admin in one transaction (storage/closing.py); reminders/handover.py delivers the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from domain.access import Actor
from domain.cases import Case
from domain.closing import CloseResult, Review, recipients, review_before_closing
from domain.contacts import ContactPage
from services.cases import Refusal, own_case
from services.unit_of_work import UnitOfWork

REVIEW_PAGE_SIZE = 10

Admins = Iterable[tuple[int, str | None]]
"""The configured admins: (Telegram user id, their ATS, None for a regional admin)."""


@dataclass(frozen=True)
class ClosingReview:
    """What the referent reads before Sì / No (`first_page` None: the case has no contacts).

    For a case already closed only `case` matters: the handler says when it was closed."""

    case: Case
    contacts: int = 0
    first_page: ContactPage | None = None
    review: Review = field(default_factory=Review)


async def review_closing(
    uow: UnitOfWork, actor: Actor, case_id: int | None
) -> ClosingReview | Refusal:
    """The review of one of the actor's cases before it is closed."""
    case = await own_case(uow, actor, case_id, for_change=False)
    if isinstance(case, Refusal) or not case.is_open:
        return case if isinstance(case, Refusal) else ClosingReview(case=case)
    # Counted in SQL; the contacts are read (all of them, no cap) only when there are some,
    # for the reminders, which look at every one.
    contacts = await uow.contacts.count(case.id)
    if contacts == 0:
        return ClosingReview(case=case, review=review_before_closing(case, []))
    everyone = await uow.contacts.all_of(case.id)
    first_page = await uow.contacts.page(case.id, 1, size=REVIEW_PAGE_SIZE)
    return ClosingReview(
        case=case,
        contacts=contacts,
        first_page=first_page,
        review=review_before_closing(case, everyone),
    )


async def contacts_page(
    uow: UnitOfWork, actor: Actor, case_id: int, number: int
) -> ContactPage | Refusal:
    """ "Altri contatti" under the review: the next page of the case's contacts."""
    case = await own_case(uow, actor, case_id, for_change=False)
    if isinstance(case, Refusal):
        return case
    return await uow.contacts.page(case.id, number, size=REVIEW_PAGE_SIZE)


async def close_case(
    uow: UnitOfWork, actor: Actor, case_id: int | None, now: datetime, admins: Admins
) -> CloseResult | Refusal:
    """Sì: close the case once and queue its notices to the ATS, in one transaction.

    A second Sì (a double tap, an old message, a colleague) gets ALREADY_CLOSED with the
    case as it was closed; MISSING if the case went between the check and the closing."""
    case = await own_case(uow, actor, case_id, for_change=False)
    if isinstance(case, Refusal):
        return case
    plesso = await uow.plessi.get(case.data.plesso_code)
    assert plesso is not None  # a case always belongs to a known plesso (foreign key)
    return await uow.closing.close(
        case.id, actor=actor.user_id, now=now, recipients=recipients(admins, plesso.ats_code)
    )
