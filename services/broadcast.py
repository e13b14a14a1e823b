"""/avviso's use cases (admins): the audiences an admin may write to and what was sent
lately, the size of an audience, and the broadcast itself, stored once per confirmed preview
with its recipients and its audit row (delivered later by `reminders.broadcast`).

A scope of None means every ATS (a regional admin).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.access import Actor
from domain.broadcast import Audience, BroadcastStatus, CreateResult
from services.unit_of_work import UnitOfWork

RECENT_SHOWN = 3  # the latest broadcasts listed when /avviso starts


@dataclass(frozen=True)
class AudienceChoice:
    """What the audience question shows: the latest broadcasts, and each audience's size."""

    recent: list[BroadcastStatus]
    sizes: dict[Audience, int]


def may_broadcast(actor: Actor, scope: str | None) -> bool:
    """Every ATS is a regional admin's; one ATS is its admins' (and a regional admin's)."""
    if scope is None:
        return actor.is_admin and actor.admin_ats is None
    return actor.manages_ats(scope)


async def ats_exists(uow: UnitOfWork, ats_code: str) -> bool:
    """Whether a regional admin's `/avviso ATS-CODICE` names an ATS that has plessi."""
    return ats_code in await uow.closures.ats_codes()


async def audience_choice(uow: UnitOfWork, scope: str | None) -> AudienceChoice:
    recent = await uow.broadcasts.recent(scope, RECENT_SHOWN)
    return AudienceChoice(recent=recent, sizes=await uow.broadcasts.audience_sizes(scope))


async def recipients(uow: UnitOfWork, scope: str | None, audience: Audience) -> int:
    """How many referents the preview's message would reach now."""
    return await uow.broadcasts.count_recipients(scope, audience)


async def send_broadcast(
    uow: UnitOfWork,
    actor: Actor,
    key: str,
    scope: str | None,
    audience: Audience,
    text: str,
    now: datetime,
) -> CreateResult | None:
    """Store the broadcast of the preview `key` with its recipients (once: a second tap finds
    it ALREADY stored); None when the admin may not write to `scope` (any more)."""
    if not may_broadcast(actor, scope):
        return None
    return await uow.broadcasts.create(
        request_key=key, ats_code=scope, audience=audience, text=text, actor=actor.user_id, now=now
    )
