"""Who is asking: the actor of an update, built from the settings' admins and the registry,
and what hearing from a referent changes (the reminders may reach them again).
"""

from __future__ import annotations

from datetime import datetime

from domain.access import Actor
from services.unit_of_work import UnitOfWork


async def actor_of(
    uow: UnitOfWork, user_id: int, *, is_admin: bool, admin_ats: str | None
) -> Actor:
    """The actor behind `user_id`: an admin as the settings say (`admin_ats` None: regional),
    a referent as the registry says (both, or neither)."""
    referent = await uow.referents.by_user(user_id)
    return Actor(user_id=user_id, is_admin=is_admin, admin_ats=admin_ats, referent=referent)


async def heard_from(uow: UnitOfWork, actor: Actor, now: datetime) -> None:
    """The actor wrote to the bot: a referent the reminders could not reach is reachable."""
    if actor.referent is not None:
        await uow.reminders.clear_unreachable(actor.referent.id, now)
