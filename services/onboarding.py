"""A referent joins with an invitation code (/start): the code is checked (with the lock-out
after too many wrong ones), then the invitation is used and the user bound to its plesso.
Later /profilo changes the name, phone and e-mail every new case takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.access import Actor
from domain.invitations import hash_invitation_code, normalize_invitation_code
from domain.registry import (
    INVITATION_LOCKOUT,
    LOCKOUT_FAILURES,
    LOCKOUT_WINDOW,
    Plesso,
    Referent,
    ReferentProfile,
)
from services.unit_of_work import UnitOfWork


class CodeRefusal(StrEnum):
    LOCKED_OUT = "locked_out"  # too many wrong codes lately: `locked_until`
    WRONG = "wrong"  # no such code: `attempts_left` before the lock-out
    USED = "used"
    EXPIRED = "expired"


@dataclass(frozen=True)
class CodeChecked:
    """A typed invitation code: the invitation it opens, or why it opens none."""

    refused: CodeRefusal | None = None
    locked_until: datetime | None = None
    attempts_left: int = 0
    invitation_hash: str = ""
    plesso: Plesso | None = None
    role: str = "referent"


async def locked_until(uow: UnitOfWork, user_id: int, now: datetime) -> datetime | None:
    """The end of the user's lock-out, or None when they may type a code."""
    failures = await uow.invitations.failures_since(user_id, now - INVITATION_LOCKOUT.lookback)
    return INVITATION_LOCKOUT.until(failures, now)


async def check_code(uow: UnitOfWork, user_id: int, typed: str, now: datetime) -> CodeChecked:
    """Check a typed (or deep-linked) code. A wrong one is recorded, and the fifth within
    the lock-out window locks the user out: no code is even looked at then.

    Not one transaction on purpose: the failure must be committed before the lock-out is
    read again (reads do not see an open transaction's writes), and it must stay recorded
    whatever happens next."""
    until = await locked_until(uow, user_id, now)
    if until is not None:
        return CodeChecked(refused=CodeRefusal.LOCKED_OUT, locked_until=until)
    code = normalize_invitation_code(typed)
    invitation = await uow.invitations.by_hash(hash_invitation_code(code)) if code else None
    if invitation is None:
        await uow.invitations.record_failure(user_id, now)
        until = await locked_until(uow, user_id, now)
        if until is not None:
            return CodeChecked(refused=CodeRefusal.LOCKED_OUT, locked_until=until)
        recent = await uow.invitations.failures_since(user_id, now - LOCKOUT_WINDOW)
        left = max(LOCKOUT_FAILURES - len(recent), 1)
        return CodeChecked(refused=CodeRefusal.WRONG, attempts_left=left)
    if invitation.used_at is not None:
        return CodeChecked(refused=CodeRefusal.USED)
    if invitation.expires_at <= now:
        return CodeChecked(refused=CodeRefusal.EXPIRED)
    plesso = await uow.plessi.get(invitation.plesso_code)
    assert plesso is not None  # invitations reference plessi (foreign key)
    return CodeChecked(
        invitation_hash=hash_invitation_code(code or ""), plesso=plesso, role=invitation.role
    )


async def join(
    uow: UnitOfWork,
    user_id: int,
    invitation_hash: str,
    profile: ReferentProfile | None,
    now: datetime,
) -> bool:
    """Use the invitation and bind the user to its plesso (one transaction); `profile` for a
    new referent. False when the invitation was used or expired in the meantime."""
    joined = await uow.referents.join(
        telegram_user_id=user_id, profile=profile, invitation_hash=invitation_hash, now=now
    )
    return joined is not None


async def my_plessi(uow: UnitOfWork, actor: Actor) -> list[Plesso]:
    """The plessi the referent holds, by name (none for who is not a referent)."""
    return await uow.plessi.many(actor.referent.plessi) if actor.referent is not None else []


async def change_profile(
    uow: UnitOfWork, actor: Actor, profile: ReferentProfile, now: datetime
) -> Referent | None:
    """/profilo: the referent's name, phone and e-mail, once for every later case; the
    profile as stored (None: not a referent any more)."""
    if actor.referent is None:
        return None
    async with uow.transaction():
        await uow.referents.change_profile(actor.referent.id, profile, actor=actor.user_id, now=now)
    return await uow.referents.by_id(actor.referent.id)
