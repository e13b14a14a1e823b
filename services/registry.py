"""The school registry's use cases, for the ATS admins: count and import the plessi (/scuole),
invite a referent to a plesso (/invita), see and cancel the invitations not used yet
(/inviti), list the referents (/referenti) and revoke one's access to a plesso (/revoca, all
of them or those matching a name part or a plesso code). Every one is scoped to the admin's
ATS (all ATS for a regional admin): a plesso of another ATS is as good as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.access import Actor
from domain.invitations import hash_invitation_code, new_invitation_code
from domain.registry import (
    ImportCounts,
    Invitation,
    OutstandingInvitation,
    Plesso,
    ReferentWithPlessi,
    RegistryCounts,
)
from domain.school_import import scope_import, to_plesso
from domain.schools import RowError, SchoolsImport
from domain.text import fold
from services.unit_of_work import UnitOfWork

# --- /scuole --------------------------------------------------------------------------------


async def school_counts(uow: UnitOfWork, actor: Actor) -> RegistryCounts:
    """The plessi of the admin's ATS (of every ATS for a regional admin)."""
    return await uow.plessi.counts(actor.admin_ats)


async def ats_without_plessi(uow: UnitOfWork, ats_codes: Iterable[str]) -> list[str]:
    """The ATS codes (ADMIN_IDS's) that no plesso uses: a typo, or schools not loaded yet."""
    return [code for code in sorted(set(ats_codes)) if (await uow.plessi.counts(code)).plessi == 0]


@dataclass(frozen=True)
class SchoolsImported:
    """What an import did, and the rows it refused (the file's own errors and the rows of
    plessi the admin may not touch), in file order."""

    counts: ImportCounts
    refused: list[RowError]


async def import_schools(
    uow: UnitOfWork, actor: Actor, parsed: SchoolsImport, now: datetime
) -> SchoolsImported:
    """Load a parsed CSV: the rows the admin may change are added or updated, in one
    transaction; an ATS admin's rows of another ATS are refused."""
    async with uow.transaction():
        existing = {
            plesso.code: plesso.ats_code
            for plesso in await uow.plessi.many([row.code for row in parsed.rows])
        }
        scoped = scope_import(parsed, actor.admin_ats, existing)
        counts = await uow.plessi.upsert_many(
            [to_plesso(row) for row in scoped.rows], actor=actor.user_id, now=now
        )
    return SchoolsImported(counts=counts, refused=scoped.errors)


# --- /invita --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    """A new invitation: the code is shown once (only its hash is stored)."""

    plesso: Plesso
    invitation: Invitation
    code: str


async def managed_plesso(uow: UnitOfWork, actor: Actor, code: str) -> Plesso | None:
    """The plesso if the admin manages it; None if unknown or of another ATS."""
    plesso = await uow.plessi.get(code)
    return plesso if plesso is not None and actor.manages_plesso(plesso) else None


async def invite(
    uow: UnitOfWork,
    actor: Actor,
    plesso_code: str,
    now: datetime,
    valid_for: timedelta,
    role: str = "referent",
) -> Invited | None:
    """A fresh invitation to a plesso the admin manages, valid for `valid_for`; None when
    the plesso is unknown or of another ATS."""
    plesso = await managed_plesso(uow, actor, plesso_code)
    if plesso is None:
        return None
    code = new_invitation_code()
    invitation = await uow.invitations.create(
        code_hash=hash_invitation_code(code),
        plesso_code=plesso.code,
        created_by=actor.user_id,
        now=now,
        expires_at=now + valid_for,
        role=role,
    )
    return Invited(plesso=plesso, invitation=invitation, code=code)


# --- /inviti --------------------------------------------------------------------------------


async def outstanding_invitations(
    uow: UnitOfWork, actor: Actor, now: datetime
) -> list[OutstandingInvitation]:
    """The invitations of the admin's ATS (every ATS for a regional admin) that could still be
    used at `now`, newest first."""
    return [
        OutstandingInvitation(invitation=invitation, plesso=plesso)
        for invitation, plesso in await uow.invitations.outstanding(actor.admin_ats, now)
    ]


class Cancellation(StrEnum):
    DONE = "done"  # the code is unusable from now on; audited
    NOTHING = "nothing"  # used or expired (or cancelled) meanwhile: nothing to cancel
    REFUSED = "refused"  # unknown, or of another ATS (a forged or stale button)


async def cancel_invitation(
    uow: UnitOfWork, actor: Actor, invitation_id: int, now: datetime
) -> tuple[Cancellation, Plesso | None]:
    """Cancel an invitation to a plesso the admin manages: its code stops working at once.
    Returns the outcome and the invitation's plesso (None when refused)."""
    invitation = await uow.invitations.by_id(invitation_id)
    plesso = (
        await managed_plesso(uow, actor, invitation.plesso_code) if invitation is not None else None
    )
    if plesso is None:
        return Cancellation.REFUSED, None
    async with uow.transaction():
        cancelled = await uow.invitations.cancel(invitation_id, actor=actor.user_id, now=now)
    return (Cancellation.DONE if cancelled else Cancellation.NOTHING), plesso


# --- /referenti and /revoca -----------------------------------------------------------------


async def referents_of(uow: UnitOfWork, actor: Actor) -> list[ReferentWithPlessi]:
    """The referents holding a plesso of the admin's ATS (of any, for a regional admin)."""
    return await uow.referents.list_for_ats(actor.admin_ats)


@dataclass(frozen=True)
class RevokeTarget:
    """One referent's access to one plesso, that the admin may revoke."""

    referent_id: int
    referent_name: str
    plesso_code: str
    plesso_name: str


async def revocable(uow: UnitOfWork, actor: Actor, search: str = "") -> list[RevokeTarget]:
    """Every access the admin may revoke, by referent's name then plesso; with `search`, those
    whose referent's name or plesso code holds it (case, accents and punctuation ignored:
    "rossi", "d'angelo", "MIEE8AB01T", "miee")."""
    key = fold(search)
    return [
        RevokeTarget(item.referent.id, item.referent.full_name, plesso.code, plesso.name)
        for item in await referents_of(uow, actor)
        for plesso in item.plessi
        if actor.manages_plesso(plesso)
        and (key in fold(item.referent.full_name) or key in fold(plesso.code))
    ]


async def revoke_target(
    uow: UnitOfWork, actor: Actor, referent_id: int, plesso_code: str
) -> RevokeTarget | None:
    """The access a revoke button names, or None for an unknown referent or plesso, or a
    plesso of another ATS (a forged or stale button)."""
    referent = await uow.referents.by_id(referent_id)
    plesso = await managed_plesso(uow, actor, plesso_code)
    if referent is None or plesso is None:
        return None
    return RevokeTarget(referent.id, referent.full_name, plesso.code, plesso.name)


class Revocation(StrEnum):
    DONE = "done"  # revoked now; the referent's notice is queued with it
    NOTHING = "nothing"  # no such access any more (revoked already)
    REFUSED = "refused"  # unknown, or not the admin's to revoke


async def revoke(
    uow: UnitOfWork, actor: Actor, referent_id: int, plesso_code: str, now: datetime
) -> Revocation:
    """Revoke a referent's access to a plesso of the admin's ATS. The revocation, its audit
    row and the referent's notice (the outbox row that reminders/notices.py delivers) are
    one transaction: no revocation goes untold."""
    if await revoke_target(uow, actor, referent_id, plesso_code) is None:
        return Revocation.REFUSED
    async with uow.transaction():
        changed = await uow.referents.revoke(
            referent_id=referent_id, plesso_code=plesso_code, actor=actor.user_id, now=now
        )
    return Revocation.DONE if changed else Revocation.NOTHING
