"""The audit trail's rows as the change log (/registro) shows them.

Every change is written with who made it: `tg:<user id>` for a person, SYSTEM for the bot's
own jobs (retention, reminders).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

SYSTEM = "system"


class AuditEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    details: dict[str, object]
