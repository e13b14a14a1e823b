"""/registro's use cases (admins): the change log of a case, a plesso, a referent or a whole
ATS, each found only within the admin's scope, and who the actors of its rows are.

Something of another ATS is answered as an unknown one (None): the same answer either way,
so an admin cannot probe what exists elsewhere. A regional admin (no ATS) sees everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.access import Actor
from domain.audit import SYSTEM, AuditEntry
from domain.registry import Plesso, Referent
from domain.text import parse_ascii_int
from services.unit_of_work import UnitOfWork

ALL_ATS = "all"  # the key of a regional admin's log of every ATS


@dataclass(frozen=True)
class PlessoLog:
    plesso: Plesso
    entries: list[AuditEntry]


@dataclass(frozen=True)
class ReferentLog:
    referent: Referent
    entries: list[AuditEntry]


class WhoKind(StrEnum):
    """Who wrote an audit row."""

    SYSTEM = "system"  # the bot's own jobs
    REFERENT = "referent"  # a referent, by name
    ATS = "ats"  # an admin
    UNKNOWN = "unknown"  # a user id that is neither (any more)


@dataclass(frozen=True)
class Who:
    kind: WhoKind
    name: str | None = None  # a referent's
    user_id: int | None = None  # an unknown user's


async def case_log(uow: UnitOfWork, actor: Actor, case_id: int) -> list[AuditEntry] | None:
    """The rows of a case and its contacts; None when unknown or not the admin's."""
    case = await uow.cases.get(case_id)
    if case is None:
        return None
    plesso = await uow.plessi.get(case.data.plesso_code)
    if plesso is None or not actor.manages_plesso(plesso):
        return None
    return await uow.audit.for_case(case_id)


async def plesso_log(uow: UnitOfWork, actor: Actor, code: str) -> PlessoLog | None:
    """The rows of a plesso, its cases', their contacts', its closures' and its referents'
    links; None when unknown or not the admin's."""
    plesso = await uow.plessi.get(code.strip().upper())
    if plesso is None or not actor.manages_plesso(plesso):
        return None
    return PlessoLog(plesso, await uow.audit.for_plesso(plesso.code))


async def referent_log(uow: UnitOfWork, actor: Actor, referent_id: int) -> ReferentLog | None:
    """What a referent did and what was done about them; None when unknown, or when none of
    their plessi (held or revoked) is the admin's."""
    referent = await uow.referents.by_id(referent_id)
    if referent is None:
        return None
    if actor.admin_ats is not None:
        plessi = await uow.plessi.many([*referent.plessi, *referent.revoked_plessi])
        if not any(actor.manages_plesso(plesso) for plesso in plessi):
            return None
    # Only the rows of the admin's ATS: a referent may hold plessi of two ATS.
    entries = await uow.audit.for_referent(referent.id, referent.telegram_user_id, actor.admin_ats)
    return ReferentLog(referent, entries)


async def ats_log(uow: UnitOfWork, actor: Actor, key: str) -> list[AuditEntry] | None:
    """The rows of the admin's own ATS (`key` is their ATS code, or ALL_ATS for a regional
    admin); None for any other key."""
    if key != own_ats_key(actor):
        return None
    return await uow.audit.for_ats(actor.admin_ats)


def own_ats_key(actor: Actor) -> str:
    return actor.admin_ats or ALL_ATS


async def referents(uow: UnitOfWork, actor: Actor) -> list[Referent]:
    """The referents of the admin's ATS (every referent for a regional admin)."""
    return [item.referent for item in await uow.referents.list_for_ats(actor.admin_ats)]


async def who(
    uow: UnitOfWork, actors: Iterable[str], is_admin: Callable[[int], bool]
) -> dict[str, Who]:
    """The rows' actors ('tg:<id>', 'system'): a referent by name, an admin, the system, or
    an unknown user. Anything else is left out (shown as written)."""
    found: dict[str, Who] = {}
    for actor in set(actors):
        if actor == SYSTEM:
            found[actor] = Who(WhoKind.SYSTEM)
            continue
        user_id = parse_ascii_int(actor.removeprefix("tg:"), max_digits=20)
        if user_id is None:
            continue
        referent = await uow.referents.by_user(user_id)
        if referent is not None:
            found[actor] = Who(WhoKind.REFERENT, name=referent.full_name)
        elif is_admin(user_id):
            found[actor] = Who(WhoKind.ATS)
        else:
            found[actor] = Who(WhoKind.UNKNOWN, user_id=user_id)
    return found
