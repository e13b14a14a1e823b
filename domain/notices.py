"""Notices the bot owes a referent about their access (the revocation, for now). Pure.

They go through a persistent outbox (domain.outbox): the row is written with the change it
announces, and delivered after the commit, retried until Telegram takes it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.outbox import OutboxStatus


class NoticeKind(StrEnum):
    REVOKED = "revoked"
    """An admin revoked the referent's access to `plesso_code`."""


class ReferentNotice(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    referent_id: int
    user_id: int
    """The referent's Telegram user id (their chat)."""
    kind: NoticeKind
    plesso_code: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    sent_at: datetime | None = None
